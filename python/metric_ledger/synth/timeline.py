"""Event timelines, built slot by slot for all tickets at once.

A ticket's life is a fixed sequence of *slots* (opening message, auto-response, bot
messages, status changes, replies, pending cycles, solve, reopen, close). Each slot is
present for some tickets; its time is the previous present slot's time plus a gap (at
least one second, or exactly zero for a deliberate tie), so events are time-ordered by
construction. Events at or after the export end are dropped, which leaves a prefix of each
ticket's life: tickets created late are still unresolved at the export end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metric_ledger.synth import constants as c
from metric_ledger.synth.plan import F64, I8, I32, I64, Behaviour, Bool, Plan, Tickets

DAY = 86_400
HOUR = 3600

Attr = int | I64 | I32 | I8


@dataclass
class Slot:
    present: Bool
    t: I64
    etype: int
    atype: Attr
    agent: Attr = -1
    public: Attr = -1
    auto: Attr = -1
    macro: Attr = -1
    body: Attr = -1
    old: Attr = -1
    new: Attr = -1
    tie: Bool | None = None


@dataclass
class Events:
    """Event columns as codes (-1 = null), ordered by ticket, then by time."""

    ticket: I64
    t: I64
    etype: I8
    atype: I8
    agent: I32
    public: I8
    auto: I8
    macro: I8
    body: I32
    old: I8
    new: I8

    @property
    def n(self) -> int:
        return int(self.ticket.shape[0])

    def take(self, index: I64) -> Events:
        return Events(**{k: getattr(self, k)[index] for k in self.__dataclass_fields__})


@dataclass
class Outcome:
    """Per-ticket facts the surveys and the tickets table need (within the export)."""

    updated_at: I64
    first_solved_at: I64  # -1 when never solved inside the export
    reopened: Bool
    escalated: Bool
    n_pending: I8


class _Builder:
    def __init__(self, created: I64, rng: np.random.Generator) -> None:
        self.n = int(created.shape[0])
        self.cur = created.copy()
        self.rng = rng
        self.slots: list[Slot] = []

    # random helpers (full length, so the stream does not depend on the data)
    def uniform_s(self, low: float, high: float) -> I64:
        return np.floor(self.rng.uniform(low, high, self.n)).astype(np.int64)

    def lognormal_s(self, median_s: float | F64, sigma: float) -> I64:
        draw = np.asarray(median_s) * np.exp(sigma * self.rng.standard_normal(self.n))
        return np.maximum(np.round(draw), 1).astype(np.int64)

    def add(
        self,
        present: Bool,
        etype: int,
        atype: Attr,
        *,
        gap: I64 | int | None = None,
        at: I64 | None = None,
        tie: Bool | None = None,
        agent: Attr = -1,
        public: Attr = -1,
        auto: Attr = -1,
        macro: Attr = -1,
        body: Attr = -1,
        old: Attr = -1,
        new: Attr = -1,
    ) -> Slot:
        """Append a slot: previous present time + `gap` (default 1 s), at least `at`;
        exactly the previous time where `tie`."""
        t = self.cur + (1 if gap is None else gap)
        if at is not None:
            t = np.maximum(t, at)
        if tie is not None:
            t = np.where(tie, self.cur, t)
        self.cur = np.where(present, t, self.cur)
        slot = Slot(present, t, etype, atype, agent, public, auto, macro, body, old, new, tie)
        self.slots.append(slot)
        return slot

    def message(
        self,
        present: Bool,
        atype: Attr,
        body: Attr,
        *,
        agent: Attr = -1,
        public: Attr = 1,
        auto: Attr = 0,
        macro: Attr = -1,
        gap: I64 | int | None = None,
        at: I64 | None = None,
        tie: Bool | None = None,
    ) -> Slot:
        return self.add(
            present,
            c.ET_MESSAGE,
            atype,
            gap=gap,
            at=at,
            tie=tie,
            agent=agent,
            public=public,
            auto=auto,
            macro=macro,
            body=body,
        )

    def change(
        self,
        present: Bool,
        etype: int,
        atype: Attr,
        old: Attr,
        new: Attr,
        *,
        agent: Attr = -1,
        gap: I64 | int | None = None,
        at: I64 | None = None,
    ) -> Slot:
        return self.add(present, etype, atype, gap=gap, at=at, agent=agent, old=old, new=new)


def _where(cond: Bool, a: Attr, b: Attr) -> I64:
    return np.where(cond, a, b).astype(np.int64)


def build_events(
    plan: Plan, t: Tickets, b: Behaviour, rng: np.random.Generator
) -> tuple[Events, Outcome]:
    """Build every ticket's events and cut them at the export end."""
    n = t.n
    created = t.created
    B = _Builder(created, rng)
    yes = np.ones(n, dtype=np.bool_)
    merged = t.merged_into >= 0
    normal = ~merged & ~b.spam
    agent = b.assignee
    mult = b.followup_mult
    reason = t.reason.astype(np.int64)
    cust_body = B.lognormal_s(350.0, 0.7)
    reply_body = np.where(
        b.short_reply, B.uniform_s(12, 80), np.maximum(B.lognormal_s(450.0, 0.6), 80)
    )

    def reply_body_again() -> I64:
        short = B.rng.random(n) < 0.05
        return np.where(short, B.uniform_s(12, 80), np.maximum(B.lognormal_s(420.0, 0.6), 80))

    # --- intro: the contact arrives (customer) or an agent opens it (outbound) ---------------
    A, C_, S, BOT = c.AT_AGENT, c.AT_CUSTOMER, c.AT_SYSTEM, c.AT_BOT
    out = b.outbound
    B.message(
        yes,
        _where(out, A, C_),
        _where(out, reply_body, cust_body),
        agent=_where(out, agent, -1),
        gap=0,
    )
    B.message(
        b.auto_response,
        _where(b.auto_by_agent, A, S),
        250 + B.uniform_s(0, 120),
        agent=_where(b.auto_by_agent, agent, -1),
        auto=1,
        gap=B.uniform_s(1, 61),
    )
    B.message(b.bot, BOT, B.uniform_s(80, 160), gap=B.uniform_s(1, 4))
    B.message(b.bot_reply, C_, B.lognormal_s(60.0, 0.8), gap=B.uniform_s(5, 61))
    B.message(b.bot_reply, BOT, B.uniform_s(60, 120), gap=B.uniform_s(1, 4))
    anchor = B.cur.copy()
    phase_a = len(B.slots)

    # --- first touch and first reply ----------------------------------------------------------
    frt = b.frt_s
    chase_at = np.where(
        out, created + B.lognormal_s(3 * HOUR, 1.0), created + ((0.5 + 0.3 * rng.random(n)) * frt)
    ).astype(np.int64)
    base = np.where(out, chase_at, created)
    ack_off = b.wait_open_s + np.minimum(B.uniform_s(60, 1200), 0.5 * (frt - b.wait_open_s))
    wait = b.wait_open_s
    forced_ack = ~np.isnan(b.ack_offset_s)
    if forced_ack.any():  # a scenario sends the acknowledgement at a given time, at any hour
        ack_off = np.where(forced_ack, b.ack_offset_s, ack_off)
        wait = np.where(forced_ack, 0.0, wait)
    touch = np.where(out, B.uniform_s(1, 31), wait + 0.85 * (np.where(b.ack, ack_off, frt) - wait))
    B.change(
        ~merged,
        c.ET_STATUS,
        A,
        c.V_NEW,
        c.V_OPEN,
        agent=agent,
        at=(created + touch).astype(np.int64),
    )
    B.message(
        b.ack,
        A,
        B.uniform_s(40, 80),
        agent=agent,
        macro=(rng.random(n) * len(c.ACK_MACROS)).astype(np.int64),
        at=(created + ack_off).astype(np.int64),
    )
    B.message(b.chase, C_, B.lognormal_s(140.0, 0.8), at=chase_at)
    q_old = c.V_QUEUE0 + t.queue.astype(np.int64)
    q_new = c.V_QUEUE0 + (t.queue + 1 + (rng.random(n) * 3).astype(np.int64)) % len(c.QUEUES)
    by_rule = rng.random(n) < 0.4
    B.change(
        b.queue_change,
        c.ET_QUEUE,
        _where(by_rule, S, A),
        q_old,
        np.where(b.queue_same, q_old, q_new),
        agent=_where(by_rule, -1, agent),
        at=(base + (0.87 + 0.02 * rng.random(n)) * frt).astype(np.int64),
    )
    B.message(
        b.note1,
        A,
        B.lognormal_s(140.0, 0.8),
        agent=b.collaborator,
        public=0,
        at=(base + (0.9 + 0.08 * rng.random(n)) * frt).astype(np.int64),
    )
    B.message(
        normal,
        A,
        reply_body,
        agent=agent,
        macro=_where(b.solution_macro, len(c.ACK_MACROS) + reason, -1),
        at=(base + frt).astype(np.int64),
        tie=b.tie,
    )

    # --- live conversation (chat) -------------------------------------------------------------
    for k in range(1, 3):
        more = b.chat_exchanges >= k
        B.message(more, C_, B.lognormal_s(60.0, 0.8), gap=B.lognormal_s(60.0, 0.6))
        B.message(
            more, A, B.lognormal_s(120.0, 0.7), agent=agent, gap=B.lognormal_s(90.0 * mult, 0.6)
        )

    # --- escalation and priority change -----------------------------------------------------
    B.change(
        b.escalate,
        c.ET_ESCALATION,
        A,
        c.V_LEVEL0,
        c.V_LEVEL0 + 1,
        agent=agent,
        gap=B.lognormal_s(1800.0, 1.0),
    )
    prio = t.priority.astype(np.int64)
    B.change(
        b.priority_change,
        c.ET_PRIORITY,
        A,
        c.V_PRIORITY0 + prio,
        c.V_PRIORITY0 + np.where(prio > 0, prio - 1, 1),
        agent=agent,
        gap=B.uniform_s(1, 600),
    )

    # --- pending cycles: waiting on the customer, who answers (or not) -------------------------
    followup = np.array(c.RS_FOLLOWUP_MEDIAN_MIN)[reason] * 60.0 * mult
    for k in range(1, 4):
        pend = b.n_pending >= k
        answered = pend & ~(b.abandoned & (b.n_pending == k))
        B.change(pend, c.ET_STATUS, A, c.V_OPEN, c.V_PENDING, agent=agent, gap=B.uniform_s(1, 31))
        B.message(answered, C_, B.lognormal_s(200.0, 0.8), gap=B.lognormal_s(8 * HOUR, 1.2))
        B.change(answered, c.ET_STATUS, C_, c.V_PENDING, c.V_OPEN, gap=B.uniform_s(1, 6))
        B.message(answered, A, reply_body_again(), agent=agent, gap=B.lognormal_s(followup, 0.9))

    # --- on hold: waiting on a third party -----------------------------------------------------
    B.change(b.hold, c.ET_STATUS, A, c.V_OPEN, c.V_ON_HOLD, agent=agent, gap=B.uniform_s(60, 600))
    B.change(
        b.hold, c.ET_STATUS, A, c.V_ON_HOLD, c.V_OPEN, agent=agent, gap=B.lognormal_s(2 * DAY, 1.0)
    )
    B.message(b.hold, A, reply_body_again(), agent=agent, gap=B.lognormal_s(1800.0, 0.8))
    B.message(
        b.note2,
        A,
        B.lognormal_s(140.0, 0.8),
        agent=b.collaborator,
        public=0,
        gap=B.lognormal_s(1200.0, 1.0),
    )

    # --- solve, or close without solving (merged, spam, abandoned while pending) --------------
    closes = merged | b.spam | b.abandoned
    solve_gap = np.where(
        merged,
        B.uniform_s(5, 121),
        np.where(
            b.spam,
            B.lognormal_s(1800.0, 1.0),
            np.where(b.abandoned, B.uniform_s(3 * DAY, 7 * DAY), B.lognormal_s(120.0, 1.5)),
        ),
    )
    solve_old = np.where(merged, c.V_NEW, np.where(b.abandoned, c.V_PENDING, c.V_OPEN))
    floored = ~np.isnan(b.solve_floor_s)
    solve_at = None
    if floored.any():  # a scenario holds the solve back to at least this time
        solve_at = np.where(floored, created + np.where(floored, b.solve_floor_s, 0.0), 0.0)
        solve_at = np.round(solve_at).astype(np.int64)
    solve = B.change(
        yes,
        c.ET_STATUS,
        _where(b.abandoned, S, A),
        solve_old,
        _where(closes, c.V_CLOSED, c.V_SOLVED),
        agent=_where(b.abandoned, -1, agent),
        gap=solve_gap,
        at=solve_at,
    )
    _warp(B, phase_a, anchor, created, b)

    # --- reopen: the customer writes again after the solve --------------------------------------
    soon = np.minimum(B.lognormal_s(1.5 * DAY, 1.0), 13 * DAY) + 600
    late = B.uniform_s(15 * DAY, 40 * DAY)
    B.message(b.reopen, C_, B.lognormal_s(200.0, 0.8), gap=np.where(b.reopen_late, late, soon))
    reopen = B.change(b.reopen, c.ET_STATUS, C_, c.V_SOLVED, c.V_OPEN, gap=B.uniform_s(1, 6))
    B.message(b.reopen, A, reply_body_again(), agent=agent, gap=B.lognormal_s(2 * HOUR * mult, 0.9))
    B.change(
        b.reopen, c.ET_STATUS, A, c.V_OPEN, c.V_SOLVED, agent=agent, gap=B.lognormal_s(120.0, 1.5)
    )
    B.change(~closes, c.ET_STATUS, S, c.V_SOLVED, c.V_CLOSED, gap=4 * DAY + B.uniform_s(0, HOUR))

    events = _materialize(B.slots, plan.end_epoch)
    end = plan.end_epoch
    solved_in = solve.present & (solve.t < end) & ~closes
    outcome = Outcome(
        updated_at=_last_time(B.slots, created, end),
        first_solved_at=np.where(solved_in, solve.t, -1),
        reopened=reopen.present & (reopen.t < end),
        escalated=b.escalate,
        n_pending=b.n_pending,
    )
    return events, outcome


