{#- Rule: the ticket's CSAT. The answered survey (responded_at and rating not null) with the
    latest responded_at (ties: later sent_at, then greater survey_id) gives csat_rating;
    is_satisfied = rating >= 4. Quarantined surveys are excluded. One row per rated ticket.
    created_week, the week of the ticket's created_at, is operational: the partition an
    incremental run rewrites on Spark. -#}
-- depends_on: {{ ref('int_tickets_refresh_set') }}
with

answered_surveys as (

    select * from {{ ref('stg_helpdesk__csat_responses') }}
    where quarantine_reason is null and is_answered
    {{- ticket_refresh_filter('ticket_id', 'and') }}

),

ranked as (

    select
        ticket_id,
        ticket_created_at,
        rating,
        row_number() over (
            partition by ticket_id
            order by responded_at desc, sent_at desc, survey_id desc
        ) as answer_rank
    from answered_surveys

),

final as (

    select
        ticket_id,
        {{ week_start('ticket_created_at') }} as created_week,
        rating as csat_rating,
        rating >= 4 as is_satisfied
    from ranked
    where answer_rank = 1

)

select * from final
