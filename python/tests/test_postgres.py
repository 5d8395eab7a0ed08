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
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from engine_compare import SCHEMA_OF, Rows, build_beside_duckdb, comparison_report, duckdb_rows

from metric_ledger import synth
from metric_ledger.engines import postgres

pytestmark = pytest.mark.engine

PG_SCHEMA = "ml_pytest"
TICKETS, WEEKS, SEED = 3000, 6, 4


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
    build_beside_duckdb(root, raw_dir, "postgres", pg_env)
    print(f"\nboth builds took {time.perf_counter() - started:.1f} s")
    yield {"duckdb": root / "duck" / "wh.duckdb", "server": pg_server}


def _postgres_rows(server: postgres.LocalServer, table: str) -> Rows:
    with contextlib.closing(server.settings.connect()) as conn, conn.cursor() as cur:
        cur.execute(f'select * from "{PG_SCHEMA}_{SCHEMA_OF[table]}"."{table}"')
        columns = [d[0] for d in cur.description]
        return columns, cur.fetchall()


def test_postgres_build_matches_duckdb(builds: dict[str, Any]) -> None:
    """One test (not one per table), so pytest-xdist never starts the server twice."""
    report = comparison_report(
        lambda table: duckdb_rows(builds["duckdb"], table),
        lambda table: _postgres_rows(builds["server"], table),
        "postgres",
    )
    assert not report, report
