"""The one-page metric memo (first seed, "Decision handoff"): what a governed metric is for,
what it counts, how it can mislead, its guardrails and whether it may be used this week.

Read-only, by SQL from the governed marts: the ledger from ``metric_dictionary`` (and the
changelog row its approval joins), the verdicts of the latest complete weeks from
``metric_status_weekly``, coverage from ``metric_coverage_weekly``, counter-metric values from
``metric_values_weekly``, the comparability gate from ``branch_comparison_gate`` and
``branch_league_table``, the decision statement's state from
``metric_decision_triggers_weekly``, reviews from ``decision_record_reviews``, re-baselining
from ``metric_rebaseline_notices``, the sampling plan from ``audit_sample_weekly`` and the
opening hours from the ``business_hours`` and ``holidays`` seeds. Every number is the
warehouse's; the only rule computed here is the memo's decision (``decide``), a reading of the
week's may-use flag and reasons (DECISIONLOG.md, "Metric memo").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from metric_ledger.errors import InputError
from metric_ledger.warehouse import read_build, records, rows

HISTORY_WEEKS = 4
"""Latest complete weeks whose verdicts the memo shows (this week first)."""

WAIT_REASONS = frozenset({"incomplete_week", "immature_week", "warm_up_week", "definition_freeze"})
"""Reasons that say "not yet" about the week, not "wrong" about the metric: the number is not
final, the export is too short, or a definition change is settling. Every other reason
(coverage_drop, counter_metric_breach, low_response_rate, ..., and any reason added later) is a
fault to fix."""

SHIP, SHIP_WITH_GUARDRAILS, PAUSE_AND_FIX = "ship", "ship_with_guardrails", "pause_and_fix"


class UnknownMetricError(InputError):
    """METRIC is not a governed metric of the warehouse's dictionary."""


@dataclass(frozen=True)
class WeekVerdict:
    """One week of ``metric_status_weekly`` for the metric, with its coverage."""

    week_start_date: str
    metric_value: float | None
    usable_for_job: bool
    reasons: tuple[str, ...]
    coverage_rate: float | None  # share of in-scope contacts counted (None: no contacts)
    volume_drop_pct: float | None
    breached_counter_metrics: tuple[str, ...]
    csat_response_rate: float | None
    context_entries: int


@dataclass(frozen=True)
class ChannelCoverage:
    channel: str
    is_covered_channel: bool
    is_known_channel: bool
    all_contacts: int
    included_contacts: int
    coverage_rate: float | None


@dataclass(frozen=True)
class CounterMetric:
    """A counter-metric's value in the memo's week and its stop-the-line limit."""

    name: str
    value: float | None  # None: no value that week
    is_mature: bool | None
    limit: float | None  # None: the ledger sets no limit for it
    is_breached: bool


@dataclass(frozen=True)
class BranchGate:
    """The comparability gate in the memo's week (``is_gated`` false: not judged then)."""

    is_gated: bool
    is_ranking_allowed: bool = False
    failed_checks: tuple[str, ...] = ()
    min_reason_overlap: float | None = None
    coverage_spread_points: float | None = None
    reversed_pairs: str | None = None
    cohorts: tuple[str, ...] = ()  # contact-reason cohorts branch_league_table publishes
    weeks_ranked: int = 0
    weeks_gated: int = 0  # over the memo's history weeks


@dataclass(frozen=True)
class Approval:
    """The latest approved changelog row of the metric."""

    version: int
    change_type: str | None
    effective_date: str | None
    approved_by: str | None
    approved_at: str | None
    summary: str | None


@dataclass(frozen=True)
class Rebaseline:
    """The latest re-baseline notice (a definition change)."""

    from_version: int
    to_version: int
    effective_date: str
    freeze_ends_on: str
    baseline_ready_week: str | None


@dataclass(frozen=True)
class TriggerState:
    """The decision statement in the memo's week (one per slice)."""

    decision_slice: str
    decision_state: str
    streak_weeks: int
    for_weeks: int
    held_reasons: str | None
    action: str | None
    owner: str | None


