"""The same project on another engine: build it with `--target NAME` beside a DuckDB build of the
same export and compare the tables row for row.

Used by test_postgres.py and test_spark.py (test_zendesk_postgres.py starts its server with the
same helper). The other engine builds day 1 of a sliced export and then day 2 with a plain,
incremental `dbt build`; DuckDB builds day 2 from scratch. Every table the two builds make is
compared, except each build's own bookkeeping (NOT_COMPARED). Rows are matched on a model's grain
where GRAINS names one, else on all their columns; numbers must agree within 1e-6 (engines may sum
doubles in another order), timestamps are compared as naive UTC, everything else exactly.
"""

from __future__ import annotations

import contextlib
import math
import socket
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, DbtWorkspace, dbt_invocation

from metric_ledger import synth
from metric_ledger.engines import postgres
from metric_ledger.synth.slicing import SliceSummary, slice_export
from metric_ledger.warehouse import connect as warehouse_connect

ABS_TOL = 1e-6
#: Tables whose rows legitimately differ between the builds: the snapshot keeps history, the
#: refresh set, the events to restage and the build state (rule fingerprints per build) are an
#: incremental run's own bookkeeping (as in test_incremental.py).
NOT_COMPARED = frozenset(
    {
        "metric_dictionary_history",
        "int_tickets_refresh_reasons",
        "int_tickets_refresh_set",
        "stg_helpdesk__ticket_events_restage",
        "metric_ledger_build_state",
    }
)
#: The grain (sort key) of the models where it is narrower than all columns; other tables are
#: sorted on all their columns.
GRAINS = {
    "fct_tickets": ["ticket_id"],
    "fct_support_weekly": [
        "week_start_date",
        "channel",
        "queue",
        "priority",
        "region",
        "customer_tier",
        "contact_reason",
        "branch",
    ],
}
#: Columns that legitimately differ between engines, by table: display strings of numbers.
NOT_COMPARED_COLUMNS = {
    # Doubles cast to text: `12.0` on DuckDB, `12` on PostgreSQL (the numbers are compared in
    # the tables it reads).
    "branch_league_table": {"counter_metric_values"},
}
#: A day-2 build that says this recomputed some incremental model in full (macros/incremental).
RECOMPUTE = "rule fingerprint changed since its last build"
#: A from-scratch build that is only a reference to compare with: no data or unit tests.
REFERENCE_BUILD = ("--exclude-resource-type", "unit_test", "--exclude-resource-type", "test")
#: Day 1 on the other engine: what day 2 builds incrementally (fct_tickets and everything it
#: reads), no tests; day 2 rebuilds every other model from scratch anyway.
DAY1_BUILD = ("--select", "+fct_tickets", *REFERENCE_BUILD)

Rows = tuple[list[str], list[tuple[Any, ...]]]
#: One table of a build: (schema without the target schema's prefix, table name), e.g.
#: ("support", "fct_tickets") for main_support.fct_tickets on DuckDB.
Table = tuple[str, str]
#: Reads one table of a build: table -> (column names, rows).
RowReader = Callable[[Table], Rows]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_server(dbname: str, test_name: str) -> Iterator[postgres.LocalServer]:
    """A started throwaway PostgreSQL server on a free loopback port, for a module fixture to
    `yield from`: stopped and removed at teardown, also when the test fails. Skips the test
    (saying so on the output) only when the server binaries are not on the machine."""
    if postgres.find_bin_dir() is None:
        reason = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin, "
            f"$METRIC_LEDGER_PG_BIN or PATH: install the Debian package postgresql to run "
            f"{test_name}"
        )
        print(f"\nSKIPPED {test_name}: {reason}")
        pytest.skip(reason)
    settings = replace(postgres.Settings(), port=_free_port(), dbname=dbname)
    server = postgres.LocalServer(settings=settings)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def two_day_export(
    root: Path, tickets: int, seed: int, weeks: int, day_1: datetime
) -> SliceSummary:
    """A generated export under `root`, sliced into the exports of two days: `root/day1` as it
    stood at `day_1`, `root/day2` one day later (new tickets, new events on old tickets, late
    events that occurred before day 1 but arrived after it). Returns day 1's summary."""
    full = root / "full_export"
    synth.generate(full, tickets=tickets, seed=seed, weeks=weeks)
    day1 = slice_export(full, root / "day1", day_1, late_share=0.05)
    slice_export(full, root / "day2", day_1 + timedelta(days=1), late_share=0.05)
    return day1


