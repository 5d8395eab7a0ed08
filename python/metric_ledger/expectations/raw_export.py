"""Suite ``raw_export``: the vendor-neutral export at its boundary, read from its Parquet files.

Every frame is an aggregate computed by DuckDB over the files (weekly counts, distinct values,
null shares, each day's earliest and latest time), so the frames stay small on any export.
What is checked and why (DECISIONLOG.md, "Great Expectations and dbt tests"):

- volume: the latest complete week's tickets within ``VOLUME_BAND`` of the median of the
  ``TRAILING_WEEKS`` complete weeks before it (judged with at least ``MIN_TRAILING_WEEKS``);
- enumerations: the distinct values of each closed enumeration are the contract's;
- null shares: each key column's share of nulls at most ``KEY_NULL_SHARE_MAX``;
- time ranges: nothing before the export's first ticket, nothing after its end (the latest
  ``tickets.updated_at``: the last change the export recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

import duckdb
import pandas as pd

from metric_ledger.errors import ExportError
from metric_ledger.expectations.contract import ENUMS, KEY_COLUMNS, TABLES, TIME_COLUMNS
from metric_ledger.expectations.spec import RAW_EXPORT, Check, Frame

#: Half to one and a half times the trailing median: a holiday week (-30 to -40%) or a launch
#: week (+30%) stays inside; an export cut mid-week (-57% by Wednesday), a doubled load (+100%)
#: or the wrong period falls outside. Smaller losses (a channel) are the governed suite's
#: coverage floors and the ledgers' coverage_drop.
VOLUME_BAND: Final = (0.5, 1.5)
TRAILING_WEEKS: Final = 4
MIN_TRAILING_WEEKS: Final = 2
#: 0.1%: a column losing values warns the drift check well before the build stops at the var
#: quarantine_error_share (1% of a table's rows, all reasons together).
KEY_NULL_SHARE_MAX: Final = 0.001

_BETWEEN: Final = "expect_column_values_to_be_between"
_IN_SET: Final = "expect_column_values_to_be_in_set"


def export_problems(raw_dir: Path) -> list[str]:
    """One line per reason the export cannot be read: the directory, or each missing file."""
    if not raw_dir.is_dir():
        return [f"{raw_dir}: export directory not found"]
    return [
        f"{raw_dir / f'{table}.parquet'}: raw file not found (source contract table {table})"
        for table in TABLES
        if not (raw_dir / f"{table}.parquet").is_file()
    ]


def open_export(raw_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per raw table over its Parquet file."""
    connection = duckdb.connect()
    problems = []
    for table in TABLES:
        path = str(raw_dir / f"{table}.parquet").replace("'", "''")
        try:
            connection.execute(f"create view {table} as select * from read_parquet('{path}')")
        except duckdb.Error as error:
            problems.append(f"{raw_dir / f'{table}.parquet'}: cannot read: {_first_line(error)}")
    if problems:
        connection.close()
        raise ExportError("\n".join(problems))
    return connection


def raw_frames(connection: duckdb.DuckDBPyConnection, regions: Sequence[str]) -> list[Frame]:
    """The suite's frames over an export opened by ``open_export``; ``regions`` are the
    business_hours seed's (the contract's regions)."""
    try:
        first, end = _bounds(connection)
        return [
            _volume(connection),
            *_enumerations(connection, regions),
            *_null_shares(connection),
            *_time_ranges(connection, first, end),
        ]
    except duckdb.Error as error:
        raise ExportError(f"cannot read the export: {_first_line(error)}") from None


