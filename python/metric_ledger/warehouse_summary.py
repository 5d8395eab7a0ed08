"""Read what a build produced from its warehouse: volumes, coverage, first response by channel,
quarantine, and what the guardrails found (the data of `metric-ledger summary`).

Every number is computed by the warehouse (SQL over the governed marts); this module only reads
them (``render.summary`` presents them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from metric_ledger.warehouse import read_build


@dataclass(frozen=True)
class ChannelResponse:
    channel: str
    included_contacts: int
    coverage_rate: float
    first_response_minutes_p50: float | None
    first_meaningful_response_minutes_p50: float | None


@dataclass(frozen=True)
class QuarantineCount:
    source_table: str
    quarantine_reason: str
    rows: int


@dataclass(frozen=True)
class BuildSummary:
    first_week: str | None  # None when no ticket has a creation week (an empty export)
    last_week: str | None
    all_contacts: int
    included_contacts: int
    coverage_rate: float
    quarantined_tickets: int
    channels: list[ChannelResponse] = field(default_factory=list)
    quarantine: list[QuarantineCount] = field(default_factory=list)


_TOTALS_SQL = """
select
    cast(min(created_week) as varchar),
    cast(max(created_week) as varchar),
    count(*),
    count(*) filter (where is_included),
    count(*) filter (where is_quarantined)
from fct_tickets
"""

# Coverage per channel comes from the weekly facts (included / all contacts); medians are
# computed by the warehouse over the included tickets of fct_tickets.
_CHANNELS_SQL = """
with coverage as (
    select channel, sum(included_contacts) as included, sum(all_contacts) as total
    from fct_support_weekly
    group by channel
),
responses as (
    select
        channel,
        median(first_response_minutes) as frt_p50,
        median(first_meaningful_response_minutes) as fmrt_p50
    from fct_tickets
    where is_included
    group by channel
)
select
    coalesce(coverage.channel, '(null)'),
    cast(coverage.included as bigint),
    coverage.included / coverage.total,
    responses.frt_p50,
    responses.fmrt_p50
from coverage
left join responses on coverage.channel = responses.channel
where coverage.total > 0
order by coverage.total desc
"""

_QUARANTINE_SQL = """
select source_table, quarantine_reason, count(*)
from stg_helpdesk__quarantined_rows
group by source_table, quarantine_reason
order by count(*) desc, source_table, quarantine_reason
"""


def read_summary(database: Path) -> BuildSummary:
    """Read the summary of a built warehouse (DuckDB file), read-only."""
    with read_build(database) as connection:
        totals = connection.execute(_TOTALS_SQL).fetchone()
        channel_rows = connection.execute(_CHANNELS_SQL).fetchall()
        quarantine_rows = connection.execute(_QUARANTINE_SQL).fetchall()
    assert totals is not None
    first_week, last_week, all_contacts, included, quarantined = totals
    return BuildSummary(
        first_week=None if first_week is None else str(first_week),
        last_week=None if last_week is None else str(last_week),
        all_contacts=int(all_contacts),
        included_contacts=int(included),
        coverage_rate=(included / all_contacts) if all_contacts else 0.0,
        quarantined_tickets=int(quarantined),
        channels=[
            ChannelResponse(
                channel=str(row[0]),
                included_contacts=int(row[1]),
                coverage_rate=float(row[2]),
                first_response_minutes_p50=None if row[3] is None else float(row[3]),
                first_meaningful_response_minutes_p50=None if row[4] is None else float(row[4]),
            )
            for row in channel_rows
        ],
        quarantine=[
            QuarantineCount(
                source_table=str(row[0]), quarantine_reason=str(row[1]), rows=int(row[2])
            )
            for row in quarantine_rows
        ],
    )


@dataclass(frozen=True)
class MetricWeekStatus:
    metric_name: str
    week_start_date: str
    job: str
    reasons: str


@dataclass(frozen=True)
class DecisionTrigger:
    """A decision statement's verdict in one week (metric_decision_triggers_weekly)."""

    metric_name: str
    decision_slice: str
    decision_state: str  # fired or held here (crossing, quiet, no_baseline are not listed)
    is_new_firing: bool
    metric_value: float | None
    baseline_value: float | None
    move: float | None
    threshold_value: float
    threshold_unit: str
    moves: str
    held_reasons: str
    action: str
    owner: str


@dataclass(frozen=True)
class MixShift:
    week_start_date: str
    branch: str
    mix_dimension: str
    largest_mover: str
    trailing_share: float
    share: float


@dataclass(frozen=True)
class BranchGateVerdict:
    metric_name: str
    weeks: int
    weeks_ranked: int
    failed_checks: str


@dataclass(frozen=True)
class RebaselineNotice:
    metric_name: str
    from_version: int
    to_version: int
    effective_date: str
    freeze_ends_on: str
    baseline_ready_week: str | None


@dataclass(frozen=True)
class GuardrailFindings:
    latest_complete_week: str | None  # None when no week lies wholly inside the export
    blocked_this_week: list[MetricWeekStatus] = field(default_factory=list)
    blocked_weeks_by_reason: dict[str, int] = field(default_factory=dict)
    coverage_drops: list[MetricWeekStatus] = field(default_factory=list)
    mix_shifts: list[MixShift] = field(default_factory=list)
    branch_gate: list[BranchGateVerdict] = field(default_factory=list)
    notices: list[RebaselineNotice] = field(default_factory=list)
    decision_reviews: list[tuple[str, str, str, str]] = field(default_factory=list)
    # the decision statements fired or held in the latest complete week
    decision_triggers: list[DecisionTrigger] = field(default_factory=list)


