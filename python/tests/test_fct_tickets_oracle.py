"""fct_tickets against an independent pure-Python oracle, on adversarial exports.

Three parts:

* hand-checked cases pin the oracle itself (no dbt needed);
* the adversarial writer is checked to write the contract's exact schema and its edges;
* the dbt project is built (``dbt seed`` + ``dbt run``; not ``build``: data tests are expected to
  flag the deliberately bad rows) on adversarial exports for several seeds, and every column of
  ``fct_tickets`` is compared with the oracle.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from adversarial_export import SCHEMAS, build_adversarial_rows, write_adversarial_export, write_rows
from conftest import REPO, find_relation
from oracle import FCT_TICKETS_COLUMNS, compute_fct_tickets, load_config

from metric_ledger.warehouse import connect as warehouse_connect

FCT_TICKETS_SQL = REPO / "models" / "marts" / "support" / "fct_tickets.sql"
SEEDS = [11, 2026, 314159]
N_TICKETS = 320
REL_TOL = 1e-6
ABS_TOL = 1e-6
MAX_REPORTED = 30
INTEGER_COLUMNS = frozenset({"reopen_count", "public_agent_reply_count", "csat_rating"})


# --------------------------------------------------------------------------------------------
# Comparison helpers
# --------------------------------------------------------------------------------------------


def _normalise(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    return value


def values_equal(column: str, dbt_value: Any, oracle_value: Any) -> bool:
    dbt_value = _normalise(dbt_value)
    if dbt_value is None or oracle_value is None:
        return dbt_value is None and oracle_value is None
    if isinstance(oracle_value, bool):
        return isinstance(dbt_value, bool) and dbt_value == oracle_value
    if isinstance(oracle_value, datetime):
        return isinstance(dbt_value, datetime) and dbt_value == oracle_value  # microseconds
    if isinstance(oracle_value, date):
        if isinstance(dbt_value, datetime):  # a date stored as a midnight timestamp
            return dbt_value.time() == datetime.min.time() and dbt_value.date() == oracle_value
        return isinstance(dbt_value, date) and dbt_value == oracle_value
    if isinstance(oracle_value, int) and column in INTEGER_COLUMNS:
        return (
            isinstance(dbt_value, int)
            and not isinstance(dbt_value, bool)
            and (dbt_value == oracle_value)
        )
    if isinstance(oracle_value, int | float):
        if isinstance(dbt_value, bool) or not isinstance(dbt_value, int | float):
            return False
        return math.isclose(dbt_value, oracle_value, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return bool(dbt_value == oracle_value)


def _show(value: Any) -> str:
    value = _normalise(value)
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return repr(value) if isinstance(value, str) else str(value)


def compare_rows(
    dbt_rows: dict[str, dict[str, Any]],
    oracle_rows: dict[str, dict[str, Any]],
    columns: list[str],
) -> list[tuple[str, str, Any, Any]]:
    mismatches: list[tuple[str, str, Any, Any]] = []
    for tid in sorted(set(dbt_rows) | set(oracle_rows)):
        if tid not in dbt_rows:
            mismatches.append((tid, "<row>", "missing", "present"))
            continue
        if tid not in oracle_rows:
            mismatches.append((tid, "<row>", "present", "missing"))
            continue
        for col in columns:
            if not values_equal(col, dbt_rows[tid][col], oracle_rows[tid][col]):
                mismatches.append((tid, col, dbt_rows[tid][col], oracle_rows[tid][col]))
    return mismatches


def format_mismatches(
    mismatches: list[tuple[str, str, Any, Any]], limit: int = MAX_REPORTED
) -> str:
    by_column: dict[str, int] = {}
    for _, col, _, _ in mismatches:
        by_column[col] = by_column.get(col, 0) + 1
    header = ("ticket_id", "column", "dbt value", "oracle value")
    shown = [(tid, col, _show(d), _show(o)) for tid, col, d, o in mismatches[:limit]]
    widths = [max(len(r[i]) for r in [header, *shown]) for i in range(4)]
    lines = [
        f"{len(mismatches)} mismatching values; by column: "
        + ", ".join(f"{c}={n}" for c, n in sorted(by_column.items())),
        " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        "-+-".join("-" * w for w in widths),
    ]
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in shown]
    if len(mismatches) > limit:
        lines.append(f"... {len(mismatches) - limit} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Oracle: hand-checked cases
# --------------------------------------------------------------------------------------------


def _ticket(tid: str, created: datetime | None, **kw: Any) -> dict[str, Any]:
    row = {
        "ticket_id": tid,
        "created_at": created,
        "channel": "email",
        "queue": "billing",
        "priority": "p2",
        "region": "NA",
        "customer_tier": "smb",
        "contact_reason": "refund",
        "branch": "lisbon",
        "requester_id": f"req_{tid}",
        "is_internal_requester": False,
        "merged_into_ticket_id": None,
        "updated_at": datetime(2026, 6, 1),
    }
    row.update(kw)
    return row


def _ev(eid: str, tid: str, at: datetime, etype: str, author: str = "agent", **kw: Any) -> dict:
    row: dict[str, Any] = {
        "event_id": eid,
        "ticket_id": tid,
        "occurred_at": at,
        "event_type": etype,
        "author_type": author,
    }
    if etype == "message":
        row.update(is_public=True, is_auto_response=False, body_chars=200)
    row.update(kw)
    return row


@pytest.fixture(scope="module")
def hand_facts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    c1 = datetime(2026, 3, 7, 0, 30)  # Fri 2026-03-06 19:30 EST (NA)
    mon_9 = datetime(2026, 3, 9, 13, 0)  # Mon 09:00 EDT (after the DST change)
    mon_10 = datetime(2026, 3, 9, 14, 0)
    c2 = datetime(2026, 4, 1, 12)
    c3 = datetime(2026, 4, 2, 12)
    c4 = datetime(2026, 5, 4, 9)
    s4 = datetime(2026, 5, 5, 9)
    c5 = datetime(2026, 5, 11, 9)
    s5 = datetime(2026, 5, 12, 9, 0, 0, 123456)
    tickets = [
        _ticket("T1", c1),
        _ticket("T2", c2),
        _ticket("T3", c3),
        _ticket("T4", c4),
        _ticket("T5", c5, requester_id="R", contact_reason="refund"),
        _ticket("T6", s5 + timedelta(days=7), requester_id="R", contact_reason="refund"),
        _ticket("T7", s5, requester_id="R", contact_reason="refund"),  # at first_solved_at
        _ticket("T8", c2, channel="fax"),
        _ticket("T9", c2, queue="billing", updated_at=datetime(2026, 6, 1)),
        _ticket("T9", c2, queue="tier1", updated_at=datetime(2026, 6, 2)),
        _ticket(None, c2),
        _ticket("T10", c2, region="MARS"),
        _ticket("T11", c4, requester_id="R2", contact_reason="how_to"),
        _ticket("T12", s4, requester_id="R2", contact_reason="how_to"),  # at T11's solve
    ]
    m = timedelta(minutes=1)
    events = [
        # T1: auto-response, bot and internal note before the ack-macro reply; then a reply of
        # exactly 80 chars; pending for exactly one day; solved; closed
        _ev("a1", "T1", c1, "message", "customer"),
        _ev("a2", "T1", c1 + m, "message", is_auto_response=True),
        _ev("a3", "T1", c1 + 2 * m, "message", "bot"),
        _ev("a4", "T1", c1 + 3 * m, "message", is_public=False),
        _ev("a5", "T1", mon_9, "message", macro_id="mac_ack_received", body_chars=300),
        _ev("a6", "T1", mon_10, "message", macro_id=None, body_chars=80, is_auto_response=None),
        _ev("a7", "T1", mon_9, "status_change", new_value="open"),
        _ev("a8", "T1", mon_10, "status_change", new_value="pending"),
        _ev("a9", "T1", mon_10 + timedelta(days=1), "status_change", new_value="open"),
        _ev("b1", "T1", mon_10 + timedelta(days=2), "status_change", new_value="solved"),
        _ev("b2", "T1", mon_10 + timedelta(days=6), "status_change", new_value="closed"),
        # T2: outbound
        _ev("c1", "T2", c2, "message", body_chars=500),
        _ev("c2", "T2", c2 + m, "message", "customer"),
        _ev("c3", "T2", c2 + 2 * m, "message", body_chars=500),
        # T3: tie at the same instant, 'e10' < 'e9' -> the agent message is first -> outbound
        _ev("e9", "T3", c3 + m, "message", "customer"),
        _ev("e10", "T3", c3 + m, "message"),
        # T4: solved, reopened at exactly 14 days, solved, reopened at 14 days + 1 s, closed
        _ev("f1", "T4", s4, "status_change", new_value="solved"),
        _ev("f2", "T4", s4 + timedelta(days=14), "status_change", new_value="open"),
        _ev("f3", "T4", s4 + timedelta(days=15), "status_change", new_value="solved"),
        _ev("f4", "T4", s4 + timedelta(days=29, seconds=1), "status_change", new_value="open"),
        _ev("f5", "T4", s4 + timedelta(days=30), "status_change", new_value="closed"),
        _ev("f6", "T11", s4, "status_change", new_value="solved"),
        # T5: first solved at s5 (T6 arrives exactly 7 days later, T7 exactly at s5)
        _ev("g1", "T5", s5, "status_change", new_value="solved"),
        # T8 (quarantined, unknown channel): closed -> open -> closed
        _ev("h1", "T8", c2 + m, "status_change", new_value="closed"),
        _ev("h2", "T8", c2 + 2 * m, "status_change", new_value="open"),
        _ev("h3", "T8", c2 + 3 * m, "status_change", new_value="closed"),
        # T2: an event before its created_at (quarantined -> T2 is_quarantined)
        _ev("i1", "T2", c2 - timedelta(microseconds=1), "escalation"),
        # T3: a same-value queue change and a real one
        _ev("j1", "T3", c3 + 2 * m, "queue_change", old_value="billing", new_value="billing"),
    ]
    surveys = [
        {"survey_id": "s9", "ticket_id": "T1", "sent_at": c5, "responded_at": c5, "rating": 2},
        {"survey_id": "s10", "ticket_id": "T1", "sent_at": c5, "responded_at": c5, "rating": 5},
        {"survey_id": "s11", "ticket_id": "T1", "sent_at": c5, "responded_at": None, "rating": 5},
        {"survey_id": "s12", "ticket_id": "T4", "sent_at": c5, "responded_at": c5, "rating": 6},
    ]
    raw = tmp_path_factory.mktemp("hand_raw")
    write_rows(raw, {"tickets": tickets, "ticket_events": events, "csat_responses": surveys})
    return compute_fct_tickets(raw, load_config())


def test_oracle_first_response_and_business_minutes(hand_facts: dict) -> None:
    t1 = hand_facts["T1"]
    assert t1["is_outbound"] is False
    assert t1["first_response_at"] == datetime(2026, 3, 9, 13, 0)
    assert t1["first_response_minutes"] == pytest.approx(60.5 * 60)
    # Fri 19:30-20:00 (30) + Sat 10:00-16:00 (360) + Mon 08:00-09:00 EDT (60)
    assert t1["first_response_business_minutes"] == pytest.approx(450.0)
    assert t1["first_meaningful_response_at"] == datetime(2026, 3, 9, 14, 0)
    assert t1["first_meaningful_response_minutes"] == pytest.approx(61.5 * 60)
    assert t1["public_agent_reply_count"] == 2
    assert t1["created_date"] == date(2026, 3, 7)
    assert t1["created_week"] == date(2026, 3, 2)


def test_oracle_status_facts(hand_facts: dict) -> None:
    t1 = hand_facts["T1"]
    assert t1["first_solved_at"] == datetime(2026, 3, 11, 14, 0)
    assert t1["resolved_at"] == datetime(2026, 3, 11, 14, 0)
    assert t1["pending_minutes"] == pytest.approx(1440.0)
    # created Mar 7 00:30 -> solved Mar 11 14:00 = 109.5 h, minus one day pending
    assert t1["resolution_minutes"] == pytest.approx(109.5 * 60 - 1440)
    assert t1["is_one_touch"] is False
    t4 = hand_facts["T4"]
    assert t4["reopen_count"] == 1 and t4["is_reopened"] is True
    assert t4["first_solved_at"] == datetime(2026, 5, 5, 9)
    assert t4["resolved_at"] == datetime(2026, 5, 20, 9)  # the last change into solved
    assert t4["pending_minutes"] == 0.0
    t8 = hand_facts["T8"]
    assert t8["first_solved_at"] == datetime(2026, 4, 1, 12, 1)
    assert t8["resolved_at"] == datetime(2026, 4, 1, 12, 3)
    assert t8["reopen_count"] == 0 and t8["is_reopened"] is False
    assert hand_facts["T2"]["resolved_at"] is None
    assert hand_facts["T2"]["pending_minutes"] is None
    assert hand_facts["T2"]["resolution_minutes"] is None


def test_oracle_outbound_ties_transfers_and_csat(hand_facts: dict) -> None:
    t2, t3 = hand_facts["T2"], hand_facts["T3"]
    assert t2["is_outbound"] is True and t2["first_response_at"] is None
    assert t2["public_agent_reply_count"] == 2
    assert t3["is_outbound"] is True and t3["first_response_minutes"] is None
    assert t3["is_transferred"] is False
    assert t2["is_escalated"] is False  # the escalation is quarantined
    # s9 and s10 tie on responded_at and sent_at: 's9' > 's10' as strings
    assert hand_facts["T1"]["csat_rating"] == 2 and hand_facts["T1"]["is_satisfied"] is False
    assert hand_facts["T4"]["csat_rating"] is None and hand_facts["T4"]["is_satisfied"] is None


def test_oracle_quarantine_inclusion_and_repeat_contacts(hand_facts: dict) -> None:
    assert None not in hand_facts
    assert hand_facts["T9"]["queue"] == "tier1"  # latest updated_at copy
    assert hand_facts["T9"]["is_quarantined"] is True
    assert hand_facts["T8"]["is_quarantined"] is True and hand_facts["T8"]["is_included"] is False
    assert hand_facts["T10"]["is_quarantined"] is True
    assert hand_facts["T10"]["first_response_business_minutes"] is None
    assert hand_facts["T2"]["is_quarantined"] is True  # event before created_at
    assert hand_facts["T4"]["is_quarantined"] is True  # rating 6
    assert hand_facts["T1"]["is_quarantined"] is False and hand_facts["T1"]["is_included"] is True
    # T6 is created exactly 7 days after T5's first solve: a repeat; T7 at the solve is not
    assert hand_facts["T5"]["is_repeat_contact"] is True
    assert hand_facts["T6"]["is_repeat_contact"] is False
    assert hand_facts["T11"]["is_repeat_contact"] is False


# --------------------------------------------------------------------------------------------
# Adversarial export: schema and edge density
# --------------------------------------------------------------------------------------------


def test_adversarial_export_schema_and_edges(tmp_path: Path) -> None:
    paths = write_adversarial_export(tmp_path, n_tickets=200, seed=5)
    assert set(paths) == set(SCHEMAS)
    for name, path in paths.items():
        assert pq.read_schema(path).remove_metadata() == SCHEMAS[name], name
    again = build_adversarial_rows(n_tickets=200, seed=5)
    tickets = pq.read_table(paths["tickets"]).to_pylist()
    assert tickets == again["tickets"]  # deterministic by seed
    events = pq.read_table(paths["ticket_events"]).to_pylist()
    ids = [e["event_id"] for e in events if e["event_id"] is not None]
    assert len(ids) != len(set(ids)) and None in [e["event_id"] for e in events]
    assert any(i.endswith("_e10") for i in ids) and any(i.endswith("_e9") for i in ids)
    keys = [(e["ticket_id"], e["occurred_at"]) for e in events if e["occurred_at"]]
    assert len(keys) != len(set(keys))  # exact timestamp ties
    assert {79, 80, 81} <= {e["body_chars"] for e in events}
    assert any(e["body_chars"] is not None and e["body_chars"] < 0 for e in events)
    tids = [t["ticket_id"] for t in tickets if t["ticket_id"] is not None]
    assert len(tids) != len(set(tids)) and None in [t["ticket_id"] for t in tickets]


# --------------------------------------------------------------------------------------------
# dbt fct_tickets vs oracle
# --------------------------------------------------------------------------------------------


def _read_fct_tickets(db_path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    con = warehouse_connect(db_path)
    try:
        relation = find_relation(con, "fct_tickets")
        cursor = con.execute(f"select * from {relation}")
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    return columns, rows


@pytest.mark.parametrize("seed", SEEDS)
def test_fct_tickets_matches_oracle(
    seed: int, tmp_path_factory: pytest.TempPathFactory, dbt_runner
) -> None:
    if not FCT_TICKETS_SQL.exists():
        pytest.fail(f"{FCT_TICKETS_SQL.relative_to(REPO)} does not exist yet", pytrace=False)
    raw = tmp_path_factory.mktemp(f"adversarial_raw_{seed}")
    write_adversarial_export(raw, n_tickets=N_TICKETS, seed=seed)
    workspace = dbt_runner(raw, ("seed", "run"))
    columns, rows = _read_fct_tickets(workspace.db_path)
    oracle_rows = compute_fct_tickets(raw, load_config())

    problems: list[str] = []
    # grain: exactly one row per distinct non-null ticket_id of the export
    raw_ids = {t["ticket_id"] for t in pq.read_table(raw / "tickets.parquet").to_pylist()}
    raw_ids.discard(None)
    fct_ids = [r.get("ticket_id") for r in rows]
    if len(fct_ids) != len(set(fct_ids)) or set(fct_ids) != raw_ids:
        dupes = sorted({i for i in fct_ids if fct_ids.count(i) > 1}, key=str)[:10]
        problems.append(
            f"grain: {len(rows)} rows, {len(set(fct_ids))} distinct ids, {len(raw_ids)} expected;"
            f" duplicated: {dupes}; null id rows: {fct_ids.count(None)};"
            f" missing: {sorted(raw_ids - set(fct_ids))[:10]};"
            f" extra: {sorted({i for i in fct_ids if i not in raw_ids}, key=str)[:10]}"
        )

    missing_columns = [c for c in FCT_TICKETS_COLUMNS if c not in columns]
    if missing_columns:
        problems.append(f"columns missing from fct_tickets: {missing_columns}")
    compared = [c for c in FCT_TICKETS_COLUMNS if c in columns and c != "ticket_id"]
    dbt_rows = {r["ticket_id"]: r for r in rows if r.get("ticket_id") is not None}
    mismatches = compare_rows(dbt_rows, oracle_rows, compared)
    if mismatches:
        problems.append(format_mismatches(mismatches))
    assert not problems, f"seed {seed}:\n" + "\n\n".join(problems)
