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

from metric_ledger import drift_report_sql as sql
from metric_ledger.errors import UsageError, WarehouseError
from metric_ledger.warehouse import read_build


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
    for row in connection.execute(sql.WEEKS_SQL, [first, last, first, last]).fetchall():
        status = _week_status(row)
        by_metric.setdefault(status.metric_name, []).append(status)
    panels = []
    for row in connection.execute(sql.METRICS_SQL).fetchall():
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
    for r in connection.execute(sql.REVIEWS_SQL).fetchall():
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
    with read_build(database) as connection:
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
            notices=tuple(_notice(r) for r in connection.execute(sql.NOTICES_SQL).fetchall()),
            context_events=tuple(
                ContextEvent(str(r[0]), str(r[1]), _str(r[2]), str(r[3]), str(r[4]), bool(r[5]))
                for r in connection.execute(sql.CONTEXT_SQL, [first, last_day]).fetchall()
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
                for r in connection.execute(sql.MIX_SQL, [first, last]).fetchall()
            ),
            backlog=tuple(
                BacklogWeek(str(r[0]), str(r[1]), *(int(v) for v in r[2:]))
                for r in connection.execute(sql.BACKLOG_SQL, [first, last]).fetchall()
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
                for r in connection.execute(sql.AGING_SQL, [first, last]).fetchall()
            ),
            escalations=tuple(
                EscalationCluster(str(r[0]), str(r[1]), int(r[2]), int(r[3]), *map(_float, r[4:]))
                for r in connection.execute(sql.ESCALATIONS_SQL, [last]).fetchall()
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
                for r in connection.execute(sql.GATE_SQL, [first, last, last]).fetchall()
            ),
            league=tuple(
                LeagueRow(str(r[0]), str(r[1]), str(r[2]), str(r[3]), _float(r[4]), _int(r[5]))
                for r in connection.execute(sql.LEAGUE_SQL, [last]).fetchall()
            ),
            reviews=_reviews(connection),
        )
    return report
