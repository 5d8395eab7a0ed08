"""Backtest a decision statement against the history in the warehouse.

A decision owner picks a threshold that fires rarely and for the right reasons: the backtest runs
the ledger's statement, or a proposed one (another ``by``, ``for``, slice or baseline), over every
week a built warehouse holds, and says when it would have fired, how many of those firings fell
in weeks whose mix shifted (an alarm driven by mix or seasonality rather than performance), and
how often the statement was held because its number could not be used (immature, warm-up,
coverage drop, comparability break, definition freeze, ...), with the weeks it crossed while held.

Nothing is recomputed here: the rule is the warehouse's own. The compiled SQL of
``metric_decision_triggers_weekly`` (from the manifest of the build) is run against the
warehouse with its ``statements`` CTE replaced by the statement under test, and, for a proposed
slice, its ``decision_values`` CTE by the metric's values in that slice
(``metric_values_segment_weekly``: one of its dimensions).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from metric_ledger.errors import MetricLedgerError
from metric_ledger.manifest import Manifest
from metric_ledger.warehouse import read_build

TRIGGER_MODEL = "metric_decision_triggers_weekly"
SEGMENT_DIMENSIONS: tuple[str, ...] = ("channel", "priority")
"""The dimensions of ``metric_values_segment_weekly``: the slices a proposal can name."""

MAX_WEEKS = 52
"""The longest `for` and trailing baseline a statement may name (as the ledger validation)."""

_BY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(%|percent|points?|pts?)\s*$")
_FOR = re.compile(r"^\s*([0-9]+)\s*(weeks?)?\s*$")


class BacktestError(MetricLedgerError):
    """The statement, the manifest or the warehouse cannot be used for a backtest."""


@dataclass(frozen=True)
class Statement:
    """A decision statement as the trigger rule reads it (one row of its ``statements``)."""

    metric_name: str
    better: str
    moves: str
    threshold_value: float
    threshold_unit: str  # percent or points
    for_weeks: int
    baseline_trailing_weeks: int | None
    baseline_fixed_value: float | None
    decision_slice: dict[str, str]
    action: str
    owner: str

    @property
    def slice_text(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in sorted(self.decision_slice.items()))

    @property
    def text(self) -> str:
        unit = "%" if self.threshold_unit == "percent" else " points"
        scope = f" for {self.slice_text}" if self.decision_slice else ""
        baseline = (
            f"the trailing {self.baseline_trailing_weeks} weeks"
            if self.baseline_trailing_weeks is not None
            else f"a fixed baseline of {self.baseline_fixed_value:g}"
        )
        weeks = "week" if self.for_weeks == 1 else "weeks"
        return (
            f"If {self.metric_name}{scope} {self.moves} by {self.threshold_value:g}{unit} "
            f"against {baseline} for {self.for_weeks} {weeks}, then {self.action}"
        )


@dataclass(frozen=True)
class BacktestWeek:
    week_start_date: str
    decision_state: str
    is_new_firing: bool
    is_crossed: bool
    metric_value: float | None
    baseline_value: float | None
    move_size: float | None
    held_reasons: str
    mix_shifts: tuple[str, ...]  # dimensions whose mix shifted that week (all branches)


@dataclass(frozen=True)
class Backtest:
    statement: Statement
    proposed: bool
    weeks: list[BacktestWeek] = field(default_factory=list)

    def in_state(self, state: str) -> list[BacktestWeek]:
        return [week for week in self.weeks if week.decision_state == state]

    @property
    def fired_in_mix_shift(self) -> list[BacktestWeek]:
        return [week for week in self.in_state("fired") if week.mix_shifts]

    @property
    def held_by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for week in self.in_state("held"):
            for reason in week.held_reasons.split(", "):
                counts[reason] = counts.get(reason, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def crossed_while_held(self) -> list[BacktestWeek]:
        """Weeks that crossed the threshold while the number could not be used: firings the
        guardrails stopped (mix, a comparability break, a freeze, an immature week ...)."""
        return [week for week in self.in_state("held") if week.is_crossed]

    def as_json(self) -> dict[str, Any]:
        return {
            "metric": self.statement.metric_name,
            "statement": self.statement.text,
            "proposed": self.proposed,
            "slice": self.statement.slice_text,
            "weeks": len(self.weeks),
            "fired_weeks": [w.week_start_date for w in self.in_state("fired")],
            "new_firings": [w.week_start_date for w in self.weeks if w.is_new_firing],
            "fired_in_mix_shift": [w.week_start_date for w in self.fired_in_mix_shift],
            "held_weeks": len(self.in_state("held")),
            "held_by_reason": self.held_by_reason,
            "crossed_while_held": [
                {"week": w.week_start_date, "reasons": w.held_reasons}
                for w in self.crossed_while_held
            ],
            "rows": [
                {
                    "week": w.week_start_date,
                    "state": w.decision_state,
                    "value": w.metric_value,
                    "baseline": w.baseline_value,
                    "move": w.move_size,
                    "held_reasons": w.held_reasons or None,
                    "mix_shifts": list(w.mix_shifts),
                }
                for w in self.weeks
            ],
        }


# --- the statement ----------------------------------------------------------------------------


def parse_by(text: str) -> tuple[float, str]:
    """``20%`` -> (20.0, percent); ``5 points`` -> (5.0, points)."""
    match = _BY.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise BacktestError(
            f'--by {text}: expected a percent of the baseline ("20%") or points of a rate '
            '("5 points"), above 0'
        )
    unit = "percent" if match.group(2) in ("%", "percent") else "points"
    return float(match.group(1)), unit


def parse_for(text: str) -> int:
    """``2 weeks`` or ``2`` -> 2 (consecutive complete weeks, 1 to 52)."""
    match = _FOR.match(text)
    if match is None or not 1 <= int(match.group(1)) <= MAX_WEEKS:
        raise BacktestError(
            f"--for {text}: expected a number of consecutive weeks from 1 to {MAX_WEEKS} "
            '("2 weeks")'
        )
    return int(match.group(1))


def parse_slice(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``channel=email`` ... -> {channel: email}."""
    parsed: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise BacktestError(f"--slice {item}: expected dimension=value (channel=email)")
        parsed[key.strip()] = value.strip()
    return parsed


