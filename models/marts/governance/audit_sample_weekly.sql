{#- The weekly sampling check (governance.md §5): `audit_sample_size` (default 10) included
    tickets per queue and ISO created week, for a reviewer to confirm that each was counted
    correctly, that the reply was meaningful and whether the customer had to come back.
    - Strata: channel x priority within the queue and week. The sample goes round-robin over
      the strata: round 1 takes one ticket from every stratum, round 2 a second one, and so on,
      so every stratum is represented before any is repeated.
    - Reproducible: tickets within a stratum are ordered by a hash of ticket_id, and the strata
      within a round by a hash of (queue, week, channel, priority), which rotates the strata
      that make a short sample from one week to the next. Ties (never expected) fall back to
      the ids themselves.
    - The reviewer columns are empty (null) booleans to fill in. -#}
{%- set sample_size = var('audit_sample_size', 10) -%}
with

tickets as (

    select * from {{ ref('fct_tickets') }}
    where is_included

),

hashed as (

    select
        ticket_id,
        queue,
        created_week,
        channel,
        priority,
        {{ dbt.hash('ticket_id') }} as ticket_hash,
        {{ dbt.hash(dbt.concat([
            "coalesce(queue, '')", "'|'",
            'cast(created_week as ' ~ dbt.type_string() ~ ')', "'|'",
            "coalesce(channel, '')", "'|'",
            "coalesce(priority, '')",
        ])) }} as stratum_hash
    from tickets

),

stratum_rounds as (

    select
        ticket_id,
        queue,
        created_week,
        channel,
        priority,
        stratum_hash,
        row_number() over (
            partition by queue, created_week, channel, priority
            order by ticket_hash, ticket_id
        ) as stratum_round,
        count(*) over (
            partition by queue, created_week, channel, priority
        ) as stratum_ticket_count
    from hashed

),

ranked as (

    select
        ticket_id,
        stratum_round,
        stratum_ticket_count,
        row_number() over (
            partition by queue, created_week
            order by stratum_round, stratum_hash, channel, priority
        ) as sample_rank
    from stratum_rounds

),

sampled as (

    select
        ticket_id,
        stratum_round,
        stratum_ticket_count,
        sample_rank
    from ranked
    where sample_rank <= {{ sample_size }}

),

final as (

    select
        tickets.created_week,
        tickets.queue,
        cast(sampled.sample_rank as {{ dbt.type_int() }}) as sample_rank,
        tickets.ticket_id,
        tickets.channel,
        tickets.priority,
        cast(sampled.stratum_round as {{ dbt.type_int() }}) as stratum_round,
        cast(sampled.stratum_ticket_count as {{ dbt.type_int() }}) as stratum_ticket_count,
        tickets.created_at,
        tickets.is_included,
        tickets.first_response_minutes,
        tickets.first_meaningful_response_minutes,
        tickets.public_agent_reply_count,
        tickets.is_one_touch,
        tickets.is_reopened,
        tickets.is_repeat_contact,
        tickets.csat_rating,
        cast(null as {{ dbt.type_boolean() }}) as reviewer_counted_correctly,
        cast(null as {{ dbt.type_boolean() }}) as reviewer_reply_meaningful,
        cast(null as {{ dbt.type_boolean() }}) as reviewer_customer_came_back
    from sampled
    inner join tickets
        on sampled.ticket_id = tickets.ticket_id

)

select * from final
