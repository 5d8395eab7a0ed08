"""Suite ``governed_marts``: the governed numbers of a built warehouse, read with SQL.

- coverage: each metric's weekly coverage of its scope (``int_metric_weeks_coverage_floor``,
  the coverage-floor rule's own number) at or above the floor its ledger sets, read from
  ``metric_dictionary.coverage_floor``;
- values: each metric's weekly value (``metric_values_weekly``) within its plausible range
  (``value_range``: shares in [0, 1], durations, counts and per-hour rates at least 0);
- mix: per week, scope and mix dimension of ``mix_shift_weekly``, the segment shares behind it
  (``int_weekly_mix_movers``) each in [0, 1] and summing to 1, this week's and the trailing.

Frames are one row per week (a column per metric) or per week, scope and dimension: their size
follows the number of weeks, never the number of tickets.
"""

from __future__ import annotations

from typing import Final

import duckdb
import pandas as pd

from metric_ledger.expectations.spec import GOVERNED_MARTS, Check, Frame

#: The relations the suite reads (a complete build has every one).
RELATIONS: Final = (
    "metric_dictionary",
    "int_metric_weeks_coverage_floor",
    "metric_values_weekly",
    "mix_shift_weekly",
    "int_weekly_mix_movers",
)
#: Shares sum to 1 within this (float summation over a few dozen segments).
SHARE_SUM_TOLERANCE: Final = 1e-6

#: Shares whose names do not end in ``_rate`` (house style puts units in names).
_SHARES: Final = frozenset({"csat_score", "schedule_adherence"})
#: Counts and per-hour rates: never negative, no upper bound.
_NON_NEGATIVE: Final = frozenset(
    {"contacts", "backlog_open", "backlog_older_than_72h", "contacts_per_agent_hour"}
)
_BETWEEN: Final = "expect_column_values_to_be_between"


def value_range(metric: str) -> tuple[float, float | None] | None:
    """The plausible range of a governed metric's value: ``(low, high)`` (``high`` None: no
    upper bound), or None for a metric this suite has no rule for (not checked)."""
    if metric.endswith("_rate") or metric in _SHARES:
        return (0.0, 1.0)
    if "_minutes" in metric or metric in _NON_NEGATIVE:
        return (0.0, None)
    return None


def governed_frames(connection: duckdb.DuckDBPyConnection) -> list[Frame]:
    """The suite's frames over a warehouse opened by ``metric_ledger.warehouse.connect``."""
    return [_coverage(connection), _values(connection), _mix(connection)]


def _by_week(connection: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """``metric_name, week_start_date, value`` rows as one row per week, a column per metric."""
    long = connection.execute(sql).df()
    wide = long.pivot(index="week_start_date", columns="metric_name", values="value")
    wide.columns.name = None
    return wide.sort_index()


def _coverage(connection: duckdb.DuckDBPyConnection) -> Frame:
    data = _by_week(
        connection,
        "select metric_name, cast(week_start_date as varchar) as week_start_date, "
        "coverage_rate as value from int_metric_weeks_coverage_floor",
    )
    floors = connection.execute(
        "select metric_name, coverage_floor from metric_dictionary "
        "where coverage_floor is not null order by metric_name"
    ).fetchall()
    checks = tuple(
        Check(
            _BETWEEN,
            str(metric),
            {"min_value": float(floor)},
            f"{metric} counts at least {float(floor):g} of the contacts in its scope every week "
            "(its ledger's stop_the_line.coverage_floor, from metric_dictionary).",
        )
        for metric, floor in floors
        if metric in data.columns  # metrics read from shifts only have no coverage rows
    )
    return Frame(
        GOVERNED_MARTS,
        "int_metric_weeks_coverage_floor.coverage_rate",
        "governed_marts.coverage",
        data,
        checks,
    )


def _values(connection: duckdb.DuckDBPyConnection) -> Frame:
    data = _by_week(
        connection,
        "select metric_name, cast(week_start_date as varchar) as week_start_date, "
        "metric_value as value from metric_values_weekly",
    )
    checks = []
    for metric in sorted(data.columns):
        bounds = value_range(metric)
        if bounds is None:
            continue
        low, high = bounds
        arguments: dict[str, object] = {"min_value": low}
        if high is not None:
            arguments["max_value"] = high
        kind = "a share" if high is not None else "never negative"
        checks.append(Check(_BETWEEN, metric, arguments, f"{metric} is {kind}."))
    return Frame(
        GOVERNED_MARTS,
        "metric_values_weekly.metric_value",
        "governed_marts.values",
        data,
        tuple(checks),
    )


_MIX_SQL = """
with shares as (
    select
        week_start_date,
        branch,
        mix_dimension,
        sum(this_week_share) as share_sum,
        min(this_week_share) as min_share,
        max(this_week_share) as max_share,
        sum(trailing_share) as trailing_share_sum,
        min(trailing_share) as min_trailing_share,
        max(trailing_share) as max_trailing_share
    from int_weekly_mix_movers
    group by week_start_date, branch, mix_dimension
)
select
    cast(mix.week_start_date as varchar) || ' ' || mix.branch || ' ' || mix.mix_dimension
        as week_scope_dimension,
    mix.largest_mover_share,
    mix.largest_mover_trailing_share,
    shares.share_sum,
    shares.min_share,
    shares.max_share,
    shares.trailing_share_sum,
    shares.min_trailing_share,
    shares.max_trailing_share
from mix_shift_weekly as mix
left join shares
    on mix.week_start_date = shares.week_start_date
    and mix.branch = shares.branch
    and mix.mix_dimension = shares.mix_dimension
order by 1
"""


def _mix(connection: duckdb.DuckDBPyConnection) -> Frame:
    data = connection.execute(_MIX_SQL).df().set_index("week_scope_dimension")
    share = {"min_value": 0.0, "max_value": 1.0}
    one = {"min_value": 1.0 - SHARE_SUM_TOLERANCE, "max_value": 1.0 + SHARE_SUM_TOLERANCE}
    checks = [
        Check(_BETWEEN, column, share, f"{column} is a share, in [0, 1].")
        for column in (
            "largest_mover_share",
            "largest_mover_trailing_share",
            "min_share",
            "max_share",
            "min_trailing_share",
            "max_trailing_share",
        )
    ]
    checks += [
        Check(
            _BETWEEN,
            column,
            one,
            f"The segments' shares of a week, scope and dimension add up to 1 "
            f"(within {SHARE_SUM_TOLERANCE:g}).",
        )
        for column in ("share_sum", "trailing_share_sum")
    ]
    return Frame(GOVERNED_MARTS, "mix_shift_weekly", "governed_marts.mix", data, tuple(checks))
