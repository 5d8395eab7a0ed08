"""The same project on another engine: run `dbt build --target NAME` beside a DuckDB build of the
same export and compare the ticket and weekly facts row for row.

Used by test_postgres.py and test_spark.py. Rows are matched on each model's grain; numbers must
agree within 1e-6 (engines may sum doubles in another order), timestamps are compared as naive
UTC, everything else exactly.
"""

from __future__ import annotations

import contextlib
import math
import subprocess
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, DbtWorkspace, dbt_invocation

from metric_ledger.warehouse import connect as warehouse_connect

ABS_TOL = 1e-6
#: Each compared model with its grain (the sort key of the comparison).
COMPARED = {
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

#: The schema (suffix of the target schema on a non-production target) each compared model is in.
SCHEMA_OF = {"fct_tickets": "support", "fct_support_weekly": "support"}

Rows = tuple[list[str], list[tuple[Any, ...]]]
#: Reads one model of a build: table name -> (column names, rows).
RowReader = Callable[[str], Rows]


def start_dbt_build(
    workspace: Path, raw_dir: Path, target: str, extra_env: dict[str, str]
) -> subprocess.Popen[str]:
    """Start `dbt build --target TARGET` (seeds, models, snapshot, data and unit tests) on
    `raw_dir`, writing its target, logs and DuckDB file under `workspace` and its output to
    `workspace/dbt.out`."""
    args, env = dbt_invocation(
        "build", DbtWorkspace(root=workspace, raw_dir=raw_dir), ["--target", target]
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


def duckdb_rows(path: Path, table: str) -> Rows:
    """A model of the DuckDB build, from its schema (the target schema `main`, suffixed)."""
    with contextlib.closing(warehouse_connect(path)) as con:
        cursor = con.execute(f'select * from "main_{SCHEMA_OF[table]}"."{table}"')
        columns = [d[0] for d in cursor.description]
        return columns, cursor.fetchall()


def build_beside_duckdb(root: Path, raw_dir: Path, target: str, env: dict[str, str]) -> None:
    """`dbt build` of `raw_dir` on `target` (in `root/target`) and on DuckDB (in `root/duck`),
    in parallel; fails the test when either fails."""
    other = start_dbt_build(root / target, raw_dir, target, env)
    duck = start_dbt_build(root / "duck", raw_dir, "duckdb", {})
    try:
        wait_for_build(duck, root / "duck", "`dbt build --target duckdb`")
        wait_for_build(other, root / target, f"`dbt build --target {target}`")
    finally:
        for proc in (other, duck):
            if proc.poll() is None:
                proc.kill()


def _sort_key(row: dict[str, Any], key: Sequence[str]) -> tuple[tuple[bool, str], ...]:
    return tuple((row[column] is None, str(row[column])) for column in key)


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


def differences(table: str, duckdb_rows: Rows, other_rows: Rows, other: str) -> list[str]:
    """Every difference between the DuckDB rows and the other engine's rows of `table`."""
    key = COMPARED[table]
    duck_columns, duck_rows = duckdb_rows
    other_columns, rows = other_rows
    if other_columns != duck_columns:
        return [f"columns differ: duckdb {duck_columns} {other} {other_columns}"]
    if len(rows) != len(duck_rows):
        return [f"{len(duck_rows)} rows on duckdb, {len(rows)} on {other}"]
    if not duck_rows:
        return ["empty on both engines: the comparison would prove nothing"]

    def ordered(columns: list[str], unordered: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        return sorted(
            (dict(zip(columns, row, strict=True)) for row in unordered),
            key=lambda row: _sort_key(row, key),
        )

    problems = []
    for duck_row, other_row in zip(
        ordered(duck_columns, duck_rows), ordered(other_columns, rows), strict=True
    ):
        if _sort_key(duck_row, key) != _sort_key(other_row, key):
            problems.append(f"grain {[duck_row[k] for k in key]} vs {[other_row[k] for k in key]}")
            continue
        for column in duck_columns:
            if not same_value(duck_row[column], other_row[column]):
                problems.append(
                    f"{[duck_row[k] for k in key]} {column}: "
                    f"duckdb={duck_row[column]!r} {other}={other_row[column]!r}"
                )
    return problems


def comparison_report(duckdb_reader: RowReader, other_reader: RowReader, other: str) -> str:
    """The differences of every compared model, at most 20 each; empty when they agree."""
    report = []
    for table in sorted(COMPARED):
        problems = differences(table, duckdb_reader(table), other_reader(table), other)
        if problems:
            report.append(f"{table}: {len(problems)} differences, first 20:")
            report.extend("  " + problem for problem in problems[:20])
    return "\n".join(report)
