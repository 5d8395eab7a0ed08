"""What the helpdesk would have exported at a moment: the input of incremental runs.

`slice_export(src, dst, as_of)` reads a full export and writes the export as it stood at
`as_of`: tickets created by then, surveys sent by then (answers given later are not yet there),
shifts worked by then, and the events that had *arrived* by then. An event arrives when it
occurs, except for a deterministic share of late events that arrive up to
`max_delay_hours` later (a connector retry, a backfilled channel). A ticket row's `updated_at` is
the last arrival of anything on it, so a late event bumps its ticket, as a helpdesk API does.

Slicing the same full export at day D and at day D + 1 gives the two exports a daily
incremental run sees: new tickets, new events on old tickets, and late events that occurred
before D but arrive after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from metric_ledger.errors import ExportError, UsageError, cannot_write
from metric_ledger.synth.output import TABLES

#: Events whose md5(event_id) falls under this share arrive late.
DEFAULT_LATE_SHARE = 0.02
DEFAULT_MAX_DELAY_HOURS = 48


class ExportNotFoundError(ExportError):
    """The source export lacks raw files; the message names the directory and every one."""


@dataclass(frozen=True)
class SliceSummary:
    """Row counts of a sliced export."""

    as_of: datetime
    rows: dict[str, int]
    late_events_pending: int


def _arrivals_sql(events: str, late_share: float, max_delay_hours: int) -> str:
    """Each event with its arrival time: late for a hashed share, on time otherwise."""
    # Two independent 32-bit slices of the md5 pick "late" and the delay, so the choice does not
    # depend on row order, the engine's hash function or the size of the export.
    pick = "cast(('0x' || substr(md5(event_id), 1, 8)) as ubigint) / 4294967296.0"
    delay = "cast(('0x' || substr(md5(event_id), 9, 8)) as ubigint) / 4294967296.0"
    return f"""
        select
            *,
            case
                when event_id is not null and {pick} < {late_share}
                    then occurred_at + to_microseconds(
                        cast(1 + {delay} * ({max_delay_hours} * 3600 - 1) as bigint) * 1000000
                    )
                else occurred_at
            end as _arrived_at
        from read_parquet('{events}')
    """


def slice_export(
    src: Path,
    dst: Path,
    as_of: datetime,
    late_share: float = DEFAULT_LATE_SHARE,
    max_delay_hours: int = DEFAULT_MAX_DELAY_HOURS,
) -> SliceSummary:
    """Write the export of `src` as it stood at `as_of` (naive UTC) into `dst`."""
    if not 0 <= late_share <= 1:
        raise UsageError(f"late_share must be between 0 and 1, got {late_share}")
    if max_delay_hours < 1:
        raise UsageError(f"max_delay_hours must be at least 1, got {max_delay_hours}")
    missing = [f"{t}.parquet" for t in TABLES if not (src / f"{t}.parquet").is_file()]
    if missing:
        raise ExportNotFoundError(f"{src}: missing raw file(s) {', '.join(missing)}")
    try:
        dst.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise cannot_write(dst, error) from None
    cut = f"timestamp '{as_of.isoformat(sep=' ')}'"
    con = duckdb.connect()
    try:
        con.execute(
            "create temp view arrived as "
            + _arrivals_sql(str(src / "ticket_events.parquet"), late_share, max_delay_hours)
        )
        event_columns = [
            r[0]
            for r in con.execute(
                f"describe select * from read_parquet('{src / 'ticket_events.parquet'}')"
            ).fetchall()
        ]
        ticket_columns = [
            r[0]
            for r in con.execute(
                f"describe select * from read_parquet('{src / 'tickets.parquet'}')"
            ).fetchall()
        ]
        # Rows without the timestamp a cut needs stay in every slice: they are contract breaks
        # the build quarantines, and a slice must not hide them.
        queries = {
            "ticket_events": f"""
                select {", ".join(event_columns)} from arrived
                where _arrived_at <= {cut} or _arrived_at is null
            """,
            "tickets": f"""
                with arrivals as (
                    select ticket_id, _arrived_at as arrived_at from arrived
                    union all
                    select ticket_id, unnest([sent_at, responded_at]) as arrived_at
                    from read_parquet('{src / "csat_responses.parquet"}')
                ),
                last_arrival as (
                    select ticket_id, max(arrived_at) as arrived_at
                    from arrivals
                    where arrived_at <= {cut}
                    group by ticket_id
                )
                select {
                ", ".join(
                    "greatest(t.created_at, coalesce(last_arrival.arrived_at, t.created_at))"
                    " as updated_at"
                    if c == "updated_at"
                    else f"t.{c}"
                    for c in ticket_columns
                )
            }
                from read_parquet('{src / "tickets.parquet"}') as t
                left join last_arrival on t.ticket_id = last_arrival.ticket_id
                where t.created_at <= {cut} or t.created_at is null
            """,
            "csat_responses": f"""
                select
                    * replace (
                        case when responded_at <= {cut} then responded_at end as responded_at,
                        case when responded_at <= {cut} then rating end as rating
                    )
                from read_parquet('{src / "csat_responses.parquet"}')
                where sent_at <= {cut} or sent_at is null
            """,
            "agents": f"select * from read_parquet('{src / 'agents.parquet'}')",
            "agent_shifts": f"""
                select * from read_parquet('{src / "agent_shifts.parquet"}')
                where shift_date <= cast({cut} as date) or shift_date is null
            """,
        }
        rows: dict[str, int] = {}
        for table, query in queries.items():
            target = dst / f"{table}.parquet"
            try:
                con.execute(f"copy ({query}) to '{target}' (format parquet)")
            except duckdb.IOException as error:
                raise ExportError(f"cannot write {target}: {_first_line(error)}") from None
            count = con.execute(f"select count(*) from read_parquet('{target}')").fetchone()
            rows[table] = int(count[0]) if count else 0
        pending = con.execute(
            f"select count(*) from arrived where occurred_at <= {cut} and _arrived_at > {cut}"
        ).fetchone()
    except duckdb.Error as error:
        raise ExportError(f"{src}: cannot read the export: {_first_line(error)}") from None
    finally:
        con.close()
    return SliceSummary(
        as_of=as_of, rows=rows, late_events_pending=int(pending[0]) if pending else 0
    )


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
