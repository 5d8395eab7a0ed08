"""Definition and governance fingerprints of every governed metric (governance.md §2).

A fingerprint is a hash over *components*: named, comparable pieces of what a number means.
Keeping the components (not only the hash) is what lets ``diff`` say what changed and where.

Definition components of a metric:
- ``metric:<name>``: its type, type_params and filter (and those of every input metric);
- ``measure:<name>``: agg, expr, agg_params, non-additive dimension, aggregation time dimension;
- ``semantic_model:<name>``: the model it reads, its entities, and the dimensions the metric's
  filters use;
- ``sql:<node id>``: the canonical compiled SQL of the semantic model's model and of every
  ancestor model and snapshot;
- ``seed:<node id>``: the content of every upstream seed (of any size);
Beside them, not hashed: ``var:<name>``, the value of every var the lineage's SQL or macros
read (their effect is in the compiled SQL; the values explain a change).
Governance components: job, counter_metrics, stop_the_line, decision, status, approvers, better
and maturity (metric_status_weekly reads it: when a week's number is final).
Everything else (labels, descriptions, ledger prose) is documentation.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from metric_ledger.canonical import canonical_sql, relations_in, sql_dialect
from metric_ledger.errors import ManifestError
from metric_ledger.lineage import ColumnGraph, digest, expression_columns
from metric_ledger.manifest import Manifest, Node, input_measure_names
from metric_ledger.seeds import read_seed, seed_file

GOVERNANCE_FIELDS = (
    "job",
    "counter_metrics",
    "stop_the_line",
    "decision",
    "status",
    "approvers",
    "better",
    "maturity",
)
# Ledger fields that a model reads to compute a number: part of the definition, never
# documentation (covered_channels decides which contacts count as covered).
DEFINITION_LEDGER_FIELDS = ("covered_channels",)
_VAR_CALL = re.compile(r"""\bvar\(\s*['"]([A-Za-z_][\w]*)['"]""")
_FILTER_REFERENCE = re.compile(
    r"""\b(Dimension|TimeDimension|Entity)\(\s*['"]([A-Za-z_][\w]*)['"]"""
)


@dataclass
class MetricFingerprint:
    name: str
    definition: str
    governance: str
    documentation: str
    definition_components: dict[str, Any] = field(repr=False)
    context_components: dict[str, Any] = field(repr=False)
    governance_components: dict[str, Any] = field(repr=False)
    documentation_components: dict[str, Any] = field(repr=False)
    lineage: list[str] = field(repr=False)
    columns: dict[str, list[str] | None] = field(repr=False, default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "metric": self.name,
            "definition_fingerprint": self.definition,
            "governance_fingerprint": self.governance,
            "documentation_fingerprint": self.documentation,
            "lineage": self.lineage,
            "columns": self.columns,
        }


class Fingerprinter:
    """Computes fingerprints of the governed metrics of one manifest (memoised per node)."""

    def __init__(
        self, manifest: Manifest, project_dir: Path | None = None, use_cache: bool = True
    ) -> None:
        self.manifest = manifest
        self.project_dir = project_dir or _project_dir_of(manifest)
        self._sql: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._node_vars: dict[str, list[str]] = {}
        self._relations: dict[str, str] | None = None
        self._vars: dict[str, Any] | None = None
        self._cache = SqlDigestCache(manifest.path.parent / CACHE_FILE) if use_cache else None
        self._graph: ColumnGraph | None = None
        self._all: dict[str, MetricFingerprint] | None = None

    # --- pieces --------------------------------------------------------------------------------

    @property
    def relations(self) -> dict[str, str]:
        if self._relations is None:
            self._relations = {
                node.relation_name: node.unique_id
                for node in self.manifest.nodes.values()
                if node.relation_name
            }
        return self._relations

    @property
    def graph(self) -> ColumnGraph:
        """Column lineage of every model of the manifest (lazy, cached beside the manifest)."""
        if self._graph is None:
            self._graph = ColumnGraph(
                relations=self.relations,
                compiled=self._compiled,
                declared=self._declared_columns,
                dialect=sql_dialect(self.manifest.adapter_type),
                cache=self._cache,
            )
        return self._graph

    def _compiled(self, unique_id: str) -> str | None:
        node = self.manifest.nodes.get(unique_id)
        if node is None or node.resource_type not in ("model", "snapshot"):
            return None
        return node.compiled_code

    def _declared_columns(self, unique_id: str) -> list[str] | None:
        """A seed's header (its file), else the columns a node declares in YAML."""
        node = self.manifest.nodes.get(unique_id)
        if node is None:
            return None
        if node.resource_type == "seed":
            path = seed_file(node, self.project_dir)
            header = read_seed(path).header if path is not None else ()
            if header:
                return [cell.lower() for cell in header]
        declared = node.raw.get("columns") or {}
        return [str(name).lower() for name in declared] or None

    def entry_columns(self, metric: Node) -> dict[str, set[str] | None]:
        """The columns of the semantic models' models that the metric's number reads: its
        measures' expressions and aggregation time dimensions, non-additive dimensions, and the
        dimensions and entities its filters (and its input metrics' filters) use."""
        entry: dict[str, set[str] | None] = {}

        def add(model_id: str | None, columns: set[str] | None) -> None:
            if model_id is None:
                return
            if columns is None or entry.get(model_id, set()) is None:
                entry[model_id] = None
                return
            current = entry.setdefault(model_id, set())
            assert current is not None
            current |= columns

        references = self._all_filter_references(metric)
        for measure_name in self._all_input_measures(metric):
            owner = self.manifest.measures.get(measure_name)
            if owner is None:
                continue
            semantic_model, measure = owner
            model_id = _semantic_model_table(semantic_model)
            defaults = semantic_model.raw.get("defaults") or {}
            add(model_id, expression_columns(str(measure.get("expr") or measure_name)))
            time_dimension = measure.get("agg_time_dimension") or defaults.get("agg_time_dimension")
            if time_dimension:
                add(model_id, _dimension_columns(semantic_model, str(time_dimension)))
            non_additive = measure.get("non_additive_dimension") or {}
            if non_additive.get("name"):
                add(model_id, _dimension_columns(semantic_model, str(non_additive["name"])))
            for grouping in non_additive.get("window_groupings") or []:
                add(model_id, _entity_columns(semantic_model, str(grouping)))
            for entity, name in references:
                target = self._semantic_model_for(semantic_model, entity, name)
                if name == "metric_time" or (not entity and name == str(time_dimension)):
                    continue
                if target is None:
                    add(model_id, None)  # a reference this reader cannot place: the whole model
                    continue
                add(_semantic_model_table(target), _dimension_columns(target, name))
                if target.unique_id != semantic_model.unique_id:  # joined through the entity
                    add(model_id, _entity_columns(semantic_model, entity))
                    add(_semantic_model_table(target), _entity_columns(target, entity))
        return entry

    def _all_input_measures(self, metric: Node, seen: set[str] | None = None) -> list[str]:
        seen = seen if seen is not None else set()
        if metric.unique_id in seen:
            return []
        seen.add(metric.unique_id)
        names = list(input_measure_names(metric))
        for parent_id in metric.depends_on:
            parent = self.manifest.nodes.get(parent_id)
            if parent is not None and parent.resource_type == "metric":
                names += [n for n in self._all_input_measures(parent, seen) if n not in names]
        return names

    def _all_filter_references(
        self, metric: Node, seen: set[str] | None = None
    ) -> set[tuple[str, str]]:
        seen = seen if seen is not None else set()
        if metric.unique_id in seen:
            return set()
        seen.add(metric.unique_id)
        references = set(_filter_references(metric))
        for parent_id in metric.depends_on:
            parent = self.manifest.nodes.get(parent_id)
            if parent is not None and parent.resource_type == "metric":
                references |= self._all_filter_references(parent, seen)
        return references

    def _semantic_model_for(self, own: Node, entity: str, name: str) -> Node | None:
        """The semantic model a filter's ``entity__name`` reads: the measure's own when it has
        the entity and the dimension (or entity), else the one whose primary entity it is."""

        def has(semantic_model: Node) -> bool:
            names = {str(d.get("name")) for d in semantic_model.raw.get("dimensions") or []}
            names |= {str(e.get("name")) for e in semantic_model.raw.get("entities") or []}
            return name in names

        def primary(semantic_model: Node) -> str | None:
            for item in semantic_model.raw.get("entities") or []:
                if item.get("type") == "primary":
                    return str(item.get("name"))
            return None

        own_entities = {str(e.get("name")) for e in own.raw.get("entities") or []}
        if (not entity or primary(own) == entity) and has(own):
            return own
        for candidate in self.manifest.of_type("semantic_model"):
            if primary(candidate) == entity and has(candidate) and entity in own_entities:
                return candidate
        if has(own) and entity in own_entities:
            return own
        return None

    def canonical(self, node: Node) -> str:
        if node.unique_id not in self._sql:
            code = node.compiled_code
            if code is None:
                raise ManifestError(
                    f"{self.manifest.path}: {node.unique_id} has no compiled code "
                    "(run `dbt compile`, not only `dbt parse`)"
                )
            self._sql[node.unique_id] = canonical_sql(
                code, self.relations, sql_dialect(self.manifest.adapter_type)
            )
        return self._sql[node.unique_id]

    def _cache_key(self, node: Node, code: str) -> str:
        return digest(
            [
                CANONICAL_VERSION,
                self.manifest.adapter_type,
                code,
                relations_in(code, self.relations),
            ]
        )

    def sql_digest(self, node: Node) -> str:
        """The digest of a node's canonical SQL, from the on-disk cache when the same compiled
        code resolving to the same nodes was canonicalised before."""
        code = node.compiled_code
        if code is None or self._cache is None:
            return digest(self.canonical(node))
        key = self._cache_key(node, code)
        cached = self._cache.get(key)
        if cached is None:
            cached = digest(self.canonical(node))
            self._cache.put(key, cached)
        return cached

    def all(self) -> dict[str, MetricFingerprint]:
        """The fingerprint of every governed metric (computed once per Fingerprinter)."""
        if self._all is None:
            metrics = self.manifest.governed_metrics()
            self._all = {metric.name: self.fingerprint(metric) for metric in metrics}
            if self._cache is not None:
                self._cache.save()
        return dict(self._all)

    def seed_content(self, node: Node) -> str:
        """The seed's content, independent of where the project is checked out: dbt's own
        SHA-256 of the file when the manifest has it (seeds up to 1 MiB), else a hash of the
        file's rows (dbt compares larger seeds by path only)."""
        checksum = node.raw.get("checksum") or {}
        if checksum.get("name") == "sha256" and checksum.get("checksum"):
            return "sha256:" + str(checksum["checksum"])
        path = seed_file(node, self.project_dir)
        if path is not None:
            return digest(read_seed(path).all_rows())
        return "checksum:" + node.checksum

    @property
    def project_vars(self) -> dict[str, Any]:
        if self._vars is None:
            self._vars = {}
            if self.project_dir is not None:
                project_file = self.project_dir / "dbt_project.yml"
                if project_file.is_file():
                    loaded = yaml.safe_load(project_file.read_text()) or {}
                    variables = loaded.get("vars") or {}
                    self._vars = {
                        str(key): value
                        for key, value in variables.items()
                        if not isinstance(value, dict)
                    }
        return self._vars

    def vars_used(self, node_ids: list[str]) -> list[str]:
        names: set[str] = set()
        macros_seen: set[str] = set()
        pending: list[str] = []
        for node_id in node_ids:
            node = self.manifest.nodes.get(node_id)
            if node is None:
                continue
            if node_id not in self._node_vars:
                self._node_vars[node_id] = (
                    _VAR_CALL.findall(node.raw_code) if "var(" in node.raw_code else []
                )
            names.update(self._node_vars[node_id])
            pending.extend(node.depends_on_macros)
        while pending:
            macro_id = pending.pop()
            if macro_id in macros_seen:
                continue
            macros_seen.add(macro_id)
            macro = self.manifest.macros.get(macro_id) or {}
            names.update(_VAR_CALL.findall(str(macro.get("macro_sql") or "")))
            pending.extend((macro.get("depends_on") or {}).get("macros") or [])
        return sorted(names)

    # --- fingerprints -------------------------------------------------------------------------

    def metric_components(self, metric: Node, seen: set[str] | None = None) -> dict[str, Any]:
        seen = seen if seen is not None else set()
        if metric.unique_id in seen:
            return {}
        seen.add(metric.unique_id)
        components: dict[str, Any] = {f"metric:{metric.name}": _metric_definition(metric)}
        for parent_id in metric.depends_on:
            parent = self.manifest.nodes.get(parent_id)
            if parent is not None and parent.resource_type == "metric":
                components.update(self.metric_components(parent, seen))
        filter_references = _filter_references(metric)
        for measure_name in input_measure_names(metric):
            owner = self.manifest.measures.get(measure_name)
            if owner is None:
                components[f"measure:{measure_name}"] = None
                continue
            semantic_model, measure = owner
            defaults = semantic_model.raw.get("defaults") or {}
            components[f"measure:{measure_name}"] = {
                "agg": measure.get("agg"),
                "expr": measure.get("expr") or measure_name,
                "agg_params": measure.get("agg_params"),
                "non_additive_dimension": measure.get("non_additive_dimension"),
                "agg_time_dimension": measure.get("agg_time_dimension")
                or defaults.get("agg_time_dimension"),
            }
            components[f"semantic_model:{semantic_model.name}"] = self._semantic_model_definition(
                semantic_model, filter_references
            )
        return components

    def _semantic_model_definition(
        self, semantic_model: Node, filter_references: set[tuple[str, str]]
    ) -> dict[str, Any]:
        entities = {
            str(entity.get("name")): {"type": entity.get("type"), "expr": entity.get("expr")}
            for entity in semantic_model.raw.get("entities") or []
        }
        dimensions = {}
        for dimension in semantic_model.raw.get("dimensions") or []:
            name = str(dimension.get("name"))
            if any(name == referenced for _, referenced in filter_references):
                dimensions[name] = {
                    "type": dimension.get("type"),
                    "expr": dimension.get("expr"),
                    "type_params": dimension.get("type_params"),
                }
        return {
            "model": (semantic_model.raw.get("depends_on") or {}).get("nodes"),
            "entities": entities,
            "filter_dimensions": dimensions,
        }

    def lineage(self, metric: Node) -> list[str]:
        """Every node upstream of the metric (metrics, semantic models, models, seeds ...), except
        operational models (the incremental refresh set): they choose which rows a run
        recomputes, not what a value is, and the incremental-equals-full-refresh test guards
        that."""
        return self.manifest.ancestors(metric.unique_id, skip=self.manifest.is_operational)

    def fingerprint(self, metric: Node) -> MetricFingerprint:
        lineage = self.lineage(metric)
        definition = self.metric_components(metric)
        required = self.required_columns(metric)
        sql_nodes = []
        resolution: dict[str, str] = {}
        for node_id in sorted(required):
            node = self.manifest.nodes.get(node_id)
            if node is None:
                continue
            if node.resource_type in ("model", "snapshot"):
                reason = self.graph.unresolved(node_id)
                if reason is None:
                    definition[f"sql:{node_id}"] = self.graph.slice_digest(
                        node_id, required[node_id]
                    )
                else:
                    definition[f"sql:{node_id}"] = self.sql_digest(node)
                    resolution[node_id] = f"model-level ({reason})"
                sql_nodes.append(node_id)
            elif node.resource_type == "seed":
                definition[f"seed:{node_id}"] = self.seed_content(node)
                sql_nodes.append(node_id)
        # Var values reach the number through the compiled SQL (already in the fingerprint); they
        # are kept beside it to explain a change, not hashed, since the manifest does not record
        # them and the project's dbt_project.yml may not be at hand (a production manifest).
        context: dict[str, Any] = {
            f"var:{name}": self.project_vars.get(name) for name in self.vars_used(sql_nodes)
        }
        context.update({f"lineage:{node_id}": text for node_id, text in resolution.items()})
        ledger = metric.meta.get("ledger") or {}
        for key in DEFINITION_LEDGER_FIELDS:
            definition[f"ledger:{key}"] = ledger.get(key)
        governance = {key: ledger.get(key) for key in GOVERNANCE_FIELDS}
        documentation = {
            "label": metric.raw.get("label"),
            "description": metric.raw.get("description"),
            **{
                key: value
                for key, value in ledger.items()
                if key not in GOVERNANCE_FIELDS
                and key not in DEFINITION_LEDGER_FIELDS
                and key != "version"
            },
        }
        return MetricFingerprint(
            name=metric.name,
            definition=digest(definition),
            governance=digest(governance),
            documentation=digest(documentation),
            definition_components=definition,
            context_components=context,
            governance_components=governance,
            documentation_components=documentation,
            lineage=lineage,
            columns={
                node_id: None if columns is None else sorted(columns)
                for node_id, columns in sorted(required.items())
            },
        )

    def required_columns(self, metric: Node) -> dict[str, set[str] | None]:
        """Every node and column the metric's number reads (None: the node whole), skipping
        operational models."""
        return self.graph.closure(self.entry_columns(metric), skip=self.manifest.is_operational)


CACHE_FILE = "metric_ledger_sql_cache.json"
# Bump when canonical.py changes what it produces, so cached digests are not reused.
CANONICAL_VERSION = 3


class SqlDigestCache:
    """Digests of canonical SQL keyed by what determines them (adapter, compiled code, and the
    nodes its relations resolve to), kept beside the manifest in dbt's target directory. A
    missing, unreadable or unwritable cache only costs time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, str] | None = None
        self._dirty = False

    def _load(self) -> dict[str, str]:
        if self._entries is None:
            try:
                loaded = json.loads(self.path.read_text())
                self._entries = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def get(self, key: str) -> str | None:
        value = self._load().get(key)
        return value if isinstance(value, str) else None

    def put(self, key: str, value: str) -> None:
        self._load()[key] = value
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        with contextlib.suppress(OSError):
            self.path.write_text(json.dumps(self._entries, separators=(",", ":")))
        self._dirty = False


def _metric_definition(metric: Node) -> dict[str, Any]:
    type_params = metric.raw.get("type_params") or {}

    def reference(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: value.get(key)
                for key in ("name", "filter", "alias", "offset_window", "offset_to_grain",
                            "join_to_timespine", "fill_nulls_with")
                if value.get(key) not in (None, False)
            }  # fmt: skip
        return value

    params = {
        "measure": reference(type_params.get("measure")),
        "numerator": reference(type_params.get("numerator")),
        "denominator": reference(type_params.get("denominator")),
        "expr": type_params.get("expr"),
        "window": type_params.get("window"),
        "grain_to_date": type_params.get("grain_to_date"),
        "metrics": [reference(item) for item in type_params.get("metrics") or []],
        "cumulative_type_params": type_params.get("cumulative_type_params"),
        "conversion_type_params": type_params.get("conversion_type_params"),
    }
    return {
        "type": metric.raw.get("type"),
        "type_params": {key: value for key, value in params.items() if value not in (None, [])},
        "filter": filter_templates(metric),
        "time_granularity": metric.raw.get("time_granularity"),
    }


def filter_templates(metric: Node) -> list[str]:
    metric_filter = metric.raw.get("filter") or {}
    return [
        str(where.get("where_sql_template"))
        for where in metric_filter.get("where_filters") or []
        if where.get("where_sql_template")
    ]


def _filter_references(metric: Node) -> set[tuple[str, str]]:
    references = set()
    for template in filter_templates(metric):
        for _, reference in _FILTER_REFERENCE.findall(template):
            entity, _, name = reference.rpartition("__")
            references.add((entity, name or reference))
    return references


def _project_dir_of(manifest: Manifest) -> Path | None:
    for node in manifest.of_type("seed"):
        if node.root_path:
            return Path(node.root_path)
    return None


def _semantic_model_table(semantic_model: Node) -> str | None:
    nodes = (semantic_model.raw.get("depends_on") or {}).get("nodes") or []
    return str(nodes[0]) if nodes else None


def _dimension_columns(semantic_model: Node, name: str) -> set[str] | None:
    for item in [
        *(semantic_model.raw.get("dimensions") or []),
        *(semantic_model.raw.get("entities") or []),
    ]:
        if str(item.get("name")) == name:
            return expression_columns(str(item.get("expr") or name))
    return None


def _entity_columns(semantic_model: Node, name: str) -> set[str] | None:
    for item in semantic_model.raw.get("entities") or []:
        if str(item.get("name")) == name:
            return expression_columns(str(item.get("expr") or name))
    return None
