"""Independent pure-Python oracle for the ticket-level facts of ``fct_tickets``.

This module re-implements, row by row and without SQL or pandas, the definitions of
``/work/shared/design/metric-definitions.md`` ("Ticket-level facts" and "Precise readings") plus
the project's quarantine decisions. It is used as a test oracle: the dbt model is built on an
export and every column is compared with what this module computes from the same Parquet files.

Reading rules followed literally (see the design document):

* Event order is ``(occurred_at, event_id as string)``; file order means nothing.
* Quarantined event and survey rows are excluded from every fact; quarantined tickets keep their
  facts (computed from their non-quarantined events) and are flagged ``is_quarantined``.
* A duplicated ``ticket_id`` quarantines every copy; the fact row is built from the copy with
  the latest ``updated_at``.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SEEDS_DIR = REPO_ROOT / "seeds"

CHANNELS = frozenset({"email", "web_form", "chat", "phone", "social", "api"})
PRIORITIES = frozenset({"p1", "p2", "p3", "p4"})
CUSTOMER_TIERS = frozenset({"enterprise", "mid_market", "smb", "free"})
EVENT_TYPES = frozenset(
    {"message", "status_change", "queue_change", "priority_change", "escalation"}
)
AUTHOR_TYPES = frozenset({"customer", "agent", "system", "bot"})
STATUSES = frozenset({"new", "open", "pending", "on_hold", "solved", "closed"})
REOPEN_TARGETS = frozenset({"new", "open", "pending", "on_hold"})

TABLES = ("tickets", "ticket_events", "csat_responses", "agents", "agent_shifts")

FCT_TICKETS_COLUMNS = (
    "ticket_id",
    "created_at",
    "created_date",
    "created_week",
    "channel",
    "queue",
    "priority",
    "region",
    "customer_tier",
    "contact_reason",
    "branch",
    "requester_id",
    "is_internal_requester",
    "merged_into_ticket_id",
    "is_quarantined",
    "is_included",
    "is_outbound",
    "first_response_at",
    "first_response_minutes",
    "first_response_business_minutes",
    "first_meaningful_response_at",
    "first_meaningful_response_minutes",
    "first_solved_at",
    "resolved_at",
    "pending_minutes",
    "resolution_minutes",
    "reopen_count",
    "is_reopened",
    "is_repeat_contact",
    "is_escalated",
    "is_transferred",
    "public_agent_reply_count",
    "is_one_touch",
    "csat_rating",
    "is_satisfied",
)


# --------------------------------------------------------------------------------------------
# Configuration (seeds and vars)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionCalendar:
    timezone: str
    # ISO weekday (1 = Monday .. 7) -> list of (opens_at, closes_at) local times
    hours: dict[int, list[tuple[time, time]]]
    holidays: frozenset[date]


@dataclass(frozen=True)
class OracleConfig:
    calendars: dict[str, RegionCalendar]
    acknowledgement_macros: frozenset[str]
    meaningful_reply_min_chars: int = 80
    reopen_window_days: int = 14
    repeat_contact_window_days: int = 7


def _parse_hhmm(value: str) -> time:
    parts = [int(p) for p in value.strip().split(":")]
    while len(parts) < 3:
        parts.append(0)
    return time(parts[0], parts[1], parts[2])


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_config(
    seeds_dir: Path | str = DEFAULT_SEEDS_DIR,
    *,
    meaningful_reply_min_chars: int = 80,
    reopen_window_days: int = 14,
    repeat_contact_window_days: int = 7,
) -> OracleConfig:
    """Read business_hours.csv, holidays.csv and acknowledgement_macros.csv."""
    seeds_dir = Path(seeds_dir)
    holidays: dict[str, set[date]] = defaultdict(set)
    for row in _read_csv(seeds_dir / "holidays.csv"):
        holidays[row["region"]].add(date.fromisoformat(row["holiday_date"].strip()))
    zones: dict[str, str] = {}
    hours: dict[str, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for row in _read_csv(seeds_dir / "business_hours.csv"):
        region = row["region"]
        zones[region] = row["timezone"].strip()
        hours[region][int(row["weekday"])].append(
            (_parse_hhmm(row["opens_at"]), _parse_hhmm(row["closes_at"]))
        )
    calendars = {
        region: RegionCalendar(
            timezone=zones[region],
            hours={k: list(v) for k, v in hours[region].items()},
            holidays=frozenset(holidays.get(region, set())),
        )
        for region in zones
    }
    macros = frozenset(
        row["macro_id"].strip() for row in _read_csv(seeds_dir / "acknowledgement_macros.csv")
    )
    return OracleConfig(
        calendars=calendars,
        acknowledgement_macros=macros,
        meaningful_reply_min_chars=meaningful_reply_min_chars,
        reopen_window_days=reopen_window_days,
        repeat_contact_window_days=repeat_contact_window_days,
    )


# --------------------------------------------------------------------------------------------
# Reading the export
# --------------------------------------------------------------------------------------------


def read_export(raw_dir: Path | str) -> dict[str, list[dict[str, Any]]]:
    """Read the tables of the export as lists of plain dicts (naive UTC datetimes)."""
    raw_dir = Path(raw_dir)
    out: dict[str, list[dict[str, Any]]] = {}
    for table in ("tickets", "ticket_events", "csat_responses"):
        out[table] = pq.read_table(raw_dir / f"{table}.parquet").to_pylist()
    return out


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def minutes_between(start: datetime | None, end: datetime | None) -> float | None:
    """``(epoch_seconds(end) - epoch_seconds(start)) / 60.0``; null when either is null."""
    if start is None or end is None:
        return None
    return (end - start) / timedelta(minutes=1)


def _blank(value: str | None) -> bool:
    return value is None or value.strip() == ""


def _event_key(event: dict[str, Any]) -> tuple[datetime, str]:
    return (event["occurred_at"], str(event["event_id"]))


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> timedelta:
    start = max(a_start, b_start)
    end = min(a_end, b_end)
    return end - start if end > start else timedelta(0)


def business_windows(
    calendar: RegionCalendar, first_local: date, last_local: date
) -> Iterable[tuple[datetime, datetime]]:
    """UTC (naive) business windows for every local date in [first_local, last_local]."""
    tz = ZoneInfo(calendar.timezone)
    day = first_local
    while day <= last_local:
        if day not in calendar.holidays:
            for opens_at, closes_at in calendar.hours.get(day.isoweekday(), []):
                start = datetime.combine(day, opens_at, tzinfo=tz).astimezone(UTC)
                end = datetime.combine(day, closes_at, tzinfo=tz).astimezone(UTC)
                yield start.replace(tzinfo=None), end.replace(tzinfo=None)
        day += timedelta(days=1)


def business_minutes(
    start: datetime | None,
    end: datetime | None,
    region: str | None,
    config: OracleConfig,
) -> float | None:
    """Overlap in minutes between [start, end] (naive UTC) and the region's business windows."""
    if start is None or end is None:
        return None
    calendar = config.calendars.get(region) if region is not None else None
    if calendar is None or end <= start:
        return 0.0
    tz = ZoneInfo(calendar.timezone)
    first_local = start.replace(tzinfo=UTC).astimezone(tz).date() - timedelta(days=1)
    last_local = end.replace(tzinfo=UTC).astimezone(tz).date() + timedelta(days=1)
    total = timedelta(0)
    for w_start, w_end in business_windows(calendar, first_local, last_local):
        total += _overlap(start, end, w_start, w_end)
    return total / timedelta(minutes=1)