@dataclass(frozen=True)
class Review:
    decision_id: str
    role: str  # leading metric or guardrail
    review_on: str
    is_review_due: bool
    verdict: str


@dataclass(frozen=True)
class SamplingPlan:
    week_start_date: str
    tickets: int
    queues: int
    reviewed: int


@dataclass(frozen=True)
class OpeningHours:
    region: str
    timezone: str
    weekday: int
    opens_at: str
    closes_at: str


@dataclass(frozen=True)
class Memo:
    metric_name: str
    label: str | None
    description: str | None
    job: str
    ledger_status: str
    version: int
    owner: str | None
    approvers: tuple[str, ...]
    decision_statement: str | None
    blast_radius: tuple[str, ...]
    definition: str | None
    coverage_text: str | None
    covered_channels: tuple[str, ...]
    comparability: str | None
    known_biases: str | None
    automation_limits: str | None
    change_triggers: str | None
    counter_metric_names: tuple[str, ...]
    coverage_floor: float | None
    coverage_drop_pct: float | None
    min_response_rate: float | None
    uses_business_hours: bool
    business_hours: tuple[OpeningHours, ...]
    holidays: tuple[tuple[str, str], ...]  # (region, date) inside the history weeks
    week: str | None  # the latest complete week: "this week"
    history: tuple[WeekVerdict, ...]  # newest first; history[0] is this week
    channels: tuple[ChannelCoverage, ...]  # this week, in scope, lowest coverage first
    counters: tuple[CounterMetric, ...]
    sampling: SamplingPlan | None
    gate: BranchGate
    approval: Approval | None
    rebaseline: Rebaseline | None
    triggers: tuple[TriggerState, ...]
    reviews: tuple[Review, ...]
    decision: str  # ship, ship_with_guardrails or pause_and_fix (``decide``)

    @property
    def this_week(self) -> WeekVerdict | None:
        return self.history[0] if self.history else None


def decide(ledger_status: str, verdict: WeekVerdict | None) -> str:
    """The memo's current decision, from the ledger's status and this week's verdict:

    - pause and fix: the ledger says so, there is no complete week to judge, or any reason
      other than a wait reason (``WAIT_REASONS``) holds this week;
    - ship with guardrails: the ledger says so, or only wait reasons hold this week;
    - ship: the ledger says ship and the metric may be used this week.
    """
    if ledger_status == PAUSE_AND_FIX or verdict is None:
        return PAUSE_AND_FIX
    if any(reason not in WAIT_REASONS for reason in verdict.reasons):
        return PAUSE_AND_FIX
    if ledger_status == SHIP_WITH_GUARDRAILS or not verdict.usable_for_job:
        return SHIP_WITH_GUARDRAILS
    return SHIP


# --- SQL ----------------------------------------------------------------------------------------

_HISTORY_SQL = """
with coverage as (
    select
        week_start_date,
        1.0 * sum(included_contacts) / nullif(sum(all_contacts), 0) as coverage_rate
    from metric_coverage_weekly
    where metric_name = $metric and is_in_scope
    group by week_start_date
)
select
    cast(status.week_start_date as varchar),
    status.metric_value,
    status.usable_for_job,
    status.reasons,
    coverage.coverage_rate,
    status.volume_drop_pct,
    status.breached_counter_metrics,
    status.csat_response_rate,
    status.context_entries
from metric_status_weekly as status
left join coverage on status.week_start_date = coverage.week_start_date
where status.metric_name = $metric and status.is_complete_week
order by status.week_start_date desc
limit $weeks
"""

_CHANNELS_SQL = """
select channel, is_covered_channel, is_known_channel, all_contacts, included_contacts,
    coverage_rate
from metric_coverage_weekly
where metric_name = $metric and cast(week_start_date as varchar) = $week and is_in_scope
    and all_contacts > 0
order by coverage_rate, all_contacts desc, channel
"""

