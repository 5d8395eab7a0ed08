{#- Rule: a definition change and the weeks it touches (governance.md §3-4). Each changelog row
    of change_type definition_change marks, for its metric:
    - the freeze: every ISO week that overlaps the freeze window, from the effective date to
      freeze_weeks * 7 days after it (targets frozen, comparisons across it invalid:
      metric_status_weekly's definition_freeze);
    - the switch week: the week the new version took effect inside, after its Monday, so two
      definitions held that week (branch_comparison_gate's definition_version check; a change
      effective on a Monday leaves that whole week on the new version).
    Refactor, introduced and governance_change rows move no definition and mark nothing. One row
    per metric and ISO week of the export with either mark. -#}
with

metric_weeks as (

    select * from {{ ref('int_metric_weeks') }}

),

changelog as (

    select * from {{ ref('metric_changelog') }}
    where change_type = 'definition_change'

),

touched as (

    select
        metric_weeks.metric_name,
        metric_weeks.week_start_date,
        case
            when
                metric_weeks.week_start_date < {{ dbt.dateadd('day', '7 * changelog.freeze_weeks', 'changelog.effective_date') }}
                and {{ dbt.dateadd('day', 7, 'metric_weeks.week_start_date') }} > changelog.effective_date
                then 1
            else 0
        end as is_in_freeze,
        case
            when
                metric_weeks.week_start_date < changelog.effective_date
                and changelog.effective_date < {{ dbt.dateadd('day', 7, 'metric_weeks.week_start_date') }}
                then 1
            else 0
        end as has_version_switch
    from metric_weeks
    inner join changelog
        on metric_weeks.metric_name = changelog.metric_name

),

final as (

    select
        metric_name,
        week_start_date,
        max(is_in_freeze) = 1 as is_in_freeze,
        max(has_version_switch) = 1 as has_version_switch
    from touched
    group by metric_name, week_start_date
    having max(is_in_freeze) = 1 or max(has_version_switch) = 1

)

select * from final
