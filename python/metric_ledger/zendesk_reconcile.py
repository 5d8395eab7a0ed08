"""Why metric_ledger's numbers differ from Zendesk's own (issue 12, item 5).

`reconcile(raw_dir, database)` compares, ticket by ticket, three facts of `fct_tickets` with the
values Zendesk recorded in `ticket_metric` (whole minutes):

| metric_ledger (`fct_tickets`)        | Zendesk (`ticket_metric`)                    |
|--------------------------------------|----------------------------------------------|
| `first_response_minutes`             | `reply_time_in_minutes_calendar`             |
| `first_response_business_minutes`    | `reply_time_in_minutes_business`             |
| `resolution_minutes`                 | `full_resolution_time_in_minutes_calendar`   |

and names, for every pair that differs (by a minute or more, or one side missing), the rule
that causes it. A cause is named only when the raw data shows it:

- `auto_response`: Zendesk's reply is an agent's trigger auto-response (or a deleted comment:
  `deleted`) at the moment its number ends; metric_ledger never counts an auto-response.
- `outbound`: an agent opened the ticket; Zendesk measures to the agent's next public comment,
  metric_ledger has no first response for an outbound ticket.
- `schedule`: the calendar minutes agree but the ticket's schedule (`ticket_schedule`) changed
  before the reply; Zendesk counts business minutes in the schedule in force at the reply,
  metric_ledger in the region's.
- `pending_pause`: metric_ledger's resolution pauses while pending; Zendesk's full resolution
  time is the difference plus `pending_minutes`.
- `merged`: closed by a merge; metric_ledger's resolution is the close, Zendesk records none.
- `reopened`: reopened and not solved again; Zendesk keeps the last solve's full resolution.
- `deleted`: deleted in Zendesk (a comment Zendesk counted, or a ticket the warehouse lacks).
- `not_in_ticket_metric`: the warehouse has the ticket, `ticket_metric` has no row for it.
- `unexplained`: none of the above reproduces the difference.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Final

import duckdb
import yaml

from metric_ledger.errors import InputError, UsageError, WarehouseError, cannot_write
from metric_ledger.warehouse import connect as warehouse_connect

#: (fct_tickets column, ticket_metric column), in report order
PAIRS: Final = (
    ("first_response_minutes", "reply_time_in_minutes_calendar"),
    ("first_response_business_minutes", "reply_time_in_minutes_business"),
    ("resolution_minutes", "full_resolution_time_in_minutes_calendar"),
)
CAUSES: Final = (
    "auto_response",
    "outbound",
    "schedule",
    "pending_pause",
    "merged",
    "reopened",
    "deleted",
    "not_in_ticket_metric",
    "unexplained",
)
#: Zendesk's values are whole minutes: a smaller difference is rounding
TOLERANCE_MINUTES: Final = 1.0

#: raw tables and the columns read: kind (integer, number, timestamp, boolean), optional
_RAW: Final[dict[str, dict[str, tuple[str, bool]]]] = {
    "ticket_metric": {
        "ticket_id": ("integer", False),
        **{column: ("number", False) for _, column in PAIRS},
    },
    "ticket": {"id": ("integer", False), "_fivetran_deleted": ("boolean", True)},
    "ticket_comment": {
        "ticket_id": ("integer", False),
        "created": ("timestamp", False),
        "public": ("boolean", False),
        "_fivetran_deleted": ("boolean", True),
    },
    "ticket_schedule": {
        "ticket_id": ("integer", False),
        "schedule_id": ("integer", False),
        "created_at": ("timestamp", False),
    },
}
_WAREHOUSE: Final = {
    "fct_tickets": (
        "ticket_id", "created_at", "is_outbound", "first_response_at", "first_response_minutes",
        "first_response_business_minutes", "latest_status", "first_solved_at", "pending_minutes",
        "resolution_minutes", "merged_into_ticket_id",
    ),
    "stg_helpdesk__ticket_events": (
        "ticket_id", "occurred_at", "event_type", "author_type", "is_public", "is_auto_response",
    ),
}  # fmt: skip


def _kind_ok(kind: str, duckdb_type: str) -> bool:
    t = duckdb_type.upper()
    integer = t in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                    "USMALLINT", "UINTEGER", "UBIGINT"}  # fmt: skip
    if kind == "integer":
        return integer
    if kind == "number":
        return integer or t in {"FLOAT", "DOUBLE", "REAL"} or t.startswith("DECIMAL")
    if kind == "timestamp":
        return t.startswith("TIMESTAMP")
    return t == "BOOLEAN"


@dataclass(frozen=True)
class IdRule:
    """How the build turned Zendesk ticket ids into ours (the var `zendesk_ids`' `ticket`):
    ours = prefix + (Zendesk id - base), zero-padded to width. None: ours is the number."""

    prefix: str
    base: int
    width: int


def parse_zendesk_ids(text: str | None) -> IdRule | None:
    """The `ticket` rule of a `zendesk_ids` var value (YAML: `{ticket: [T, 100000, 7]}`)."""
    if text is None or not text.strip():
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UsageError(f"--zendesk-ids: not YAML ({str(error).splitlines()[0]})") from None
    rule = value.get("ticket") if isinstance(value, dict) else None
    if rule is None:
        if isinstance(value, dict):
            return None
        raise UsageError("--zendesk-ids: expected a mapping like '{ticket: [T, 100000, 7]}'")
    try:
        prefix, base, width = rule
        return IdRule(str(prefix), int(base), int(width))
    except (TypeError, ValueError):
        raise UsageError(
            f"--zendesk-ids: ticket: expected [prefix, base, width], got {rule!r}"
        ) from None


@dataclass(frozen=True)
class Difference:
    """One fact of one ticket where the two numbers differ, and why."""

    ticket_id: str | None  # metric_ledger's id (None: not in the warehouse)
    zendesk_ticket_id: int
    metric: str  # the fct_tickets column
    ticket_metric_column: str
    metric_ledger_value: float | None
    zendesk_value: float | None
    difference: float | None  # Zendesk minus metric_ledger
    cause: str
    detail: str


@dataclass(frozen=True)
class Reconciliation:
    tickets_compared: int
    differences: tuple[Difference, ...]

    def counts(self) -> dict[str, int]:
        """Differences per cause, in CAUSES order (causes that never occur left out)."""
        counted = Counter(d.cause for d in self.differences)
        return {cause: counted[cause] for cause in CAUSES if counted[cause]}

    @property
    def unexplained(self) -> int:
        return sum(1 for d in self.differences if d.cause == "unexplained")


# --- inputs ----------------------------------------------------------------------------------


def _raw_views(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> None:
    """A view `raw_<table>` per raw table; every problem (missing file or column, wrong type)
    as one line of an InputError."""
    problems = []
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: not a directory (the Zendesk export)")
    for name, columns in _RAW.items():
        path = raw_dir / f"{name}.parquet"
        if not path.is_file():
            problems.append(f"{path}: file not found (Zendesk table {name})")
            continue
        literal = "'" + str(path).replace("'", "''") + "'"
        try:
            described = con.execute(f"describe select * from read_parquet({literal})").fetchall()
        except duckdb.Error as error:
            problems.append(f"{path}: cannot read: {str(error).splitlines()[0]}")
            continue
        types = {str(row[0]): str(row[1]) for row in described}
        selected = []
        for column, (kind, optional) in columns.items():
            if column not in types:
                if optional:
                    selected.append(f"false as {column}")
                else:
                    problems.append(f"{path}: column {column}: missing (Zendesk table {name})")
                continue
            if not _kind_ok(kind, types[column]):
                problems.append(
                    f"{path}: column {column}: has type {types[column]}, expected {kind}"
                )
                continue
            selected.append(f'"{column}"')
        con.execute(
            f"create temp view raw_{name} as select {', '.join(selected)} "
            f"from read_parquet({literal})"
        )
    if problems:
        raise InputError("\n".join(problems))


def _open_warehouse(database: Path) -> duckdb.DuckDBPyConnection:
    if not database.is_file():
        raise WarehouseError(f"{database}: warehouse not found (run `dbt build` first)")
    try:
        con = warehouse_connect(database)
    except duckdb.Error as error:
        raise WarehouseError(f"{database}: cannot open: {str(error).splitlines()[0]}") from None
    for relation, columns in _WAREHOUSE.items():
        try:
            present = {
                str(row[0]) for row in con.execute(f"describe {relation}").fetchall()
            }  # fmt: skip
        except duckdb.Error:
            con.close()
            raise WarehouseError(
                f"{database}: not a complete metric_ledger build: no {relation}"
            ) from None
        missing = [c for c in columns if c not in present]
        if missing:
            con.close()
            raise WarehouseError(
                f"{database}: {relation} lacks {', '.join(missing)} (not a metric_ledger build)"
            )
    return con


def _id_macro(con: duckdb.DuckDBPyConnection, rule: IdRule | None) -> None:
    """`zid(ticket_id)`: metric_ledger's ticket id as Zendesk's number."""
    if rule is None:
        con.execute("create temp macro zid(x) as try_cast(x as bigint)")
        return
    prefix = rule.prefix.replace("'", "''")
    con.execute(
        f"create temp macro zid(x) as case when starts_with(x, '{prefix}') then "
        f"{rule.base} + try_cast(substr(x, {len(rule.prefix) + 1}) as bigint) end"
    )


# --- the comparison --------------------------------------------------------------------------

_COMPARE: Final = """
create temp table ours as
select zid(ticket_id) as zendesk_ticket_id, * from fct_tickets;
create temp table pairs as
select coalesce(ours.zendesk_ticket_id, theirs.ticket_id) as zendesk_ticket_id,
    ours.ticket_id, ours.zendesk_ticket_id is not null as in_ours,
    theirs.ticket_id is not null as in_theirs,
    ours.* exclude (ticket_id, zendesk_ticket_id), theirs.* exclude (ticket_id)
from ours full join (select * from raw_ticket_metric) as theirs
    on ours.zendesk_ticket_id = theirs.ticket_id;
create temp table facts as
{facts};
create temp table differing as
select * from facts
where (ours is null) != (zendesk is null) or abs(zendesk - ours) >= {tolerance};
-- the comments Zendesk may have counted as the first reply and metric_ledger did not: an
-- agent's public auto-response, a public comment deleted since
create temp table candidates as
select zid(ticket_id) as zendesk_ticket_id, occurred_at as moment, 'auto_response' as kind
from stg_helpdesk__ticket_events
where event_type = 'message' and is_public and is_auto_response and author_type = 'agent'
union all
select ticket_id, created, 'deleted' from raw_ticket_comment
where public and _fivetran_deleted;
create temp table reply_causes as
select differing.zendesk_ticket_id,
    arg_min(candidates.kind, candidates.moment) as kind,
    min(candidates.moment) as moment
from differing
join candidates on candidates.zendesk_ticket_id = differing.zendesk_ticket_id
    and candidates.moment >= differing.created_at
    and (differing.first_response_at is null or candidates.moment < differing.first_response_at)
    and abs((epoch(candidates.moment) - epoch(differing.created_at)) / 60.0 - differing.zendesk)
        < {tolerance}
where differing.metric = 'first_response_minutes' and differing.zendesk is not null
group by differing.zendesk_ticket_id;
-- the schedule at creation and at metric_ledger's first response
create temp table schedule_changes as
select differing.zendesk_ticket_id,
    arg_min(s.schedule_id, s.created_at) as first_schedule,
    arg_max(s.schedule_id, s.created_at) filter (where s.created_at <= differing.first_response_at)
        as reply_schedule,
    max(s.created_at) filter (where s.created_at <= differing.first_response_at) as changed_at
from differing join raw_ticket_schedule as s on s.ticket_id = differing.zendesk_ticket_id
where differing.metric = 'first_response_business_minutes'
group by differing.zendesk_ticket_id;
create temp table calendar_causes as
select zendesk_ticket_id, cause from ({caused}) where metric = 'first_response_minutes';
select * from ({caused_business}) order by zendesk_ticket_id, metric_order
"""

_FACTS: Final = """
select zendesk_ticket_id, ticket_id, in_ours, in_theirs, created_at, is_outbound,
    first_response_at, latest_status, first_solved_at, pending_minutes, merged_into_ticket_id,
    {order} as metric_order, '{ours}' as metric, '{theirs}' as ticket_metric_column,
    cast({ours} as double) as ours, cast({theirs} as double) as zendesk
from pairs"""

_CAUSE: Final = """
select differing.*,
    case
        when not in_theirs then 'not_in_ticket_metric'
        when not in_ours then case when deleted_tickets.id is not null then 'deleted'
            else 'unexplained' end
        when metric = 'first_response_minutes' and ours is null and is_outbound then 'outbound'
        when metric = 'first_response_minutes' and reply_causes.kind is not null
            then reply_causes.kind
        when metric = 'resolution_minutes' and ours is null and zendesk is not null
            and latest_status not in ('solved', 'closed') and first_solved_at is not null
            then 'reopened'
        when metric = 'resolution_minutes' and ours is not null and zendesk is null
            and merged_into_ticket_id is not null then 'merged'
        when metric = 'resolution_minutes' and ours is not null and zendesk is not null
            and pending_minutes > 0 and abs(ours + pending_minutes - zendesk) < {tolerance}
            then 'pending_pause'
        else 'unexplained'
    end as cause,
    reply_causes.moment as reply_moment
from differing
left join reply_causes using (zendesk_ticket_id)
left join (select id from raw_ticket where _fivetran_deleted) as deleted_tickets
    on deleted_tickets.id = differing.zendesk_ticket_id"""

_CAUSE_BUSINESS: Final = """
select caused.* exclude (cause),
    case
        when caused.metric != 'first_response_business_minutes' or caused.cause != 'unexplained'
            or not caused.in_ours or not caused.in_theirs then caused.cause
        when calendar_causes.cause is not null then calendar_causes.cause
        when schedule_changes.reply_schedule != schedule_changes.first_schedule then 'schedule'
        else 'unexplained'
    end as cause,
    schedule_changes.first_schedule, schedule_changes.reply_schedule, schedule_changes.changed_at
from ({caused}) as caused
left join calendar_causes using (zendesk_ticket_id)
left join schedule_changes using (zendesk_ticket_id)"""


#: What each known cause means for one ticket, filled in from its reconciliation row.
_DETAILS = {
    "auto_response": (
        "Zendesk's first reply is an agent's trigger auto-response at {reply_moment}; "
        "metric_ledger never counts an auto-response"
    ),
    "deleted": (
        "Zendesk's first reply is a public comment at {reply_moment} deleted since; "
        "metric_ledger reads only live comments"
    ),
    "outbound": (
        "an agent opened the ticket: Zendesk measures to the agent's next public comment, "
        "metric_ledger has no first response for an outbound ticket"
    ),
    "schedule": (
        "the ticket's schedule changed at {changed_at} (schedule {first_schedule} to "
        "{reply_schedule}): Zendesk counts business minutes in the schedule in force at the "
        "reply, metric_ledger in the region's"
    ),
    "pending_pause": (
        "{pending_minutes:.1f} minutes pending: metric_ledger's resolution pauses while "
        "pending, Zendesk's full resolution time does not"
    ),
    "merged": (
        "closed by a merge: metric_ledger's resolution is the close, Zendesk records no "
        "resolution for a merge"
    ),
    "reopened": (
        "reopened and now {latest_status}: Zendesk keeps the last solve's full resolution "
        "time, metric_ledger has none until it is solved again"
    ),
}


def _detail(row: Mapping[str, Any]) -> str:
    cause = row["cause"]
    if cause == "not_in_ticket_metric":
        return "ticket_metric has no row for this ticket (not synced yet, or deleted in Zendesk)"
    if cause == "deleted" and not row["in_ours"]:
        return "deleted in Zendesk: the build ignores deleted tickets"
    if row["metric"] == "first_response_business_minutes" and cause != "schedule":
        return f"the calendar first response differs too ({cause}): the reply moment differs"
    template = _DETAILS.get(cause)
    return template.format(**row) if template else "no known rule reproduces Zendesk's number"


def reconcile(raw_dir: Path, database: Path, ids: IdRule | None = None) -> Reconciliation:
    """Every fct_tickets fact that differs from Zendesk's ticket_metric, with its cause."""
    con = _open_warehouse(database)
    try:
        _raw_views(con, raw_dir)
        _id_macro(con, ids)
        facts = " union all ".join(
            _FACTS.format(order=i, ours=ours, theirs=theirs)
            for i, (ours, theirs) in enumerate(PAIRS)
        )
        caused = _CAUSE.format(tolerance=TOLERANCE_MINUTES)
        sql = _COMPARE.format(
            facts=facts,
            tolerance=TOLERANCE_MINUTES,
            caused=caused,
            caused_business=_CAUSE_BUSINESS.format(caused=caused),
        )
        statements = [s for s in sql.split(";") if s.strip()]
        for statement in statements[:-1]:
            con.execute(statement)
        cursor = con.execute(statements[-1])
        names = [d[0] for d in cursor.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        compared = con.execute("select count(*) from pairs where in_ours and in_theirs").fetchall()[
            0
        ][0]
    except duckdb.Error as error:
        raise WarehouseError(
            f"{database}: cannot compare with {raw_dir}: {str(error).splitlines()[0]}"
        ) from None
    finally:
        con.close()
    differences = tuple(
        Difference(
            ticket_id=row["ticket_id"],
            zendesk_ticket_id=int(row["zendesk_ticket_id"]),
            metric=row["metric"],
            ticket_metric_column=row["ticket_metric_column"],
            metric_ledger_value=row["ours"],
            zendesk_value=row["zendesk"],
            difference=None if row["ours"] is None or row["zendesk"] is None
            else row["zendesk"] - row["ours"],
            cause=row["cause"],
            detail=_detail(row),
        )
        for row in rows
    )  # fmt: skip
    return Reconciliation(tickets_compared=int(compared), differences=differences)


def write_csv(reconciliation: Reconciliation, path: Path) -> Path:
    """One row per difference (the Difference fields as columns; minutes to 2 decimals)."""
    names = [f.name for f in fields(Difference)]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(names)
            for difference in reconciliation.differences:
                record = asdict(difference)
                writer.writerow(_cell(record[name]) for name in names)
    except OSError as error:
        raise cannot_write(path, error) from None
    return path


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def summary_lines(reconciliation: Reconciliation) -> Sequence[str]:
    """The printed summary: what was compared, then the differences per cause."""
    tickets = len({d.zendesk_ticket_id for d in reconciliation.differences})
    lines = [
        f"{reconciliation.tickets_compared} tickets in both; {len(reconciliation.differences)} "
        f"differences on {tickets} tickets"
    ]
    lines += [f"  {cause:22} {count}" for cause, count in reconciliation.counts().items()]
    return lines


__all__ = [
    "CAUSES",
    "PAIRS",
    "Difference",
    "IdRule",
    "Reconciliation",
    "parse_zendesk_ids",
    "reconcile",
    "summary_lines",
    "write_csv",
]
