"""The same project on PostgreSQL, incremental: a daily `dbt build --target postgres` gives the
tables of a DuckDB build from scratch.

A throwaway local PostgreSQL server (metric_ledger.engines.postgres.LocalServer) is started on a
free loopback port. One generated export is sliced into the exports of two days
(`metric_ledger.synth.slicing`): day 2 has new tickets, new events on old tickets and late events
that occurred before day 1 but arrived after it. Day 1 is loaded into `raw_helpdesk` and built
with `dbt build --target postgres` (seeds, models, snapshot) into a schema of its own; then day 2
is loaded and a plain `dbt build` (no --full-refresh: the per-ticket rules and fct_tickets are
incremental, and every data and unit test runs) updates the same warehouse. Beside it, DuckDB
builds day 2 from scratch. Every table the two builds make (but each build's own bookkeeping)
must agree row for row (floats within 1e-6), and the day-2 run must really have been incremental:
a refresh set much smaller than the tickets, and no model recomputed in full. The server is
stopped by the fixture's teardown, also when the test fails.

Skipped only when the PostgreSQL server binaries (initdb, pg_ctl) are not on the machine.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from engine_compare import (
    NOT_COMPARED,
    RECOMPUTE,
    IncrementalBuilds,
    Rows,
    Table,
    build_incremental_beside_duckdb,
    comparison_report,
    duckdb_rows,
    duckdb_tables,
    postgres_server,
    two_day_export,
)

from metric_ledger.engines import postgres

pytestmark = pytest.mark.engine

PG_SCHEMA = "ml_pytest"
TICKETS, WEEKS, SEED = 3000, 6, 4
#: Day 1 is the export as it stood at DAY_1 (five of the six weeks); day 2 one day later.
DAY_1 = datetime(2026, 2, 9)


@pytest.fixture(scope="module")
def pg_server() -> Iterator[postgres.LocalServer]:
    """A started throwaway server on a free loopback port; stopped and removed at teardown."""
    yield from postgres_server("metric_ledger_pytest", "test_postgres")


@pytest.fixture(scope="module")
def builds(
    pg_server: postgres.LocalServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Day 1 then day 2 (incremental) on PostgreSQL, beside DuckDB's build of day 2."""
    root = tmp_path_factory.mktemp("postgres_target")
    day1 = two_day_export(root, TICKETS, SEED, WEEKS, DAY_1)
    started = time.perf_counter()
    pg_env = {**pg_server.settings.env(), "METRIC_LEDGER_PG_SCHEMA": PG_SCHEMA}
    runs = build_incremental_beside_duckdb(
        root,
        root / "day1",
        root / "day2",
        "postgres",
        pg_env,
        load=lambda raw_dir: postgres.load_export(raw_dir, pg_server.settings),
    )
    print(f"\nthe builds took {time.perf_counter() - started:.1f} s")
    yield {"runs": runs, "server": pg_server, "late_pending": day1.late_events_pending}


def _query(server: postgres.LocalServer, sql: str) -> Rows:
    with contextlib.closing(server.settings.connect()) as conn, conn.cursor() as cur:
        cur.execute(sql)
        columns = [d[0] for d in cur.description]
        return columns, cur.fetchall()


def _postgres_tables(server: postgres.LocalServer) -> list[Table]:
    prefix = f"{PG_SCHEMA}_"
    _, rows = _query(
        server,
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema like '{prefix}%' and table_type = 'BASE TABLE'",
    )
    return sorted(
        (schema.removeprefix(prefix), name) for schema, name in rows if name not in NOT_COMPARED
    )


def _postgres_rows(server: postgres.LocalServer, table: Table) -> Rows:
    schema, name = table
    return _query(server, f'select * from "{PG_SCHEMA}_{schema}"."{name}"')


def test_postgres_incremental_build_matches_duckdb(builds: dict[str, Any]) -> None:
    """One test (not one per table), so pytest-xdist never starts the server twice."""
    runs: IncrementalBuilds = builds["runs"]
    server: postgres.LocalServer = builds["server"]
    assert builds["late_pending"] > 0, "no late event crosses day 1: nothing proved"

    _, refresh = _query(
        server,
        f"select refresh_reason, count(*) from {PG_SCHEMA}_intermediate.int_tickets_refresh_set "
        "group by refresh_reason",
    )
    reasons: dict[str, int] = dict(refresh)
    _, total = _query(server, f"select count(*) from {PG_SCHEMA}_support.fct_tickets")
    assert total[0][0] > 0
    assert "full" not in reasons and {"new_ticket", "updated"} <= set(reasons), reasons
    assert sum(reasons.values()) < 0.3 * total[0][0], f"{reasons} of {total[0][0]} tickets"
    assert RECOMPUTE not in runs.day2_output()

    tables = duckdb_tables(runs.duckdb)
    assert ("support", "fct_tickets") in tables and len(tables) > 40, tables
    assert _postgres_tables(server) == tables
    report = comparison_report(
        tables,
        lambda table: duckdb_rows(runs.duckdb, table),
        lambda table: _postgres_rows(server, table),
        "postgres",
    )
    assert not report, report
