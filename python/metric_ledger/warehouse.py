"""Open a built metric_ledger warehouse (DuckDB) with every schema of the build on the search path.

The project writes staging, intermediates, configuration seeds and the governed marts to schemas
of their own (``generate_schema_name``). Readers name relations by their model name only: the
connection's ``search_path`` lists every schema of the file, governed marts first, so
``select ... from fct_tickets`` resolves wherever the build put it (model names are unique in a
dbt project).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# Schemas whose names end so are searched first: the governed API before the plumbing.
_SEARCH_ORDER = ("support", "governance", "config", "staging", "intermediate")


def _rank(schema: str) -> tuple[int, str]:
    for position, suffix in enumerate(_SEARCH_ORDER):
        if schema == suffix or schema.endswith("_" + suffix):
            return position, schema
    return len(_SEARCH_ORDER), schema


def search_path(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Every schema of the connection's default catalog, governed marts first."""
    rows = connection.execute(
        "select schema_name from information_schema.schemata "
        "where catalog_name = current_database() "
        "and schema_name not in ('information_schema', 'pg_catalog')"
    ).fetchall()
    return sorted((str(row[0]) for row in rows), key=_rank)


def connect(path: Path | str, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Connect to the DuckDB warehouse at ``path`` with every schema of the build searchable."""
    connection = duckdb.connect(str(path), read_only=read_only)
    schemas = search_path(connection)
    if schemas:
        quoted = ",".join(schemas).replace("'", "''")
        connection.execute(f"set search_path = '{quoted}'")
    return connection
