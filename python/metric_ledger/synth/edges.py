"""Edge exports: small exports with one property a build must survive.

A scenario layers a failure mode onto a realistic export; an edge export is the smallest export
that shows one boundary of the data (one ticket, nothing solved, an empty table, a week of a
daylight-saving change ...). Each edge is a `Scenario` subclass (the same hooks, see
`scenarios`) with the shape of its export: `tickets`, `weeks`, `start` and `extra_days` (days
after the last whole week, so the export ends mid-week). `fixed` names the shape arguments the
edge's property depends on: `generate_edge` rejects another value for them.

Every edge export is valid under the source contract except `all_quarantined`, whose ticket rows
break it on purpose. Table emptiness follows the contract's references: without tickets there
are no events or surveys (they name a ticket), and without agents no shifts (a shift names an
agent of the agents table; the staging model quarantines it otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from metric_ledger.synth import constants as c
from metric_ledger.synth.plan import Behaviour, Plan, Tickets
from metric_ledger.synth.scenarios import DAY, Scenario
from metric_ledger.synth.surveys import Surveys

DEFAULT_EDGE_START = date(2026, 1, 5)  # a Monday (the generator's default start)


@dataclass(frozen=True)
class EdgeShape:
    """The period and size of an edge export."""

    tickets: int
    start: date
    weeks: int
    extra_days: int = 0


class Edge(Scenario):
    """Base class of the edge exports: a scenario hook set plus the shape of its export."""

    summary: ClassVar[str] = ""
    tickets: ClassVar[int] = 300
    weeks: ClassVar[int] = 2
    start: ClassVar[date] = DEFAULT_EDGE_START
    extra_days: ClassVar[int] = 0
    #: shape arguments the property depends on ("tickets", "start", "weeks")
    fixed: ClassVar[tuple[str, ...]] = ()


EDGES: dict[str, type[Edge]] = {}


def register_edge(cls: type[Edge]) -> type[Edge]:
    """Class decorator: make an edge export available under `cls.name`."""
    if not cls.name or cls.name in EDGES or not cls.summary:
        raise ValueError(f"edge name or summary missing, or already registered: {cls.name!r}")
    EDGES[cls.name] = cls
    return cls


def edge_names() -> tuple[str, ...]:
    return tuple(EDGES)


def resolve_edge(
    name: str,
    tickets: int | None = None,
    start: date | None = None,
    weeks: int | None = None,
) -> tuple[Edge, EdgeShape]:
    """The edge `name` and its shape with the given overrides; ValueError when unknown or when
    an override changes an argument the edge fixes."""
    if name not in EDGES:
        raise ValueError(f"unknown edge {name!r} (known: {', '.join(edge_names())})")
    cls = EDGES[name]
    given: dict[str, object] = {"tickets": tickets, "start": start, "weeks": weeks}
    for argument, value in given.items():
        own = getattr(cls, argument)
        if value is not None and argument in cls.fixed and value != own:
            raise ValueError(f"--edge {name} fixes --{argument} to {own}, got {value}")
    shape = EdgeShape(
        tickets=cls.tickets if tickets is None else tickets,
        start=cls.start if start is None else start,
        weeks=cls.weeks if weeks is None else weeks,
        extra_days=cls.extra_days,
    )
    return cls(), shape


def _empty(table: pa.Table) -> pa.Table:
    return table.slice(0, 0)


@register_edge
class OneTicket(Edge):
    """`one_ticket`: a single included customer ticket (not internal, merged or spam) in a
    one-week export."""

    name: ClassVar[str] = "one_ticket"
    summary: ClassVar[str] = "a single included customer ticket in one week"
    tickets: ClassVar[int] = 1
    weeks: ClassVar[int] = 1
    fixed: ClassVar[tuple[str, ...]] = ("tickets",)

    def adjust_tickets(self, plan: Plan, tickets: Tickets, rng: np.random.Generator) -> None:
        tickets.is_internal[:] = False
        tickets.merged_into[:] = -1

    def adjust_behaviour(
        self, plan: Plan, tickets: Tickets, behaviour: Behaviour, rng: np.random.Generator
    ) -> None:
        behaviour.spam[:] = False


@register_edge
class OneWeek(Edge):
    """`one_week`: an export of exactly one ISO week."""

    name: ClassVar[str] = "one_week"
    summary: ClassVar[str] = "an export of exactly one week"
    weeks: ClassVar[int] = 1
    fixed: ClassVar[tuple[str, ...]] = ("weeks",)


@register_edge
class WeekWithoutSurveys(Edge):
    """`week_without_surveys`: three weeks; in the middle one (week index 1) no survey is sent
    and none is answered (the surveys that would be are left out)."""

    name: ClassVar[str] = "week_without_surveys"
    summary: ClassVar[str] = "three weeks; no survey sent or answered in the middle one"
    tickets: ClassVar[int] = 600
    weeks: ClassVar[int] = 3
    fixed: ClassVar[tuple[str, ...]] = ("weeks",)
    WEEK: ClassVar[int] = 1

    @classmethod
    def week_bounds(cls, plan: Plan) -> tuple[int, int]:
        """[first, last) epoch seconds of the week without surveys."""
        first = plan.start_epoch + cls.WEEK * 7 * DAY
        return first, first + 7 * DAY

    def adjust_surveys(
        self, plan: Plan, tickets: Tickets, surveys: Surveys, rng: np.random.Generator
    ) -> None:
        first, last = self.week_bounds(plan)
        sent_in = (surveys.sent_at >= first) & (surveys.sent_at < last)
        answered_in = (surveys.responded_at >= first) & (surveys.responded_at < last)
        keep = np.flatnonzero(~sent_in & ~answered_in)
        surveys.ticket = surveys.ticket[keep]
        surveys.sent_at = surveys.sent_at[keep]
        surveys.responded_at = surveys.responded_at[keep]
        surveys.rating = surveys.rating[keep]


@register_edge
class ShiftlessAndIdleAgents(Edge):
    """`shiftless_and_idle_agents`: the busiest agent (most agent events, lowest id on a tie)
    keeps the work but has no shift; a new agent (the next id, same branch, team and region)
    works those shifts and authors nothing."""

    name: ClassVar[str] = "shiftless_and_idle_agents"
    summary: ClassVar[str] = "an agent with work but no shift, and one with shifts but no work"

    @staticmethod
    def busiest_agent(events: pa.Table) -> str:
        by_agent = (
            events.filter(pc.equal(events["author_type"], "agent"))
            .group_by("author_id")
            .aggregate([("event_id", "count")])
            .to_pylist()
        )
        best = min(by_agent, key=lambda row: (-int(row["event_id_count"]), str(row["author_id"])))
        return str(best["author_id"])

    @staticmethod
    def idle_agent_id(agents: pa.Table) -> str:
        ids = [str(value) for value in agents["agent_id"].to_pylist()]
        width = max(len(value) for value in ids) - 1
        return "A" + str(max(int(value[1:]) for value in ids) + 1).zfill(width)

    def adjust_tables(
        self, plan: Plan, tables: dict[str, pa.Table], rng: np.random.Generator
    ) -> dict[str, pa.Table]:
        agents, shifts = tables["agents"], tables["agent_shifts"]
        busy = self.busiest_agent(tables["ticket_events"])
        idle = self.idle_agent_id(agents)
        busy_row = agents.filter(pc.equal(agents["agent_id"], busy))
        idle_row = busy_row.set_column(0, "agent_id", pa.array([idle], pa.string()))
        is_busy = pc.equal(shifts["agent_id"], busy)
        moved = shifts.filter(is_busy)
        moved = moved.set_column(0, "agent_id", pa.array([idle] * moved.num_rows, pa.string()))
        return {
            **tables,
            "agents": pa.concat_tables([agents, idle_row]),
            "agent_shifts": pa.concat_tables([shifts.filter(pc.invert(is_busy)), moved]),
        }


@register_edge
class SingleChannel(Edge):
    """`single_channel`: every contact arrives by email."""

    name: ClassVar[str] = "single_channel"
    summary: ClassVar[str] = "every contact arrives by email"
    CHANNEL: ClassVar[int] = c.CH_EMAIL

    def adjust_plan(self, plan: Plan) -> None:
        plan.channel_weights[:] = 0.0
        plan.channel_weights[self.CHANNEL] = 1.0


@register_edge
class OutboundOnly(Edge):
    """`outbound_only`: every ticket is outbound (an agent writes first; no auto-responses, bot,
    acknowledgements, spam or merged duplicates): no ticket has a first response."""

    name: ClassVar[str] = "outbound_only"
    summary: ClassVar[str] = "every ticket is outbound (an agent writes first)"

    def adjust_tickets(self, plan: Plan, tickets: Tickets, rng: np.random.Generator) -> None:
        tickets.merged_into[:] = -1

    def adjust_behaviour(
        self, plan: Plan, tickets: Tickets, behaviour: Behaviour, rng: np.random.Generator
    ) -> None:
        b = behaviour
        b.frt_s = b.frt_s - b.wait_open_s  # outbound replies never wait for business hours
        b.wait_open_s = np.zeros_like(b.wait_open_s)
        for flag in ("auto_response", "bot", "bot_reply", "ack", "spam"):
            getattr(b, flag)[:] = False
        b.outbound[:] = True
        b.chase[:] = True  # the customer answers the outbound message


@register_edge
class NothingSolved(Edge):
    """`nothing_solved`: no ticket is solved or closed inside the export (every solve or closure
    falls after its end; the events before it are kept), so no survey is sent either."""

    name: ClassVar[str] = "nothing_solved"
    summary: ClassVar[str] = "no ticket is solved or closed inside the export (no surveys)"

    def adjust_behaviour(
        self, plan: Plan, tickets: Tickets, behaviour: Behaviour, rng: np.random.Generator
    ) -> None:
        after_end = plan.end_epoch + DAY - tickets.created
        behaviour.solve_floor_s = after_end.astype(np.float64)


@register_edge
class AllQuarantined(Edge):
    """`all_quarantined`: every ticket row breaks the source contract (invalid on purpose), so
    every ticket is quarantined. The breaks rotate over the ticket-row reasons that leave the
    key intact (`REASONS`); events and surveys stay valid rows of those tickets."""

    name: ClassVar[str] = "all_quarantined"
    summary: ClassVar[str] = "every ticket row breaks the contract (invalid on purpose)"
    #: (quarantine reason, column, invalid value), in rotation over the tickets
    REASONS: ClassVar[tuple[tuple[str, str, str | None], ...]] = (
        ("unknown_priority", "priority", "urgent"),
        ("unknown_customer_tier", "customer_tier", "vip"),
        ("unknown_region", "region", "MARS"),
        ("missing_queue", "queue", " "),
        ("missing_contact_reason", "contact_reason", None),
        ("missing_branch", "branch", ""),
    )

    def adjust_tables(
        self, plan: Plan, tables: dict[str, pa.Table], rng: np.random.Generator
    ) -> dict[str, pa.Table]:
        tickets = tables["tickets"]
        rotation = np.arange(tickets.num_rows) % len(self.REASONS)
        for k, (_, column, bad) in enumerate(self.REASONS):
            index = tickets.schema.get_field_index(column)
            replaced = pc.if_else(
                pa.array(rotation == k), pa.scalar(bad, pa.string()), tickets[column]
            )
            tickets = tickets.set_column(index, tickets.schema.field(index), replaced)
        return {**tables, "tickets": tickets}


class _EmptyTables(Edge):
    """Base of the `empty_<table>` edges: `emptied` tables have no rows (their schema stays)."""

    emptied: ClassVar[tuple[str, ...]] = ()

    def adjust_tables(
        self, plan: Plan, tables: dict[str, pa.Table], rng: np.random.Generator
    ) -> dict[str, pa.Table]:
        return {name: _empty(t) if name in self.emptied else t for name, t in tables.items()}


@register_edge
class EmptyTickets(_EmptyTables):
    """`empty_tickets`: no tickets (so no events or surveys, which name a ticket); agents and
    shifts as usual. The build must stop with the contract's one-line message."""

    name: ClassVar[str] = "empty_tickets"
    summary: ClassVar[str] = "no tickets, events or surveys (agents and shifts only)"
    emptied: ClassVar[tuple[str, ...]] = ("tickets", "ticket_events", "csat_responses")


