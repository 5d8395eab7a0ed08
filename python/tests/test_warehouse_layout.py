"""The warehouse layout a consumer reads: plumbing and the governed API in schemas of their own,
every governed mart and column described and persisted as a warehouse comment.

On a real build of a project copy (the session's ``built_project``), and on the manifest of a
real ``dbt parse`` for the production naming.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import run_in_project

from metric_ledger.warehouse import connect as warehouse_connect

#: The project's folders and the schema each writes (the target schema's suffix off production).
FOLDER_SCHEMAS = {
    "staging": "staging",
    "intermediate": "intermediate",
    "semantic": "intermediate",
    "marts/support": "support",
    "marts/governance": "governance",
}
GOVERNED_SCHEMAS = ("main_support", "main_governance")


def _manifest(project: Path) -> dict[str, Any]:
    return json.loads((project / "target" / "manifest.json").read_text())


def _folder_schema(node: dict[str, Any]) -> str:
    path = node["original_file_path"]
    if node["resource_type"] == "seed":
        return "config"
    if node["resource_type"] == "snapshot":
        return "governance"
    for folder, schema in sorted(FOLDER_SCHEMAS.items(), key=lambda item: -len(item[0])):
        if path.startswith(f"models/{folder}/"):
            return schema
    raise AssertionError(f"{path}: a model outside the known folders")


def _built_nodes(project: Path) -> list[dict[str, Any]]:
    return [
        node
        for node in _manifest(project)["nodes"].values()
        if node["resource_type"] in ("model", "seed", "snapshot")
    ]


def test_every_relation_is_in_its_folders_schema(built_project: Path) -> None:
    """Staging, intermediates, configuration seeds and the two governed mart folders each land in
    `main_<folder schema>` on the (non-production) DuckDB target, and nothing in `main`."""
    with warehouse_connect(built_project / "warehouse.duckdb") as con:
        where = dict(
            con.execute(
                "select table_name, table_schema from information_schema.tables "
                "where table_catalog = current_database()"
            ).fetchall()
        )
    misplaced = []
    for node in _built_nodes(built_project):
        expected = f"main_{_folder_schema(node)}"
        actual = where.get(node["alias"])
        if actual is None:
            misplaced.append(f"{node['name']}: not built")
        elif actual != expected:
            misplaced.append(f"{node['name']}: in {actual}, expected {expected}")
    assert not misplaced, misplaced
    assert "main" not in set(where.values()), sorted(n for n, s in where.items() if s == "main")


def test_every_governed_relation_and_column_has_a_warehouse_comment(built_project: Path) -> None:
    """persist_docs writes every model's and column's description of the support and governance
    marts as a comment in the warehouse: a consumer reads what a column means where it is."""
    with duckdb.connect(str(built_project / "warehouse.duckdb"), read_only=True) as con:
        relations = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            "union all select schema_name, view_name, comment from duckdb_views() "
            "where not internal"
        ).fetchall()
        columns = con.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns()"
        ).fetchall()
    governed = [row for row in relations if row[0] in GOVERNED_SCHEMAS]
    assert len(governed) >= 20, governed
    undescribed = [f"{schema}.{name}" for schema, name, comment in governed if not comment]
    assert not undescribed, f"relations without a comment: {undescribed}"
    # The snapshot's columns are metric_dictionary's (described there); its own are described.
    missing = [
        f"{schema}.{table}.{column}"
        for schema, table, column, comment in columns
        if schema in GOVERNED_SCHEMAS
        and not comment
        and not (table == "metric_dictionary_history" and not column.startswith("dbt_"))
    ]
    assert not missing, f"columns without a comment: {missing}"


@pytest.mark.parametrize("target_is_production", [True, False])
def test_a_production_target_writes_the_bare_schemas(
    tmp_path: Path, built_project: Path, target_is_production: bool
) -> None:
    """A target named in the var production_targets writes `support`, `governance`, ... with no
    prefix; any other target keeps the prefix (dbt's generate_schema_name convention)."""
    targets = ["duckdb"] if target_is_production else ["prod"]
    target_path = tmp_path / "target"
    run_in_project(
        built_project,
        [
            "parse",
            "--target-path",
            str(target_path),
            "--vars",
            json.dumps({"production_targets": targets}),
        ],
    )
    nodes = json.loads((target_path / "manifest.json").read_text())["nodes"].values()
    schemas = {
        node["name"]: node["schema"]
        for node in nodes
        if node["resource_type"] in ("model", "seed", "snapshot")
    }
    prefix = "" if target_is_production else "main_"
    assert schemas["fct_tickets"] == f"{prefix}support"
    assert schemas["metric_status_weekly"] == f"{prefix}governance"
    assert schemas["stg_helpdesk__tickets"] == f"{prefix}staging"
    assert schemas["int_tickets_first_responses"] == f"{prefix}intermediate"
    assert schemas["metric_changelog"] == f"{prefix}config"
