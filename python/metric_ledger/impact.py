"""Impact preview: what a change does to the governed numbers, before anyone approves it.

Reads two built warehouses (DuckDB files, read-only): the base (production, or ``main`` built on
the CI export) and the head (the change, built on the same export). Every number comes from the
warehouse's governed models, ``metric_values_weekly`` (per metric and week) and
``metric_values_segment_weekly`` (per metric, week and ledger segment), which dbt compiles from
the semantic layer; this module only pairs old and new values and decides which moved
(``render.impact`` presents them; shared/design/governance.md §4, "Impact preview").

A value moved when it appears on one side only, or when old and new differ by more than one
rounding step at six decimals (``DEFAULT_TOLERANCE``, relative above 1): a double summed in
another order is the same number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metric_ledger.errors import MetricLedgerError
from metric_ledger.warehouse import read_build

DEFAULT_TOLERANCE = 1e-6
"""One rounding step at six decimals; relative to the value's size above 1."""

SEGMENT_DIMENSIONS: tuple[str, ...] = ("channel", "priority")
"""The ledger segments of ``metric_values_segment_weekly`` (the model's list)."""

GITHUB_COMMENT_LIMIT = 65_536
"""The longest comment GitHub accepts, in characters."""

DEFAULT_TOP = 10
"""Rows of largest movers shown per metric (Markdown and text)."""


class ImpactError(MetricLedgerError):
    """A warehouse cannot be read or lacks the governed-numbers tables."""


# --- what the warehouses hold ---------------------------------------------------------------


@dataclass(frozen=True)
class Values:
    """One metric value with its numerator and denominator (ratios), as the warehouse has it."""

    numerator: float | None
    denominator: float | None
    value: float | None

    def as_json(self) -> dict[str, float | None]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}


_WeekKey = tuple[str, str]  # metric_name, week_start_date
_SegmentKey = tuple[str, str, str, str]  # metric_name, week_start_date, dimension, segment_value


@dataclass(frozen=True)
class Warehouse:
    """The governed numbers of one build."""

    path: Path
    weeks: dict[_WeekKey, Values]
    segments: dict[_SegmentKey, Values]


_WEEKS_SQL = """
select metric_name, cast(week_start_date as varchar), numerator_value, denominator_value,
    metric_value
from metric_values_weekly
"""

_SEGMENTS_SQL = """
select metric_name, cast(week_start_date as varchar), dimension, segment_value,
    numerator_value, denominator_value, metric_value
from metric_values_segment_weekly
"""


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


_NO_GOVERNED_NUMBERS = (
    "no governed numbers (metric_values_weekly and metric_values_segment_weekly; "
    "build the project first)"
)


def read_warehouse(path: Path) -> Warehouse:
    """Read the governed numbers of a built warehouse (read-only)."""
    with read_build(path, ImpactError, _NO_GOVERNED_NUMBERS) as connection:
        week_rows = connection.execute(_WEEKS_SQL).fetchall()
        segment_rows = connection.execute(_SEGMENTS_SQL).fetchall()
    weeks = {
        (str(name), str(week)): Values(_number(num), _number(den), _number(val))
        for name, week, num, den, val in week_rows
    }
    segments = {
        (str(name), str(week), str(dim), str(seg)): Values(_number(num), _number(den), _number(val))
        for name, week, dim, seg, num, den, val in segment_rows
    }
    return Warehouse(path=path, weeks=weeks, segments=segments)


# --- comparison -----------------------------------------------------------------------------


def same_number(old: float | None, new: float | None, tolerance: float) -> bool:
    """Both missing, or within ``tolerance`` (absolute up to 1, relative above)."""
    if old is None or new is None:
        return old is None and new is None
    return abs(new - old) <= tolerance * max(1.0, abs(old), abs(new))


def _same(old: Values | None, new: Values | None, tolerance: float) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return all(
        same_number(a, b, tolerance)
        for a, b in (
            (old.numerator, new.numerator),
            (old.denominator, new.denominator),
            (old.value, new.value),
        )
    )


