{#- Warns for every metric and week whose coverage over its scope (covered channels and channels
    unknown to the contract) falls below the coverage_floor of its ledger. -#}
{{ config(severity='warn') }}

with

coverage as (

    select * from {{ ref('metric_coverage_weekly') }}
    where is_in_scope

),

floors as (

    select
        metric_name,
        coverage_floor
    from {{ ref('metric_dictionary') }}
    where coverage_floor is not null

),

weekly_coverage as (

    select
        metric_name,
        week_start_date,
        sum(included_contacts) as included_contacts,
        sum(all_contacts) as all_contacts
    from coverage
    group by metric_name, week_start_date

),

final as (

    select
        weekly_coverage.metric_name,
        weekly_coverage.week_start_date,
        weekly_coverage.included_contacts,
        weekly_coverage.all_contacts,
        1.0 * weekly_coverage.included_contacts / weekly_coverage.all_contacts as coverage_rate,
        floors.coverage_floor
    from weekly_coverage
    inner join floors
        on weekly_coverage.metric_name = floors.metric_name
    where 1.0 * weekly_coverage.included_contacts / weekly_coverage.all_contacts < floors.coverage_floor

)

select * from final