def start_dbt_build(
    workspace: Path,
    raw_dir: Path,
    target: str,
    extra_env: dict[str, str],
    extra_args: Sequence[str] = (),
) -> subprocess.Popen[str]:
    """Start `dbt build --target TARGET` (seeds, models, snapshot, data and unit tests, unless
    `extra_args` leave some out) on `raw_dir`, writing its target, logs and DuckDB file under
    `workspace` and its output to `workspace/dbt.out`."""
    args, env = dbt_invocation(
        "build", DbtWorkspace(root=workspace, raw_dir=raw_dir), ["--target", target, *extra_args]
    )
    with open(workspace / "dbt.out", "w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            args,
            cwd=REPO,
            env={**env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )


def wait_for_build(
    proc: subprocess.Popen[str], workspace: Path, what: str, timeout: float = 1800
) -> None:
    """Wait for a build started by :func:`start_dbt_build`; fail the test with the end of its
    output when it fails."""
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    if code != 0:
        output = (workspace / "dbt.out").read_text(errors="replace")
        pytest.fail(f"{what} failed (exit {code}):\n{output[-20000:]}", pytrace=False)


def duckdb_tables(path: Path) -> list[Table]:
    """Every table of the DuckDB build but NOT_COMPARED (views recompute from tables)."""
    with contextlib.closing(warehouse_connect(path)) as con:
        rows = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'main\\_%' escape '\\' and table_type = 'BASE TABLE'"
        ).fetchall()
    return sorted(
        (schema.removeprefix("main_"), name) for schema, name in rows if name not in NOT_COMPARED
    )


def duckdb_rows(path: Path, table: Table) -> Rows:
    """A table of the DuckDB build, from its schema (the target schema `main`, suffixed)."""
    schema, name = table
    with contextlib.closing(warehouse_connect(path)) as con:
        cursor = con.execute(f'select * from "main_{schema}"."{name}"')
        columns = [d[0] for d in cursor.description]
        return columns, cursor.fetchall()


@dataclass(frozen=True)
class IncrementalBuilds:
    """Where the builds of :func:`build_incremental_beside_duckdb` wrote: the workspaces of
    DuckDB's from-scratch build and of the other engine's days 1 and 2 (each with its `dbt.out`
    and `target/run_results.json`)."""

    duck: Path
    day1: Path
    day2: Path

    @property
    def duckdb(self) -> Path:
        """The DuckDB file of the from-scratch build."""
        return self.duck / "wh.duckdb"

    def day2_output(self) -> str:
        return (self.day2 / "dbt.out").read_text(errors="replace")


def build_incremental_beside_duckdb(
    root: Path,
    day1_raw: Path,
    day2_raw: Path,
    target: str,
    env: dict[str, str],
    load: Callable[[Path], object] | None = None,
    after_day1: Callable[[], None] | None = None,
    duckdb_args: Sequence[str] = REFERENCE_BUILD,
) -> IncrementalBuilds:
    """On `target`: day 1 from scratch (DAY1_BUILD), then a plain `dbt build` of day 2 into the
    same warehouse: incremental, with every data and unit test. Beside them, in parallel, DuckDB
    builds day 2 from scratch (`duckdb_args`: a reference without tests by default).
    `load(raw_dir)` loads an export into the engine before each of its builds (an engine that
    cannot read the Parquet files); `after_day1()` looks at the warehouse between the days.
    Fails the test when a build fails."""
    builds = IncrementalBuilds(root / "duck", root / f"{target}_day1", root / target)
    if load is not None:
        load(day1_raw)
    duck = start_dbt_build(builds.duck, day2_raw, "duckdb", {}, duckdb_args)
    running = [duck]
    try:
        day1 = start_dbt_build(builds.day1, day1_raw, target, env, DAY1_BUILD)
        running.append(day1)
        wait_for_build(day1, builds.day1, f"`dbt build --target {target}` of day 1")
        if after_day1 is not None:
            after_day1()
        if load is not None:
            load(day2_raw)
        day2 = start_dbt_build(builds.day2, day2_raw, target, env)
        running.append(day2)
        wait_for_build(day2, builds.day2, f"incremental `dbt build --target {target}` of day 2")
        wait_for_build(duck, builds.duck, "`dbt build --target duckdb`")
    finally:
        for proc in running:
            if proc.poll() is None:
                proc.kill()
    return builds


