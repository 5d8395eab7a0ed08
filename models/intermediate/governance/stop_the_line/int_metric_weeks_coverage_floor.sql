{#- Rule: coverage floor. A governed metric's number for a week is not usable when the share of
    the contacts in its scope that it counts falls below its ledger's
    stop_the_line.coverage_floor: it no longer describes the work (a channel went missing from
    the data, or its rows were quarantined). Scope is metric_coverage_weekly's: the channels the
    metric covers plus every channel the source contract does not know. coverage_rate =
    included contacts / all contacts in scope; a week without any contact in scope has no
    coverage and is not judged here (no_data decides). Metrics read from agent shifts only
    (no coverage rows) are never below a floor. One row per metric and week with coverage. -#}
with

coverage as (

    select * from {{ ref('metric_coverage_weekly') }}
    where is_in_scope

),

rules as (

    {{ ledger_rules_rows() }}

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
        1.0 * weekly_coverage.included_contacts / nullif(weekly_coverage.all_contacts, 0) as coverage_rate,
        rules.coverage_floor,
        coalesce(
            1.0 * weekly_coverage.included_contacts / nullif(weekly_coverage.all_contacts, 0) < rules.coverage_floor,
            false
        ) as is_below_coverage_floor
    from weekly_coverage
    inner join rules
        on weekly_coverage.metric_name = rules.metric_name

)

select * from final
