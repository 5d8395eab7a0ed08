"""Read the weekly drift check from a built warehouse (the data of `metric-ledger report`).

The third seed document's "weekly drift check", in its scan order: per governed metric its value,
counter-metrics, coverage and verdict over a trailing window of complete weeks; then what may
invalidate comparisons (re-baseline notices, the context log), mix shift, backlog shape (the
oldest bucket), speed against quality, where escalations cluster, the branch gate, and decision
records due for review. Every number is read from the governed marts by SQL (aggregates only,
never ``fct_tickets``); ``render.report`` presents them and computes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from metric_ledger.errors import UsageError, WarehouseError
from metric_ledger.warehouse import connect as warehouse_connect


@dataclass(frozen=True)
class WeekStatus:
    """One metric in one week: its value and verdict (metric_usability_weekly with the details
    of metric_status_weekly), and its coverage in scope (metric_coverage_weekly)."""

    metric_name: str
    week: str
    value: float | None
    usable: bool
    reasons: tuple[str, ...]
    is_immature: bool
    matures_on: str | None
    breached_counter_metrics: str
    counter_metric_values: str
    volume_drop_pct: float | None
    included_contacts: int | None
    previous_included_contacts: int | None
    csat_response_rate: float | None
    coverage_rate: float | None
    coverage_included: int | None
    coverage_all: int | None
    uncounted_channel: str | None  # the channel in scope with the most contacts not counted
    uncounted_contacts: int | None


@dataclass(frozen=True)
class MetricPanel:
    metric_name: str
    label: str
    job: str
    status: str
    version: int
    decision_statement: str
    counter_metrics: tuple[str, ...]
    coverage_floor: float | None
    weeks: tuple[WeekStatus, ...]  # the window, oldest first (weeks without a row are absent)

    def week(self, week: str) -> WeekStatus | None:
        return next((status for status in self.weeks if status.week == week), None)


@dataclass(frozen=True)
class Notice:
    """A re-baseline notice (metric_rebaseline_notices): its freeze window is shaded."""

    metric_name: str
    from_version: int
    to_version: int
    effective_date: str
    summary: str
    approved_by: str
    freeze_starts_on: str
    freeze_ends_on: str
    invalid_comparisons: str
    baseline_ready_week: str | None


@dataclass(frozen=True)
class ContextEvent:
    occurred_on: str
    scope_type: str
    scope_value: str | None
    kind: str
    description: str
    breaks_comparability: bool


@dataclass(frozen=True)
class MixWeek:
    week: str
    branch: str
    dimension: str
    included_contacts: int
    distance: float
    threshold: float
    largest_mover: str
    trailing_share: float | None
    share: float | None
    is_judged: bool
    is_flagged: bool


@dataclass(frozen=True)
class BacklogWeek:
    """The backlog at the end of the week's last day (fct_backlog_daily), by age bucket."""

    week: str
    backlog_date: str
    open_tickets: int
    open_0_24h: int
    open_24_72h: int
    open_3_7d: int
    open_7d_plus: int
    older_than_alert: int


@dataclass(frozen=True)
class AgingSegment:
    """A customer tier x region x channel: its tickets older than the alert age at each week
    end of the window, and for how many consecutive weeks up to the latest that count grew."""

    customer_tier: str
    region: str
    channel: str
    older_by_week: tuple[int, ...]
    open_latest: int
    weeks_growing: int


@dataclass(frozen=True)
class EscalationCluster:
    dimension: str
    segment: str
    escalated: int
    included: int
    rate: float | None
    overall_rate: float | None
    share_of_escalations: float | None
    share_of_contacts: float | None


@dataclass(frozen=True)
class BranchGate:
    metric_name: str
    week: str
    is_ranking_allowed: bool
    failed_checks: str
    reversed_pairs: str
    min_reason_overlap: float | None
    coverage_spread_points: float | None
    weeks_judged: int  # weeks of the window the gate judged
    weeks_ranked: int
    weeks_reason_reversed: int  # weeks the ranking reversed after segmenting by contact reason
    reason_reversed_pairs: str  # over the window: "east/west in 4 weeks, ..."


@dataclass(frozen=True)
class LeagueRow:
    metric_name: str
    branch: str
    cohort_dimension: str
    cohort_value: str
    value: float | None
    rank: int | None


