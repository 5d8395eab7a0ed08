{#- Warns for every metric and week whose coverage over its scope (covered channels and channels
    unknown to the contract) falls below the coverage_floor of its ledger: the rule of
    int_metric_weeks_coverage_floor (metric_status_weekly marks such a week below_coverage_floor,
    not usable); this test names it in the build log. -#}
{{ config(severity='warn') }}

select
    metric_name,
    week_start_date,
    included_contacts,
    all_contacts,
    coverage_rate,
    coverage_floor
from {{ ref('int_metric_weeks_coverage_floor') }}
where is_below_coverage_floor
