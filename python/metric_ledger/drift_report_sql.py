"""The SQL of the drift report (``drift_report``): reads of the governed marts, aggregates only.

Every query names relations by model name (``warehouse.connect`` puts every schema of the build on
the search path) and takes the window's first and last week as parameters.
"""

from __future__ import annotations

JOB_ORDER = "case job when 'target' then 0 when 'alarm' then 1 when 'allocation' then 2 else 3 end"

METRICS_SQL = f"""
select metric_name, coalesce(label, metric_name), job, status, version, decision_statement,
    counter_metrics, coverage_floor
from metric_dictionary
order by {JOB_ORDER}, metric_name
"""

# The verdict of the consumer view, the details of the status table, coverage in scope summed over
# channels (the coverage-floor rule's own sum) and the channel leaving most contacts uncounted.
WEEKS_SQL = """
with coverage as (
    select
        metric_name,
        week_start_date,
        sum(included_contacts) as included,
        sum(all_contacts) as total,
        1.0 * sum(included_contacts) / nullif(sum(all_contacts), 0) as coverage_rate,
        arg_max(channel, all_contacts - included_contacts) as uncounted_channel,
        max(all_contacts - included_contacts) as uncounted
    from metric_coverage_weekly
    where is_in_scope and week_start_date between ? and ?
    group by metric_name, week_start_date
)
select
    usability.metric_name,
    cast(usability.week_start_date as varchar),
    usability.metric_value,
    usability.usable_for_job,
    usability.reasons,
    status.is_immature,
    cast(metric_values.matures_on as varchar),
    coalesce(status.breached_counter_metrics, ''),
    coalesce(status.counter_metric_values, ''),
    status.volume_drop_pct,
    status.included_contacts,
    status.previous_included_contacts,
    status.csat_response_rate,
    coverage.coverage_rate,
    coverage.included,
    coverage.total,
    coverage.uncounted_channel,
    coverage.uncounted
from metric_usability_weekly as usability
inner join metric_status_weekly as status
    on usability.metric_name = status.metric_name
    and usability.week_start_date = status.week_start_date
left join metric_values_weekly as metric_values
    on usability.metric_name = metric_values.metric_name
    and usability.week_start_date = metric_values.week_start_date
left join coverage
    on usability.metric_name = coverage.metric_name
    and usability.week_start_date = coverage.week_start_date
where usability.week_start_date between ? and ?
order by usability.metric_name, usability.week_start_date
"""

NOTICES_SQL = """
select metric_name, from_version, to_version, cast(effective_date as varchar),
    coalesce(summary, ''),
    coalesce(approved_by, ''), cast(freeze_starts_on as varchar), cast(freeze_ends_on as varchar),
    coalesce(invalid_comparisons, ''), cast(baseline_ready_week as varchar)
from metric_rebaseline_notices
order by effective_date desc, metric_name
"""

CONTEXT_SQL = """
select cast(occurred_on as varchar), scope_type, scope_value, kind, description,
    coalesce(breaks_comparability, false)
from int_context_log
where occurred_on between ? and ?
order by occurred_on, kind
"""

MIX_SQL = """
select cast(week_start_date as varchar), branch, mix_dimension, included_contacts,
    total_variation_distance, threshold, largest_mover, largest_mover_trailing_share,
    largest_mover_share, is_judged, is_shift_flagged
from mix_shift_weekly
where week_start_date between ? and ? and (branch = '(all)' or is_shift_flagged)
order by week_start_date, branch <> '(all)', branch, mix_dimension
"""

# A backlog is a level: a week takes its last day, as the backlog metrics do.
WEEK_ENDS = """
week_ends as (
    select week_start_date, max(backlog_date) as backlog_date
    from (select backlog_date, cast(date_trunc('week', backlog_date) as date) as week_start_date
          from fct_backlog_daily) as days
    where week_start_date between ? and ?
    group by week_start_date
)
"""

BACKLOG_SQL = f"""
with {WEEK_ENDS}
select cast(week_ends.week_start_date as varchar), cast(week_ends.backlog_date as varchar),
    sum(open_tickets), sum(open_0_24h_tickets), sum(open_24_72h_tickets), sum(open_3_7d_tickets),
    sum(open_7d_plus_tickets), sum(open_older_than_alert_tickets)
from fct_backlog_daily as backlog
inner join week_ends on backlog.backlog_date = week_ends.backlog_date
group by week_ends.week_start_date, week_ends.backlog_date
order by week_ends.week_start_date
"""