@dataclass(frozen=True)
class ValueChange:
    """Old and new value of a metric in one week, overall (``dimension`` None) or in a segment."""

    week_start_date: str
    dimension: str | None
    segment_value: str | None
    old: Values | None
    new: Values | None
    moved: bool

    @property
    def old_value(self) -> float | None:
        return self.old.value if self.old else None

    @property
    def new_value(self) -> float | None:
        return self.new.value if self.new else None

    @property
    def delta(self) -> float | None:
        """New minus old value; None when either is missing."""
        if self.old_value is None or self.new_value is None:
            return None
        return self.new_value - self.old_value

    @property
    def where(self) -> str:
        """``2026-02-09`` or ``2026-02-09 (channel email)``."""
        if self.dimension is None:
            return self.week_start_date
        return f"{self.week_start_date} ({self.dimension} {self.segment_value})"

    def as_json(self) -> dict[str, Any]:
        row: dict[str, Any] = {"week_start_date": self.week_start_date}
        if self.dimension is not None:
            row["dimension"] = self.dimension
            row["segment_value"] = self.segment_value
        row.update(
            {
                "old": self.old.as_json() if self.old else None,
                "new": self.new.as_json() if self.new else None,
                "delta": self.delta,
                "moved": self.moved,
            }
        )
        return row


def _mover_order(change: ValueChange) -> tuple[int, float]:
    """Largest absolute change first; values that appear or vanish after every numeric one."""
    delta = change.delta
    return (1, 0.0) if delta is None else (0, -abs(delta))


@dataclass(frozen=True)
class MetricImpact:
    """A governed metric's values in the base and the head build."""

    metric_name: str
    weeks: list[ValueChange]
    segments: list[ValueChange]
    dimensions: tuple[str, ...]
    """The segment dimensions the metric has (in either build)."""

    @property
    def moved(self) -> bool:
        return any(change.moved for change in self.weeks) or any(
            change.moved for change in self.segments
        )

    @property
    def weeks_moved(self) -> int:
        return sum(1 for change in self.weeks if change.moved)

    @property
    def missing_dimensions(self) -> tuple[str, ...]:
        """Segment dimensions that do not apply: a semantic model of the metric lacks them."""
        return tuple(d for d in SEGMENT_DIMENSIONS if d not in self.dimensions)

    def largest_movers(self, top: int | None = None) -> list[ValueChange]:
        """Moved segment values (overall weeks when the metric has no segments), largest first."""
        pool = self.segments if self.dimensions else self.weeks
        movers = sorted((c for c in pool if c.moved), key=_mover_order)
        return movers if top is None else movers[:top]

    def summary_line(self) -> str:
        """One line for the changelog: how many weeks moved and the largest move."""
        total = len(self.weeks)
        if not self.moved:
            return f"{self.metric_name}: unmoved ({total} of {total} weeks identical)"
        parts = [f"{self.metric_name}: {self.weeks_moved} of {total} weeks moved"]
        overall = sorted((c for c in self.weeks if c.moved), key=_mover_order)
        if overall:
            parts.append(f"largest {describe_change(overall[0])} in {overall[0].week_start_date}")
        movers = self.largest_movers(1)
        if movers and self.dimensions:
            parts.append(f"largest segment move {describe_change(movers[0])} in {movers[0].where}")
        return ", ".join(parts)

    def as_json(self, flagged: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "metric_name": self.metric_name,
            "flagged": flagged,
            "moved": self.moved,
            "weeks_compared": len(self.weeks),
            "weeks_moved": self.weeks_moved,
            "segment_dimensions": list(self.dimensions),
            "dimensions_not_applicable": list(self.missing_dimensions),
            "summary": self.summary_line(),
        }
        if flagged:
            data["weeks"] = [change.as_json() for change in self.weeks]
            data["segments"] = [change.as_json() for change in self.segments]
            data["largest_movers"] = [change.as_json() for change in self.largest_movers()]
        return data


