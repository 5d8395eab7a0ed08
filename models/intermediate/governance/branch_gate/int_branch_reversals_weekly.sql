{#- Check: no ranking reversal (Simpson's paradox, the comparability gate of the first seed
    document). Per rankable metric, ISO week and cohort dimension (channel, contact_reason), each
    branch's value is standardised to the pooled segment mix of all branches: the average of its
    values within each segment (int_branch_metric_values) weighted by every branch's included
    contacts in that segment (int_weekly_segment_contacts). A pair of branches whose raw and
    standardised values differ in opposite directions, each by at least
    var branch_reversal_min_gap_pct of the pooled value (the average |raw value| of the week's
    branches), reverses. One row per metric and week with a reversal; reversed_pairs names them
    ("a/b by channel"). -#}
with

branch_values as (

    select * from {{ ref('int_branch_metric_values') }}

),

segment_weights as (

    select
        week_start_date,
        mix_dimension as cohort_dimension,
        segment as cohort_value,
        sum(included_contacts) as segment_contacts
    from {{ ref('int_weekly_segment_contacts') }}
    where
        mix_dimension in ('channel', 'contact_reason')
        and branch not in ('(all)', '(none)')
    group by week_start_date, mix_dimension, segment

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

final as (

    select
        metric_name,
        week_start_date,
        max(case when cohort_dimension = 'channel' then 1 else 0 end) = 1 as reverses_by_channel,
        max(case when cohort_dimension = 'contact_reason' then 1 else 0 end) = 1 as reverses_by_contact_reason,
        {{ ordered_listagg(
            dbt.concat(['branch_a', "'/'", 'branch_b', "' by '", 'cohort_dimension']),
            "', '",
            order_by=['branch_a', 'branch_b', 'cohort_dimension']
        ) }} as reversed_pairs
    from compared
    where
        raw_gap * standardised_gap < 0
        and abs(raw_gap) >= {{ var('branch_reversal_min_gap_pct') }} / 100.0 * pooled_value
        and abs(standardised_gap) >= {{ var('branch_reversal_min_gap_pct') }} / 100.0 * pooled_value
    group by metric_name, week_start_date

)

select * from final