def ledger_statement(manifest: Manifest, metric: str) -> Statement:
    """The statement in the metric's ledger, parsed as the warehouse parses it."""
    node = manifest.metric(metric)
    if node is None or not node.meta.get("governed"):
        raise BacktestError(f"{metric}: not a governed metric of {manifest.path}")
    ledger = node.meta.get("ledger") or {}
    decision = ledger.get("decision") or {}
    if not isinstance(ledger, dict) or not isinstance(decision, dict):
        raise BacktestError(f"{metric}: the ledger's decision is not a mapping (run `dbt build`)")
    try:
        value, unit = parse_by(str(decision.get("by")))
        weeks = parse_for(str(decision.get("for")))
    except BacktestError as error:
        raise BacktestError(f"{metric}: the ledger's decision is malformed ({error})") from None
    baseline = decision.get("baseline") or {"trailing_weeks": 4}
    raw_slice = decision.get("slice") or {}
    if not isinstance(baseline, dict) or not isinstance(raw_slice, dict):
        raise BacktestError(
            f"{metric}: the ledger's decision.baseline or decision.slice is not a mapping "
            "(`dbt build` validates the ledger and names the part)"
        )
    return Statement(
        metric_name=metric,
        better=str(ledger.get("better")),
        moves=str(decision.get("moves")),
        threshold_value=value,
        threshold_unit=unit,
        for_weeks=weeks,
        baseline_trailing_weeks=baseline.get("trailing_weeks"),
        baseline_fixed_value=baseline.get("value"),
        decision_slice={str(k): str(v) for k, v in raw_slice.items()},
        action=str(decision.get("then") or ""),
        owner=str(ledger.get("owner") or ""),
    )


