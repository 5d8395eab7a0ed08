"""Canonical SQL: what a model computes, with everything cosmetic taken out.

Two compiled models have the same canonical SQL when they differ only in formatting, comments,
keyword case, table-alias names, the order of AND/OR predicates, or the database and schema names
of the relations they read (relations are replaced by the dbt node ids they resolve to, so a dev
and a prod build compare equal).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

_NODE_PREFIX = "__node__"
_WHITESPACE = re.compile(r"\s+")


#: The sqlglot dialect of each dbt adapter the project runs on (None: sqlglot's default).
_DIALECTS = {
    "duckdb": "duckdb",
    "postgres": "postgres",
    "spark": "spark",
    "databricks": "databricks",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "redshift": "redshift",
}


def sql_dialect(adapter_type: str) -> str | None:
    """The sqlglot dialect that reads the compiled SQL of a dbt adapter (None when unknown)."""
    return _DIALECTS.get(adapter_type)


def _placeholder(unique_id: str) -> str:
    return '"' + _NODE_PREFIX + unique_id.replace('"', "") + '"'


# A rendered relation: a dotted name of two or three (quoted) parts, or a table function such as
# dbt-duckdb's read_parquet('...') for external sources.
_RELATION_CANDIDATE = re.compile(
    r"""(?:"[^"]*"|`[^`]*`|[A-Za-z_][\w$]*)(?:\.(?:"[^"]*"|`[^`]*`|[A-Za-z_][\w$]*)){1,2}"""
    r"""|[A-Za-z_]\w*\('[^']*'\)"""
)


def relations_in(sql: str, relations: Mapping[str, str]) -> dict[str, str]:
    """The rendered relation names of ``relations`` that occur in ``sql``."""
    return {
        match: relations[match] for match in _RELATION_CANDIDATE.findall(sql) if match in relations
    }


def replace_relations(sql: str, relations: Mapping[str, str]) -> str:
    """Replace every rendered relation name by the node id it resolves to."""
    return _RELATION_CANDIDATE.sub(
        lambda match: (
            _placeholder(relations[match.group(0)])
            if match.group(0) in relations
            else match.group(0)
        ),
        sql,
    )


def _canonical_table_name(table: exp.Table) -> str:
    return table.name.lower()


def _normalise_aliases(tree: Any) -> None:
    """Rename table aliases to the name of the table they stand for (name_2, name_3 when the
    same table is read twice), and requalify columns accordingly."""
    counts: dict[str, int] = {}
    mapping: dict[str, str] = {}
    ambiguous: set[str] = set()
    for table in tree.find_all(exp.Table):
        alias = table.alias
        if not alias:
            continue
        base = _canonical_table_name(table)
        counts[base] = counts.get(base, 0) + 1
        canonical = base if counts[base] == 1 else f"{base}_{counts[base]}"
        key = alias.lower()
        if key in mapping and mapping[key] != canonical:
            ambiguous.add(key)
        mapping[key] = canonical
    for key in ambiguous:
        mapping.pop(key, None)
    if not mapping:
        return
    for table in tree.find_all(exp.Table):
        alias = table.alias
        if alias and alias.lower() in mapping:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(mapping[alias.lower()])))
    for column in tree.find_all(exp.Column):
        qualifier = column.table
        if qualifier and qualifier.lower() in mapping:
            column.set("table", exp.to_identifier(mapping[qualifier.lower()]))


def _sort_connectors(tree: Any) -> Any:
    """Sort the operands of every AND / OR chain, innermost chains first, so predicate order does
    not matter at any depth."""

    def flatten(node: Any, kind: type[Any]) -> list[Any]:
        if isinstance(node, kind):
            return [*flatten(node.left, kind), *flatten(node.right, kind)]
        if isinstance(node, exp.Paren) and isinstance(node.this, kind):
            return flatten(node.this, kind)
        return [node]

    def transform(node: Any) -> Any:
        for kind, join in ((exp.And, exp.and_), (exp.Or, exp.or_)):
            if isinstance(node, kind) and not isinstance(node.parent, kind):
                operands = [
                    operand.copy().transform(transform, copy=False)
                    for operand in flatten(node, kind)
                ]
                operands.sort(key=lambda operand: operand.sql())
                return join(*operands, copy=False)
        return node

    return tree.transform(transform, copy=False)


_INCREMENTAL_FILTER = re.compile(
    r"/\*\s*metric_ledger:incremental-filter\s*\*/.*?/\*\s*metric_ledger:end-incremental-filter\s*\*/",
    re.DOTALL,
)


def strip_incremental_filters(sql: str) -> str:
    """Drop the row filters an incremental run adds (macros/incremental/ticket_refresh.sql), so a
    model compiled against an existing warehouse has the canonical form of its full build."""
    return _INCREMENTAL_FILTER.sub(" ", sql)


def canonical_sql(sql: str, relations: Mapping[str, str], dialect: str | None = None) -> str:
    """The canonical form of a compiled model (falls back to whitespace/case normalisation when
    the SQL cannot be parsed)."""
    replaced = replace_relations(strip_incremental_filters(sql), relations)
    try:
        statements = [s for s in sqlglot.parse(replaced, read=dialect or None) if s is not None]
    except SqlglotError:
        statements = []
    if not statements:
        return _WHITESPACE.sub(" ", replaced).strip().lower()
    rendered = []
    for statement in statements:
        _normalise_aliases(statement)
        statement = _sort_connectors(statement)
        rendered.append(
            statement.sql(dialect=dialect or None, comments=False, normalize_functions="lower")
        )
    return ";\n".join(rendered)


def pretty_sql(sql: str, dialect: str | None = None) -> str:
    """Canonical SQL laid out one clause per line, for readable diffs."""
    try:
        return ";\n".join(
            statement.sql(dialect=dialect or None, pretty=True, comments=False)
            for statement in sqlglot.parse(sql, read=dialect or None)
            if statement is not None
        )
    except SqlglotError:
        return sql


def sql_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()
