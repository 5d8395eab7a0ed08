"""Arrow tables in the exact shape of the source contract, and the Parquet writer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from metric_ledger.synth import constants as c
from metric_ledger.synth.agents import Agents, Shifts
from metric_ledger.synth.plan import I64, Bool, Plan, Tickets
from metric_ledger.synth.surveys import Surveys
from metric_ledger.synth.timeline import Events, Outcome

TS: Final = pa.timestamp("us")

#: The contract's tables, columns in order, with their Arrow types.
SCHEMAS: Final[dict[str, pa.Schema]] = {
    "tickets": pa.schema(
        [
            ("ticket_id", pa.string()),
            ("created_at", TS),
            ("channel", pa.string()),
            ("queue", pa.string()),
            ("priority", pa.string()),
            ("region", pa.string()),
            ("customer_tier", pa.string()),
            ("contact_reason", pa.string()),
            ("branch", pa.string()),
            ("requester_id", pa.string()),
            ("is_internal_requester", pa.bool_()),
            ("merged_into_ticket_id", pa.string()),
            ("updated_at", TS),
        ]
    ),
    "ticket_events": pa.schema(
        [
            ("event_id", pa.string()),
            ("ticket_id", pa.string()),
            ("occurred_at", TS),
            ("event_type", pa.string()),
            ("author_type", pa.string()),
            ("author_id", pa.string()),
            ("is_public", pa.bool_()),
            ("is_auto_response", pa.bool_()),
            ("macro_id", pa.string()),
            ("body_chars", pa.int32()),
            ("old_value", pa.string()),
            ("new_value", pa.string()),
        ]
    ),
    "csat_responses": pa.schema(
        [
            ("survey_id", pa.string()),
            ("ticket_id", pa.string()),
            ("sent_at", TS),
            ("responded_at", TS),
            ("rating", pa.int32()),
        ]
    ),
    "agents": pa.schema(
        [
            ("agent_id", pa.string()),
            ("branch", pa.string()),
            ("team", pa.string()),
            ("region", pa.string()),
            ("role", pa.string()),
            ("hired_at", TS),
            ("is_active", pa.bool_()),
        ]
    ),
    "agent_shifts": pa.schema(
        [
            ("agent_id", pa.string()),
            ("shift_date", pa.date32()),
            ("scheduled_minutes", pa.int32()),
            ("adherent_minutes", pa.int32()),
            ("logged_in_minutes", pa.int32()),
        ]
    ),
}
TABLES: Final = tuple(SCHEMAS)
#: Columns with few distinct values: dictionary-encoded in Parquet (ids are not).
_DICTIONARY_COLUMNS: Final = [
    "channel",
    "queue",
    "priority",
    "region",
    "customer_tier",
    "contact_reason",
    "branch",
    "event_type",
    "author_type",
    "author_id",
    "macro_id",
    "old_value",
    "new_value",
    "team",
    "role",
]


def format_ids(prefix: str, numbers: npt.NDArray[np.integer], width: int) -> pa.Array:
    """`prefix` + zero-padded `numbers` as a string array, built directly from bytes."""
    n = int(numbers.shape[0])
    head = prefix.encode()
    size = len(head) + width
    buf = np.empty((n, size), dtype=np.uint8)
    buf[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    rest = numbers.astype(np.int64)
    for j in range(size - 1, len(head) - 1, -1):
        buf[:, j] = rest % 10 + 48
        rest = rest // 10
    if (n + 1) * size >= 2**31:
        raise ValueError(f"too many ids for one string array: {n}")
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))


def width_for(count: int, minimum: int) -> int:
    return max(minimum, len(str(max(count, 1))))


def decode(codes: npt.NDArray[np.integer], vocabulary: Sequence[str]) -> pa.Array:
    """Codes (-1 = null) to a string array."""
    idx = pa.array(codes, mask=codes < 0)
    return pc.take(pa.array(list(vocabulary), pa.string()), idx)


def timestamps(seconds: I64, null: Bool | None = None) -> pa.Array:
    return pa.array(seconds * 1_000_000, type=TS, mask=null)


def nullable(values: npt.NDArray[np.integer], null: Bool, type_: pa.DataType) -> pa.Array:
    return pa.array(values, type=type_, mask=null)


def build_tables(
    plan: Plan,
    t: Tickets,
    ev: Events,
    o: Outcome,
    sv: Surveys,
    agents: Agents,
    shifts: Shifts,
) -> dict[str, pa.Table]:
    """Assemble the five contract tables; tickets flagged `vanish` are left out entirely."""
    keep = ~t.vanish
    ticket_ids = format_ids("T", np.arange(1, t.n + 1), width_for(t.n, 7))
    agent_ids = format_ids("A", np.arange(1, agents.n + 1), width_for(agents.n, 5))

    kept = np.flatnonzero(keep)
    customers = format_ids(
        "C", t.requester[kept] + 1, width_for(int(t.requester.max(initial=0)) + 1, 7)
    )
    internals = format_ids("U", t.requester[kept] + 1, 4)
    merged = t.merged_into[kept]
    tickets = pa.Table.from_arrays(
        [
            ticket_ids.take(kept),
            timestamps(t.created[kept]),
            decode(t.channel[kept], c.CHANNELS),
            decode(t.queue[kept], c.QUEUES),
            decode(t.priority[kept], c.PRIORITIES),
            decode(t.region[kept], c.REGIONS),
            decode(t.tier[kept], c.TIERS),
            decode(t.reason[kept], c.REASONS),
            decode(t.branch[kept], c.BRANCHES),
            pc.if_else(pa.array(t.is_internal[kept]), internals, customers),
            pa.array(t.is_internal[kept]),
            pc.take(ticket_ids, pa.array(merged, mask=merged < 0)),
            timestamps(o.updated_at[kept]),
        ],
        schema=SCHEMAS["tickets"],
    )

    if not keep.all():
        ev = ev.take(np.flatnonzero(keep[ev.ticket]))
        sv_keep = np.flatnonzero(keep[sv.ticket])
        sv = Surveys(
            sv.ticket[sv_keep], sv.sent_at[sv_keep], sv.responded_at[sv_keep], sv.rating[sv_keep]
        )
    events = pa.Table.from_arrays(
        [
            format_ids("E", np.arange(1, ev.n + 1), width_for(ev.n, 9)),
            ticket_ids.take(pa.array(ev.ticket)),
            timestamps(ev.t),
            decode(ev.etype, c.EVENT_TYPES),
            decode(ev.atype, c.AUTHOR_TYPES),
            pc.take(agent_ids, pa.array(ev.agent, mask=ev.agent < 0)),
            pa.array(ev.public == 1, mask=ev.public < 0),
            pa.array(ev.auto == 1, mask=ev.auto < 0),
            decode(ev.macro, c.MACROS),
            nullable(ev.body, ev.body < 0, pa.int32()),
            decode(ev.old, c.VALUES),
            decode(ev.new, c.VALUES),
        ],
        schema=SCHEMAS["ticket_events"],
    )

    unanswered = sv.responded_at < 0
    csat = pa.Table.from_arrays(
        [
            format_ids("S", np.arange(1, sv.n + 1), width_for(sv.n, 7)),
            ticket_ids.take(pa.array(sv.ticket)),
            timestamps(sv.sent_at),
            timestamps(sv.responded_at, unanswered),
            nullable(sv.rating, unanswered, pa.int32()),
        ],
        schema=SCHEMAS["csat_responses"],
    )

    agent_table = pa.Table.from_arrays(
        [
            agent_ids,
            decode(agents.branch, c.BRANCHES),
            decode(agents.team, c.QUEUES),
            decode(agents.region, c.REGIONS),
            decode(agents.is_lead.astype(np.int8), c.ROLES),
            timestamps(agents.hired_at),
            pa.array(agents.is_active),
        ],
        schema=SCHEMAS["agents"],
    )
    first_day = plan.start_epoch // 86_400
    shift_table = pa.Table.from_arrays(
        [
            agent_ids.take(pa.array(shifts.agent)),
            pa.array((first_day + shifts.day).astype(np.int32), type=pa.date32()),
            pa.array(shifts.scheduled, type=pa.int32()),
            pa.array(shifts.adherent, type=pa.int32()),
            pa.array(shifts.logged_in, type=pa.int32()),
        ],
        schema=SCHEMAS["agent_shifts"],
    )
    return {
        "tickets": tickets,
        "ticket_events": events,
        "csat_responses": csat,
        "agents": agent_table,
        "agent_shifts": shift_table,
    }


def write_tables(out_dir: Path, tables: dict[str, pa.Table]) -> None:
    """One zstd Parquet file per table (overwrites); identical tables give identical bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        table = tables[name]
        dictionary = [col for col in table.column_names if col in _DICTIONARY_COLUMNS]
        pq.write_table(
            table,
            out_dir / f"{name}.parquet",
            compression="zstd",
            use_dictionary=dictionary,
            row_group_size=1_048_576,
        )