def propose(
    statement: Statement,
    metric_type: str,
    by: str | None = None,
    for_weeks: str | None = None,
    decision_slice: dict[str, str] | None = None,
    baseline_weeks: int | None = None,
    baseline_value: float | None = None,
) -> Statement:
    """The ledger's statement with the parts a proposal names replaced."""
    threshold = parse_by(by) if by is not None else None
    if threshold and threshold[1] == "points" and metric_type != "ratio":
        raise BacktestError(
            f"--by {by}: points are percentage points of a rate and {statement.metric_name} is "
            f"a {metric_type} metric: use a percent"
        )
    if baseline_weeks is not None and baseline_value is not None:
        raise BacktestError("--baseline-weeks and --baseline-value: give one baseline, not both")
    if baseline_weeks is not None and not 1 <= baseline_weeks <= MAX_WEEKS:
        raise BacktestError(f"--baseline-weeks {baseline_weeks}: expected 1 to {MAX_WEEKS}")
    if baseline_value is not None and not math.isfinite(baseline_value):
        raise BacktestError(f"--baseline-value {baseline_value}: expected a finite number")
    unit = threshold[1] if threshold else statement.threshold_unit
    if baseline_value is not None and unit == "points" and not 0 <= baseline_value <= 1:
        raise BacktestError(
            f"--baseline-value {baseline_value:g}: a rate is a share from 0 to 1 (0.85, not 85) "
            "when the move is in points"
        )
    return Statement(
        metric_name=statement.metric_name,
        better=statement.better,
        moves=statement.moves,
        threshold_value=threshold[0] if threshold else statement.threshold_value,
        threshold_unit=threshold[1] if threshold else statement.threshold_unit,
        for_weeks=parse_for(for_weeks) if for_weeks is not None else statement.for_weeks,
        baseline_trailing_weeks=(
            None
            if baseline_value is not None
            else (baseline_weeks or statement.baseline_trailing_weeks)
        ),
        baseline_fixed_value=(
            baseline_value
            if baseline_value is not None
            else (None if baseline_weeks else statement.baseline_fixed_value)
        ),
        decision_slice=statement.decision_slice if decision_slice is None else decision_slice,
        action=statement.action,
        owner=statement.owner,
    )


# --- the rule, from the build ------------------------------------------------------------------


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _statement_select(statement: Statement) -> str:
    columns = {
        "metric_name": _literal(statement.metric_name),
        "better": _literal(statement.better),
        "moves": _literal(statement.moves),
        "threshold_value": f"cast({_literal(statement.threshold_value)} as double)",
        "threshold_unit": _literal(statement.threshold_unit),
        "for_weeks": f"cast({statement.for_weeks} as integer)",
        "baseline_trailing_weeks": (
            f"cast({_literal(statement.baseline_trailing_weeks)} as integer)"
        ),
        "baseline_fixed_value": f"cast({_literal(statement.baseline_fixed_value)} as double)",
        "decision_slice": _literal(statement.slice_text),
        "action": _literal(statement.action),
        "owner": _literal(statement.owner),
    }
    return "select " + ", ".join(f"{sql} as {name}" for name, sql in columns.items())


def _values_select(statement: Statement, ledger_slice: dict[str, str]) -> str | None:
    """The watched values for a slice the warehouse's own decision values lack, or None when
    ``int_metric_decision_values_weekly`` has them (the ledger's slice)."""
    if statement.decision_slice == ledger_slice:
        return None
    if not statement.decision_slice:
        return (
            "select metric_name, '' as decision_slice, week_start_date, metric_value "
            f"from metric_values_weekly where metric_name = {_literal(statement.metric_name)}"
        )
    if len(statement.decision_slice) != 1 or next(iter(statement.decision_slice)) not in (
        SEGMENT_DIMENSIONS
    ):
        raise BacktestError(
            f"--slice {statement.slice_text}: the warehouse holds proposed slices on one of "
            f"{', '.join(SEGMENT_DIMENSIONS)} (metric_values_segment_weekly); put a slice on "
            "other or several dimensions in the ledger's decision and build to backtest it"
        )
    ((dimension, value),) = statement.decision_slice.items()
    return (
        "select metric_name, "
        f"{_literal(statement.slice_text)} as decision_slice, week_start_date, metric_value "
        "from metric_values_segment_weekly "
        f"where metric_name = {_literal(statement.metric_name)} "
        f"and dimension = {_literal(dimension)} and segment_value = {_literal(value)}"
    )


