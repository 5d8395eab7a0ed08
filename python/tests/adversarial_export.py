"""Adversarial raw-export writer: a small, seeded export that is dense in definitional edges.

``write_adversarial_export(out_dir, n_tickets=300, seed=0)`` writes the five Parquet files of the
source contract (tickets, ticket_events, csat_responses, agents, agent_shifts) with the contract's
exact columns and Arrow types. The writer does not know the expected answers: it only builds the
situations (ties, DST, holidays, reopen windows, repeat-contact windows, contract breaks ...) and
the oracle (``oracle.py``) computes what every fact should be.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

# The source contract's tables and Arrow types (the generator's definition of the contract).
from metric_ledger.synth.output import SCHEMAS

CHANNELS = ["email", "web_form", "chat", "phone", "social", "api"]
QUEUES = ["billing", "tier1", "technical"]
PRIORITIES = ["p1", "p2", "p3", "p4"]
TIERS = ["enterprise", "mid_market", "smb", "free"]
REGIONS = ["NA", "EMEA", "APAC", "LATAM"]
ZONES = {
    "NA": "America/New_York",
    "EMEA": "Europe/Berlin",
    "APAC": "Asia/Singapore",
    "LATAM": "America/Sao_Paulo",
}
REASONS = [
    "password_reset",
    "billing_dispute",
    "how_to",
    "bug_report",
    "integration",
    "account_access",
    "refund",
]
BRANCHES = ["lisbon", "manila", "austin", "krakow"]
ACK_MACROS = ["mac_ack_received", "mac_ack_looking_into_it", "mac_ack_high_volume"]
OTHER_MACROS = ["mac_refund_steps", "mac_reset_howto", "MAC_ACK_RECEIVED", "mac_ack_received "]
AGENTS = ["a1", "a2", "a3", "a4", "a5", "a6"]

# Anchors (UTC) around weekends, holidays and DST changes of 2026 (the holidays seed year).
ANCHORS = [
    datetime(2026, 3, 6, 12),  # Fri before US DST start (Sun Mar 8)
    datetime(2026, 3, 7, 22),
    datetime(2026, 3, 27, 12),  # Fri before EU DST start (Sun Mar 29)
    datetime(2026, 3, 28, 23),
    datetime(2026, 10, 23, 12),  # Fri before EU DST end (Sun Oct 25)
    datetime(2026, 10, 30, 12),  # Fri before US DST end (Sun Nov 1), LATAM holiday Mon Nov 2
    datetime(2026, 10, 31, 20),
    datetime(2026, 11, 25, 18),  # NA Thanksgiving Thu Nov 26
    datetime(2026, 10, 2, 14),  # EMEA holiday on Saturday Oct 3
    datetime(2026, 12, 24, 10),  # Christmas
    datetime(2026, 12, 31, 15),  # New year (2027 is not in the holidays seed)
    datetime(2026, 2, 13, 16),  # NA/LATAM Feb 16, APAC/LATAM Feb 17, APAC Feb 18
    datetime(2026, 4, 2, 9),  # Easter
    datetime(2026, 5, 13, 9),
]

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


def local_to_utc(region: str, local: datetime) -> datetime:
    """A naive local wall time of the region as a naive UTC datetime."""
    aware = local.replace(tzinfo=ZoneInfo(ZONES[region]))
    return aware.astimezone(UTC).replace(tzinfo=None)


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.tickets: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.surveys: list[dict[str, Any]] = []
        self._ticket_n = 0
        self._event_n = 0
        self._survey_n = 0
        self._tie_n = 0
        self.n_requesters = 40

    # ---- tickets ----------------------------------------------------------------------------
    def new_ticket_id(self) -> str:
        self._ticket_n += 1
        return f"T{self._ticket_n}"

    def ticket(self, created_at: datetime | None, **overrides: Any) -> dict[str, Any]:
        rng = self.rng
        row: dict[str, Any] = {
            "ticket_id": self.new_ticket_id(),
            "created_at": created_at,
            "channel": rng.choice(CHANNELS),
            "queue": rng.choice(QUEUES),
            "priority": rng.choice(PRIORITIES),
            "region": rng.choice(REGIONS),
            "customer_tier": rng.choice(TIERS),
            "contact_reason": rng.choice(REASONS),
            "branch": rng.choice(BRANCHES),
            "requester_id": f"r{rng.randint(1, self.n_requesters)}",
            "is_internal_requester": rng.random() < 0.06,
            "merged_into_ticket_id": None,
            "updated_at": (created_at or ANCHORS[0]) + timedelta(days=30),
        }
        if rng.random() < 0.04 and self.tickets:
            row["merged_into_ticket_id"] = rng.choice(self.tickets)["ticket_id"]
        row.update(overrides)
        self.tickets.append(row)
        return row

    # ---- events -----------------------------------------------------------------------------
    def next_event_id(self) -> str:
        self._event_n += 1
        return f"ev{self._event_n:06d}"

    def tie_ids(self) -> tuple[str, str]:
        """Two ids whose string order ('..e10' < '..e9') is the reverse of their numeric order."""
        self._tie_n += 1
        return f"x{self._tie_n}_e10", f"x{self._tie_n}_e9"

    def event(
        self,
        ticket_id: str | None,
        at: datetime | None,
        event_type: str | None,
        author_type: str | None,
        *,
        event_id: str | None = "",
        author_id: str | None = None,
        is_public: bool | None = None,
        is_auto_response: bool | None = None,
        macro_id: str | None = None,
        body_chars: int | None = None,
        old_value: str | None = None,
        new_value: str | None = None,
    ) -> dict[str, Any]:
        if author_type == "agent" and author_id is None:
            author_id = self.rng.choice(AGENTS)
        row = {
            "event_id": self.next_event_id() if event_id == "" else event_id,
            "ticket_id": ticket_id,
            "occurred_at": at,
            "event_type": event_type,
            "author_type": author_type,
            "author_id": author_id,
            "is_public": is_public,
            "is_auto_response": is_auto_response,
            "macro_id": macro_id,
            "body_chars": body_chars,
            "old_value": old_value,
            "new_value": new_value,
        }
        self.events.append(row)
        return row

    def msg(
        self,
        ticket_id: str,
        at: datetime,
        author_type: str = "customer",
        *,
        public: bool | None = True,
        auto: bool | None = False,
        macro: str | None = None,
        body: int | None = 200,
        event_id: str | None = "",
    ) -> dict[str, Any]:
        return self.event(
            ticket_id,
            at,
            "message",
            author_type,
            event_id=event_id,
            is_public=public,
            is_auto_response=auto,
            macro_id=macro,
            body_chars=body,
        )

    def reply(self, ticket_id: str, at: datetime, **kw: Any) -> dict[str, Any]:
        kw.setdefault("body", self.rng.choice([120, 300, 80, 81, 79, 1500]))
        return self.msg(ticket_id, at, "agent", **kw)

    def status(
        self,
        ticket_id: str,
        at: datetime,
        new: str | None,
        old: str | None = None,
        *,
        author: str = "agent",
        event_id: str | None = "",
    ) -> dict[str, Any]:
        return self.event(
            ticket_id,
            at,
            "status_change",
            author,
            event_id=event_id,
            old_value=old,
            new_value=new,
        )

    def walk(self, ticket_id: str, start: datetime, steps: list[tuple[timedelta, str]]) -> datetime:
        """Status changes at cumulative offsets from ``start``; returns the last time."""
        t = start
        prev = "new"
        for gap, new in steps:
            t = t + gap
            # old_value is sometimes misleading: statuses are read from the timeline
            old = prev if self.rng.random() < 0.8 else self.rng.choice(["open", "solved", None])
            self.status(ticket_id, t, new, old, author=self.rng.choice(["agent", "system"]))
            prev = new
        return t

    # ---- surveys ----------------------------------------------------------------------------
    def survey(
        self,
        ticket_id: str | None,
        sent_at: datetime | None,
        responded_at: datetime | None,
        rating: int | None,
        *,
        survey_id: str | None = "",
    ) -> dict[str, Any]:
        if survey_id == "":
            self._survey_n += 1
            survey_id = f"s{self._survey_n}"
        row = {
            "survey_id": survey_id,
            "ticket_id": ticket_id,
            "sent_at": sent_at,
            "responded_at": responded_at,
            "rating": rating,
        }
        self.surveys.append(row)
        return row


# --------------------------------------------------------------------------------------------
# Random building blocks
# --------------------------------------------------------------------------------------------


def _random_created_at(rng: random.Random) -> datetime:
    base = rng.choice(ANCHORS)
    offset = timedelta(seconds=rng.randint(0, 3 * 24 * 3600))
    created = base + offset
    if rng.random() < 0.4:
        created += timedelta(microseconds=rng.randint(1, 999_999))
    return created


def _gap(rng: random.Random) -> timedelta:
    roll = rng.random()
    if roll < 0.08:
        return timedelta(0)
    if roll < 0.15:
        return SEC
    if roll < 0.5:
        return timedelta(minutes=rng.randint(1, 240), microseconds=rng.randint(0, 999_999))
    if roll < 0.8:
        return timedelta(hours=rng.randint(1, 60))
    if roll < 0.88:
        return timedelta(days=14)
    if roll < 0.94:
        return timedelta(days=14, seconds=1)
    return timedelta(days=rng.randint(2, 20))


def _random_lifecycle(b: _Builder, tid: str, created: datetime) -> None:
    rng = b.rng
    t = created
    opener = rng.random()
    if opener < 0.7:
        b.msg(tid, created + rng.choice([timedelta(0), SEC, 30 * SEC]), "customer")
    elif opener < 0.82:
        b.reply(tid, created + rng.choice([timedelta(0), 2 * MIN]))
    elif opener < 0.9:
        b.msg(tid, created, "agent", public=True, auto=True, macro=rng.choice(ACK_MACROS))
    status = "new"
    for _ in range(rng.randint(0, 9)):
        t = t + _gap(rng)
        kind = rng.choices(
            [
                "reply",
                "customer",
                "bot",
                "system",
                "note",
                "auto",
                "status",
                "queue",
                "prio",
                "esc",
            ],
            weights=[6, 3, 1, 1, 1, 1, 6, 1, 1, 1],
        )[0]
        if kind == "reply":
            b.reply(
                tid,
                t,
                public=rng.choice([True, True, True, None, False]),
                auto=rng.choice([False, False, None, True]),
                macro=rng.choice([None, None, *ACK_MACROS, *OTHER_MACROS]),
                body=rng.choice([None, 0, 10, 79, 80, 81, 200, 2000]),
            )
        elif kind == "customer":
            b.msg(tid, t, "customer", public=rng.choice([True, True, None]))
        elif kind == "bot":
            b.msg(tid, t, "bot", body=rng.choice([79, 80, 300]))
        elif kind == "system":
            b.msg(tid, t, "system", body=rng.choice([50, 500]))
        elif kind == "note":
            b.reply(tid, t, public=False, body=400)
        elif kind == "auto":
            b.reply(tid, t, auto=True, macro=rng.choice(ACK_MACROS), body=120)
        elif kind == "status":
            choices = ["open", "pending", "on_hold", "solved", "closed", "new"]
            weights = [4, 3, 1, 4, 2, 1]
            new = status
            while new == status:
                new = rng.choices(choices, weights=weights)[0]
            b.status(tid, t, new, status if rng.random() < 0.85 else "solved")
            status = new
        elif kind == "queue":
            old = rng.choice(QUEUES)
            b.event(
                tid,
                t,
                "queue_change",
                "system",
                old_value=old,
                new_value=rng.choice([old, *QUEUES]),
            )
        elif kind == "prio":
            b.event(
                tid,
                t,
                "priority_change",
                "agent",
                old_value=rng.choice(PRIORITIES),
                new_value=rng.choice(PRIORITIES),
            )
        else:
            b.event(tid, t, "escalation", rng.choice(["agent", "system"]))
    _random_surveys(b, tid, t)


def _random_surveys(b: _Builder, tid: str, after: datetime) -> None:
    rng = b.rng
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        sent = after + timedelta(hours=rng.randint(1, 48))
        answered = rng.random() < 0.7
        b.survey(
            tid,
            sent,
            sent + timedelta(hours=rng.randint(1, 30)) if answered else None,
            rng.randint(1, 5) if answered else None,
        )


# --------------------------------------------------------------------------------------------
# Deliberate scenarios (each builds one or a few tickets)
# --------------------------------------------------------------------------------------------


def sc_random(b: _Builder) -> None:
    created = _random_created_at(b.rng)
    tid = b.ticket(created)["ticket_id"]
    _random_lifecycle(b, tid, created)


def sc_basic(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    r = c + timedelta(minutes=b.rng.randint(1, 3000), seconds=b.rng.randint(0, 59))
    b.reply(tid, r, body=250)
    b.status(tid, r, "open", "new")
    end = b.walk(tid, r, [(HOUR, "solved"), (4 * DAY, "closed")])
    b.survey(tid, end, end + HOUR, b.rng.randint(1, 5))


def sc_auto_bot_system_first(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c, channel="email")["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c, auto=True, macro="mac_ack_received", body=150)  # tie with opener at c
    b.msg(tid, c + MIN, "bot", body=400)
    b.msg(tid, c + 2 * MIN, "system", body=300)
    b.reply(tid, c + 3 * MIN, public=False, body=500)  # internal note
    b.reply(tid, c + 4 * MIN, auto=True, macro=None, body=900)
    b.reply(tid, c + timedelta(hours=b.rng.randint(1, 80)), body=b.rng.choice([79, 80, 81]))
    b.walk(tid, c + 5 * MIN, [(timedelta(0), "open"), (3 * DAY, "solved")])


def sc_auto_response_only_opener(b: _Builder) -> None:
    """No customer message: the earliest public message is an agent auto-response."""
    c = _random_created_at(b.rng)
    tid = b.ticket(c, channel="web_form")["ticket_id"]
    b.reply(tid, c + SEC, auto=True, macro="mac_ack_high_volume", body=100)
    b.msg(tid, c + HOUR, "customer")
    b.reply(tid, c + 2 * HOUR, body=300)


def sc_internal_note_first(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.reply(tid, c, public=False, body=800)
    b.msg(tid, c + 10 * SEC, "customer")
    b.reply(tid, c + 20 * MIN, public=None, body=300)  # is_public null: not public
    b.reply(tid, c + 40 * MIN, body=300)
    b.walk(tid, c + 41 * MIN, [(timedelta(0), "solved")])


def sc_null_flags(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c, public=None)  # customer message with null is_public (not public)
    b.reply(tid, c + 5 * MIN, public=None, auto=None, body=500)
    b.reply(tid, c + 10 * MIN, public=True, auto=None, macro=None, body=None)
    b.reply(tid, c + 20 * MIN, auto=None, body=79)
    b.reply(tid, c + 30 * MIN, auto=None, macro=None, body=80)
    b.reply(tid, c + 40 * MIN, body=81)
    b.walk(tid, c + 41 * MIN, [(timedelta(0), "pending"), (DAY, "solved")])


def sc_body_edges(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    bodies = [79, 80, 81, None, 0]
    b.rng.shuffle(bodies)
    t = c
    for body in bodies:
        t += timedelta(minutes=b.rng.randint(1, 90))
        b.reply(tid, t, body=body, macro=b.rng.choice([None, "mac_refund_steps"]))


def sc_ack_macros(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + 3 * MIN, macro="mac_ack_looking_into_it", body=500)
    b.reply(tid, c + 9 * MIN, macro="mac_ack_forwarded", body=81)
    b.reply(tid, c + 15 * MIN, macro=b.rng.choice(OTHER_MACROS), body=80)
    b.reply(tid, c + 60 * MIN, macro=None, body=2000)


def sc_outbound(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c, channel=b.rng.choice(["email", "phone", "api"]))["ticket_id"]
    b.reply(tid, c + SEC, public=False, body=100)  # note: not public
    b.reply(tid, c + 2 * SEC, body=400)  # earliest public message: agent -> outbound
    b.msg(tid, c + HOUR, "customer")
    b.reply(tid, c + 2 * HOUR, body=400)
    b.walk(tid, c + 3 * HOUR, [(timedelta(0), "solved")])


def sc_outbound_tie(b: _Builder) -> None:
    """Customer and agent public messages at the same instant: event_id decides."""
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    first, second = b.tie_ids()  # first < second as strings ('e10' < 'e9')
    agent_id, customer_id = (first, second) if b.rng.random() < 0.5 else (second, first)
    b.msg(tid, c + MIN, "customer", event_id=customer_id)
    b.reply(tid, c + MIN, event_id=agent_id, body=300)
    b.reply(tid, c + 30 * MIN, body=300)
    b.walk(tid, c + HOUR, [(timedelta(0), "solved"), (2 * DAY, "closed")])


def sc_reply_ties(b: _Builder) -> None:
    """Two agent replies at the same instant; which one is first decides meaningful FRT."""
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    first, second = b.tie_ids()
    t = c + timedelta(minutes=b.rng.randint(0, 300))
    b.reply(tid, t, event_id=second, body=300)
    b.reply(tid, t, event_id=first, body=79, macro=b.rng.choice([None, "mac_ack_received"]))
    auto_first, human = b.tie_ids()
    t2 = t + HOUR
    b.reply(tid, t2, event_id=human, body=500)
    b.reply(tid, t2, event_id=auto_first, auto=True, body=500)
    # status changes tied at one instant: order by event_id
    s1, s2 = b.tie_ids()
    t3 = t2 + DAY
    b.status(tid, t3, "pending", "open", event_id=s1)
    b.status(tid, t3, "solved", "pending", event_id=s2)


def sc_no_public_message(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.reply(tid, c + MIN, public=False, body=300)
    b.msg(tid, c + 2 * MIN, "customer", public=False)
    b.msg(tid, c + 3 * MIN, "customer", public=None)
    b.walk(tid, c + HOUR, [(timedelta(0), "open"), (DAY, "solved")])


def sc_no_events(b: _Builder) -> None:
    b.ticket(_random_created_at(b.rng))


def sc_no_reply(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.msg(tid, c + MIN, "bot", body=800)
    b.reply(tid, c + 2 * MIN, auto=True, body=300)
    if b.rng.random() < 0.5:
        b.walk(tid, c + HOUR, [(timedelta(0), "pending")])
    if b.rng.random() < 0.5:
        b.survey(tid, c + DAY, c + 2 * DAY, 3)


def sc_multi_pending(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + 30 * MIN, body=200)
    b.walk(
        tid,
        c + 30 * MIN,
        [
            (timedelta(0), "open"),
            (HOUR, "pending"),
            (timedelta(hours=5, seconds=7), "open"),
            (DAY, "pending"),
            (2 * DAY, "on_hold"),
            (DAY, "open"),
            (HOUR, "pending"),
            (3 * HOUR, "solved"),
            (4 * DAY, "closed"),
        ],
    )


def sc_pending_after_resolution(b: _Builder) -> None:
    for ending in ([(2 * DAY, "closed")], [(2 * DAY, "solved")], [], [(DAY, "open")]):
        c = _random_created_at(b.rng)
        tid = b.ticket(c)["ticket_id"]
        b.msg(tid, c)
        b.reply(tid, c + HOUR)
        steps = [(HOUR, "pending"), (DAY, "solved"), (DAY, "pending"), *ending]
        if ending and ending[0][1] == "open":  # pending after a close without any solve
            steps = [(HOUR, "pending"), (DAY, "closed"), (DAY, "pending"), (DAY, "closed")]
        b.walk(tid, c + HOUR, steps)


def sc_pending_then_closed_without_solve(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + 2 * HOUR)
    b.walk(tid, c + 2 * HOUR, [(timedelta(0), "pending"), (3 * DAY, "closed")])


def sc_on_hold(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + HOUR)
    b.walk(tid, c + HOUR, [(timedelta(0), "on_hold"), (2 * DAY, "pending"), (DAY, "solved")])


def sc_reopen_windows(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + HOUR)
    target = b.rng.choice(["open", "pending", "on_hold", "new"])
    b.walk(
        tid,
        c + HOUR,
        [
            (timedelta(0), "solved"),
            (timedelta(days=14), target),  # exactly 14 days: a reopen
            (HOUR, "solved"),
            (timedelta(days=14, seconds=1), "open"),  # 14 days + 1 s: not a reopen
            (DAY, "solved"),
            (timedelta(days=14, microseconds=1), "pending"),  # 14 days + 1 us: not a reopen
            (DAY, "solved"),
            (timedelta(seconds=1), "on_hold"),  # reopen
            (DAY, "solved"),
        ],
    )


def sc_status_shapes(b: _Builder) -> None:
    shapes: dict[str, list[tuple[timedelta, str]]] = {
        "solved_closed_open": [(HOUR, "solved"), (DAY, "closed"), (DAY, "open")],
        "closed_no_solve": [(HOUR, "open"), (DAY, "closed")],
        "closed_open_closed": [(HOUR, "closed"), (DAY, "open"), (2 * DAY, "closed")],
        "solved_open_closed": [(HOUR, "solved"), (DAY, "open"), (2 * DAY, "closed")],
        "solved_open_solved_closed": [
            (HOUR, "solved"),
            (DAY, "open"),
            (2 * DAY, "solved"),
            (3 * DAY, "closed"),
        ],
        "solved_open": [(HOUR, "solved"), (DAY, "open")],
        "reopen_via_new": [(HOUR, "solved"), (DAY, "new"), (DAY, "solved")],
        "closed_then_solved": [(HOUR, "closed"), (DAY, "open"), (DAY, "solved")],
        "pending_only": [(HOUR, "pending")],
        "on_hold_closed": [(HOUR, "on_hold"), (DAY, "closed")],
    }
    for name in sorted(shapes):
        c = _random_created_at(b.rng)
        tid = b.ticket(c)["ticket_id"]
        b.msg(tid, c)
        b.reply(tid, c + 30 * MIN, body=300)
        b.walk(tid, c + 30 * MIN, shapes[name])


def _solved_ticket(
    b: _Builder, requester: str, reason: str, via: str = "solved", **overrides: Any
) -> tuple[str, datetime]:
    c = _random_created_at(b.rng)
    overrides.setdefault("is_internal_requester", False)
    overrides.setdefault("merged_into_ticket_id", None)
    tid = b.ticket(c, requester_id=requester, contact_reason=reason, **overrides)["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + HOUR)
    solved = b.walk(tid, c + HOUR, [(timedelta(hours=2, microseconds=17), via)])
    return tid, solved


def sc_repeat_contacts(b: _Builder) -> None:
    variants = [
        ("inside", timedelta(days=3, seconds=5), {}),
        ("exact_window", timedelta(days=7), {}),
        ("window_plus_1s", timedelta(days=7, seconds=1), {}),
        ("window_plus_1us", timedelta(days=7, microseconds=1), {}),
        ("at_first_solve", timedelta(0), {}),
        ("one_us_after_solve", timedelta(microseconds=1), {}),
        ("before_solve", -HOUR, {}),
        ("other_reason", DAY, {"contact_reason": "__other__"}),
        ("other_requester", DAY, {"requester_id": "__other__"}),
        ("internal", DAY, {"is_internal_requester": True}),
        ("merged", DAY, {"merged_into_ticket_id": "__self__"}),
        ("quarantined_ticket", DAY, {"priority": "p9"}),
        ("quarantined_event", DAY, {"__bad_event__": True}),
        ("closed_first", 2 * DAY, {"__via__": "closed"}),
    ]
    for name, offset, extra in variants:
        requester = f"rep_{b._ticket_n}_{name}"
        reason = b.rng.choice(REASONS)
        via = extra.pop("__via__", "solved")
        bad_event = extra.pop("__bad_event__", False)
        solver, solved = _solved_ticket(
            b, requester, reason, via, is_internal_requester=b.rng.random() < 0.2
        )
        if extra.get("contact_reason") == "__other__":
            extra["contact_reason"] = next(r for r in REASONS if r != reason)
        if extra.get("requester_id") == "__other__":
            extra["requester_id"] = requester + "_x"
        if extra.get("merged_into_ticket_id") == "__self__":
            extra["merged_into_ticket_id"] = solver
        fields: dict[str, Any] = {
            "requester_id": requester,
            "contact_reason": reason,
            "is_internal_requester": False,
            "merged_into_ticket_id": None,
            "channel": "chat",
            "priority": "p2",
            "region": "EMEA",
            "customer_tier": "smb",
            "queue": "tier1",
            "branch": "lisbon",
        }
        fields.update(extra)
        created = solved + offset
        other = b.ticket(created, **fields)["ticket_id"]
        b.msg(other, created)
        if bad_event:
            b.event(other, created + MIN, "message", "robot", is_public=True, body_chars=10)
        if b.rng.random() < 0.5:
            # the other ticket is itself solved later, with a third contact after it
            b.reply(other, created + HOUR)
            second_solve = b.walk(other, created + HOUR, [(HOUR, "solved")])
            third_at = second_solve + timedelta(days=b.rng.choice([1, 7, 8]))
            third = b.ticket(third_at, **{**fields, **extra, "priority": "p3"})["ticket_id"]
            b.msg(third, third_at)


def sc_queue_changes(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c, queue="billing")["ticket_id"]
    b.msg(tid, c)
    b.event(tid, c + MIN, "queue_change", "system", old_value="billing", new_value="billing")
    if b.rng.random() < 0.5:
        b.event(tid, c + 2 * MIN, "queue_change", "agent", old_value="billing", new_value="tier1")
    b.event(tid, c + 3 * MIN, "priority_change", "agent", old_value="p3", new_value="p1")


def sc_escalation(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.event(tid, c + b.rng.choice([timedelta(0), HOUR]), "escalation", "system")
    b.reply(tid, c + 2 * HOUR)


def sc_surveys(b: _Builder) -> None:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + HOUR)
    solved = b.walk(tid, c + HOUR, [(HOUR, "solved")])
    r = solved + DAY
    # responded_at tie: the later sent_at wins (its survey_id is the smaller string)
    b.survey(tid, solved + 2 * HOUR, r, 2, survey_id=f"s{b._survey_n}_a")
    b.survey(tid, solved + HOUR, r, 5, survey_id=f"s{b._survey_n}_b")
    b.survey(tid, solved, r - SEC, 4)
    tid = _surveyed_ticket(b)
    n = b._survey_n
    b.survey(tid, solved, r, 1, survey_id=f"s{n}_9")
    b.survey(tid, solved, r, 4, survey_id=f"s{n}_10")  # full tie: 's.._9' > 's.._10'
    b.survey(tid, solved, None, None)
    tid = _surveyed_ticket(b)
    b.survey(tid, solved, None, None)
    b.survey(tid, solved + HOUR, None, 5)  # rating without responded_at: not answered
    tid = _surveyed_ticket(b)
    b.survey(tid, solved, r, 3)
    b.survey(tid, solved + HOUR, r + HOUR, None)  # responded_at without rating
    b.survey(tid, solved + HOUR, r - DAY - HOUR, 5)  # responded before sent: still answered


def _surveyed_ticket(b: _Builder) -> str:
    c = _random_created_at(b.rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + HOUR)
    b.walk(tid, c + HOUR, [(HOUR, "solved")])
    return tid


# Business hours: (region, local created, local reply) wall times.
BUSINESS_CASES = [
    ("NA", datetime(2026, 3, 6, 19, 30), datetime(2026, 3, 9, 9, 0)),  # US DST start weekend
    ("NA", datetime(2026, 10, 31, 15, 0), datetime(2026, 11, 2, 8, 15)),  # US DST end
    ("NA", datetime(2026, 11, 25, 19, 0), datetime(2026, 11, 27, 9, 0)),  # Thanksgiving
    ("NA", datetime(2026, 3, 7, 16, 0), datetime(2026, 3, 8, 23, 0)),  # no business minutes
    ("EMEA", datetime(2026, 3, 27, 17, 0), datetime(2026, 3, 30, 9, 0)),  # EU DST start
    ("EMEA", datetime(2026, 10, 23, 17, 30), datetime(2026, 10, 26, 8, 30)),  # EU DST end
    ("EMEA", datetime(2026, 10, 2, 17, 59, 59), datetime(2026, 10, 5, 8, 0, 1)),
    ("EMEA", datetime(2026, 4, 2, 8, 0), datetime(2026, 4, 7, 18, 0)),  # Easter
    ("LATAM", datetime(2026, 10, 30, 17, 0), datetime(2026, 11, 3, 10, 0)),  # Nov 2 holiday
    ("LATAM", datetime(2026, 2, 13, 12, 0), datetime(2026, 2, 18, 12, 0)),  # carnival
    ("APAC", datetime(2026, 2, 16, 17, 0), datetime(2026, 2, 19, 10, 0)),  # CNY
    ("APAC", datetime(2026, 12, 31, 17, 0), datetime(2027, 1, 4, 9, 30)),  # 2027 no holiday
    ("NA", datetime(2026, 12, 24, 7, 0), datetime(2026, 12, 24, 7, 0)),  # zero-length
    ("EMEA", datetime(2026, 3, 2, 8, 0), datetime(2026, 4, 1, 12, 0)),  # a month
]


def sc_business_hours(b: _Builder) -> None:
    region, local_created, local_reply = b.rng.choice(BUSINESS_CASES)
    _business_case(b, region, local_created, local_reply)


def _business_case(b: _Builder, region: str, local_created: datetime, local_reply: datetime) -> str:
    c = local_to_utc(region, local_created)
    r = local_to_utc(region, local_reply)
    tid = b.ticket(c, region=region, channel="email")["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + (r - c) / 2, public=False)
    b.reply(tid, r, body=400)
    return tid


SCENARIOS: list[Callable[[_Builder], None]] = [
    sc_basic,
    sc_auto_bot_system_first,
    sc_auto_response_only_opener,
    sc_internal_note_first,
    sc_null_flags,
    sc_body_edges,
    sc_ack_macros,
    sc_outbound,
    sc_outbound_tie,
    sc_reply_ties,
    sc_no_public_message,
    sc_no_events,
    sc_no_reply,
    sc_multi_pending,
    sc_pending_after_resolution,
    sc_pending_then_closed_without_solve,
    sc_on_hold,
    sc_reopen_windows,
    sc_status_shapes,
    sc_repeat_contacts,
    sc_queue_changes,
    sc_escalation,
    sc_surveys,
    sc_business_hours,
]
RANDOM_WEIGHT = 10


# --------------------------------------------------------------------------------------------
# Contract breaks
# --------------------------------------------------------------------------------------------


def _contract_breaks(b: _Builder) -> None:
    rng = b.rng

    def simple(**overrides: Any) -> str:
        c = _random_created_at(rng)
        tid = b.ticket(c, **overrides)["ticket_id"]
        b.msg(tid, c)
        b.reply(tid, c + timedelta(minutes=rng.randint(5, 600)), body=300)
        b.walk(tid, c + 12 * HOUR, [(HOUR, "pending"), (DAY, "solved")])
        return tid

    # --- tickets -----------------------------------------------------------------------------
    for overrides in [
        {"channel": None},
        {"channel": "fax"},
        {"channel": "Email"},
        {"priority": None},
        {"priority": "P1"},
        {"priority": "p5"},
        {"customer_tier": "gold"},
        {"customer_tier": None},
        {"region": "MARS"},
        {"region": None},
        {"region": "na"},
        {"queue": ""},
        {"queue": "   "},
        {"queue": None},
        {"contact_reason": None},
        {"contact_reason": " "},
        {"branch": ""},
        {"branch": None},
        {"requester_id": " "},
        {"requester_id": None},
        {"is_internal_requester": None},
    ]:
        simple(**overrides)

    # null ticket_id rows (not in fct_tickets at all)
    for _ in range(2):
        c = _random_created_at(rng)
        b.tickets.append({**b.tickets[-1], "ticket_id": None, "created_at": c, "updated_at": c})

    # created_at null: one ticket without events, one with messages only
    b.ticket(None, updated_at=datetime(2026, 6, 1))
    tid = b.ticket(None, updated_at=datetime(2026, 6, 2))["ticket_id"]
    b.msg(tid, datetime(2026, 5, 30, 10))
    b.reply(tid, datetime(2026, 5, 30, 11), body=300)

    # duplicated ticket_id: copies with distinct updated_at and different attributes; the events
    # are after every copy's created_at so "before created_at" is unambiguous
    for n_copies in (2, 3, 2):
        c = _random_created_at(rng)
        base = b.ticket(c)
        tid = base["ticket_id"]
        copies = []
        for k in range(1, n_copies):
            copy = {
                **base,
                "created_at": c - timedelta(minutes=17 * k),
                "queue": rng.choice(QUEUES),
                "priority": rng.choice(PRIORITIES),
                "channel": rng.choice([*CHANNELS, "fax"]),
                "region": rng.choice(REGIONS),
                "requester_id": f"dup_{k}",
                "updated_at": base["updated_at"] + timedelta(hours=rng.choice([-5, 5]) * k),
            }
            copies.append(copy)
        b.tickets.extend(copies)
        b.msg(tid, c + SEC)
        b.reply(tid, c + 2 * HOUR, body=300)
        b.walk(tid, c + 3 * HOUR, [(HOUR, "solved")])
        b.survey(tid, c + DAY, c + 2 * DAY, 5)

    # --- ticket_events -----------------------------------------------------------------------
    # event_id null on what would be the first reply
    c = _random_created_at(rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    b.reply(tid, c + MIN, event_id=None, body=500)
    b.reply(tid, c + HOUR, body=500)

    # duplicated event_id across two tickets (both copies quarantined)
    c1, c2 = _random_created_at(rng), _random_created_at(rng)
    t1 = b.ticket(c1)["ticket_id"]
    t2 = b.ticket(c2)["ticket_id"]
    b.msg(t1, c1)
    b.msg(t2, c2)
    dup = b.next_event_id()
    b.reply(t1, c1 + 2 * MIN, event_id=dup, body=300)
    b.status(t2, c2 + 2 * MIN, "solved", "new", event_id=dup)
    b.reply(t1, c1 + 3 * HOUR, body=300)
    # duplicated event_id within one ticket
    c = _random_created_at(rng)
    tid = b.ticket(c)["ticket_id"]
    b.msg(tid, c)
    dup = b.next_event_id()
    b.reply(tid, c + MIN, event_id=dup, body=300)
    b.reply(tid, c + 2 * MIN, event_id=dup, body=300)
    b.reply(tid, c + 3 * MIN, auto=True, body=300)

    # ticket_id null / unknown
    b.reply(None, _random_created_at(rng), body=300)
    b.reply("T_UNKNOWN", _random_created_at(rng), body=300)
    b.status("T_UNKNOWN", _random_created_at(rng), "solved")

    def with_bad_event(**event_kw: Any) -> None:
        c = _random_created_at(rng)
        tid = b.ticket(c)["ticket_id"]
        b.msg(tid, c + MIN)
        kind = event_kw.pop("kind", "message")
        author = event_kw.pop("author", "agent")
        at = event_kw.pop("at", c + 5 * MIN)
        b.event(tid, at, kind, author, is_public=True, is_auto_response=False, **event_kw)
        b.reply(tid, c + 2 * HOUR, body=300)
        b.walk(tid, c + 3 * HOUR, [(HOUR, "solved")])

    with_bad_event(at=None, body_chars=300)  # occurred_at null
    for kind in ("note", None, "Message"):
        with_bad_event(kind=kind, body_chars=300)  # event_type unknown
    for author in ("robot", None, "Agent"):
        with_bad_event(author=author, body_chars=300)  # author_type unknown
    for status in ("reopened", None, "Solved"):
        with_bad_event(kind="status_change", new_value=status)
    with_bad_event(body_chars=-1)  # negative body_chars

    # event before created_at: an agent public message 1 second (or 1 us) before creation,
    # which would otherwise make the ticket outbound
    for delta in (SEC, timedelta(microseconds=1)):
        c = _random_created_at(rng)
        tid = b.ticket(c)["ticket_id"]
        b.reply(tid, c - delta, body=300)
        b.msg(tid, c)
        b.reply(tid, c + HOUR, body=300)
        b.status(tid, c - delta, "solved")

    # --- csat_responses ----------------------------------------------------------------------
    def surveyed() -> tuple[str, datetime]:
        c = _random_created_at(rng)
        tid = b.ticket(c)["ticket_id"]
        b.msg(tid, c)
        b.reply(tid, c + HOUR, body=300)
        b.walk(tid, c + HOUR, [(HOUR, "solved")])
        b.survey(tid, c + DAY, c + DAY + HOUR, 2)
        return tid, c + 2 * DAY

    tid, t = surveyed()
    b.survey(tid, t, t + HOUR, 5, survey_id=None)  # survey_id null
    tid, t = surveyed()
    b.survey(tid, t, t + HOUR, 5, survey_id="s_dup")
    tid2, t2 = surveyed()
    b.survey(tid2, t2, t2 + HOUR, 4, survey_id="s_dup")  # duplicated survey_id
    b.survey("T_UNKNOWN", t, t + HOUR, 3)
    b.survey(None, t, t + HOUR, 3)
    tid, t = surveyed()
    b.survey(tid, None, t + HOUR, 5)  # sent_at null
    for rating in (0, 6, -1):
        tid, t = surveyed()
        b.survey(tid, t, t + HOUR, rating)  # rating out of range


# --------------------------------------------------------------------------------------------
# Agents and shifts (clean)
# --------------------------------------------------------------------------------------------


def _agents() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    agents = []
    shifts = []
    for i, agent_id in enumerate(AGENTS):
        agents.append(
            {
                "agent_id": agent_id,
                "branch": BRANCHES[i % len(BRANCHES)],
                "team": f"team_{i % 2}",
                "region": REGIONS[i % len(REGIONS)],
                "role": "lead" if i == 0 else "agent",
                "hired_at": datetime(2024, 1 + i, 1, 9),
                "is_active": i != len(AGENTS) - 1,
            }
        )
        for d in range(5):
            scheduled = 480
            shifts.append(
                {
                    "agent_id": agent_id,
                    "shift_date": date(2026, 3, 2) + timedelta(days=d),
                    "scheduled_minutes": scheduled,
                    "adherent_minutes": scheduled - 7 * i - d,
                    "logged_in_minutes": scheduled + 5 * d - i,
                }
            )
    return agents, shifts


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def build_adversarial_rows(n_tickets: int = 300, seed: int = 0) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    b = _Builder(rng)
    b.n_requesters = max(10, n_tickets // 6)
    for scenario in SCENARIOS:  # every scenario at least once
        scenario(b)
    for region, local_created, local_reply in BUSINESS_CASES:
        _business_case(b, region, local_created, local_reply)
    _contract_breaks(b)
    weights = [1] * len(SCENARIOS) + [RANDOM_WEIGHT]
    pool = [*SCENARIOS, sc_random]
    while len(b.tickets) < n_tickets:
        rng.choices(pool, weights=weights)[0](b)
    agents, shifts = _agents()
    tables = {
        "tickets": b.tickets,
        "ticket_events": b.events,
        "csat_responses": b.surveys,
        "agents": agents,
        "agent_shifts": shifts,
    }
    for rows in tables.values():  # file order means nothing
        rng.shuffle(rows)
    return tables


def write_rows(out_dir: Path | str, tables: dict[str, list[dict[str, Any]]]) -> dict[str, Path]:
    """Write the five contract tables from row dicts (missing tables/columns become empty/null)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, schema in SCHEMAS.items():
        rows = [{col: row.get(col) for col in schema.names} for row in tables.get(name, [])]
        path = out / f"{name}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
        paths[name] = path
    return paths


def write_adversarial_export(
    out_dir: Path | str, n_tickets: int = 300, seed: int = 0
) -> dict[str, Path]:
    """Write the five Parquet files of the source contract into ``out_dir``."""
    return write_rows(out_dir, build_adversarial_rows(n_tickets=n_tickets, seed=seed))


__all__ = [
    "BUSINESS_CASES",
    "SCHEMAS",
    "build_adversarial_rows",
    "local_to_utc",
    "write_adversarial_export",
    "write_rows",
]