_COUNTERS_SQL = """
with names as (
    select from_json(counter_metrics, '["VARCHAR"]') as counter_metric_names, stop_the_line
    from metric_dictionary
    where metric_name = $metric
),
counters as (
    select
        unnest(counter_metric_names) as counter_metric_name,
        generate_subscripts(counter_metric_names, 1) as position,
        stop_the_line
    from names
),
breached as (
    select unnest(string_split(coalesce(breached_counter_metrics, ''), ', ')) as name
    from metric_status_weekly
    where metric_name = $metric and cast(week_start_date as varchar) = $week
)
select
    counters.counter_metric_name,
    counter_values.metric_value,
    counter_values.is_mature,
    try_cast(json_extract_string(
        counters.stop_the_line, '$.counter_metric_limits."' || counters.counter_metric_name || '"'
    ) as double),
    counters.counter_metric_name in (select name from breached)
from counters
left join metric_values_weekly as counter_values
    on counters.counter_metric_name = counter_values.metric_name
    and cast(counter_values.week_start_date as varchar) = $week
order by counters.position
"""

_GATE_SQL = """
select is_ranking_allowed, failed_checks, min_reason_overlap, coverage_spread_points,
    reversed_pairs
from branch_comparison_gate
where metric_name = $metric and cast(week_start_date as varchar) = $week
"""

_GATE_WEEKS_SQL = """
select count(*), count(*) filter (where is_ranking_allowed)
from branch_comparison_gate
where metric_name = $metric and cast(week_start_date as varchar) in (select unnest($weeks))
"""

_COHORTS_SQL = """
select distinct cohort_value
from branch_league_table
where metric_name = $metric and cast(week_start_date as varchar) = $week
    and cohort_dimension = 'contact_reason'
order by cohort_value
"""

_APPROVAL_SQL = """
select
    dictionary.approved_version,
    changelog.change_type,
    cast(dictionary.approved_effective_date as varchar),
    dictionary.approved_by,
    cast(dictionary.approved_at as varchar),
    changelog.summary
from metric_dictionary as dictionary
left join metric_changelog as changelog
    on dictionary.metric_name = changelog.metric_name
    and dictionary.approved_version = changelog.version
    and dictionary.approved_at = changelog.approved_at
where dictionary.metric_name = $metric and dictionary.approved_version is not null
"""

_REBASELINE_SQL = """
select from_version, to_version, cast(effective_date as varchar),
    cast(freeze_ends_on as varchar), cast(baseline_ready_week as varchar)
from metric_rebaseline_notices
where metric_name = $metric
order by effective_date desc, to_version desc
limit 1
"""

_TRIGGERS_SQL = """
select decision_slice, decision_state, streak_weeks, for_weeks, held_reasons, action, owner
from metric_decision_triggers_weekly
where metric_name = $metric and cast(week_start_date as varchar) = $week
order by decision_slice
"""

_REVIEWS_SQL = """
select decision_id,
    case when leading_metric = $metric then 'leading metric' else 'guardrail' end,
    cast(review_on as varchar), is_review_due, verdict
from decision_record_reviews
where $metric in (leading_metric, guardrail_1_metric, guardrail_2_metric)
order by review_on, decision_id
"""

_SAMPLING_SQL = """
select count(*), count(distinct queue), count(reviewer_counted_correctly)
from audit_sample_weekly
where cast(created_week as varchar) = $week
"""

_HOURS_SQL = """
select region, timezone, weekday, opens_at, closes_at
from business_hours
order by region, weekday
"""

_HOLIDAYS_SQL = """
select region, cast(holiday_date as varchar)
from holidays
where holiday_date >= cast($first as date) and holiday_date < cast($last as date) + 7
order by holiday_date, region
"""


# --- reading ----------------------------------------------------------------------------------


def _float(value: object) -> float | None:
    return None if value is None else float(str(value))


def _names(value: Any) -> tuple[str, ...]:
    """A JSON array column as a tuple of strings (null or empty: ())."""
    if not value:
        return ()
    return tuple(str(item) for item in json.loads(str(value)))


