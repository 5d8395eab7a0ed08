"""Deterministic synthetic helpdesk exports in the shape of the source contract.

`generate(out_dir, tickets, seed, start, weeks, scenarios)` writes `tickets`,
`ticket_events`, `csat_responses`, `agents` and `agent_shifts` as Parquet files; the same
arguments give byte-identical files. Scenarios (`SCENARIOS`, see `scenarios`) inject named
failure modes into otherwise clean data. `generate_edge(out_dir, edge, ...)` writes a small
edge export instead (`EDGES`, see `edges`): one ticket, nothing solved, an empty table ...
"""

from __future__ import annotations

from metric_ledger.synth.edges import EDGES, Edge, edge_names
from metric_ledger.synth.generator import (
    DEFAULT_SEED,
    DEFAULT_START,
    DEFAULT_TICKETS,
    DEFAULT_WEEKS,
    GenerationSummary,
    SynthArgumentError,
    generate,
    generate_edge,
    parse_start,
)
from metric_ledger.synth.output import SCHEMAS, TABLES
from metric_ledger.synth.scenarios import SCENARIOS, Scenario, register, scenario_names

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_START",
    "DEFAULT_TICKETS",
    "DEFAULT_WEEKS",
    "EDGES",
    "SCENARIOS",
    "SCHEMAS",
    "TABLES",
    "Edge",
    "GenerationSummary",
    "Scenario",
    "SynthArgumentError",
    "edge_names",
    "generate",
    "generate_edge",
    "parse_start",
    "register",
    "scenario_names",
]
