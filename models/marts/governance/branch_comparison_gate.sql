{#- The comparability gate (first seed document), per rankable governed metric and ISO week:
    branches may be ranked only when
    - their contact-reason mixes overlap by at least branch_min_reason_overlap (pairwise
      sum of min(share_a, share_b); the smallest pair counts),
    - their coverage rates are within branch_max_coverage_spread_points,
    - the same definition version held all week (no changelog definition change effective in it),
    - and the ranking does not reverse after segmenting by channel or by contact reason
      (Simpson's paradox): each branch's value is standardised to the pooled segment mix of all
      branches; a pair whose raw and standardised values differ in opposite directions, each by
      at least branch_reversal_min_gap_pct of the pooled value, is a reversal.
    Each check is one model with its header and unit tests (models/intermediate/governance/
    branch_gate/, and int_metric_definition_change_weeks' switch weeks); this model joins them.
    Pass: branch_league_table publishes a ranking. Fail: it publishes cohorts and these checks. -#}
{%- set checks = [
    ['not passes_reason_overlap', 'reason_overlap'], ['not passes_coverage_spread', 'coverage_spread'],
    ['not passes_same_definition_version', 'definition_version'],
    ['not passes_no_channel_reversal', 'reversal_by_channel'], ['not passes_no_reason_reversal', 'reversal_by_contact_reason'],
] -%}

with

metric_weeks as (

    select distinct
        metric_name,
        week_start_date
    from {{ ref('int_branch_metric_values') }}
    where cohort_dimension = 'overall'

),

weekly_overlap as (

    select * from {{ ref('int_branch_reason_overlap_weekly') }}

),

weekly_coverage_spread as (

    select * from {{ ref('int_branch_coverage_spread_weekly') }}

),

version_changes as (

    select * from {{ ref('int_metric_definition_change_weeks') }}
    where has_version_switch

),

reversals as (

    select * from {{ ref('int_branch_reversals_weekly') }}

),

checks as (

    select
        metric_weeks.metric_name,
        metric_weeks.week_start_date,
        cast(weekly_overlap.min_reason_overlap as {{ type_double() }}) as min_reason_overlap,
        cast(weekly_coverage_spread.coverage_spread_points as {{ type_double() }}) as coverage_spread_points,
        coalesce(weekly_overlap.min_reason_overlap >= {{ var('branch_min_reason_overlap') }}, false) as passes_reason_overlap,
        coalesce(weekly_coverage_spread.coverage_spread_points <= {{ var('branch_max_coverage_spread_points') }}, false)
            as passes_coverage_spread,
        version_changes.metric_name is null as passes_same_definition_version,
        not coalesce(reversals.reverses_by_channel, false) as passes_no_channel_reversal,
        not coalesce(reversals.reverses_by_contact_reason, false) as passes_no_reason_reversal,
        reversals.reversed_pairs
    from metric_weeks
    left join weekly_overlap
        on metric_weeks.week_start_date = weekly_overlap.week_start_date
    left join weekly_coverage_spread
        on metric_weeks.week_start_date = weekly_coverage_spread.week_start_date
    left join version_changes
        on
            metric_weeks.metric_name = version_changes.metric_name
            and metric_weeks.week_start_date = version_changes.week_start_date
    left join reversals
        on
            metric_weeks.metric_name = reversals.metric_name
            and metric_weeks.week_start_date = reversals.week_start_date

),

final as (

    select
        metric_name,
        week_start_date,
        min_reason_overlap,
        coverage_spread_points,
        passes_reason_overlap,
        passes_coverage_spread,
        passes_same_definition_version,
        passes_no_channel_reversal,
        passes_no_reason_reversal,
        {{ reason_list(checks) }} = '' as is_ranking_allowed,
        {{ reason_list(checks) }} as failed_checks,
        reversed_pairs
    from checks

)

select * from final
