"""The Zendesk source on PostgreSQL (issue 12: "and one comparison on PostgreSQL or Spark").

The Zendesk export of the session's Zendesk truth (conftest.zendesk_exports: 3,500 tickets, the
demo's five scenarios, agents and shifts from the WFM side) is loaded into PostgreSQL with
Zendesk's types (`metric-ledger postgres load --source zendesk`: bigint ids, booleans,
timestamps, the `user` and `group` tables) and built there with `source_system: zendesk`
(seeds, models, snapshot, data tests, and the staging's unit tests: the Zendesk mapping's and
the helpdesk staging's). Its `fct_tickets` (every column), `fct_support_weekly` and governed
metric values (`metric_values_weekly`) must equal the DuckDB build of the same truth exported as
the helpdesk contract (conftest.zendesk_helpdesk_build, shared with test_zendesk_source.py):
another engine and another source, the same numbers. Numbers agree within 1e-6 (engines sum
doubles in another order).

One test: the module's fixture starts a server and makes a PostgreSQL build (pytest-xdist
distributes by module). Skipped only when the PostgreSQL server binaries are not on the machine.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, ZENDESK_TICKETS, ZENDESK_VARS, DbtWorkspace
from conftest import dbt_invocation as conftest_dbt_invocation
from engine_compare import Rows, comparison_report, duckdb_rows, postgres_server, same_value

from metric_ledger.engines import postgres
from metric_ledger.warehouse import connect as warehouse_connect

pytestmark = pytest.mark.engine

PG_SCHEMA = "ml_zendesk"
RAW_SCHEMA = "raw_zendesk"
#: The staging's unit tests (the Zendesk mapping's and the helpdesk staging's, which read it) run
#: on PostgreSQL too; the rest of the project's unit tests are test_postgres.py's.
BUILD_SELECTION = (
    "--exclude",
    "test_type:unit,path:models/intermediate",
    "test_type:unit,path:models/marts",
)
METRIC_VALUES_KEY = ("metric_name", "week_start_date")


@pytest.fixture(scope="module")
def pg_server() -> Iterator[postgres.LocalServer]:
    """A started throwaway server on a free loopback port; stopped and removed at teardown."""
    yield from postgres_server("metric_ledger_zendesk", "test_zendesk_postgres")


@pytest.fixture(scope="module")
def builds(
    pg_server: postgres.LocalServer,
    zendesk_exports: tuple[Path, Path],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """The Zendesk export loaded into PostgreSQL and built there (`source_system: zendesk`),
    while the session's helpdesk DuckDB build runs (or is reused when another module made it)."""
    zendesk = zendesk_exports[1]
    root = tmp_path_factory.mktemp("zendesk_postgres")
    started = time.perf_counter()
    counts = postgres.load_export(zendesk, pg_server.settings, schema=RAW_SCHEMA, source="zendesk")
    args, env = conftest_dbt_invocation(
        "build",
        DbtWorkspace(root=root, raw_dir=zendesk),
        ["--target", "postgres", *BUILD_SELECTION],
        extra_vars={**ZENDESK_VARS, "raw_schema": RAW_SCHEMA},
    )
    env = {**env, **pg_server.settings.env(), "METRIC_LEDGER_PG_SCHEMA": PG_SCHEMA}
    with open(root / "dbt.out", "w") as log:
        proc = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
        )
    try:
        helpdesk = request.getfixturevalue("zendesk_helpdesk_build")
        code = proc.wait(timeout=1800)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = (root / "dbt.out").read_text(errors="replace")
    if code != 0:
        pytest.fail(
            f"`dbt build --target postgres` (source_system: zendesk) failed (exit {code}):\n"
            f"{output[-20000:]}",
            pytrace=False,
        )
    print(f"\nload and both builds took {time.perf_counter() - started:.1f} s")
    return {
        "server": pg_server,
        "duckdb": helpdesk["helpdesk_db"],
        "loaded": counts,
        "output": output,
        "results": root / "target" / "run_results.json",
    }


