"""Orchestration: validate arguments, draw, inject scenarios, write the export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from metric_ledger.errors import UsageError, cannot_write
from metric_ledger.synth import scenarios as sc
from metric_ledger.synth.agents import draw_agents, draw_shifts
from metric_ledger.synth.behaviour import draw_behaviour
from metric_ledger.synth.output import build_tables, write_tables
from metric_ledger.synth.plan import Plan
from metric_ledger.synth.surveys import draw_surveys
from metric_ledger.synth.tickets import draw_tickets
from metric_ledger.synth.timeline import build_events

DEFAULT_TICKETS = 50_000
DEFAULT_SEED = 42
DEFAULT_START = date(2026, 1, 5)
DEFAULT_WEEKS = 12
MAX_TICKETS = 10_000_000  # ~2 GB of memory per million tickets
#: What an export is written as: the vendor-neutral contract, or Fivetran's Zendesk tables.
SOURCES = ("helpdesk", "zendesk")


class SynthArgumentError(UsageError):
    """A generation argument is invalid; the message names the problem in one line."""


@dataclass(frozen=True)
class GenerationSummary:
    """Rows written per table."""

    out_dir: Path
    tickets: int
    ticket_events: int
    csat_responses: int
    agents: int
    agent_shifts: int
    scenarios: tuple[str, ...] = ()
    edge: str | None = None
    source: str = "helpdesk"
    #: rows per Zendesk table when written as Zendesk (`source == "zendesk"`)
    zendesk_rows: dict[str, int] | None = None

    @property
    def events_per_ticket(self) -> float:
        return self.ticket_events / self.tickets if self.tickets else 0.0

    def one_line(self) -> str:
        scen = f" scenarios={','.join(self.scenarios)}" if self.scenarios else ""
        scen += f" edge={self.edge}" if self.edge else ""
        if self.zendesk_rows is not None:
            rows = " ".join(f"{name}={count}" for name, count in self.zendesk_rows.items())
            return (
                f"wrote {self.out_dir} as Fivetran's Zendesk tables: {rows}; "
                f"from tickets={self.tickets} ticket_events={self.ticket_events} "
                f"csat_responses={self.csat_responses}{scen}"
            )
        return (
            f"wrote {self.out_dir}: tickets={self.tickets} ticket_events={self.ticket_events} "
            f"csat_responses={self.csat_responses} agents={self.agents} "
            f"agent_shifts={self.agent_shifts}{scen}"
        )


def parse_start(text: str) -> date:
    """Parse an ISO date (YYYY-MM-DD) that is a Monday (weeks run Monday to Sunday), or raise
    SynthArgumentError."""
    try:
        start = date.fromisoformat(text.strip())
    except ValueError:
        raise SynthArgumentError(f"--start must be a date like 2026-01-05, got {text!r}") from None
    if start.isoweekday() != 1:
        raise SynthArgumentError(
            f"--start must be a Monday (weeks run Monday to Sunday), "
            f"got {start.isoformat()}, a {start.strftime('%A')}"
        )
    return start


def check_source(source: str) -> str:
    """`source` if it is one of SOURCES, else raise SynthArgumentError."""
    if source not in SOURCES:
        raise SynthArgumentError(f"--source must be one of {', '.join(SOURCES)}, got {source!r}")
    return source


def validate(tickets: int, seed: int, weeks: int, scenarios: Sequence[str]) -> list[sc.Scenario]:
    """Check arguments; return the scenario instances to apply (registry order)."""
    if isinstance(tickets, bool) or not isinstance(tickets, int) or tickets < 1:
        raise SynthArgumentError(f"--tickets must be a positive integer, got {tickets!r}")
    if tickets > MAX_TICKETS:
        raise SynthArgumentError(f"--tickets must be at most {MAX_TICKETS}, got {tickets}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SynthArgumentError(f"--seed must be a non-negative integer, got {seed!r}")
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise SynthArgumentError(f"--weeks must be an integer >= 1, got {weeks!r}")
    try:
        return sc.resolve(scenarios)
    except ValueError as exc:
        raise SynthArgumentError(str(exc)) from None


def generate(
    out_dir: Path,
    tickets: int = DEFAULT_TICKETS,
    seed: int = DEFAULT_SEED,
    start: date = DEFAULT_START,
    weeks: int = DEFAULT_WEEKS,
    scenarios: Sequence[str] = (),
    source: str = "helpdesk",
) -> GenerationSummary:
    """Write a synthetic raw export (five Parquet files) to `out_dir`.

    The same arguments always give byte-identical files. `scenarios` names registered
    scenarios (see `metric_ledger.synth.scenarios`) to inject into otherwise clean data.
    `source="zendesk"` writes the same export as Fivetran's Zendesk tables instead
    (`metric_ledger.synth.zendesk`, docs/zendesk_mapping.md).
    """
    check_source(source)
    active = validate(tickets, seed, weeks, scenarios)
    plan = Plan(tickets=tickets, seed=seed, start=start, weeks=weeks)
    return run_plan(Path(out_dir), plan, active, source=source)


def generate_edge(
    out_dir: Path,
    edge: str,
    seed: int = DEFAULT_SEED,
    tickets: int | None = None,
    start: date | None = None,
    weeks: int | None = None,
    source: str = "helpdesk",
) -> GenerationSummary:
    """Write the edge export `edge` (see `metric_ledger.synth.edges`) to `out_dir`.

    An edge export is a small export with one property a build must survive (one ticket,
    nothing solved, an empty table ...). `tickets`, `start` and `weeks` default to the edge's
    own; an edge that fixes one of them (one_ticket fixes the tickets) rejects another value.
    The same arguments always give byte-identical files.
    """
    from metric_ledger.synth.edges import resolve_edge

    check_source(source)
    try:
        chosen, shape = resolve_edge(edge, tickets=tickets, start=start, weeks=weeks)
    except ValueError as exc:
        raise SynthArgumentError(str(exc)) from None
    validate(shape.tickets, seed, shape.weeks, ())
    plan = Plan(
        tickets=shape.tickets,
        seed=seed,
        start=shape.start,
        weeks=shape.weeks,
        extra_days=shape.extra_days,
    )
    return run_plan(Path(out_dir), plan, [chosen], edge=chosen.name, source=source)


def run_plan(
    out_dir: Path,
    plan: Plan,
    active: Sequence[sc.Scenario],
    edge: str | None = None,
    source: str = "helpdesk",
) -> GenerationSummary:
    """Draw the export of `plan` with the hooks of `active` (scenarios or an edge) and write it."""
    seed = plan.seed
    streams = [
        np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(6)
    ]
    rng_tickets, rng_agents, rng_shifts, rng_behaviour, rng_events, rng_surveys = streams
    rngs = {s.name: sc.scenario_rng(seed, s.name) for s in active}

    for s in active:
        s.adjust_plan(plan)
    agents = draw_agents(plan, rng_agents)
    shifts = draw_shifts(plan, agents, rng_shifts)
    ticket_arrays = draw_tickets(plan, rng_tickets)
    for s in active:
        s.adjust_tickets(plan, ticket_arrays, rngs[s.name])
    behaviour = draw_behaviour(plan, ticket_arrays, agents, rng_behaviour)
    for s in active:
        s.adjust_behaviour(plan, ticket_arrays, behaviour, rngs[s.name])
    events, outcome = build_events(plan, ticket_arrays, behaviour, rng_events)
    surveys = draw_surveys(plan, ticket_arrays, outcome, rng_surveys)
    for s in active:
        s.adjust_surveys(plan, ticket_arrays, surveys, rngs[s.name])
    tables = build_tables(plan, ticket_arrays, events, outcome, surveys, agents, shifts)
    for s in active:
        tables = s.adjust_tables(plan, tables, rngs[s.name])
    zendesk_rows = None
    try:
        if source == "zendesk":
            from metric_ledger.synth.zendesk import to_zendesk, write_zendesk

            zendesk_rows = write_zendesk(out_dir, to_zendesk(tables))
        else:
            write_tables(out_dir, tables)
    except OSError as error:
        raise cannot_write(out_dir, error) from None
    return GenerationSummary(
        out_dir=out_dir,
        tickets=tables["tickets"].num_rows,
        ticket_events=tables["ticket_events"].num_rows,
        csat_responses=tables["csat_responses"].num_rows,
        agents=tables["agents"].num_rows,
        agent_shifts=tables["agent_shifts"].num_rows,
        scenarios=() if edge else tuple(s.name for s in active),
        edge=edge,
        source=source,
        zendesk_rows=zendesk_rows,
    )