@dataclass(frozen=True)
class DecisionReview:
    decision_id: str
    intervention_type: str
    slice: str
    action: str
    owner: str
    review_on: str
    is_review_due: bool
    leading_metric: str
    leading_direction: str
    leading_target_change_pct: float
    leading_before: float | None
    leading_after: float | None
    leading_change_pct: float | None
    is_target_met: bool
    guardrails: tuple[
        tuple[str, str, float, float | None, bool], ...
    ]  # metric, max/min, limit, after, breached
    verdict: str


@dataclass(frozen=True)
class DriftReport:
    database: str
    latest_week: str
    window: tuple[str, ...]  # complete weeks, oldest first, ending with latest_week
    metrics: tuple[MetricPanel, ...]
    notices: tuple[Notice, ...] = ()
    context_events: tuple[ContextEvent, ...] = ()
    mix: tuple[MixWeek, ...] = ()
    backlog: tuple[BacklogWeek, ...] = ()
    aging_segments: tuple[AgingSegment, ...] = ()
    escalations: tuple[EscalationCluster, ...] = ()
    branch_gates: tuple[BranchGate, ...] = ()
    league: tuple[LeagueRow, ...] = ()
    reviews: tuple[DecisionReview, ...] = ()

    def metric(self, name: str) -> MetricPanel | None:
        return next((panel for panel in self.metrics if panel.metric_name == name), None)


_JOB_ORDER = "case job when 'target' then 0 when 'alarm' then 1 when 'allocation' then 2 else 3 end"

_METRICS_SQL = f"""
select metric_name, coalesce(label, metric_name), job, status, version, decision_statement,
    counter_metrics, coverage_floor
from metric_dictionary
order by {_JOB_ORDER}, metric_name
"""

# The verdict of the consumer view, the details of the status table, coverage in scope summed over
# channels (the coverage-floor rule's own sum) and the channel leaving most contacts uncounted.
_WEEKS_SQL = """
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

_NOTICES_SQL = """
select metric_name, from_version, to_version, cast(effective_date as varchar),
    coalesce(summary, ''),
    coalesce(approved_by, ''), cast(freeze_starts_on as varchar), cast(freeze_ends_on as varchar),
    coalesce(invalid_comparisons, ''), cast(baseline_ready_week as varchar)
from metric_rebaseline_notices
order by effective_date desc, metric_name
"""

_CONTEXT_SQL = """
select cast(occurred_on as varchar), scope_type, scope_value, kind, description,
    coalesce(breaks_comparability, false)
from int_context_log
where occurred_on between ? and ?
order by occurred_on, kind
"""

_MIX_SQL = """
select cast(week_start_date as varchar), branch, mix_dimension, included_contacts,
    total_variation_distance, threshold, largest_mover, largest_mover_trailing_share,
    largest_mover_share, is_judged, is_shift_flagged
from mix_shift_weekly
where week_start_date between ? and ? and (branch = '(all)' or is_shift_flagged)
order by week_start_date, branch <> '(all)', branch, mix_dimension
"""

# A backlog is a level: a week takes its last day, as the backlog metrics do.
_WEEK_ENDS = """
week_ends as (
    select week_start_date, max(backlog_date) as backlog_date
    from (select backlog_date, cast(date_trunc('week', backlog_date) as date) as week_start_date
          from fct_backlog_daily) as days
    where week_start_date between ? and ?
    group by week_start_date
)
"""

_BACKLOG_SQL = f"""
with {_WEEK_ENDS}
select cast(week_ends.week_start_date as varchar), cast(week_ends.backlog_date as varchar),
    sum(open_tickets), sum(open_0_24h_tickets), sum(open_24_72h_tickets), sum(open_3_7d_tickets),
    sum(open_7d_plus_tickets), sum(open_older_than_alert_tickets)
from fct_backlog_daily as backlog
inner join week_ends on backlog.backlog_date = week_ends.backlog_date
group by week_ends.week_start_date, week_ends.backlog_date
order by week_ends.week_start_date
"""

_AGING_SQL = f"""
with {_WEEK_ENDS},
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

