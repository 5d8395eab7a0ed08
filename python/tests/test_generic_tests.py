"""The project's folded generic tests (tests/generic/): one test node per model for a kind of
invariant over many columns or expressions, each with the invariant of dbt's one-column test.

- `not_null_columns`: the columns that must never be null (dbt's `not_null` on each). The
  project's YAML still keeps `not_null` beside `unique` on keys.
- `accepted_values_columns`: each column's accepted values (dbt's `accepted_values` on each;
  nulls pass), with the test's `where` config applied to every listed column.
- `expressions_are_true`: each expression holds on every row (`expression_is_true` on each; a
  null fails).

On a copy of the session's built warehouse, breaking a listed column or expression fails the
model's test, and the stored failure names that column or expression, with its failing rows; the
untouched warehouse passes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import yaml
from conftest import copy_project, run_in_project

from metric_ledger.warehouse import connect as warehouse_connect

MODEL, COLUMN = "fct_tickets", "is_included"


def _listed_columns(project: Path, model: str) -> list[str]:
    """The columns of `model`'s not_null_columns test, read from the project's YAML."""
    for path in (project / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text()) or {}
        for entry in document.get("models") or []:
            if entry.get("name") != model:
                continue
            for test in entry.get("data_tests") or []:
                if isinstance(test, dict) and "not_null_columns" in test:
                    return list(test["not_null_columns"]["arguments"]["columns"])
    raise AssertionError(f"{model} has no not_null_columns test")


def _stored_failures(database: Path, prefix: str) -> dict[str, list[tuple[object, ...]]]:
    """The rows `--store-failures` kept, by test table (name starting with `prefix`: dbt cuts a
    long test name to its first 30 characters and a hash)."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_name like ? order by table_name",
                [f"{prefix[:30]}%"],
            ).fetchall()
        ]
        return {t: sorted(con.execute(f"select * from {t}").fetchall()) for t in tables}


def _copy_of(built_project: Path, destination: Path) -> Path:
    """A copy of the built project with its warehouse and saved parse: dbt runs the tests there
    (on the build's vars) re-parsing nothing, and the session's build stays untouched."""
    work = copy_project(destination, parsed=built_project)
    shutil.copy(built_project / "warehouse.duckdb", work / "warehouse.duckdb")
    return work


def _test(work: Path, raw: Path, selector: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_in_project(work, ["test", "--select", selector, *extra], raw_dir=raw, check=False)


def _table(con: duckdb.DuckDBPyConnection, model: str) -> str:
    relation = con.execute(
        "select table_schema from information_schema.tables where table_name = ?", [model]
    ).fetchone()
    assert relation is not None
    return f'"{relation[0]}".{model}'


def test_a_null_in_a_listed_column_fails_and_is_named(
    built_project: Path, small_export: Path, tmp_path: Path
) -> None:
    assert COLUMN in _listed_columns(built_project, MODEL)
    selector = f"test_name:not_null_columns,{MODEL}"

    work = _copy_of(built_project, tmp_path / "project")
    clean = _test(work, small_export, selector)
    assert clean.returncode == 0, clean.stdout[-3000:]

    broken = work / "warehouse.duckdb"
    with warehouse_connect(broken, read_only=False) as con:
        # Two rows lose the flag (the contract keeps the column nullable in the table itself).
        table = _table(con, MODEL)
        con.execute(
            f"update {table} set {COLUMN} = null where ticket_id in "
            f"(select ticket_id from {table} order by ticket_id limit 2)"
        )
    failed = _test(work, small_export, selector, "--store-failures")
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert "Got 1 result" in failed.stdout, failed.stdout[-3000:]

    with duckdb.connect(str(broken), read_only=True) as con:
        (table,) = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_name like 'not_null_columns_fct_tickets%'"
        ).fetchone() or (None,)
        assert table is not None
        assert con.execute(f"select column_name, null_rows from {table}").fetchall() == [
            (COLUMN, 2)
        ]


def test_a_value_outside_a_listed_columns_values_fails_and_is_named(
    built_project: Path, small_export: Path, tmp_path: Path
) -> None:
    """fct_tickets has two accepted_values_columns tests: channel, priority and customer_tier
    where `not is_quarantined`, latest_status and csat_rating everywhere."""
    selector = "test_name:accepted_values_columns,fct_tickets"
    work = _copy_of(built_project, tmp_path / "project")
    clean = _test(work, small_export, selector)
    assert clean.returncode == 0, clean.stdout[-3000:]
    assert clean.stdout.count(" PASS ") >= 2, clean.stdout[-3000:]

    broken = work / "warehouse.duckdb"
    with warehouse_connect(broken, read_only=False) as con:
        table = _table(con, "fct_tickets")
        first, second, third, fourth, fifth = (
            row[0]
            for row in con.execute(
                f"select ticket_id from {table} where not is_quarantined order by ticket_id limit 5"
            ).fetchall()
        )
        # A quarantined ticket's channel is outside the test's `where`, and a null passes as in
        # dbt's accepted_values: neither is a failure.
        con.execute(
            f"update {table} set channel = 'fax', is_quarantined = true where ticket_id = ?",
            [first],
        )
        con.execute(f"update {table} set channel = null where ticket_id = ?", [fifth])
        con.execute(f"update {table} set priority = 'p9' where ticket_id = ?", [second])
        con.execute(f"update {table} set latest_status = 'archived' where ticket_id = ?", [third])
        # An integer column's values are compared as numbers (unquoted).
        con.execute(f"update {table} set csat_rating = 9 where ticket_id = ?", [fourth])
    failed = _test(work, small_export, selector, "--store-failures")
    assert failed.returncode == 1, failed.stdout[-3000:]
    stored = _stored_failures(broken, "accepted_values_columns_fct_tickets")
    assert sorted(stored.values()) == [
        [("csat_rating", 1, "9"), ("latest_status", 1, "archived")],
        [("priority", 1, "p9")],
    ], stored


def test_a_false_expression_fails_and_is_named(
    built_project: Path, small_export: Path, tmp_path: Path
) -> None:
    """metric_status_weekly's expressions_are_true: `usable_for_job = (reasons = '')` (quotes in
    an expression) and a second expression that the change below keeps true."""
    selector = "test_name:expressions_are_true,metric_status_weekly"
    work = _copy_of(built_project, tmp_path / "project")
    clean = _test(work, small_export, selector)
    assert clean.returncode == 0, clean.stdout[-3000:]

    broken = work / "warehouse.duckdb"
    with warehouse_connect(broken, read_only=False) as con:
        table = _table(con, "metric_status_weekly")
        # Two rows get a reason but stay usable (a usable row's number is final, so the second
        # expression stays true).
        con.execute(
            f"update {table} set reasons = 'broken' where (metric_name, week_start_date) in "
            f"(select metric_name, week_start_date from {table} where usable_for_job "
            "order by metric_name, week_start_date limit 2)"
        )
    failed = _test(work, small_export, selector, "--store-failures")
    assert failed.returncode == 1, failed.stdout[-3000:]
    stored = _stored_failures(broken, "expressions_are_true_metric_status_weekly")
    assert list(stored.values()) == [[("usable_for_job = (reasons = '')", 2)]], stored
