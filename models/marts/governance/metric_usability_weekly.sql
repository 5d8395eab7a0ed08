{#- The consumer-facing verdict: may a governed metric's number be used for its job this week?
    metric_status_weekly's verdict, plus one rule checked when the view is queried rather than
    when a table was built:
    - definition_version_mismatch: the metric's values (metric_values_weekly) or its verdict
      (metric_status_weekly) were computed with a definition version other than the one the
      dictionary (metric_dictionary) claims now.
    A build that stops half-way leaves these tables at different versions; this view then marks
    the metric not usable instead of pairing the dictionary's version with another version's
    numbers. A view, so the comparison is always between the tables as they are now. -#}
{{ config(materialized='view') }}

with

status as (

    select * from {{ ref('metric_status_weekly') }}

),

metric_values as (

    select * from {{ ref('metric_values_weekly') }}

),

dictionary as (

    select * from {{ ref('metric_dictionary') }}

),

version_checks as (

    select
        status.metric_name,
        status.week_start_date,
        status.job,
        status.is_complete_week,
        status.metric_value,
        status.usable_for_job as is_usable_by_status,
        status.reasons as status_reasons,
        status.definition_version,
        metric_values.definition_version as values_definition_version,
        dictionary.version as dictionary_version,
        coalesce(status.definition_version <> dictionary.version, true)
        or coalesce(metric_values.definition_version <> dictionary.version, false) as has_definition_version_mismatch
    from status
    left join dictionary
        on status.metric_name = dictionary.metric_name
    left join metric_values
        on
            status.metric_name = metric_values.metric_name
            and status.week_start_date = metric_values.week_start_date

),

final as (

    select
        metric_name,
        week_start_date,
        job,
        is_complete_week,
        metric_value,
        is_usable_by_status and not has_definition_version_mismatch as usable_for_job,
        case
            when not has_definition_version_mismatch then status_reasons
            when status_reasons = '' then 'definition_version_mismatch'
            else {{ dbt.concat(['status_reasons', "', definition_version_mismatch'"]) }}
        end as reasons,
        has_definition_version_mismatch,
        definition_version,
        values_definition_version,
        dictionary_version
    from version_checks

)

select * from final