def _postgres_rows(server: postgres.LocalServer, schema: str, table: str) -> Rows:
    with contextlib.closing(server.settings.connect()) as conn, conn.cursor() as cur:
        cur.execute(f'select * from "{PG_SCHEMA}_{schema}"."{table}"')
        return [d[0] for d in cur.description], cur.fetchall()


def _metric_value_differences(duck: Rows, other: Rows) -> list[str]:
    """Every difference between two builds' metric_values_weekly, row by (metric, week)."""
    if duck[0] != other[0]:
        return [f"columns differ: duckdb {duck[0]} postgres {other[0]}"]

    def keyed(rows: Rows) -> dict[tuple[Any, ...], dict[str, Any]]:
        records = [dict(zip(rows[0], row, strict=True)) for row in rows[1]]
        return {tuple(r[k] for k in METRIC_VALUES_KEY): r for r in records}

    left, right = keyed(duck), keyed(other)
    problems = [f"{key}: only on duckdb" for key in sorted(left.keys() - right.keys())]
    problems += [f"{key}: only on postgres" for key in sorted(right.keys() - left.keys())]
    for key in sorted(left.keys() & right.keys()):
        problems += [
            f"{key} {column}: duckdb={left[key][column]!r} postgres={right[key][column]!r}"
            for column in duck[0]
            if not same_value(left[key][column], right[key][column])
        ]
    return problems


def test_zendesk_on_postgres_matches_the_helpdesk_export_on_duckdb(
    builds: dict[str, Any],
) -> None:
    """One test (not one per table), so pytest-xdist never starts the server twice."""
    server = builds["server"]
    # the loader wrote Zendesk's tables with Zendesk's types
    with contextlib.closing(server.settings.connect()) as conn, conn.cursor() as cur:
        cur.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = %s",
            [RAW_SCHEMA],
        )
        types = {(table, column): type_ for table, column, type_ in cur.fetchall()}
    assert types[("ticket", "id")] == types[("user", "id")] == "bigint"
    assert types[("ticket_comment", "public")] == types[("group", "_fivetran_deleted")] == "boolean"
    assert types[("ticket_comment", "created")] == "timestamp without time zone"
    assert types[("satisfaction_rating", "csat_rating")] == "integer"
    assert types[("agents", "agent_id")] == "character varying"
    assert builds["loaded"]["ticket"] > ZENDESK_TICKETS  # the deleted tickets are rows too

    # the staging's unit tests ran (and passed) on PostgreSQL
    results = json.loads(builds["results"].read_text())["results"]
    unit = [(r["unique_id"].split(".")[2], r["status"]) for r in results
            if r["unique_id"].startswith("unit_test.")]  # fmt: skip
    assert unit and {status for _, status in unit} == {"pass"}, unit
    tested = {model for model, _ in unit}
    assert {"zendesk__messages", "zendesk__ticket_merges", "zendesk__user_roles"} <= tested
    assert all(model.startswith(("zendesk__", "stg_helpdesk__")) for model in tested), tested

    # fct_tickets (every column) and fct_support_weekly, row for row
    report = comparison_report(
        [("support", "fct_tickets"), ("support", "fct_support_weekly")],
        lambda table: duckdb_rows(builds["duckdb"], table),
        lambda table: _postgres_rows(server, table[0], table[1]),
        "postgres",
    )
    assert not report, report
    tickets = _postgres_rows(server, "support", "fct_tickets")
    assert len(tickets[1]) == ZENDESK_TICKETS
    merged = tickets[0].index("merged_into_ticket_id")
    assert any(row[merged] is not None for row in tickets[1])  # the LIKE join found the merges

    # the governed metric values
    with contextlib.closing(warehouse_connect(builds["duckdb"])) as con:
        cursor = con.execute('select * from "main_governance"."metric_values_weekly"')
        duck = ([d[0] for d in cursor.description], cursor.fetchall())
    other = _postgres_rows(server, "governance", "metric_values_weekly")
    assert len(duck[1]) > 0
    problems = _metric_value_differences(duck, other)
    assert not problems, "\n".join(problems[:40])
