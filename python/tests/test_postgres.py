"""The same project on PostgreSQL: build `--target postgres` and compare with DuckDB row for row.

A throwaway local PostgreSQL server (metric_ledger.engines.postgres.LocalServer) is started on a
free loopback port, a small generated export is loaded into `raw_helpdesk`, and `dbt build
--target postgres` (seeds, models, snapshot, data tests, unit tests) runs into a schema of its
own, beside a DuckDB `dbt build` of the same export. fct_tickets and fct_support_weekly must then
agree row for row (floats within 1e-6). The server is stopped by the fixture's teardown, also
when the test fails.

Skipped only when the PostgreSQL server binaries (initdb, pg_ctl) are not on the machine.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROFILES_DIR, REPO, dbt_executable

from metric_ledger import synth
from metric_ledger.engines import postgres

PG_SCHEMA = "ml_pytest"
TICKETS, WEEKS, SEED = 3000, 6, 4
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def pg_server() -> Iterator[postgres.LocalServer]:
    """A started throwaway server on a free loopback port; stopped and removed at teardown."""
    if postgres.find_bin_dir() is None:
        reason = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin, "
            "$METRIC_LEDGER_PG_BIN or PATH: install the Debian package postgresql to run the "
            "postgres-target test"
        )
        print(f"\nSKIPPED test_postgres: {reason}")
        pytest.skip(reason)
    settings = replace(postgres.Settings(), port=_free_port(), dbname="metric_ledger_pytest")
    server = postgres.LocalServer(settings=settings)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _dbt_build(
    workspace: Path, raw_dir: Path, target: str, extra_env: dict[str, str]
) -> subprocess.Popen[str]:
    workspace.mkdir(parents=True, exist_ok=True)
    args = [
        dbt_executable(),
        "build",
        "--target",
        target,
        "--project-dir",
        str(REPO),
        "--profiles-dir",
        str(PROFILES_DIR),
        "--target-path",
        str(workspace / "target"),
        "--log-path",
        str(workspace / "logs"),
        "--vars",
        json.dumps({"raw_data_path": str(raw_dir)}),
    ]
    env = {
        **os.environ,
        "METRIC_LEDGER_DB": str(workspace / "wh.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **extra_env,
    }
    with open(workspace / "dbt.out", "w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            args,
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _wait(proc: subprocess.Popen[str], workspace: Path, what: str) -> None:
    try:
        code = proc.wait(timeout=900)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    if code != 0:
        output = (workspace / "dbt.out").read_text(errors="replace")
        pytest.fail(f"{what} failed (exit {code}):\n{output[-20000:]}", pytrace=False)


@pytest.fixture(scope="module")
def builds(
    pg_server: postgres.LocalServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The export loaded into PostgreSQL, then `dbt build` on both engines (in parallel)."""
    root = tmp_path_factory.mktemp("postgres_target")
    raw_dir = root / "raw"
    synth.generate(raw_dir, tickets=TICKETS, seed=SEED, weeks=WEEKS)
    started = time.perf_counter()
    postgres.load_export(raw_dir, pg_server.settings)
    pg_env = {**pg_server.settings.env(), "METRIC_LEDGER_PG_SCHEMA": PG_SCHEMA}
    pg_proc = _dbt_build(root / "pg", raw_dir, "postgres", pg_env)
    duck_proc = _dbt_build(root / "duck", raw_dir, "duckdb", {})
    try:
        _wait(pg_proc, root / "pg", "`dbt build --target postgres`")
        _wait(duck_proc, root / "duck", "`dbt build --target duckdb`")
    finally:
        for proc in (pg_proc, duck_proc):
            if proc.poll() is None:
                proc.kill()
    print(f"\nboth builds took {time.perf_counter() - started:.1f} s")
    yield {"duckdb": root / "duck" / "wh.duckdb", "server": pg_server}


def _duckdb_rows(path: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        cursor = con.execute(f"select * from main.{table}")
        columns = [d[0] for d in cursor.description]
        return columns, cursor.fetchall()


def _postgres_rows(
    server: postgres.LocalServer, table: str
) -> tuple[list[str], list[tuple[Any, ...]]]:
    with contextlib.closing(server.settings.connect()) as conn, conn.cursor() as cur:
        cur.execute(f'select * from "{PG_SCHEMA}"."{table}"')
        columns = [d[0] for d in cur.description]
        return columns, cur.fetchall()


def _sort_key(row: dict[str, Any], key: Sequence[str]) -> tuple[tuple[bool, str], ...]:
    return tuple((row[column] is None, str(row[column])) for column in key)


def _same(left: Any, right: Any) -> bool:
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


def _differences(builds: dict[str, Any], table: str) -> list[str]:
    key = COMPARED[table]
    duck_columns, duck_rows = _duckdb_rows(builds["duckdb"], table)
    pg_columns, pg_rows = _postgres_rows(builds["server"], table)
    if pg_columns != duck_columns:
        return [f"columns differ: duckdb {duck_columns} postgres {pg_columns}"]
    if len(pg_rows) != len(duck_rows):
        return [f"{len(duck_rows)} rows on duckdb, {len(pg_rows)} on postgres"]
    if not duck_rows:
        return ["empty on both engines: the comparison would prove nothing"]

    def ordered(columns: list[str], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        return sorted(
            (dict(zip(columns, row, strict=True)) for row in rows),
            key=lambda row: _sort_key(row, key),
        )

    problems = []
    for duck_row, pg_row in zip(
        ordered(duck_columns, duck_rows), ordered(pg_columns, pg_rows), strict=True
    ):
        if _sort_key(duck_row, key) != _sort_key(pg_row, key):
            problems.append(f"grain {[duck_row[k] for k in key]} vs {[pg_row[k] for k in key]}")
            continue
        for column in duck_columns:
            if not _same(duck_row[column], pg_row[column]):
                problems.append(
                    f"{[duck_row[k] for k in key]} {column}: "
                    f"duckdb={duck_row[column]!r} postgres={pg_row[column]!r}"
                )
    return problems


def test_postgres_build_matches_duckdb(builds: dict[str, Any]) -> None:
    """One test (not one per table), so pytest-xdist never starts the server twice."""
    report = []
    for table in sorted(COMPARED):
        problems = _differences(builds, table)
        if problems:
            report.append(f"{table}: {len(problems)} differences, first 20:")
            report.extend("  " + problem for problem in problems[:20])
    assert not report, "\n".join(report)
