{#- Rule: the export's bounds. One row: the first UTC date the export records and its end, the
    latest moment it records (a ticket's created_at or a valid event's occurred_at), with its UTC
    date. The export's last date counts as
    complete (DECISIONLOG.md, "Maturity and no_data"): an export is an extract through the end of
    a day, so the backlog keeps that day (fct_backlog_daily) and a number that is final at the end
    of that day is mature (int_metric_weeks_maturity). No day after it is inside the export. -#}
with

moments as (

    select created_at as occurred_at from {{ ref('int_tickets_population') }}
    union all
    select occurred_at from {{ ref('int_ticket_events_valid') }}

),

final as (

    select
        cast(min(occurred_at) as date) as export_first_date,
        max(occurred_at) as export_end_at,
        cast(max(occurred_at) as date) as export_last_date
    from moments

)

select * from final