def _split(value: Any) -> tuple[str, ...]:
    """A comma-separated column ('a, b') as a tuple (null or empty: ())."""
    return tuple(part.strip() for part in str(value or "").split(",") if part.strip())


def _text(value: Any) -> str | None:
    """A text field, None when absent or blank (the memo says "not recorded")."""
    if value is None:
        return None
    return str(value).strip() or None


def read_memo(database: Path, metric: str) -> Memo:
    """The memo of ``metric`` from the warehouse at ``database`` (read-only)."""
    with read_build(database) as connection:
        return _read(connection, metric)


def governed_metrics(database: Path) -> list[str]:
    """The governed metrics of the warehouse's metric_dictionary, by name."""
    with read_build(database) as connection:
        names = rows(connection, "select metric_name from metric_dictionary order by metric_name")
    return [str(row[0]) for row in names]


def _dictionary(connection: duckdb.DuckDBPyConnection, metric: str) -> dict[str, Any]:
    """The metric's dictionary row; an unknown metric names every governed one."""
    dictionary = {
        row["metric_name"]: row
        for row in records(connection, "select * from metric_dictionary order by metric_name")
    }
    if metric not in dictionary:
        governed = ", ".join(dictionary) or "none"
        raise UnknownMetricError(
            f"{metric} is not a governed metric of metric_dictionary; governed metrics: {governed}"
        )
    return dictionary[metric]


def _history(connection: duckdb.DuckDBPyConnection, metric: str) -> tuple[WeekVerdict, ...]:
    return tuple(
        WeekVerdict(
            week_start_date=str(row[0]),
            metric_value=_float(row[1]),
            usable_for_job=bool(row[2]),
            reasons=_split(row[3]),
            coverage_rate=_float(row[4]),
            volume_drop_pct=_float(row[5]),
            breached_counter_metrics=_split(row[6]),
            csat_response_rate=_float(row[7]),
            context_entries=int(row[8] or 0),
        )
        for row in rows(connection, _HISTORY_SQL, {"metric": metric, "weeks": HISTORY_WEEKS})
    )


def _gate(connection: duckdb.DuckDBPyConnection, metric: str, weeks: list[str]) -> BranchGate:
    """The gate's verdict in the first of ``weeks`` (newest first), and over all of them."""
    if not weeks:
        return BranchGate(is_gated=False)
    weekly = {"metric": metric, "week": weeks[0], "weeks": weeks}
    gate = rows(connection, _GATE_SQL, weekly)
    if not gate:
        return BranchGate(is_gated=False)
    allowed, failed, overlap, spread, pairs = gate[0]
    gated, ranked = rows(connection, _GATE_WEEKS_SQL, weekly)[0]
    return BranchGate(
        is_gated=True,
        is_ranking_allowed=bool(allowed),
        failed_checks=_split(failed),
        min_reason_overlap=_float(overlap),
        coverage_spread_points=_float(spread),
        reversed_pairs=_text(pairs),
        cohorts=tuple(str(row[0]) for row in rows(connection, _COHORTS_SQL, weekly)),
        weeks_ranked=int(ranked),
        weeks_gated=int(gated),
    )


def _this_week(
    connection: duckdb.DuckDBPyConnection, metric: str, week: str
) -> tuple[
    tuple[ChannelCoverage, ...], tuple[CounterMetric, ...], SamplingPlan, tuple[TriggerState, ...]
]:
    """What the marts say about ``week``: coverage by channel, counter-metrics, the audit
    sample and the decision statement."""
    weekly = {"metric": metric, "week": week}
    channels = tuple(
        ChannelCoverage(str(r[0]), bool(r[1]), bool(r[2]), int(r[3]), int(r[4]), _float(r[5]))
        for r in rows(connection, _CHANNELS_SQL, weekly)
    )
    counters = tuple(
        CounterMetric(
            name=str(r[0]),
            value=_float(r[1]),
            is_mature=None if r[2] is None else bool(r[2]),
            limit=_float(r[3]),
            is_breached=bool(r[4]),
        )
        for r in rows(connection, _COUNTERS_SQL, weekly)
    )
    tickets, queues, reviewed = rows(connection, _SAMPLING_SQL, weekly)[0]
    triggers = tuple(
        TriggerState(
            decision_slice=str(r[0]),
            decision_state=str(r[1]),
            streak_weeks=int(r[2]),
            for_weeks=int(r[3]),
            held_reasons=_text(r[4]),
            action=_text(r[5]),
            owner=_text(r[6]),
        )
        for r in rows(connection, _TRIGGERS_SQL, weekly)
    )
    return (
        channels,
        counters,
        SamplingPlan(week, int(tickets), int(queues), int(reviewed)),
        triggers,
    )


