"""Column-precise lineage of compiled dbt models (governance.md §2, "Precision").

For one model, :func:`analyse` qualifies its compiled SQL with sqlglot (every ``select *``
expanded from the parents' columns, every column bound to the relation it reads) and answers two
questions per output column:

- **which parent columns can change it**: the columns its expression reads, traced through CTEs,
  derived tables, unions and scalar subqueries, plus every column the model uses to choose or
  group rows on the way (``where``, ``join``, ``group by``, ``having``, ``qualify``, ``distinct``,
  ``order by`` under a ``limit``): those count for every column;
- **what its definition is**: the model's SQL *sliced* to the requested columns (projections no
  requested column reads are dropped, in every scope), in canonical form. Its digest changes when,
  and only when, something the requested columns depend on changes.

Canonical form goes further than :mod:`metric_ledger.canonical`: qualification makes ``t`` and
``t as t`` and ``x`` and ``x as x`` the same, CTEs are named by position, table aliases by the
table they stand for, redundant parentheses are dropped and AND/OR operands sorted.

Anything the analysis cannot resolve (unparseable SQL, more than one statement, a parent whose
columns are unknown, an unqualifiable column) raises :class:`LineageUnresolved`; the caller then
treats that node whole (model-level lineage) and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.schema import MappingSchema

from metric_ledger.canonical import (
    _NODE_PREFIX,
    _normalise_aliases,
    _sort_connectors,
    replace_relations,
    strip_incremental_filters,
)

ParentColumn = tuple[str, str]  # (parent unique_id, column name)

# Clauses of a select that choose, group or order rows: a column read there counts for every
# output column of the scope.
_ROW_CLAUSES = ("where", "group", "having", "qualify", "joins", "distinct", "laterals", "pivots")


class LineageUnresolved(Exception):
    """The column lineage of a node cannot be resolved; the reason is the message."""


@dataclass
class ModelLineage:
    """The resolved column lineage of one compiled model."""

    columns: list[str]
    dependencies: dict[str, frozenset[ParentColumn]]
    rows: frozenset[ParentColumn]
    parents: frozenset[str]
    _tree: Any = field(repr=False)
    _needs: Callable[[set[str]], dict[int, set[str] | None]] = field(repr=False)

    def parent_columns(self, columns: Iterable[str]) -> set[ParentColumn]:
        found: set[ParentColumn] = set()
        for column in columns:
            found |= self.dependencies.get(column.lower(), frozenset())
        return found

    def sliced_sql(self, columns: Iterable[str], dialect: str | None) -> str:
        """The canonical SQL of the model reduced to what ``columns`` depend on."""
        wanted = {column.lower() for column in columns}
        needs = self._needs(wanted)
        saved: list[tuple[exp.Expression, list[exp.Expression]]] = []
        for select in self._tree.find_all(exp.Select):
            keep = needs.get(id(select), set())
            if keep is None:  # every projection counts (distinct, set operation, star)
                continue
            original = list(select.expressions)
            saved.append((select, original))
            select.set("expressions", [p for p in original if p.alias_or_name.lower() in keep])
        try:
            return str(self._tree.sql(dialect=dialect or None, comments=False))
        finally:
            for select, original in saved:
                select.set("expressions", original)


def analyse(
    compiled_code: str,
    relations: Mapping[str, str],
    columns_of: Callable[[str], list[str] | None],
    dialect: str | None,
) -> ModelLineage:
    """Resolve the column lineage of one compiled model. ``columns_of(unique_id)`` gives the
    columns of a parent relation (None when unknown)."""
    replaced = replace_relations(strip_incremental_filters(compiled_code), relations)
    try:
        statements = [s for s in sqlglot.parse(replaced, read=dialect or None) if s is not None]
    except SqlglotError as error:
        raise LineageUnresolved(f"SQL does not parse ({_first_line(error)})") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise LineageUnresolved("not a single select statement")
    tree = statements[0]
    schema: dict[str, object] = {}
    parents: set[str] = set()
    for table in tree.find_all(exp.Table):
        name = table.name
        if not name.startswith(_NODE_PREFIX):
            continue
        unique_id = name[len(_NODE_PREFIX) :]
        parents.add(unique_id)
        parent_columns = columns_of(unique_id)
        if parent_columns is None:
            raise LineageUnresolved(f"the columns of {unique_id} are unknown")
        schema[f'"{name}"'] = {column.lower(): "VARCHAR" for column in parent_columns}
    try:
        tree = qualify(
            tree,
            schema=MappingSchema(schema, dialect=dialect or None),
            dialect=dialect or None,
            validate_qualify_columns=True,
            identify=True,
        )
    except (SqlglotError, KeyError, ValueError) as error:
        raise LineageUnresolved(f"columns cannot be qualified ({_first_line(error)})") from None
    _strip_parentheses(tree)
    _rename_ctes(tree)
    _normalise_aliases(tree)
    tree = _sort_connectors(tree)
    root = build_scope(tree)
    if root is None:
        raise LineageUnresolved("no query scope")
    resolver = _Resolver(root)
    columns = [name.lower() for name in resolver.output_names(root)]
    if len(set(columns)) != len(columns):
        raise LineageUnresolved("duplicate output column names")
    dependencies = {name: frozenset(resolver.column(root, name)) for name in columns}
    return ModelLineage(
        columns=columns,
        dependencies=dependencies,
        rows=frozenset(resolver.rows(root)),
        parents=frozenset(parents),
        _tree=tree,
        _needs=resolver.needs,
    )


class _Resolver:
    """Walks the scopes of a qualified query (memoised per scope and column)."""

    def __init__(self, root: Scope) -> None:
        self.root = root
        self._columns: dict[tuple[int, str], set[ParentColumn]] = {}
        self._rows: dict[int, set[ParentColumn]] = {}
        self._active: set[tuple[int, str]] = set()
        self.scopes = list(root.traverse())

    # --- output names -----------------------------------------------------------------------

    def output_names(self, scope: Scope) -> list[str]:
        expression = scope.expression
        if isinstance(expression, exp.SetOperation):
            left = scope.set_operation_scopes[0] if scope.set_operation_scopes else None
            if left is None:
                raise LineageUnresolved("set operation without branches")
            return self.output_names(left)
        if not isinstance(expression, exp.Select):
            raise LineageUnresolved(f"unsupported scope {type(expression).__name__}")
        names = []
        for projection in expression.expressions:
            if isinstance(projection, exp.Star) or (
                isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
            ):
                raise LineageUnresolved("a star that cannot be expanded")
            names.append(projection.alias_or_name)
        return names

    # --- dependencies -----------------------------------------------------------------------

    def column(self, scope: Scope, name: str) -> set[ParentColumn]:
        """Parent columns that can change output column ``name`` of ``scope``."""
        key = (id(scope), name.lower())
        if key in self._columns:
            return self._columns[key]
        if key in self._active:
            raise LineageUnresolved(f"circular reference to column {name}")
        self._active.add(key)
        try:
            expression = scope.expression
            found: set[ParentColumn] = set()
            if isinstance(expression, exp.SetOperation):
                position = [n.lower() for n in self.output_names(scope)].index(name.lower())
                for branch in scope.set_operation_scopes:
                    branch_names = self.output_names(branch)
                    found |= self.column(branch, branch_names[position])
            else:
                projection = self._projection(scope, name)
                found |= self._expression(scope, projection)
                found |= self.rows(scope)
            self._columns[key] = found
            return found
        finally:
            self._active.discard(key)

    def rows(self, scope: Scope) -> set[ParentColumn]:
        """Parent columns that choose, group or order the rows of ``scope``."""
        key = id(scope)
        if key in self._rows:
            return self._rows[key]
        self._rows[key] = set()  # guards recursion
        found: set[ParentColumn] = set()
        expression = scope.expression
        if isinstance(expression, exp.SetOperation):
            for branch in scope.set_operation_scopes:
                found |= self.rows(branch)
            if expression.args.get("distinct"):
                for name in self.output_names(scope):
                    found |= self.column(scope, name)
        else:
            for clause in _ROW_CLAUSES:
                value = expression.args.get(clause)
                for part in value if isinstance(value, list) else [value]:
                    if isinstance(part, exp.Expression):
                        found |= self._expression(scope, part)
            if expression.args.get("limit") is not None or expression.args.get("offset"):
                order = expression.args.get("order")
                if order is not None:
                    found |= self._expression(scope, order)
            from_ = expression.args.get("from_") or expression.args.get("from")
            if isinstance(from_, exp.Expression):
                found |= self._expression(scope, from_)
            if expression.args.get("distinct") is not None:
                for name in self.output_names(scope):
                    found |= self._expression(scope, self._projection(scope, name))
            for _, source in scope.selected_sources.values():
                if isinstance(source, Scope):
                    found |= self.rows(source)
        self._rows[key] = found
        return found

    def _projection(self, scope: Scope, name: str) -> exp.Expression:
        for projection in scope.expression.expressions:
            if projection.alias_or_name.lower() == name.lower():
                return projection  # type: ignore[no-any-return]
        raise LineageUnresolved(f"no output column {name}")

    def _expression(self, scope: Scope, expression: exp.Expression) -> set[ParentColumn]:
        found: set[ParentColumn] = set()
        for column in _columns_in(expression):
            found |= self._resolve(scope, column)
        for subquery in _subqueries_in(expression):
            inner = self._scope_of(subquery)
            if inner is None:
                raise LineageUnresolved("a subquery outside any scope")
            for name in self.output_names(inner):
                found |= self.column(inner, name)
            found |= self.rows(inner)
        return found

    def _scope_of(self, query: exp.Expression) -> Scope | None:
        for scope in self.scopes:
            if scope.expression is query:
                return scope
        return None

    def _resolve(self, scope: Scope, column: exp.Column) -> set[ParentColumn]:
        qualifier = column.table
        if not qualifier:
            # a projection alias used in group by / order by of the same select
            try:
                projection = self._projection(scope, column.name)
            except LineageUnresolved:
                return set()
            if projection is column or column in set(projection.find_all(exp.Column)):
                return set()
            return self._expression(scope, projection)
        source = scope.sources.get(qualifier)
        if source is None:
            # a correlated reference to an enclosing scope
            parent = scope.parent
            while parent is not None:
                if qualifier in parent.sources:
                    return self._resolve(parent, column)
                parent = parent.parent
            raise LineageUnresolved(f"column {qualifier}.{column.name} reads no known relation")
        if isinstance(source, Scope):
            return self.column(source, column.name)
        if isinstance(source, exp.Table) and source.name.startswith(_NODE_PREFIX):
            return {(source.name[len(_NODE_PREFIX) :], column.name.lower())}
        return set()  # a table function (unnest, generate_series): its arguments are read

    # --- slicing ----------------------------------------------------------------------------

    def needs(self, wanted: set[str]) -> dict[int, set[str] | None]:
        """Per select (by id), the projection names a slice keeps (None: all of them)."""
        needs: dict[int, set[str] | None] = {}
        demand: dict[int, set[str] | None] = {id(self.root): set(wanted)}
        for scope in reversed(self.scopes):  # consumers before the scopes they read
            asked = demand.get(id(scope), set())
            expression = scope.expression
            if isinstance(expression, exp.SetOperation):
                positions: set[int] | None
                if asked is None or expression.args.get("distinct"):
                    positions = None
                else:
                    names = [n.lower() for n in self.output_names(scope)]
                    positions = {names.index(n) for n in asked if n in names}
                for branch in scope.set_operation_scopes:
                    branch_names = [n.lower() for n in self.output_names(branch)]
                    wanted_here = (
                        None
                        if positions is None
                        else {branch_names[p] for p in positions if p < len(branch_names)}
                    )
                    _merge(demand, id(branch), wanted_here)
                continue
            if not isinstance(expression, exp.Select):
                continue
            keep: set[str] | None = asked
            if expression.args.get("distinct") is not None:
                keep = None
            needs[id(expression)] = None if keep is None else {n.lower() for n in keep}
            kept = [
                projection
                for projection in expression.expressions
                if keep is None or projection.alias_or_name.lower() in keep
            ]
            parts: list[exp.Expression] = list(kept)
            for clause in (*_ROW_CLAUSES, "order", "from_", "from"):
                value = expression.args.get(clause)
                parts.extend(p for p in (value if isinstance(value, list) else [value]) if p)
            for part in parts:
                if not isinstance(part, exp.Expression):
                    continue
                for column in _columns_in(part):
                    source = scope.sources.get(column.table)
                    if isinstance(source, Scope):
                        _merge(demand, id(source), {column.name.lower()})
                for subquery in _subqueries_in(part):
                    inner = self._scope_of(subquery)
                    if inner is not None:
                        _merge(demand, id(inner), None)
            for _, source in scope.selected_sources.values():
                if isinstance(source, Scope):
                    _merge(demand, id(source), set())
        return needs


def _merge(demand: dict[int, set[str] | None], key: int, names: set[str] | None) -> None:
    if key in demand and demand[key] is None:
        return
    if names is None:
        demand[key] = None
        return
    current = demand.setdefault(key, set())
    assert current is not None
    current |= names


def _columns_in(expression: exp.Expression) -> Iterable[exp.Column]:
    """Column references of ``expression`` outside nested queries."""
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.Column):
            if not isinstance(node.this, exp.Star):
                yield node
            continue
        for child in node.iter_expressions():
            if isinstance(child, (exp.Query, exp.Subquery)):
                continue
            stack.append(child)


def _subqueries_in(expression: Any) -> Iterable[Any]:
    """Queries nested in ``expression`` (scalar subqueries, ``in (select ...)``)."""
    stack = [expression]
    while stack:
        node = stack.pop()
        for child in node.iter_expressions():
            if isinstance(child, exp.Subquery):
                yield child.this if isinstance(child.this, exp.Query) else child
            elif isinstance(child, exp.Query):
                yield child
            else:
                stack.append(child)


def _rename_ctes(tree: Any) -> None:
    """Name every CTE by its position (cte_1, cte_2 ...), so renaming one is cosmetic."""
    mapping: dict[str, str] = {}
    for index, cte in enumerate(tree.find_all(exp.CTE), start=1):
        mapping[cte.alias_or_name] = f"cte_{index}"
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(f"cte_{index}", quoted=True)))
    if not mapping:
        return
    for table in tree.find_all(exp.Table):
        if not table.args.get("db") and table.name in mapping:
            alias = table.alias
            table.set("this", exp.to_identifier(mapping[table.name], quoted=True))
            if alias in mapping:
                table.set(
                    "alias", exp.TableAlias(this=exp.to_identifier(mapping[alias], quoted=True))
                )
    for column in tree.find_all(exp.Column):
        if column.table in mapping:
            column.set("table", exp.to_identifier(mapping[column.table], quoted=True))


_ATOMIC = (exp.Column, exp.Literal, exp.Func, exp.Paren, exp.Identifier, exp.Boolean, exp.Null)
_WHOLE_EXPRESSION_PARENTS = (exp.Alias, exp.Where, exp.Having, exp.Qualify, exp.Join, exp.Ordered)


def _strip_parentheses(tree: Any) -> None:
    """Drop parentheses that change nothing: around a single term, or around a whole projection,
    condition or join predicate."""
    for paren in list(tree.find_all(exp.Paren)):
        inner = paren.this
        if isinstance(inner, exp.Query):
            continue
        if (
            isinstance(inner, _ATOMIC)
            or isinstance(paren.parent, _WHOLE_EXPRESSION_PARENTS)
            # a comparison binds tighter than the AND / OR / NOT around it
            or (
                isinstance(inner, exp.Predicate)
                and not isinstance(inner, exp.Connector)
                and isinstance(paren.parent, (exp.Connector, exp.Not))
            )
        ):
            paren.replace(inner)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:160] if text else type(error).__name__


# --- the graph: column closure over a manifest ------------------------------------------------

ALL_COLUMNS = None  # a node required whole (its lineage is unresolved, or unknown columns)


class ColumnGraph:
    """Column lineage over every model of a manifest, resolved lazily and memoised.

    ``relations`` maps rendered relation names to node ids; ``compiled(node_id)`` gives a model's
    compiled SQL (None for seeds, sources and nodes without SQL); ``declared(node_id)`` the
    columns a seed, source or model declares (None when it declares none); ``cache`` optionally
    stores analyses by what determines them.
    """

    def __init__(
        self,
        relations: Mapping[str, str],
        compiled: Callable[[str], str | None],
        declared: Callable[[str], list[str] | None],
        dialect: str | None,
        cache: Any | None = None,
    ) -> None:
        self.relations = relations
        self.compiled = compiled
        self.declared = declared
        self.dialect = dialect
        self.cache = cache
        self._analyses: dict[str, ModelLineage | str] = {}
        self._summaries: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, str] = {}
        self._active: set[str] = set()

    # --- per node ---------------------------------------------------------------------------

    def columns_of(self, unique_id: str) -> list[str] | None:
        if self.compiled(unique_id) is None or unique_id in self._active:
            # a seed or source; or a model read by itself (`{{ this }}` of an incremental run)
            return self.declared(unique_id)
        summary = self.summary(unique_id)
        if summary.get("unresolved"):
            return self.declared(unique_id)
        return list(summary["columns"])

    def code_parents(self, unique_id: str) -> set[str]:
        """The nodes a model's SQL reads: relations outside comments (`-- depends_on:` hints) and
        outside the incremental row filter, never the model itself."""
        import re

        from metric_ledger.canonical import relations_in

        code = strip_incremental_filters(self.compiled(unique_id) or "")
        code = re.sub(r"--[^\n]*", " ", code)
        return set(relations_in(code, self.relations).values()) - {unique_id}

    def key(self, unique_id: str) -> str:
        """What determines a node's analysis: its SQL, what its relations resolve to and the
        columns of those parents."""
        if unique_id not in self._keys:
            code = self.compiled(unique_id) or ""
            parents = sorted(self.code_parents(unique_id))
            self._keys[unique_id] = digest(
                [LINEAGE_VERSION, self.dialect, code, parents,
                 [self.columns_of(parent) for parent in parents]]
            )  # fmt: skip
        return self._keys[unique_id]

    def analysis(self, unique_id: str) -> ModelLineage | str:
        """The node's lineage, or the reason it is unresolved."""
        if unique_id not in self._analyses:
            code = self.compiled(unique_id)
            if code is None:
                self._analyses[unique_id] = "no compiled SQL"
            else:
                try:
                    self._analyses[unique_id] = analyse(
                        code, self.relations, self.columns_of, self.dialect
                    )
                except LineageUnresolved as error:
                    self._analyses[unique_id] = str(error)
                except RecursionError:
                    self._analyses[unique_id] = "SQL nested too deeply"
        return self._analyses[unique_id]

    def summary(self, unique_id: str) -> dict[str, Any]:
        """``{columns, dependencies}`` or ``{unresolved: reason}``, from the cache when it can."""
        if unique_id in self._summaries:
            return self._summaries[unique_id]
        if unique_id in self._active:
            return {"unresolved": "the model reads itself"}
        self._active.add(unique_id)
        try:
            return self._summary(unique_id)
        finally:
            self._active.discard(unique_id)

    def _summary(self, unique_id: str) -> dict[str, Any]:
        cache_key = "lineage:" + self.key(unique_id)
        summary: dict[str, Any] | None = None
        if self.cache is not None:
            stored = self.cache.get(cache_key)
            if stored is not None:
                import json

                summary = json.loads(stored)
        if summary is None:
            result = self.analysis(unique_id)
            if isinstance(result, str):
                summary = {"unresolved": result}
            else:
                summary = {
                    "columns": result.columns,
                    "dependencies": {
                        column: sorted([list(pair) for pair in pairs])
                        for column, pairs in result.dependencies.items()
                    },
                    "rows": sorted([list(pair) for pair in result.rows]),
                    "parents": sorted(result.parents),
                }
            if self.cache is not None:
                import json

                self.cache.put(cache_key, json.dumps(summary, separators=(",", ":")))
        self._summaries[unique_id] = summary
        return summary

    def dependencies(self, unique_id: str, columns: set[str] | None) -> set[ParentColumn] | None:
        """Parent columns that ``columns`` of the node read (None: the node is unresolved)."""
        summary = self.summary(unique_id)
        if summary.get("unresolved"):
            return None
        wanted = summary["columns"] if columns is None else columns
        found: set[ParentColumn] = {(parent, name) for parent, name in summary["rows"]}
        table = summary["dependencies"]
        for column in wanted:
            found.update((parent, name) for parent, name in table.get(column.lower(), []))
        return found

    def unresolved(self, unique_id: str) -> str | None:
        reason = self.summary(unique_id).get("unresolved")
        return str(reason) if reason else None

    def slice_digest(self, unique_id: str, columns: set[str] | None) -> str:
        """Digest of the node's canonical SQL sliced to ``columns`` (None: the whole node)."""
        wanted = sorted(columns) if columns is not None else None
        cache_key = "slice:" + digest([self.key(unique_id), wanted])
        if self.cache is not None:
            stored = self.cache.get(cache_key)
            if stored is not None:
                return str(stored)
        value = digest(self.sliced_sql(unique_id, columns))
        if self.cache is not None:
            self.cache.put(cache_key, value)
        return value

    def sliced_sql(self, unique_id: str, columns: set[str] | None) -> str:
        result = self.analysis(unique_id)
        if isinstance(result, str):
            raise LineageUnresolved(result)
        return result.sliced_sql(result.columns if columns is None else columns, self.dialect)

    # --- closure ----------------------------------------------------------------------------

    def closure(
        self, entry: Mapping[str, set[str] | None], skip: Callable[[str], bool] | None = None
    ) -> dict[str, set[str] | None]:
        """Every node and column that the ``entry`` columns read, transitively. A node whose
        lineage is unresolved is required whole, and so are all columns of its parents."""
        required: dict[str, set[str] | None] = {}
        pending: list[tuple[str, set[str] | None]] = list(entry.items())
        while pending:
            node, columns = pending.pop()
            if skip is not None and skip(node):
                continue
            current = required.get(node, set()) if node in required else set()
            if node in required and current is None:
                continue
            if columns is None:
                new: set[str] | None = None
            else:
                new = {c.lower() for c in columns} - (current or set())
                if node in required and not new:
                    continue
            required[node] = None if new is None else (current or set()) | new
            if self.compiled(node) is None:
                continue  # a seed or source: nothing upstream
            reads = self.dependencies(node, new)
            if reads is None:
                required[node] = None
                parents = self.code_parents(node)
                pending.extend((parent, None) for parent in sorted(parents))
                continue
            by_parent: dict[str, set[str]] = {}
            for parent, column in reads:
                by_parent.setdefault(parent, set()).add(column)
            # a parent read only for its rows (count(*), a join on nothing) still counts
            for parent in self.summary(node)["parents"]:
                by_parent.setdefault(parent, set())
            for parent, parent_columns in by_parent.items():
                pending.append((parent, parent_columns))
        return required


LINEAGE_VERSION = 3  # bump when analyse() or slicing changes what it produces


def digest(value: Any) -> str:
    import hashlib
    import json

    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def expression_columns(expression: str) -> set[str] | None:
    """The column names a semantic-layer expression (``expr`` of a measure, dimension or
    entity) reads; None when it does not parse."""
    try:
        parsed = sqlglot.parse_one(expression)
    except SqlglotError:
        return None
    if parsed is None:
        return None
    return {column.name.lower() for column in parsed.find_all(exp.Column)}
