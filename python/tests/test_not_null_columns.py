"""The project's `not_null_columns` generic test (tests/generic/not_null_columns.sql): one test
node per model for the columns that must never be null, with the invariant of dbt's `not_null`
on each of them. On a copy of the session's built warehouse, a null written into one listed
column fails the model's test, and the stored failure names that column and its null rows; the
untouched warehouse passes it. The project's YAML still keeps `not_null` beside `unique` on keys.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import yaml
from conftest import run_in_project

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


def test_a_null_in_a_listed_column_fails_and_is_named(built_project: Path, tmp_path: Path) -> None:
    assert COLUMN in _listed_columns(built_project, MODEL)
    selector = f"test_name:not_null_columns,{MODEL}"

    clean = run_in_project(built_project, ["test", "--select", selector], check=False)
    assert clean.returncode == 0, clean.stdout[-3000:]

    broken = tmp_path / "broken.duckdb"
    shutil.copy(built_project / "warehouse.duckdb", broken)
    with warehouse_connect(broken, read_only=False) as con:
        relation = con.execute(
            "select table_schema from information_schema.tables where table_name = ?", [MODEL]
        ).fetchone()
        assert relation is not None
        # Two rows lose the flag (the contract keeps the column nullable in the table itself).
        table = f'"{relation[0]}".{MODEL}'
        con.execute(
            f"update {table} set {COLUMN} = null where ticket_id in "
            f"(select ticket_id from {table} order by ticket_id limit 2)"
        )
    failed = run_in_project(
        built_project, ["test", "--select", selector, "--store-failures"], db=broken, check=False
    )
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
