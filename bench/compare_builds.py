"""Prove a refactor moved no number: compare every relation of two DuckDB warehouses built from
the same export, row for row (as multisets), and print one line per relation that differs.

    .venv/bin/python bench/compare_builds.py BASE.duckdb HEAD.duckdb [--ignore-column NAME ...]

Relations only in one build are listed (a refactor adds intermediate models; a governed table
must not disappear). Columns must match by name and type; rows are compared with EXCEPT ALL in
both directions. Floats are compared after rounding to 9 decimals (a CTE moved into its own
model may sum doubles in another order); a row left over on both sides is then matched on its
other columns and its floats compared within a relative 1e-9, so a value at a rounding boundary
is not reported as a move. Exit 0 when every shared relation is identical, 1 when
one differs, 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

#: Columns stamped with the build's own clock or run id (the snapshot's validity, the build
#: state's invocation); they differ between any two builds of the same export.
DEFAULT_IGNORED = (
    "built_at",
    "generated_at",
    "invocation_id",
    "dbt_scd_id",
    "dbt_updated_at",
    "dbt_valid_from",
    "dbt_valid_to",
)


def _relations(
    con: duckdb.DuckDBPyConnection, catalog: str
) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? order by table_schema, table_name, ordinal_position",
        [catalog],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        out.setdefault(f"{schema}.{table}", []).append((column, data_type))
    return out


def _select(
    catalog: str,
    relation: str,
    columns: list[tuple[str, str]],
    ignored: set[str],
    rounded: bool = True,
) -> str:
    exprs = []
    for column, data_type in columns:
        if column in ignored:
            continue
        quoted = f'"{column}"'
        if rounded and _is_float(data_type):
            exprs.append(f"round({quoted}::double, 9) as {quoted}")
        else:
            exprs.append(quoted)
    schema, table = relation.split(".", 1)
    return f'select {", ".join(exprs)} from {catalog}."{schema}"."{table}"'


def _is_float(data_type: str) -> bool:
    return data_type in ("DOUBLE", "FLOAT", "REAL") or data_type.startswith("DECIMAL")


def _leftovers_match(
    con: duckdb.DuckDBPyConnection,
    left: str,
    right: str,
    columns: list[tuple[str, str]],
    ignored: set[str],
) -> bool:
    """Whether the rows only in base and only in head pair up on their non-float columns with
    their floats equal within a relative 1e-9."""
    kept = [
        (column, data_type) for column, data_type in columns if column not in ignored
    ]
    floats = [
        index for index, (_, data_type) in enumerate(kept) if _is_float(data_type)
    ]
    if not floats:
        return False

    def keyed(query: str) -> dict[tuple[Any, ...], list[tuple[Any, ...]]]:
        groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for row in con.execute(query).fetchall():
            key = tuple(value for index, value in enumerate(row) if index not in floats)
            groups[key].append(tuple(row[index] for index in floats))
        return groups

    base_rows, head_rows = keyed(left), keyed(right)
    if base_rows.keys() != head_rows.keys():
        return False
    for key, base_values in base_rows.items():
        head_values = head_rows[key]
        if len(base_values) != len(head_values):
            return False
        for one, other in zip(
            sorted(base_values, key=str), sorted(head_values, key=str), strict=True
        ):
            for a, b in zip(one, other, strict=True):
                if (a is None) != (b is None):
                    return False
                if a is not None and not math.isclose(
                    float(a), float(b), rel_tol=1e-9, abs_tol=1e-12
                ):
                    return False
    return True


def compare(base: Path, head: Path, ignored: set[str]) -> list[str]:
    """One line per difference between the two warehouses; empty when they agree."""
    con = duckdb.connect()
    con.execute(f"attach '{base}' as base (read_only)")
    con.execute(f"attach '{head}' as head (read_only)")
    base_rel, head_rel = _relations(con, "base"), _relations(con, "head")
    problems = [
        f"only in base: {name}" for name in sorted(set(base_rel) - set(head_rel))
    ]
    added = sorted(set(head_rel) - set(base_rel))
    for name in sorted(set(base_rel) & set(head_rel)):
        if base_rel[name] != head_rel[name]:
            problems.append(
                f"{name}: columns differ: {base_rel[name]} vs {head_rel[name]}"
            )
            continue
        left = _select("base", name, base_rel[name], ignored)
        right = _select("head", name, head_rel[name], ignored)
        missing = con.execute(
            f"select count(*) from ({left} except all {right})"
        ).fetchone()
        extra = con.execute(
            f"select count(*) from ({right} except all {left})"
        ).fetchone()
        if (missing and missing[0]) or (extra and extra[0]):
            raw_left = _select("base", name, base_rel[name], ignored, rounded=False)
            raw_right = _select("head", name, head_rel[name], ignored, rounded=False)
            if _leftovers_match(
                con,
                f"{raw_left} except all {raw_right}",
                f"{raw_right} except all {raw_left}",
                base_rel[name],
                ignored,
            ):
                continue
            problems.append(
                f"{name}: {missing[0] if missing else 0} rows only in base, "
                f"{extra[0] if extra else 0} only in head"
            )
    shared = len(set(base_rel) & set(head_rel))
    print(
        f"{shared} relations compared; {len(added)} new in head: {', '.join(added) or '-'}"
    )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("head", type=Path)
    parser.add_argument(
        "--ignore-column", action="append", default=list(DEFAULT_IGNORED)
    )
    args = parser.parse_args(argv)
    for path in (args.base, args.head):
        if not path.is_file():
            print(f"{path}: no such warehouse file", file=sys.stderr)
            return 2
    problems = compare(args.base, args.head, set(args.ignore_column))
    for line in problems:
        print(line)
    print("identical" if not problems else f"{len(problems)} relations differ")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