def _bounds(connection: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    row = connection.execute("select min(created_at), max(updated_at) from tickets").fetchone()
    return (row[0], row[1]) if row else (None, None)


_VOLUME_SQL = f"""
with bounds as (
    select cast(min(created_at) as date) as first_day, cast(max(updated_at) as date) as last_day
    from tickets
),
weeks as (
    select cast(unnest(generate_series(
        date_trunc('week', first_day), date_trunc('week', last_day), interval 7 day
    )) as date) as week_start_date
    from bounds
),
counts as (
    select cast(date_trunc('week', created_at) as date) as week_start_date, count(*) as tickets
    from tickets
    where created_at is not null
    group by 1
),
complete_weeks as (
    select weeks.week_start_date, coalesce(counts.tickets, 0) as tickets
    from weeks
    cross join bounds
    left join counts on weeks.week_start_date = counts.week_start_date
    where weeks.week_start_date >= bounds.first_day and weeks.week_start_date + 6 <= bounds.last_day
),
with_history as (
    select
        week_start_date,
        tickets,
        median(tickets) over previous_weeks as trailing_median,
        count(*) over previous_weeks as trailing_weeks
    from complete_weeks
    window previous_weeks as (
        order by week_start_date rows between {TRAILING_WEEKS} preceding and 1 preceding
    )
)
select cast(week_start_date as varchar) as week_start_date, tickets, trailing_median, trailing_weeks
from with_history
where trailing_weeks >= {MIN_TRAILING_WEEKS}
order by week_start_date desc
limit 1
"""


def _volume(connection: duckdb.DuckDBPyConnection) -> Frame:
    data = connection.execute(_VOLUME_SQL).df().set_index("week_start_date")
    checks: tuple[Check, ...] = ()
    if not data.empty:
        median = float(data["trailing_median"].iloc[0])
        low, high = VOLUME_BAND
        checks = (
            Check(
                _BETWEEN,
                "tickets",
                {"min_value": low * median, "max_value": high * median},
                f"The latest complete week's tickets are within {low}x to {high}x the median "
                f"({median:g}) of the up to {TRAILING_WEEKS} complete weeks before it.",
            ),
        )
    return Frame(RAW_EXPORT, "tickets", "raw_export.weekly_tickets", data, checks)


def _enum_frame(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    columns: dict[str, str],
    allowed: dict[str, Sequence[object]],
) -> Frame:
    """The distinct values of each enumerated column (``name: SQL expression``), one grouping
    set per column, with their row counts."""
    selects = ", ".join(f"{expression} as {name}" for name, expression in columns.items())
    sets = ", ".join(f"({name})" for name in columns)
    data = connection.execute(
        f"select {', '.join(columns)}, count(*) as row_count "
        f"from (select {selects} from {table}) group by grouping sets ({sets})"
    ).df()
    checks = tuple(
        Check(_IN_SET, name, {"value_set": list(values)}, f"The contract's values of {name}.")
        for name, values in allowed.items()
    )
    return Frame(RAW_EXPORT, table, f"raw_export.{table}_values", data, checks)


def _enumerations(connection: duckdb.DuckDBPyConnection, regions: Sequence[str]) -> list[Frame]:
    events = {"event_type": "event_type", "author_type": "author_type"}
    for kind in ("status", "priority"):
        for side in ("old", "new"):
            events[f"{side}_{kind}"] = (
                f"case when event_type = '{kind}_change' then {side}_value end"
            )
    return [
        _enum_frame(
            connection,
            "tickets",
            {name: name for name in ("channel", "priority", "customer_tier", "region")},
            {
                "channel": ENUMS["channel"],
                "priority": ENUMS["priority"],
                "customer_tier": ENUMS["customer_tier"],
                "region": tuple(regions),
            },
        ),
        _enum_frame(
            connection,
            "ticket_events",
            events,
            {
                "event_type": ENUMS["event_type"],
                "author_type": ENUMS["author_type"],
                "old_status": ENUMS["status"],
                "new_status": ENUMS["status"],
                "old_priority": ENUMS["priority"],
                "new_priority": ENUMS["priority"],
            },
        ),
        _enum_frame(connection, "agents", {"role": "role"}, {"role": ENUMS["agent_role"]}),
        _enum_frame(
            connection, "csat_responses", {"rating": "rating"}, {"rating": list(range(1, 6))}
        ),
    ]


def _null_shares(connection: duckdb.DuckDBPyConnection) -> list[Frame]:
    """Per table, one row: each key column's share of nulls (null on an empty table)."""
    frames = []
    for table, columns in KEY_COLUMNS.items():
        shares = ", ".join(
            f"1.0 * count_if({column} is null) / nullif(count(*), 0) as {column}"
            for column in columns
        )
        data = connection.execute(f"select {shares} from {table}").df()
        data.index = pd.Index(["all rows"], name="rows")
        checks = tuple(
            Check(
                _BETWEEN,
                column,
                {"min_value": 0.0, "max_value": KEY_NULL_SHARE_MAX},
                f"Share of rows without {column} (null share) at most {KEY_NULL_SHARE_MAX:g}.",
            )
            for column in columns
        )
        frames.append(Frame(RAW_EXPORT, table, f"raw_export.{table}_null_shares", data, checks))
    return frames


def _time_ranges(
    connection: duckdb.DuckDBPyConnection, first: datetime | None, end: datetime | None
) -> list[Frame]:
    """Per table, each day's earliest and latest value of its time columns (two rows a day),
    bounded by the export's first ticket and its end; an export without tickets has no range."""
    if first is None or end is None:
        return []
    frames = []
    for table, columns in TIME_COLUMNS.items():
        parts = []
        for column in columns:
            others = ", ".join(
                f"cast(null as timestamp) as {other}" for other in columns if other != column
            )
            value = f"cast({column} as timestamp)"
            for pick in ("min", "max"):
                parts.append(
                    f"select cast(cast({column} as date) as varchar) || ' {pick} {column}' as day, "
                    f"{pick}({value}) as {column}{', ' + others if others else ''} "
                    f"from {table} where {column} is not null group by cast({column} as date)"
                )
        data = connection.execute(" union all ".join(parts) + " order by 1").df()
        data = data.set_index("day")[list(columns)]
        checks = [
            Check(
                _BETWEEN,
                column,
                _time_bounds(table, column, first, end),
                f"No {column} before the export's first ticket ({first:%Y-%m-%d %H:%M:%S}) or "
                f"after its end ({end:%Y-%m-%d %H:%M:%S}, the latest tickets.updated_at); "
                "dates by day.",
            )
            for column in columns
        ]
        frames.append(Frame(RAW_EXPORT, table, f"raw_export.{table}_times", data, tuple(checks)))
    return frames


def _time_bounds(table: str, column: str, first: datetime, end: datetime) -> dict[str, object]:
    if column == "shift_date":  # a date: bounded by the first and the last day
        day = datetime.min.time()
        return {
            "min_value": datetime.combine(first.date(), day),
            "max_value": datetime.combine(end.date(), day),
        }
    if table == "tickets":  # the first ticket is the lower bound itself
        return {"max_value": end}
    return {"min_value": first, "max_value": end}


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
