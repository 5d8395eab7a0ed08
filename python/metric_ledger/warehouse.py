"""Open a built metric_ledger warehouse (DuckDB) with every schema of the build on the search path.

The project writes staging, intermediates, configuration seeds and the governed marts to schemas
of their own (``generate_schema_name``). Readers name relations by their model name only: the
connection's ``search_path`` lists every schema of the file, governed marts first, so
``select ... from fct_tickets`` resolves wherever the build put it (model names are unique in a
dbt project).

Commands open a build with ``read_build``: a missing or unreadable file, or a relation the build
should have made and did not, is one ``WarehouseError`` (or the command's own error) naming the
file; ``rows`` and ``records`` run a query on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from metric_ledger.errors import MetricLedgerError, WarehouseError

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


INCOMPLETE = "not a complete metric_ledger build"
"""What a query error on an opened build means: a relation the build makes is missing."""


def _one_line(message: str) -> str:
    return message.splitlines()[0]


def open_build(
    database: Path, error: type[MetricLedgerError] = WarehouseError
) -> duckdb.DuckDBPyConnection:
    """Connect read-only to the built warehouse at ``database``, or raise ``error`` saying why:
    ``PATH: warehouse file not found (run the build first)`` or ``PATH: cannot open: REASON``."""
    if not database.exists():
        raise error(f"{database}: warehouse file not found (run the build first)")
    try:
        return connect(database)
    except duckdb.Error as reason:
        raise error(_one_line(f"{database}: cannot open: {reason}")) from reason


@contextmanager
def read_build(
    database: Path, error: type[MetricLedgerError] = WarehouseError, incomplete: str = INCOMPLETE
) -> Iterator[duckdb.DuckDBPyConnection]:
    """``open_build``, closed on leaving the block; a DuckDB error in the block (a relation the
    build makes is missing) becomes ``error``: ``PATH: <incomplete>: <DuckDB's first line>``
    (``incomplete`` says what such an error means to the caller)."""
    connection = open_build(database, error)
    try:
        yield connection
    except duckdb.Error as reason:
        raise error(_one_line(f"{database}: {incomplete}: {reason}")) from reason
    finally:
        connection.close()


def _execute(
    connection: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | Mapping[str, Any]
) -> duckdb.DuckDBPyConnection:
    if isinstance(params, Mapping):
        # DuckDB rejects a named parameter the query does not use: one mapping serves many.
        used = {name: value for name, value in params.items() if re.search(rf"\${name}\b", sql)}
        return connection.execute(sql, used)
    return connection.execute(sql, list(params))


def rows(
    connection: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] | Mapping[str, Any] = (),
) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` as tuples; ``params`` positional (``?``) or named (``$name``, only
    those the query uses are passed)."""
    return _execute(connection, sql, params).fetchall()


def records(
    connection: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] | Mapping[str, Any] = (),
) -> list[dict[str, Any]]:
    """The rows of ``sql`` as dicts by column name (parameters as ``rows``)."""
    cursor = _execute(connection, sql, params)
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