def _read(connection: duckdb.DuckDBPyConnection, metric: str) -> Memo:
    ledger = _dictionary(connection, metric)
    key: dict[str, Any] = {"metric": metric}
    history = _history(connection, metric)
    weeks = [verdict.week_start_date for verdict in history]
    week = weeks[0] if weeks else None
    channels, counters, sampling, triggers = (
        _this_week(connection, metric, week) if week else ((), (), None, ())
    )
    approval = [
        Approval(int(r[0]), _text(r[1]), _text(r[2]), _text(r[3]), _text(r[4]), _text(r[5]))
        for r in rows(connection, _APPROVAL_SQL, key)
    ]
    rebaseline = [
        Rebaseline(int(r[0]), int(r[1]), str(r[2]), str(r[3]), _text(r[4]))
        for r in rows(connection, _REBASELINE_SQL, key)
    ]
    # Business-minute metrics read a measure named so (first_response_business_minutes_*).
    uses_business_hours = "business" in str(ledger.get("input_measures") or "")
    hours = rows(connection, _HOURS_SQL, {}) if uses_business_hours else []
    holidays = (
        rows(connection, _HOLIDAYS_SQL, {"first": weeks[-1], "last": weeks[0]})
        if uses_business_hours and weeks
        else []
    )
    stop_the_line = json.loads(ledger["stop_the_line"]) if ledger.get("stop_the_line") else {}
    return Memo(
        metric_name=metric,
        label=_text(ledger["label"]),
        description=_text(ledger["description"]),
        job=str(ledger["job"]),
        ledger_status=str(ledger["status"]),
        version=int(ledger["version"]),
        owner=_text(ledger["owner"]),
        approvers=_names(ledger["approvers"]),
        decision_statement=_text(ledger["decision_statement"]),
        blast_radius=_names(ledger["blast_radius"]),
        definition=_text(ledger["definition"]),
        coverage_text=_text(ledger["coverage"]),
        covered_channels=_names(ledger["covered_channels"]),
        comparability=_text(ledger["comparability"]),
        known_biases=_text(ledger["known_biases"]),
        automation_limits=_text(ledger["automation_limits"]),
        change_triggers=_text(ledger["change_triggers"]),
        counter_metric_names=_names(ledger["counter_metrics"]),
        coverage_floor=_float(ledger["coverage_floor"]),
        coverage_drop_pct=_float(ledger["coverage_drop_pct"]),
        min_response_rate=_float(stop_the_line.get("min_response_rate")),
        uses_business_hours=uses_business_hours,
        business_hours=tuple(
            OpeningHours(str(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4])) for r in hours
        ),
        holidays=tuple((str(r[0]), str(r[1])) for r in holidays),
        week=week,
        history=history,
        channels=channels,
        counters=counters,
        sampling=sampling,
        gate=_gate(connection, metric, weeks),
        approval=approval[0] if approval else None,
        rebaseline=rebaseline[0] if rebaseline else None,
        triggers=triggers,
        reviews=tuple(
            Review(str(r[0]), str(r[1]), str(r[2]), bool(r[3]), str(r[4]))
            for r in rows(connection, _REVIEWS_SQL, key)
        ),
        decision=decide(str(ledger["status"]), history[0] if history else None),
    )