# --------------------------------------------------------------------------------------------
# Quarantine
# --------------------------------------------------------------------------------------------


@dataclass
class Quarantine:
    # ticket_id -> reasons (tickets rows with a non-null ticket_id)
    tickets: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # index in ticket_events -> reasons
    events: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    # index in csat_responses -> reasons
    surveys: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    null_ticket_id_rows: int = 0
    # ticket ids flagged is_quarantined
    flagged_ticket_ids: set[str] = field(default_factory=set)


def _ticket_row_reasons(row: dict[str, Any], regions: frozenset[str]) -> list[str]:
    reasons = []
    if row["created_at"] is None:
        reasons.append("created_at null")
    if row["channel"] not in CHANNELS:
        reasons.append("channel unknown")
    if row["priority"] not in PRIORITIES:
        reasons.append("priority unknown")
    if row["customer_tier"] not in CUSTOMER_TIERS:
        reasons.append("customer_tier unknown")
    if row["region"] not in regions:
        reasons.append("region unknown")
    for col in ("queue", "contact_reason", "branch", "requester_id"):
        if _blank(row[col]):
            reasons.append(f"{col} empty")
    if row["is_internal_requester"] is None:
        reasons.append("is_internal_requester null")
    return reasons


def compute_quarantine(
    export: dict[str, list[dict[str, Any]]],
    kept: dict[str, dict[str, Any]],
    config: OracleConfig,
) -> Quarantine:
    q = Quarantine()
    regions = frozenset(config.calendars)
    tickets = export["tickets"]
    counts = Counter(r["ticket_id"] for r in tickets if r["ticket_id"] is not None)
    for row in tickets:
        tid = row["ticket_id"]
        if tid is None:
            q.null_ticket_id_rows += 1
            continue
        reasons = _ticket_row_reasons(row, regions)
        if counts[tid] > 1:
            reasons.append("ticket_id duplicated")
        q.tickets[tid].extend(reasons)

    events = export["ticket_events"]
    ev_counts = Counter(e["event_id"] for e in events if e["event_id"] is not None)
    for i, ev in enumerate(events):
        reasons = []
        if ev["event_id"] is None:
            reasons.append("event_id null")
        elif ev_counts[ev["event_id"]] > 1:
            reasons.append("event_id duplicated")
        tid = ev["ticket_id"]
        if tid is None:
            reasons.append("ticket_id null")
        elif tid not in kept:
            reasons.append("ticket_id unknown")
        if ev["occurred_at"] is None:
            reasons.append("occurred_at null")
        elif tid in kept:
            created_at = kept[tid]["created_at"]
            if created_at is not None and ev["occurred_at"] < created_at:
                reasons.append("occurred_at before created_at")
        if ev["event_type"] not in EVENT_TYPES:
            reasons.append("event_type unknown")
        if ev["author_type"] not in AUTHOR_TYPES:
            reasons.append("author_type unknown")
        if ev["event_type"] == "status_change" and ev["new_value"] not in STATUSES:
            reasons.append("status unknown")
        if ev["body_chars"] is not None and ev["body_chars"] < 0:
            reasons.append("body_chars negative")
        if reasons:
            q.events[i].extend(reasons)

    surveys = export["csat_responses"]
    sv_counts = Counter(s["survey_id"] for s in surveys if s["survey_id"] is not None)
    for i, sv in enumerate(surveys):
        reasons = []
        if sv["survey_id"] is None:
            reasons.append("survey_id null")
        elif sv_counts[sv["survey_id"]] > 1:
            reasons.append("survey_id duplicated")
        if sv["ticket_id"] is None or sv["ticket_id"] not in kept:
            reasons.append("ticket_id unknown")
        if sv["sent_at"] is None:
            reasons.append("sent_at null")
        if sv["rating"] is not None and not 1 <= sv["rating"] <= 5:
            reasons.append("rating out of range")
        if reasons:
            q.surveys[i].extend(reasons)

    flagged = {tid for tid, reasons in q.tickets.items() if reasons}
    flagged |= {events[i]["ticket_id"] for i in q.events if events[i]["ticket_id"] in kept}
    flagged |= {surveys[i]["ticket_id"] for i in q.surveys if surveys[i]["ticket_id"] in kept}
    q.flagged_ticket_ids = flagged
    return q