def describe_change(change: ValueChange) -> str:
    """How a value moved, in a few words: the signed difference, else what appeared or went."""
    delta = change.delta
    if delta is not None:
        return f"{delta:+.4g}"
    if change.old_value is None and change.new_value is None:
        return "numerator/denominator changed"
    return "new" if change.old is None else ("gone" if change.new is None else "now null")


@dataclass(frozen=True)
class ImpactResult:
    """Every governed metric of the two builds, compared."""

    base_path: Path
    head_path: Path
    tolerance: float
    metrics: list[MetricImpact] = field(default_factory=list)

    def metric(self, name: str) -> MetricImpact:
        for impact in self.metrics:
            if impact.metric_name == name:
                return impact
        raise KeyError(name)

    @property
    def moved(self) -> list[str]:
        return [impact.metric_name for impact in self.metrics if impact.moved]

    def flagged(self, explicit: Iterable[str] = ()) -> list[str]:
        """The moved metrics plus ``explicit``, in name order."""
        names = set(self.moved) | set(explicit)
        return [impact.metric_name for impact in self.metrics if impact.metric_name in names]

    def as_json(self, flagged_metrics: Iterable[str]) -> dict[str, Any]:
        flagged = set(flagged_metrics)
        return {
            "base_db": str(self.base_path),
            "head_db": str(self.head_path),
            "tolerance": self.tolerance,
            "flagged": [m.metric_name for m in self.metrics if m.metric_name in flagged],
            "moved": self.moved,
            "unmoved": [m.metric_name for m in self.metrics if not m.moved],
            "moved_but_not_flagged": [
                m.metric_name for m in self.metrics if m.moved and m.metric_name not in flagged
            ],
            "metrics": [m.as_json(m.metric_name in flagged) for m in self.metrics],
        }


def _changes(
    old: dict[Any, Values], new: dict[Any, Values], keys: Sequence[Any], tolerance: float
) -> list[ValueChange]:
    changes = []
    for key in keys:
        before, after = old.get(key), new.get(key)
        week = key[1]
        dimension, segment = (key[2], key[3]) if len(key) == 4 else (None, None)
        moved = not _same(before, after, tolerance)
        changes.append(ValueChange(week, dimension, segment, before, after, moved))
    return changes


def compare(base: Warehouse, head: Warehouse, tolerance: float = DEFAULT_TOLERANCE) -> ImpactResult:
    """Pair every governed metric's weekly and segment values of two builds."""
    names = sorted({key[0] for key in base.weeks} | {key[0] for key in head.weeks})
    week_keys = sorted(set(base.weeks) | set(head.weeks))
    segment_keys = sorted(set(base.segments) | set(head.segments))
    metrics = []
    for name in names:
        weeks = _changes(base.weeks, head.weeks, [k for k in week_keys if k[0] == name], tolerance)
        keys = [k for k in segment_keys if k[0] == name]
        dimensions = tuple(d for d in SEGMENT_DIMENSIONS if any(k[2] == d for k in keys))
        segments = _changes(base.segments, head.segments, keys, tolerance)
        metrics.append(MetricImpact(name, weeks, segments, dimensions))
    return ImpactResult(base.path, head.path, tolerance, metrics)


def run_impact(base_db: Path, head_db: Path, tolerance: float = DEFAULT_TOLERANCE) -> ImpactResult:
    """Read both warehouses and compare them."""
    return compare(read_warehouse(base_db), read_warehouse(head_db), tolerance)


def check_metric_names(result: ImpactResult, names: Iterable[str]) -> None:
    """Raise when a requested metric is in neither build."""
    known = {impact.metric_name for impact in result.metrics}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ImpactError(
            f"{result.head_path}: not a governed metric in either warehouse: {', '.join(unknown)}"
        )


def impact_summary(result: ImpactResult, metric: str) -> str:
    """The one-line summary ``approve`` records for ``metric``."""
    check_metric_names(result, [metric])
    return result.metric(metric).summary_line()