def _key_value(value: Any) -> tuple[bool, str]:
    """An exact value as both engines' drivers give it, comparable across them (timestamps
    naive)."""
    if value is None:
        return (True, "")
    if isinstance(value, datetime):
        return (False, value.replace(tzinfo=None).isoformat())
    return (False, str(value))


def _is_approximate(value: Any) -> bool:
    return isinstance(value, (float, Decimal))


def same_value(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    numeric = (int, float, Decimal)
    if isinstance(left, numeric) and isinstance(right, numeric) and not isinstance(left, bool):
        return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=ABS_TOL)
    if isinstance(left, datetime) and isinstance(right, datetime):
        return left.replace(tzinfo=None) == right.replace(tzinfo=None)
    if isinstance(left, date) and isinstance(right, date):
        return left == right
    return bool(left == right)


def _without(table: str, rows: Rows) -> Rows:
    """The rows without the NOT_COMPARED_COLUMNS of `table`."""
    skipped = NOT_COMPARED_COLUMNS.get(table, set())
    if not skipped:
        return rows
    columns, values = rows
    kept = [i for i, column in enumerate(columns) if column not in skipped]
    return [columns[i] for i in kept], [tuple(row[i] for i in kept) for row in values]


def differences(table: str, duckdb_rows: Rows, other_rows: Rows, other: str) -> list[str]:
    """Every difference between the DuckDB rows and the other engine's rows of `table`. Columns
    are matched by name (an engine may place a partition column last). Rows are matched on the
    model's grain (GRAINS) or else on all their exact columns (not doubles or decimals), and
    then on every column with same_value: a double on a rounding boundary pairs across engines
    whatever its last bits."""
    duck_columns, duck_rows = _without(table, duckdb_rows)
    other_columns, rows = _without(table, other_rows)
    if sorted(other_columns) != sorted(duck_columns):
        return [f"columns differ: duckdb {duck_columns} {other} {other_columns}"]
    if len(rows) != len(duck_rows):
        return [f"{len(duck_rows)} rows on duckdb, {len(rows)} on {other}"]
    duck_dicts = [dict(zip(duck_columns, row, strict=True)) for row in duck_rows]
    other_dicts = [dict(zip(other_columns, row, strict=True)) for row in rows]
    approximate = {
        column
        for column in duck_columns
        if any(_is_approximate(row[column]) for row in duck_dicts + other_dicts)
    }
    key = GRAINS.get(table) or [c for c in duck_columns if c not in approximate]

    def key_of(row: dict[str, Any]) -> tuple[tuple[bool, str], ...]:
        return tuple(_key_value(row[column]) for column in key)

    groups: dict[tuple[tuple[bool, str], ...], list[dict[str, Any]]] = {}
    for row in other_dicts:
        groups.setdefault(key_of(row), []).append(row)
    problems = []
    for duck_row in duck_dicts:
        candidates = groups.get(key_of(duck_row), [])
        match = next(
            (
                i
                for i, row in enumerate(candidates)
                if all(same_value(duck_row[c], row[c]) for c in duck_columns)
            ),
            None,
        )
        if match is not None:
            candidates.pop(match)
            continue
        shown = {k: duck_row[k] for k in key[:4]}
        if not candidates:
            problems.append(f"{shown}: no row with this key on {other}")
            continue
        for column in duck_columns:
            if not same_value(duck_row[column], candidates[0][column]):
                problems.append(
                    f"{shown} {column}: duckdb={duck_row[column]!r} "
                    f"{other}={candidates[0][column]!r}"
                )
    return problems


def comparison_report(
    tables: Sequence[Table], duckdb_reader: RowReader, other_reader: RowReader, other: str
) -> str:
    """The differences of every table, at most 20 each; empty when they agree."""
    report = []
    for table in tables:
        problems = differences(table[1], duckdb_reader(table), other_reader(table), other)
        if problems:
            report.append(f"{'.'.join(table)}: {len(problems)} differences, first 20:")
            report.extend("  " + problem for problem in problems[:20])
    return "\n".join(report)
