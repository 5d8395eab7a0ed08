{#- Rule: coverage drop. A metric's included volume (contacts it counts in the channels it
    covers, metric_coverage_weekly) fell by more than its ledger's stop_the_line.coverage_drop_pct
    from the previous week, with no context-log entry in its scope that week explaining it
    (int_metric_weeks_context): a channel may have gone missing from the data. Judged only when
    the week and the previous week are both complete. volume_drop_pct = 100 * (last week - this
    week) / last week. One row per governed metric and week with coverage rows. -#}
with

metric_weeks as (

    select * from {{ ref('int_metric_weeks') }}

),

coverage as (

    select * from {{ ref('metric_coverage_weekly') }}
    where is_covered_channel

),

context as (

    select * from {{ ref('int_metric_weeks_context') }}

),

volumes as (

    select
        metric_name,
        week_start_date,
        sum(included_contacts) as included_contacts
    from coverage
    group by metric_name, week_start_date

),

volume_changes as (

    select
        this_week.metric_name,
        this_week.week_start_date,
        this_week.included_contacts,
        last_week.included_contacts as previous_included_contacts,
        100.0 * (last_week.included_contacts - this_week.included_contacts)
        / nullif(last_week.included_contacts, 0) as volume_drop_pct
    from volumes as this_week
    left join volumes as last_week
        on
            this_week.metric_name = last_week.metric_name
            and cast({{ dbt.dateadd('day', -7, 'this_week.week_start_date') }} as date) = last_week.week_start_date

),

final as (

    select
        volume_changes.metric_name,
        volume_changes.week_start_date,
        volume_changes.included_contacts,
        volume_changes.previous_included_contacts,
        volume_changes.volume_drop_pct,
        coalesce(
            metric_weeks.is_complete_week
            and metric_weeks.is_previous_week_complete
            and volume_changes.volume_drop_pct > metric_weeks.coverage_drop_pct
            and context.metric_name is null,
            false
        ) as has_coverage_drop
    from volume_changes
    inner join metric_weeks
        on
            volume_changes.metric_name = metric_weeks.metric_name
            and volume_changes.week_start_date = metric_weeks.week_start_date
    left join context
        on
            volume_changes.metric_name = context.metric_name
            and volume_changes.week_start_date = context.week_start_date

)

select * from final