# The reasons a metric-week may not be used, and the flag column that counts each. The verdict is
# read from metric_usability_weekly: metric_status_weekly's reasons plus the definition-version
# check made when the view is queried.
_REASON_FLAGS = {
    "coverage_drop": "has_coverage_drop",
    "definition_freeze": "has_definition_freeze",
    "counter_metric_breach": "has_counter_metric_breach",
    "comparability_break": "has_comparability_break",
    "warm_up_week": "is_warm_up",
    "low_response_rate": "has_low_response_rate",
    "below_coverage_floor": "is_below_coverage_floor",
    "paused": "is_paused",
    "definition_version_mismatch": "has_definition_version_mismatch",
}

_REASON_COUNT_SQL = """
select count(*)
from metric_status_weekly as status
inner join metric_usability_weekly as usability
    on
        status.metric_name = usability.metric_name
        and status.week_start_date = usability.week_start_date
where {flag}
"""


def _optional_float(value: object) -> float | None:
    return None if value is None else float(str(value))


def read_guardrails(database: Path) -> GuardrailFindings:
    """What the guardrail models found, read-only (every number computed by the warehouse)."""
    with read_build(database) as connection:
        latest = connection.execute(
            "select cast(max(week_start_date) as varchar) from metric_status_weekly "
            "where is_complete_week"
        ).fetchone()
        latest_week = latest[0] if latest else None
        blocked = [
            MetricWeekStatus(*map(str, row))
            for row in connection.execute(
                "select metric_name, cast(week_start_date as varchar), job, reasons "
                "from metric_usability_weekly where is_complete_week and not usable_for_job "
                "and cast(week_start_date as varchar) = ? order by metric_name",
                [latest_week],
            ).fetchall()
        ]
        by_reason = {
            reason: int(
                (connection.execute(_REASON_COUNT_SQL.format(flag=flag)).fetchone() or (0,))[0]
            )
            for reason, flag in _REASON_FLAGS.items()
        }
        drops = [
            MetricWeekStatus(*map(str, row))
            for row in connection.execute(
                "select metric_name, cast(week_start_date as varchar), job, reasons "
                "from metric_status_weekly where has_coverage_drop "
                "order by week_start_date, metric_name"
            ).fetchall()
        ]
        shifts = [
            MixShift(str(r[0]), str(r[1]), str(r[2]), str(r[3]), float(r[4]), float(r[5]))
            for r in connection.execute(
                "select cast(week_start_date as varchar), branch, mix_dimension, largest_mover, "
                "largest_mover_trailing_share, largest_mover_share from mix_shift_weekly "
                "where is_shift_flagged order by week_start_date, branch, mix_dimension"
            ).fetchall()
        ]
        gate = [
            BranchGateVerdict(str(r[0]), int(r[1]), int(r[2]), str(r[3] or ""))
            for r in connection.execute(
                "select metric_name, count(*), count(*) filter (where is_ranking_allowed), "
                "string_agg(distinct nullif(failed_checks, ''), '; ') "
                "from branch_comparison_gate group by metric_name order by metric_name"
            ).fetchall()
        ]
        notices = [
            RebaselineNotice(str(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4]), r[5])
            for r in connection.execute(
                "select metric_name, from_version, to_version, cast(effective_date as varchar), "
                "cast(freeze_ends_on as varchar), cast(baseline_ready_week as varchar) "
                "from metric_rebaseline_notices order by effective_date desc"
            ).fetchall()
        ]
        triggers = [
            DecisionTrigger(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                bool(r[3]),
                _optional_float(r[4]),
                _optional_float(r[5]),
                _optional_float(r[6]),
                float(r[7]),
                str(r[8]),
                str(r[9]),
                str(r[10] or ""),
                str(r[11] or ""),
                str(r[12] or ""),
            )
            for r in connection.execute(
                "select metric_name, decision_slice, decision_state, is_new_firing, "
                "metric_value, baseline_value, move_size, threshold_value, threshold_unit, moves, "
                "held_reasons, action, owner from metric_decision_triggers_weekly "
                "where decision_state in ('fired', 'held') "
                "and cast(week_start_date as varchar) = ? "
                "order by decision_state, metric_name, decision_slice",
                [latest_week],
            ).fetchall()
        ]
        try:
            reviews = [
                (str(r[0]), str(r[1]), str(r[2]), str(r[3]))
                for r in connection.execute(
                    "select decision_id, intervention_type, leading_metric, verdict "
                    "from decision_record_reviews order by decision_id"
                ).fetchall()
            ]
        except duckdb.Error:
            reviews = []
    return GuardrailFindings(
        latest_complete_week=latest_week,
        blocked_this_week=blocked,
        blocked_weeks_by_reason=by_reason,
        coverage_drops=drops,
        mix_shifts=shifts,
        branch_gate=gate,
        notices=notices,
        decision_reviews=reviews,
        decision_triggers=triggers,
    )
