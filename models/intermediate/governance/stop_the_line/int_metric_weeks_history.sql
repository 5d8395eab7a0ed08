{#- Rule: warm-up. A governed metric's number for a week is whole only when the export reaches far
    enough back before the week: tickets created before the export's first date count in it (a
    ticket resolved or first solved this week may have been created days earlier; the backlog at
    a day's end holds tickets opened before it), and the export cannot see them. The ledger's
    maturity.history_days says how many days before the week's first day the export must start
    (0: the week's own tickets make its number, even in a partial first week, which
    incomplete_week already marks). has_full_history: history_days is 0, or the export's first
    date is on or before week_start_date - history_days; a week without it is warm_up_week in
    metric_status_weekly (not usable; the value stays visible). One row per governed metric and
    every ISO week of the export's dates. -#}
with

rules as (

    {{ ledger_history_rows() }}

),

export_bounds as (

    select * from {{ ref('int_export_bounds') }}

),

weeks as (

    select * from {{ ref('int_export_weeks') }}

),

final as (

    select
        rules.metric_name,
        weeks.week_start_date,
        rules.history_days,
        cast({{ dbt.dateadd('day', '-1 * rules.history_days', 'weeks.week_start_date') }} as date) as history_starts_on,
        export_bounds.export_first_date,
        rules.history_days = 0
        or export_bounds.export_first_date
        <= cast({{ dbt.dateadd('day', '-1 * rules.history_days', 'weeks.week_start_date') }} as date) as has_full_history
    from rules
    cross join weeks
    cross join export_bounds

)

select * from final
