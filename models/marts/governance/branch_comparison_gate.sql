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
    Pass: branch_league_table publishes a ranking. Fail: it publishes cohorts and these checks. -#}
{%- set segment_dimensions = ['channel', 'contact_reason'] -%}

with

branch_values as (

    select * from {{ ref('int_branch_metric_values') }}

),

weekly as (

    select * from {{ ref('fct_support_weekly') }}

),

changelog as (

    select * from {{ ref('metric_changelog') }}

),

metric_weeks as (

    select distinct
        metric_name,
        week_start_date
    from branch_values
    where cohort_dimension = 'overall'

),

reason_contacts as (

    select
        week_start_date,
        branch,
        contact_reason,
        sum(included_contacts) as included_contacts
    from weekly
    where branch is not null
    group by week_start_date, branch, contact_reason

),

branch_totals as (

    select
        week_start_date,
        branch,
        sum(included_contacts) as included_contacts
    from reason_contacts
    group by week_start_date, branch

),

reason_shares as (

    select
        reason_contacts.week_start_date,
        reason_contacts.branch,
        reason_contacts.contact_reason,
        1.0 * reason_contacts.included_contacts / branch_totals.included_contacts as reason_share
    from reason_contacts
    inner join branch_totals
        on
            reason_contacts.week_start_date = branch_totals.week_start_date
            and reason_contacts.branch = branch_totals.branch
    where branch_totals.included_contacts > 0

),

reason_overlaps as (

    select
        first_branch.week_start_date,
        first_branch.branch as branch_a,
        second_branch.branch as branch_b,
        sum(
            case
                when first_branch.reason_share < second_branch.reason_share then first_branch.reason_share
                else second_branch.reason_share
            end
        ) as reason_overlap
    from reason_shares as first_branch
    inner join reason_shares as second_branch
        on
            first_branch.week_start_date = second_branch.week_start_date
            and first_branch.contact_reason = second_branch.contact_reason
            and first_branch.branch < second_branch.branch
    group by first_branch.week_start_date, first_branch.branch, second_branch.branch

),

weekly_overlap as (

    select
        week_start_date,
        min(reason_overlap) as min_reason_overlap
    from reason_overlaps
    group by week_start_date

),

branch_coverage as (

    select
        week_start_date,
        branch,
        1.0 * sum(included_contacts) / nullif(sum(all_contacts), 0) as coverage_rate
    from weekly
    where branch is not null
    group by week_start_date, branch

),

weekly_coverage_spread as (

    select
        week_start_date,
        100.0 * (max(coverage_rate) - min(coverage_rate)) as coverage_spread_points
    from branch_coverage
    group by week_start_date

),

version_changes as (

    select distinct
        metric_weeks.metric_name,
        metric_weeks.week_start_date
    from metric_weeks
    inner join changelog
        on
            metric_weeks.metric_name = changelog.metric_name
            and changelog.change_type = 'definition_change'
            and metric_weeks.week_start_date < changelog.effective_date
            and changelog.effective_date < {{ dbt.dateadd('day', 7, 'metric_weeks.week_start_date') }}

),

segment_weights as (

    {% for dimension in segment_dimensions -%}
        select
            week_start_date,
            '{{ dimension }}' as cohort_dimension,
            cast({{ dimension }} as {{ dbt.type_string() }}) as cohort_value,
            sum(included_contacts) as segment_contacts
        from weekly
        where branch is not null
        group by week_start_date, {{ dimension }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

standardised as (

    select
        branch_values.metric_name,
        branch_values.week_start_date,
        branch_values.cohort_dimension,
        branch_values.branch,
        sum(segment_weights.segment_contacts * branch_values.metric_value)
        / nullif(sum(segment_weights.segment_contacts), 0) as standardised_value
    from branch_values
    inner join segment_weights
        on
            branch_values.week_start_date = segment_weights.week_start_date
            and branch_values.cohort_dimension = segment_weights.cohort_dimension
            and branch_values.cohort_value = segment_weights.cohort_value
    group by branch_values.metric_name, branch_values.week_start_date, branch_values.cohort_dimension, branch_values.branch

),

raw_values as (

    select
        metric_name,
        week_start_date,
        branch,
        metric_value as raw_value
    from branch_values
    where cohort_dimension = 'overall'

),

pooled as (

    select
        metric_name,
        week_start_date,
        avg(abs(raw_value)) as pooled_value
    from raw_values
    group by metric_name, week_start_date

),

compared as (

    select
        first_std.metric_name,
        first_std.week_start_date,
        first_std.cohort_dimension,
        first_std.branch as branch_a,
        second_std.branch as branch_b,
        first_raw.raw_value - second_raw.raw_value as raw_gap,
        first_std.standardised_value - second_std.standardised_value as standardised_gap,
        pooled.pooled_value
    from standardised as first_std
    inner join standardised as second_std
        on
            first_std.metric_name = second_std.metric_name
            and first_std.week_start_date = second_std.week_start_date
            and first_std.cohort_dimension = second_std.cohort_dimension
            and first_std.branch < second_std.branch
    inner join raw_values as first_raw
        on
            first_std.metric_name = first_raw.metric_name
            and first_std.week_start_date = first_raw.week_start_date
            and first_std.branch = first_raw.branch
    inner join raw_values as second_raw
        on
            second_std.metric_name = second_raw.metric_name
            and second_std.week_start_date = second_raw.week_start_date
            and second_std.branch = second_raw.branch
    inner join pooled
        on
            first_std.metric_name = pooled.metric_name
            and first_std.week_start_date = pooled.week_start_date

),

reversals as (

    select
        metric_name,
        week_start_date,
        max(case when cohort_dimension = 'channel' then 1 else 0 end) = 1 as reverses_by_channel,
        max(case when cohort_dimension = 'contact_reason' then 1 else 0 end) = 1 as reverses_by_contact_reason,
        {{ dbt.listagg(
            dbt.concat(['branch_a', "'/'", 'branch_b', "' by '", 'cohort_dimension']),
            "', '",
            "order by branch_a, branch_b, cohort_dimension"
        ) }} as reversed_pairs
    from compared
    where
        raw_gap * standardised_gap < 0
        and abs(raw_gap) >= {{ var('branch_reversal_min_gap_pct') }} / 100.0 * pooled_value
        and abs(standardised_gap) >= {{ var('branch_reversal_min_gap_pct') }} / 100.0 * pooled_value
    group by metric_name, week_start_date

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
        passes_reason_overlap and passes_coverage_spread and passes_same_definition_version
        and passes_no_channel_reversal and passes_no_reason_reversal as is_ranking_allowed,
        replace(trim({{ dbt.concat([
            "case when not passes_reason_overlap then 'reason_overlap ' else '' end",
            "case when not passes_coverage_spread then 'coverage_spread ' else '' end",
            "case when not passes_same_definition_version then 'definition_version ' else '' end",
            "case when not passes_no_channel_reversal then 'reversal_by_channel ' else '' end",
            "case when not passes_no_reason_reversal then 'reversal_by_contact_reason ' else '' end",
        ]) }}), ' ', ', ') as failed_checks,
        reversed_pairs
    from checks

)

select * from final