def _warp(B: _Builder, first: int, anchor: I64, created: I64, b: Behaviour) -> None:
    """Rescale the slots after the intro so that the solve lands on the target time."""
    idx = np.flatnonzero(b.simple_path & ~np.isnan(b.target_resolution_s))
    if idx.size == 0:
        return
    slots = B.slots[first:]
    a = anchor[idx]
    natural = np.maximum(B.cur[idx] - a, 1)
    wanted = np.maximum(
        created[idx] + np.round(b.target_resolution_s[idx]).astype(np.int64) - a, len(slots)
    )
    factor = wanted / natural
    prev = a.copy()
    for slot in slots:
        scaled = a + np.round((slot.t[idx] - a) * factor).astype(np.int64)
        new_t = np.maximum(scaled, prev + 1)
        if slot.tie is not None:
            new_t = np.where(slot.tie[idx], prev, new_t)
        slot.t[idx] = new_t
        prev = np.where(slot.present[idx], new_t, prev)
    B.cur[idx] = prev


def _last_time(slots: list[Slot], created: I64, end: int) -> I64:
    last = created.copy()
    for slot in slots:
        keep = slot.present & (slot.t < end)
        last = np.where(keep, slot.t, last)
    return last


def _materialize(slots: list[Slot], end: int) -> Events:
    present = np.stack([s.present & (s.t < end) for s in slots])  # (slots, tickets)
    counts = present.sum(axis=0, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    rank = np.cumsum(present, axis=0, dtype=np.int16)
    total = int(counts.sum())
    ev = Events(
        ticket=np.empty(total, np.int64),
        t=np.empty(total, np.int64),
        etype=np.empty(total, np.int8),
        atype=np.empty(total, np.int8),
        agent=np.empty(total, np.int32),
        public=np.empty(total, np.int8),
        auto=np.empty(total, np.int8),
        macro=np.empty(total, np.int8),
        body=np.empty(total, np.int32),
        old=np.empty(total, np.int8),
        new=np.empty(total, np.int8),
    )
    for s, slot in enumerate(slots):
        tick = np.flatnonzero(present[s])
        pos = offsets[tick] + rank[s, tick] - 1
        ev.ticket[pos] = tick
        ev.t[pos] = slot.t[tick]
        for name in ("etype", "atype", "agent", "public", "auto", "macro", "body", "old", "new"):
            value = getattr(slot, name)
            column = getattr(ev, name)
            column[pos] = value if np.isscalar(value) else value[tick]
    return ev
