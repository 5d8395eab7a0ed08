{#- The weeks every stop-the-line rule judges: one row per governed metric (its ledger's current
    rules) and every ISO week of the export, with whether the week and the week before it are
    complete (int_export_weeks). A week-over-week rule (coverage drop) judges a week only when
    both are complete; the others read the ledger's thresholds from here. -#}
with

rules as (

    {{ ledger_rules_rows() }}

),

weeks as (

    select * from {{ ref('int_export_weeks') }}

),

final as (

    select
        rules.metric_name,
        weeks.week_start_date,
        rules.version as definition_version,
        rules.job,
        rules.status,
        rules.better,
        rules.coverage_drop_pct,
        rules.min_response_rate,
        weeks.is_complete_week,
        coalesce(previous_week.is_complete_week, false) as is_previous_week_complete
    from rules
    cross join weeks
    left join weeks as previous_week
        on cast({{ dbt.dateadd('day', -7, 'weeks.week_start_date') }} as date) = previous_week.week_start_date

)

select * from final