def keep_latest_ticket_rows(tickets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One row per non-null ticket_id: the copy with the latest updated_at."""
    kept: dict[str, dict[str, Any]] = {}
    for row in tickets:
        tid = row["ticket_id"]
        if tid is None:
            continue
        current = kept.get(tid)
        if current is None:
            kept[tid] = row
            continue
        new_u, cur_u = row["updated_at"], current["updated_at"]
        if cur_u is None or (new_u is not None and new_u > cur_u):
            kept[tid] = row
    return kept


# --------------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------------


def _is_true(value: bool | None) -> bool:
    return value is True


def _is_public_agent_reply(ev: dict[str, Any]) -> bool:
    return (
        ev["event_type"] == "message"
        and ev["author_type"] == "agent"
        and _is_true(ev["is_public"])
        and not _is_true(ev["is_auto_response"])
    )


def _is_meaningful(ev: dict[str, Any], config: OracleConfig) -> bool:
    if ev["macro_id"] is not None and ev["macro_id"] in config.acknowledgement_macros:
        return False
    return ev["body_chars"] is not None and ev["body_chars"] >= config.meaningful_reply_min_chars


def _status_facts(
    created_at: datetime | None,
    timeline: list[dict[str, Any]],
    config: OracleConfig,
) -> dict[str, Any]:
    """Status facts from the ordered status_change events of one ticket."""
    changes = [ev for ev in timeline if ev["event_type"] == "status_change"]
    solved_at = [ev["occurred_at"] for ev in changes if ev["new_value"] == "solved"]
    closed_at = [ev["occurred_at"] for ev in changes if ev["new_value"] == "closed"]

    first_solved_at = solved_at[0] if solved_at else (closed_at[0] if closed_at else None)

    resolved_at = None
    if changes and changes[-1]["new_value"] in ("solved", "closed"):
        resolved_at = solved_at[-1] if solved_at else closed_at[-1]

    pending_minutes = None
    resolution_minutes = None
    if resolved_at is not None and created_at is not None:
        pending = timedelta(0)
        for i, ev in enumerate(changes):
            if ev["new_value"] != "pending":
                continue
            # period ends at the next status change (there is one: the latest status is
            # solved/closed when resolved_at is set)
            end = changes[i + 1]["occurred_at"] if i + 1 < len(changes) else resolved_at
            pending += _overlap(ev["occurred_at"], end, created_at, resolved_at)
        pending_minutes = pending / timedelta(minutes=1)
        resolution_minutes = minutes_between(created_at, resolved_at) - pending_minutes

    reopen_count = 0
    window = timedelta(days=config.reopen_window_days)
    previous_status = "new"
    last_solved_change: datetime | None = None
    for ev in changes:
        new_status = ev["new_value"]
        if (
            previous_status == "solved"
            and new_status in REOPEN_TARGETS
            and last_solved_change is not None
            and ev["occurred_at"] - last_solved_change <= window
        ):
            reopen_count += 1
        if new_status == "solved":
            last_solved_change = ev["occurred_at"]
        previous_status = new_status

    return {
        "first_solved_at": first_solved_at,
        "resolved_at": resolved_at,
        "pending_minutes": pending_minutes,
        "resolution_minutes": resolution_minutes,
        "reopen_count": reopen_count,
        "is_reopened": reopen_count > 0,
    }


def _ticket_facts(
    row: dict[str, Any],
    timeline: list[dict[str, Any]],
    surveys: list[dict[str, Any]],
    config: OracleConfig,
) -> dict[str, Any]:
    created_at: datetime | None = row["created_at"]
    messages = [ev for ev in timeline if ev["event_type"] == "message"]
    public_messages = [ev for ev in messages if _is_true(ev["is_public"])]
    is_outbound = bool(public_messages) and public_messages[0]["author_type"] == "agent"

    replies = [ev for ev in messages if _is_public_agent_reply(ev)]
    first_response_at = None
    first_meaningful_response_at = None
    if not is_outbound and created_at is not None:
        eligible = [ev for ev in replies if ev["occurred_at"] >= created_at]
        if eligible:
            first_response_at = eligible[0]["occurred_at"]
        meaningful = [ev for ev in eligible if _is_meaningful(ev, config)]
        if meaningful:
            first_meaningful_response_at = meaningful[0]["occurred_at"]
    first_response_minutes = minutes_between(created_at, first_response_at)
    first_response_business_minutes = (
        None
        if first_response_minutes is None
        else business_minutes(created_at, first_response_at, row["region"], config)
    )

    status = _status_facts(created_at, timeline, config)

    answered = [s for s in surveys if s["responded_at"] is not None and s["rating"] is not None]
    csat_rating = None
    if answered:
        latest = max(answered, key=lambda s: (s["responded_at"], s["sent_at"], str(s["survey_id"])))
        csat_rating = int(latest["rating"])

    public_agent_reply_count = len(replies)
    created_date = created_at.date() if created_at is not None else None
    return {
        "is_outbound": is_outbound,
        "first_response_at": first_response_at,
        "first_response_minutes": first_response_minutes,
        "first_response_business_minutes": first_response_business_minutes,
        "first_meaningful_response_at": first_meaningful_response_at,
        "first_meaningful_response_minutes": minutes_between(
            created_at, first_meaningful_response_at
        ),
        **status,
        "is_escalated": any(ev["event_type"] == "escalation" for ev in timeline),
        "is_transferred": any(
            ev["event_type"] == "queue_change"
            and ev["new_value"] is not None
            and ev["old_value"] is not None
            and ev["new_value"] != ev["old_value"]
            for ev in timeline
        ),
        "public_agent_reply_count": public_agent_reply_count,
        "is_one_touch": status["resolved_at"] is not None and public_agent_reply_count == 1,
        "csat_rating": csat_rating,
        "is_satisfied": None if csat_rating is None else csat_rating >= 4,
        "created_date": created_date,
        "created_week": (
            created_date - timedelta(days=created_date.weekday()) if created_date else None
        ),
    }


def compute_fct_tickets(
    raw_dir: Path | str | None = None,
    config: OracleConfig | None = None,
    *,
    export: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Return ``{ticket_id: {column: value}}`` for every column of ``FCT_TICKETS_COLUMNS``."""
    if config is None:
        config = load_config()
    if export is None:
        if raw_dir is None:
            raise ValueError("give raw_dir or export")
        export = read_export(raw_dir)

    kept = keep_latest_ticket_rows(export["tickets"])
    quarantine = compute_quarantine(export, kept, config)

    events_by_ticket: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i, ev in enumerate(export["ticket_events"]):
        if i not in quarantine.events:
            events_by_ticket[ev["ticket_id"]].append(ev)
    surveys_by_ticket: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i, sv in enumerate(export["csat_responses"]):
        if i not in quarantine.surveys:
            surveys_by_ticket[sv["ticket_id"]].append(sv)

    facts: dict[str, dict[str, Any]] = {}
    for tid, row in kept.items():
        timeline = sorted(events_by_ticket.get(tid, []), key=_event_key)
        is_quarantined = tid in quarantine.flagged_ticket_ids
        out: dict[str, Any] = {
            "ticket_id": tid,
            "created_at": row["created_at"],
            "channel": row["channel"],
            "queue": row["queue"],
            "priority": row["priority"],
            "region": row["region"],
            "customer_tier": row["customer_tier"],
            "contact_reason": row["contact_reason"],
            "branch": row["branch"],
            "requester_id": row["requester_id"],
            # a boolean column of fct_tickets: never null (a null raw value is a contract break
            # that quarantines the ticket; the column then reads as not internal)
            "is_internal_requester": row["is_internal_requester"] is True,
            "merged_into_ticket_id": row["merged_into_ticket_id"],
            "is_quarantined": is_quarantined,
            "is_included": (
                row["is_internal_requester"] is False
                and row["merged_into_ticket_id"] is None
                and not is_quarantined
            ),
        }
        out.update(_ticket_facts(row, timeline, surveys_by_ticket.get(tid, []), config))
        facts[tid] = out

    _add_repeat_contacts(facts, config)
    return {tid: {col: f[col] for col in FCT_TICKETS_COLUMNS} for tid, f in facts.items()}


def _add_repeat_contacts(facts: dict[str, dict[str, Any]], config: OracleConfig) -> None:
    window = timedelta(days=config.repeat_contact_window_days)
    by_key: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for f in facts.values():
        if f["is_included"] and f["created_at"] is not None:
            by_key[(f["requester_id"], f["contact_reason"])].append(f)
    for f in facts.values():
        solved = f["first_solved_at"]
        f["is_repeat_contact"] = solved is not None and any(
            other["ticket_id"] != f["ticket_id"] and solved < other["created_at"] <= solved + window
            for other in by_key.get((f["requester_id"], f["contact_reason"]), [])
        )


def quarantine_report(raw_dir: Path | str, config: OracleConfig | None = None) -> Quarantine:
    """The quarantine decisions the oracle takes on an export (for debugging tests)."""
    config = config or load_config()
    export = read_export(raw_dir)
    return compute_quarantine(export, keep_latest_ticket_rows(export["tickets"]), config)