AGING_SQL = f"""
with {WEEK_ENDS},
levels as (
    select week_ends.week_start_date,
        coalesce(customer_tier, '(null)') as customer_tier,
        coalesce(region, '(null)') as region,
        coalesce(channel, '(null)') as channel,
        sum(open_older_than_alert_tickets) as older,
        sum(open_tickets) as open_tickets
    from fct_backlog_daily as backlog
    inner join week_ends on backlog.backlog_date = week_ends.backlog_date
    group by 1, 2, 3, 4
),
segments as (select distinct customer_tier, region, channel from levels),
grid as (
    select week_ends.week_start_date, segments.customer_tier, segments.region, segments.channel,
        coalesce(levels.older, 0) as older, coalesce(levels.open_tickets, 0) as open_tickets
    from week_ends
    cross join segments
    left join levels
        on levels.week_start_date = week_ends.week_start_date
        and levels.customer_tier = segments.customer_tier
        and levels.region = segments.region
        and levels.channel = segments.channel
),
growth as (
    select *,
        older > lag(older) over segment_weeks as grew,
        row_number() over (partition by customer_tier, region, channel
                           order by week_start_date desc) as weeks_back
    from grid
    window segment_weeks as (partition by customer_tier, region, channel order by week_start_date)
),
streaks as (
    select customer_tier, region, channel,
        coalesce(min(weeks_back) filter (where not coalesce(grew, false)), count(*) + 1) - 1
            as weeks_growing,
        list(older order by week_start_date) as older_by_week,
        max(open_tickets) filter (where weeks_back = 1) as open_latest,
        max(older) filter (where weeks_back = 1) as older_latest
    from growth
    group by customer_tier, region, channel
)
select customer_tier, region, channel, older_by_week, open_latest, weeks_growing
from streaks
where older_latest > 0 or weeks_growing > 0
order by weeks_growing >= 3 desc, older_latest desc, weeks_growing desc,
    customer_tier, region, channel
limit 8
"""

ESCALATION_DIMENSIONS = (
    "contact_reason",
    "queue",
    "channel",
    "priority",
    "customer_tier",
    "region",
    "branch",
)

ESCALATIONS_SQL = (
    "with week as (select * from fct_support_weekly where week_start_date = ?),\n"
    "totals as (select sum(escalated_contacts) as escalated, sum(included_contacts) as included "
    "from week),\nsegments as (\n"
    + "\nunion all\n".join(
        f"select '{dimension}' as dimension, coalesce({dimension}, '(null)') as segment, "
        f"sum(escalated_contacts) as escalated, sum(included_contacts) as included "
        f"from week group by {dimension}"
        for dimension in ESCALATION_DIMENSIONS
    )
    + """
)
select dimension, segment, segments.escalated, segments.included,
    1.0 * segments.escalated / nullif(segments.included, 0),
    1.0 * totals.escalated / nullif(totals.included, 0),
    1.0 * segments.escalated / nullif(totals.escalated, 0),
    1.0 * segments.included / nullif(totals.included, 0)
from segments
cross join totals
where segments.included > 0 and segments.escalated > 0
order by 1.0 * segments.escalated / nullif(totals.escalated, 0)
    - 1.0 * segments.included / nullif(totals.included, 0) desc, dimension, segment
limit 8
"""
)

GATE_SQL = """
with in_window as (
    select * from branch_comparison_gate where week_start_date between ? and ?
),
counts as (
    select metric_name, count(*) as judged, count(*) filter (where is_ranking_allowed) as ranked,
        count(*) filter (where not passes_no_reason_reversal) as reason_reversed
    from in_window group by metric_name
),
pairs as (
    select metric_name, pair, count(*) as weeks
    from (select metric_name, unnest(string_split(reversed_pairs, ', ')) as pair
          from in_window where reversed_pairs <> '') as split
    where pair like '% by contact_reason'
    group by metric_name, pair
),
window_pairs as (
    select metric_name,
        string_agg(replace(pair, ' by contact_reason', '') || ' in ' || weeks
                   || case when weeks = 1 then ' week' else ' weeks' end, ', '
                   order by weeks desc, pair) as reason_pairs
    from pairs group by metric_name
)
select in_window.metric_name, cast(week_start_date as varchar), is_ranking_allowed,
    coalesce(failed_checks, ''), coalesce(reversed_pairs, ''), min_reason_overlap,
    coverage_spread_points, counts.judged, counts.ranked, counts.reason_reversed,
    coalesce(window_pairs.reason_pairs, '')
from in_window
inner join counts on in_window.metric_name = counts.metric_name
left join window_pairs on in_window.metric_name = window_pairs.metric_name
where week_start_date = ?
order by is_ranking_allowed, in_window.metric_name
"""

LEAGUE_SQL = """
select metric_name, branch, cohort_dimension, cohort_value, metric_value, branch_rank
from branch_league_table
where week_start_date = ?
order by metric_name, cohort_dimension, cohort_value, branch_rank, branch
"""

REVIEWS_SQL = """
select decision_id, intervention_type, slice_dimension || '=' || slice_value,
    coalesce(action, ''), coalesce(owner, ''), cast(review_on as varchar), is_review_due,
    leading_metric, leading_direction, leading_target_change_pct, leading_before_value,
    leading_after_value, leading_change_pct, is_target_met,
    guardrail_1_metric, guardrail_1_direction, guardrail_1_limit, guardrail_1_after_value,
    is_guardrail_1_breached,
    guardrail_2_metric, guardrail_2_direction, guardrail_2_limit, guardrail_2_after_value,
    is_guardrail_2_breached, verdict
from decision_record_reviews
order by not is_review_due, review_on, decision_id
"""