def rule_sql(manifest: Manifest, statement: Statement, ledger_slice: dict[str, str]) -> str:
    """The compiled trigger rule of the build, judging only ``statement``."""
    node = next(
        (
            node
            for node in manifest.of_type("model")
            if node.name == TRIGGER_MODEL and node.package_name == "metric_ledger"
        ),
        None,
    )
    if node is None or not node.compiled_code:
        raise BacktestError(
            f"{manifest.path}: no compiled {TRIGGER_MODEL} (run `dbt build` or `dbt compile` "
            "of the warehouse you backtest against)"
        )
    try:
        tree = sqlglot.parse_one(node.compiled_code, read="duckdb")
    except sqlglot.errors.ParseError as error:
        raise BacktestError(f"{manifest.path}: cannot read {TRIGGER_MODEL}: {error}") from None
    replacements = {"statements": _statement_select(statement)}
    values = _values_select(statement, ledger_slice)
    if values is not None:
        replacements["decision_values"] = values
    found = set()
    for cte in tree.find_all(exp.CTE):
        if cte.alias in replacements:
            cte.set("this", sqlglot.parse_one(replacements[cte.alias], read="duckdb"))
            found.add(cte.alias)
    missing = set(replacements) - found
    if missing:
        raise BacktestError(
            f"{manifest.path}: {TRIGGER_MODEL} has no CTE {', '.join(sorted(missing))}"
        )
    # the relations of the build, by model name (the reader's search path finds the schema)
    for table in tree.find_all(exp.Table):
        table.set("catalog", None)
        table.set("db", None)
    return tree.sql(dialect="duckdb")


def _check_slice(
    connection: duckdb.DuckDBPyConnection, statement: Statement, ledger_slice: dict[str, str]
) -> None:
    """A proposed slice names a segment value the metric has in the warehouse, else one line
    (a typo or a dimension the metric lacks would hold every week for no_data)."""
    if not statement.decision_slice or statement.decision_slice == ledger_slice:
        return
    ((dimension, value),) = statement.decision_slice.items()
    known = [
        str(row[0])
        for row in connection.execute(
            "select distinct segment_value from metric_values_segment_weekly "
            "where metric_name = ? and dimension = ? order by 1",
            [statement.metric_name, dimension],
        ).fetchall()
    ]
    if value not in known:
        raise BacktestError(
            f"--slice {dimension}={value}: {statement.metric_name} has "
            + (
                f"no {dimension} {value} in the warehouse (its values: {', '.join(known)})"
                if known
                else f"no {dimension} segments (its semantic models lack {dimension})"
            )
        )


_CONTEXT_SQL = """
select cast(week_start_date as varchar), string_agg(distinct mix_dimension, ', ')
from mix_shift_weekly
where is_shift_flagged and branch = '(all)'
group by week_start_date
"""


def run_backtest(
    database: Path, manifest: Manifest, statement: Statement, proposed: bool
) -> Backtest:
    """Judge ``statement`` over every week of the warehouse at ``database``."""
    ledger_slice = ledger_statement(manifest, statement.metric_name).decision_slice
    sql = rule_sql(manifest, statement, ledger_slice)
    with read_build(database, BacktestError) as connection:
        _check_slice(connection, statement, ledger_slice)
        rows = connection.execute(
            "select cast(week_start_date as varchar), decision_state, is_new_firing, is_crossed, "
            "metric_value, baseline_value, move_size, coalesce(held_reasons, '') "
            f"from ({sql}) as judged order by week_start_date"
        ).fetchall()
        shifts = {str(r[0]): str(r[1]) for r in connection.execute(_CONTEXT_SQL).fetchall()}
    weeks = [
        BacktestWeek(
            week_start_date=str(r[0]),
            decision_state=str(r[1]),
            is_new_firing=bool(r[2]),
            is_crossed=bool(r[3]),
            metric_value=None if r[4] is None else float(r[4]),
            baseline_value=None if r[5] is None else float(r[5]),
            move_size=None if r[6] is None else float(r[6]),
            held_reasons=str(r[7]),
            mix_shifts=tuple(shifts[str(r[0])].split(", ")) if str(r[0]) in shifts else (),
        )
        for r in rows
    ]
    return Backtest(statement=statement, proposed=proposed, weeks=weeks)