@register_edge
class EmptyTicketEvents(_EmptyTables):
    """`empty_ticket_events`: tickets without a single event (surveys, agents, shifts kept)."""

    name: ClassVar[str] = "empty_ticket_events"
    summary: ClassVar[str] = "tickets without any event"
    emptied: ClassVar[tuple[str, ...]] = ("ticket_events",)


@register_edge
class EmptyCsatResponses(_EmptyTables):
    """`empty_csat_responses`: no survey at all."""

    name: ClassVar[str] = "empty_csat_responses"
    summary: ClassVar[str] = "no CSAT survey at all"
    emptied: ClassVar[tuple[str, ...]] = ("csat_responses",)


@register_edge
class EmptyAgents(_EmptyTables):
    """`empty_agents`: no agents table rows (so no shifts, which name an agent); events keep
    their agent authors."""

    name: ClassVar[str] = "empty_agents"
    summary: ClassVar[str] = "no agents (so no shifts); events keep their agent authors"
    emptied: ClassVar[tuple[str, ...]] = ("agents", "agent_shifts")


@register_edge
class EmptyAgentShifts(_EmptyTables):
    """`empty_agent_shifts`: no shift at all."""

    name: ClassVar[str] = "empty_agent_shifts"
    summary: ClassVar[str] = "no agent shift at all"
    emptied: ClassVar[tuple[str, ...]] = ("agent_shifts",)


@register_edge
class DstChange(Edge):
    """`dst_change`: two weeks from Monday 2026-03-02: the US daylight-saving start (Sunday
    2026-03-08, America/New_York) ends the first week, so NA business hours are 13:00-01:00 UTC
    in the first week and 12:00-00:00 UTC in the second."""

    name: ClassVar[str] = "dst_change"
    summary: ClassVar[str] = "two weeks around the US daylight-saving start (2026-03-08)"
    start: ClassVar[date] = date(2026, 3, 2)
    fixed: ClassVar[tuple[str, ...]] = ("start", "weeks")


@register_edge
class MidWeekEnd(Edge):
    """`mid_week_end`: two whole weeks and three days: the export ends after a Wednesday (the
    last ISO week has only Monday to Wednesday)."""

    name: ClassVar[str] = "mid_week_end"
    summary: ClassVar[str] = "two weeks and three days: the export ends on a Wednesday"
    extra_days: ClassVar[int] = 3
    fixed: ClassVar[tuple[str, ...]] = ("start",)  # a Monday, so the end is a Wednesday


__all__ = ["EDGES", "Edge", "EdgeShape", "edge_names", "register_edge", "resolve_edge"]
