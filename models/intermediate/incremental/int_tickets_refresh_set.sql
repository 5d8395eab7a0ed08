{#- Operational, not definitional: the tickets this run recomputes in the incremental models
    (meta.metric_ledger.operational, so metric fingerprints skip it), each with its reason: those
    of int_tickets_refresh_reasons. Where the incremental models rewrite whole created-week
    partitions instead of deleting tickets (insert_overwrite: Spark), a run also recomputes every
    other ticket created in a week of such a ticket (`same_week`), in its current rows or in the
    previous build; an unknown creation time is one week of its own.
    A model whose rules changed (code, macros, seeds, vars) since its last build ignores this set
    and recomputes every ticket (macros/incremental/rule_fingerprint.sql). -#}
-- depends_on: {{ ref('stg_helpdesk__tickets') }}
-- sqlfluff:indentation:template_blocks_indent:false
{% set previous = previous_build_of('fct_tickets') if ticket_refresh_by_week() else none %}

with

refreshed as (

    select
        ticket_id,
        refresh_reason
    from {{ ref('int_tickets_refresh_reasons') }}

),

{% if not previous %}

final as (

    select * from refreshed

)

{% else %}

ticket_weeks as (

    {#- Each ticket's created weeks: of every current row and of the previous build. -#}
    select
        ticket_id,
        {{ week_start('created_at') }} as created_week
    from {{ ref('stg_helpdesk__tickets') }}
    where ticket_id is not null
    union all
    select
        ticket_id,
        {{ week_start('created_at') }} as created_week
    from {{ previous }}

),

refreshed_weeks as (

    select distinct ticket_weeks.created_week
    from ticket_weeks
    inner join refreshed
        on ticket_weeks.ticket_id = refreshed.ticket_id

),

same_week as (

    select
        ticket_weeks.ticket_id,
        'same_week' as refresh_reason
    from ticket_weeks
    inner join refreshed_weeks
        on
            ticket_weeks.created_week = refreshed_weeks.created_week
            or (ticket_weeks.created_week is null and refreshed_weeks.created_week is null)

),

final as (

    {#- A ticket's own reason comes first: `same_week` only for the others. -#}
    select
        ticket_id,
        coalesce(max(case when refresh_reason <> 'same_week' then refresh_reason end), 'same_week')
            as refresh_reason
    from (
        select ticket_id, refresh_reason from refreshed
        union all
        select ticket_id, refresh_reason from same_week
    ) as reasons
    group by ticket_id

)

{% endif %}

select * from final