_ESCALATION_DIMENSIONS = (
    "contact_reason",
    "queue",
    "channel",
    "priority",
    "customer_tier",
    "region",
    "branch",
)

_ESCALATIONS_SQL = (
    "with week as (select * from fct_support_weekly where week_start_date = ?),\n"
    "totals as (select sum(escalated_contacts) as escalated, sum(included_contacts) as included "
    "from week),\nsegments as (\n"
    + "\nunion all\n".join(
        f"select '{dimension}' as dimension, coalesce({dimension}, '(null)') as segment, "
        f"sum(escalated_contacts) as escalated, sum(included_contacts) as included "
        f"from week group by {dimension}"
        for dimension in _ESCALATION_DIMENSIONS
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

_GATE_SQL = """
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

_LEAGUE_SQL = """
select metric_name, branch, cohort_dimension, cohort_value, metric_value, branch_rank
from branch_league_table
where week_start_date = ?
order by metric_name, cohort_dimension, cohort_value, branch_rank, branch
"""

_REVIEWS_SQL = """
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


def _float(value: object) -> float | None:
    return None if value is None else float(str(value))


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _week_status(row: tuple[Any, ...]) -> WeekStatus:
    reasons = tuple(reason.strip() for reason in str(row[4] or "").split(",") if reason.strip())
    return WeekStatus(
        metric_name=str(row[0]),
        week=str(row[1]),
        value=_float(row[2]),
        usable=bool(row[3]),
        reasons=reasons,
        is_immature=bool(row[5]),
        matures_on=_str(row[6]),
        breached_counter_metrics=str(row[7]),
        counter_metric_values=str(row[8]),
        volume_drop_pct=_float(row[9]),
        included_contacts=_int(row[10]),
        previous_included_contacts=_int(row[11]),
        csat_response_rate=_float(row[12]),
        coverage_rate=_float(row[13]),
        coverage_included=_int(row[14]),
        coverage_all=_int(row[15]),
        uncounted_channel=_str(row[16]),
        uncounted_contacts=_int(row[17]),
    )


def _notice(r: tuple[Any, ...]) -> Notice:
    return Notice(
        metric_name=str(r[0]),
        from_version=int(r[1]),
        to_version=int(r[2]),
        effective_date=str(r[3]),
        summary=str(r[4]),
        approved_by=str(r[5]),
        freeze_starts_on=str(r[6]),
        freeze_ends_on=str(r[7]),
        invalid_comparisons=str(r[8]),
        baseline_ready_week=_str(r[9]),
    )


def _window(connection: duckdb.DuckDBPyConnection, weeks: int) -> tuple[str, ...]:
    rows = connection.execute(
        "select cast(week_start_date as varchar) from metric_status_weekly "
        "where is_complete_week group by week_start_date order by week_start_date desc limit ?",
        [weeks],
    ).fetchall()
    return tuple(str(row[0]) for row in reversed(rows))


def _panels(
    connection: duckdb.DuckDBPyConnection, first: str, last: str
) -> tuple[MetricPanel, ...]:
    by_metric: dict[str, list[WeekStatus]] = {}
    for row in connection.execute(_WEEKS_SQL, [first, last, first, last]).fetchall():
        status = _week_status(row)
        by_metric.setdefault(status.metric_name, []).append(status)
    panels = []
    for row in connection.execute(_METRICS_SQL).fetchall():
        counters = json.loads(row[6]) if row[6] else []
        panels.append(
            MetricPanel(
                metric_name=str(row[0]),
                label=str(row[1]),
                job=str(row[2]),
                status=str(row[3]),
                version=int(row[4]),
                decision_statement=str(row[5] or ""),
                counter_metrics=tuple(str(name) for name in counters),
                coverage_floor=_float(row[7]),
                weeks=tuple(by_metric.get(str(row[0]), [])),
            )
        )
    return tuple(panels)


def _reviews(connection: duckdb.DuckDBPyConnection) -> tuple[DecisionReview, ...]:
    reviews = []
    for r in connection.execute(_REVIEWS_SQL).fetchall():
        guardrails = tuple(
            (str(r[i]), str(r[i + 1]), float(r[i + 2]), _float(r[i + 3]), bool(r[i + 4]))
            for i in (14, 19)
        )
        reviews.append(
            DecisionReview(
                decision_id=str(r[0]),
                intervention_type=str(r[1]),
                slice=str(r[2]),
                action=str(r[3]),
                owner=str(r[4]),
                review_on=str(r[5]),
                is_review_due=bool(r[6]),
                leading_metric=str(r[7]),
                leading_direction=str(r[8]),
                leading_target_change_pct=float(r[9]),
                leading_before=_float(r[10]),
                leading_after=_float(r[11]),
                leading_change_pct=_float(r[12]),
                is_target_met=bool(r[13]),
                guardrails=guardrails,
                verdict=str(r[24]),
            )
        )
    return tuple(reviews)


def read_drift_report(database: Path, weeks: int = 8) -> DriftReport:
    """The drift check of a built warehouse (DuckDB file, read-only) for its latest complete
    week and the ``weeks`` complete weeks ending with it."""
    if weeks < 1:
        raise UsageError(f"--weeks must be at least 1 (got {weeks})")
    if not database.exists():
        raise WarehouseError(f"{database}: warehouse file not found (run the build first)")
    try:
        connection = warehouse_connect(database)
    except duckdb.Error as error:
        raise WarehouseError(f"{database}: cannot open: {error}".splitlines()[0]) from error
    try:
        window = _window(connection, weeks)
        if not window:
            raise WarehouseError(
                f"{database}: no complete week in metric_status_weekly: nothing to report"
            )
        first, last = window[0], window[-1]
        window_end = connection.execute(
            "select cast(cast(? as date) + interval 6 day as date)::varchar", [last]
        ).fetchone()
        last_day = str(window_end[0]) if window_end else last
        report = DriftReport(
            database=str(database),
            latest_week=last,
            window=window,
            metrics=_panels(connection, first, last),
            notices=tuple(_notice(r) for r in connection.execute(_NOTICES_SQL).fetchall()),
            context_events=tuple(
                ContextEvent(str(r[0]), str(r[1]), _str(r[2]), str(r[3]), str(r[4]), bool(r[5]))
                for r in connection.execute(_CONTEXT_SQL, [first, last_day]).fetchall()
            ),
            mix=tuple(
                MixWeek(
                    str(r[0]),
                    str(r[1]),
                    str(r[2]),
                    int(r[3]),
                    float(r[4]),
                    float(r[5]),
                    str(r[6]),
                    _float(r[7]),
                    _float(r[8]),
                    bool(r[9]),
                    bool(r[10]),
                )
                for r in connection.execute(_MIX_SQL, [first, last]).fetchall()
            ),
            backlog=tuple(
                BacklogWeek(str(r[0]), str(r[1]), *(int(v) for v in r[2:]))
                for r in connection.execute(_BACKLOG_SQL, [first, last]).fetchall()
            ),
            aging_segments=tuple(
                AgingSegment(
                    str(r[0]),
                    str(r[1]),
                    str(r[2]),
                    tuple(int(v) for v in r[3]),
                    int(r[4] or 0),
                    int(r[5]),
                )
                for r in connection.execute(_AGING_SQL, [first, last]).fetchall()
            ),
            escalations=tuple(
                EscalationCluster(str(r[0]), str(r[1]), int(r[2]), int(r[3]), *map(_float, r[4:]))
                for r in connection.execute(_ESCALATIONS_SQL, [last]).fetchall()
            ),
            branch_gates=tuple(
                BranchGate(
                    str(r[0]),
                    str(r[1]),
                    bool(r[2]),
                    str(r[3]),
                    str(r[4]),
                    _float(r[5]),
                    _float(r[6]),
                    int(r[7]),
                    int(r[8]),
                    int(r[9]),
                    str(r[10]),
                )
                for r in connection.execute(_GATE_SQL, [first, last, last]).fetchall()
            ),
            league=tuple(
                LeagueRow(str(r[0]), str(r[1]), str(r[2]), str(r[3]), _float(r[4]), _int(r[5]))
                for r in connection.execute(_LEAGUE_SQL, [last]).fetchall()
            ),
            reviews=_reviews(connection),
        )
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        raise WarehouseError(
            f"{database}: not a complete metric_ledger build: {message}"
        ) from error
    finally:
        connection.close()
    return report
