"""Drift between two manifests: per governed metric, the category of change, the cause chain
from the changed node to the metric, and a typed, readable diff."""

from __future__ import annotations

import contextlib
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from metric_ledger.canonical import pretty_sql, sql_dialect
from metric_ledger.fingerprint import Fingerprinter, MetricFingerprint, filter_templates
from metric_ledger.lineage import LineageUnresolved, expression_columns
from metric_ledger.manifest import Manifest, input_measure_names
from metric_ledger.seeds import read_seed, seed_file

CATEGORIES = ("definition", "governance", "documentation", "none")
_TOP_LEVEL_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


@dataclass
class Change:
    """One changed component and why it matters to the metric."""

    component: str
    summary: str
    chain: list[str] = field(default_factory=list)
    detail: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "summary": self.summary,
            "cause_chain": " -> ".join(self.chain),
            "detail": self.detail,
        }


@dataclass
class MetricDrift:
    metric: str
    category: str
    changes: list[Change] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "category": self.category,
            "changes": [change.as_json() for change in self.changes],
        }


def diff_manifests(
    base: Manifest | Fingerprinter, current: Manifest | Fingerprinter
) -> list[MetricDrift]:
    """Per governed metric of either manifest, what changed from ``base`` to ``current``.

    Give a manifest's ``Fingerprinter`` when the caller has one (the gate does): its fingerprints
    and column lineage are computed once and serve the fingerprints and every explanation."""
    base_printer = base if isinstance(base, Fingerprinter) else Fingerprinter(base)
    current_printer = current if isinstance(current, Fingerprinter) else Fingerprinter(current)
    base_prints, current_prints = base_printer.all(), current_printer.all()
    drifts = []
    for name in sorted(set(base_prints) | set(current_prints)):
        old, new = base_prints.get(name), current_prints.get(name)
        if old is None or new is None:
            drifts.append(
                MetricDrift(
                    metric=name,
                    category="definition",
                    changes=[
                        Change(
                            component=f"metric:{name}",
                            summary="metric added" if old is None else "metric removed",
                            chain=[f"metric {name}"],
                        )
                    ],
                )
            )
            continue
        drifts.append(explain(name, old, new, base_printer, current_printer))
    return drifts


def explain(
    name: str,
    old: MetricFingerprint,
    new: MetricFingerprint,
    base: Fingerprinter,
    current: Fingerprinter,
) -> MetricDrift:
    """What changed in metric ``name`` from ``old`` (of ``base``) to ``new`` (of ``current``)."""
    changes: list[Change] = []
    governance_changes = _governance_changes(name, old, new)
    if old.definition != new.definition:
        for key in sorted(set(old.definition_components) | set(new.definition_components)):
            before = old.definition_components.get(key)
            after = new.definition_components.get(key)
            if before != after:
                changes.append(
                    _definition_change(name, key, before, after, base, current, old, new)
                )
        for key in sorted(set(old.context_components) | set(new.context_components)):
            before, after = old.context_components.get(key), new.context_components.get(key)
            if key.startswith("lineage:"):
                if after is not None and before != after:
                    node = key.partition(":")[2].split(".")[-1]
                    changes.append(
                        Change(key, f"column lineage of {node} unresolved: {after}", [key])
                    )
                continue
            if before is not None and after is not None and before != after:
                changes.append(
                    _definition_change(name, key, before, after, base, current, old, new)
                )
        return MetricDrift(
            metric=name,
            category="definition",
            changes=_upstream_first(changes) + governance_changes,
        )
    if old.governance != new.governance:
        return MetricDrift(metric=name, category="governance", changes=governance_changes)
    if old.documentation != new.documentation:
        keys = sorted(
            key
            for key in set(old.documentation_components) | set(new.documentation_components)
            if old.documentation_components.get(key) != new.documentation_components.get(key)
        )
        return MetricDrift(
            metric=name,
            category="documentation",
            changes=[
                Change(component=f"ledger.{key}", summary=f"{key} edited", chain=[f"metric {name}"])
                for key in keys
            ],
        )
    return MetricDrift(metric=name, category="none")


def _governance_changes(name: str, old: MetricFingerprint, new: MetricFingerprint) -> list[Change]:
    changes = []
    for key in sorted(set(old.governance_components) | set(new.governance_components)):
        before, after = old.governance_components.get(key), new.governance_components.get(key)
        for path, was, now in _nested_differences(key, before, after):
            changes.append(
                Change(
                    component=f"ledger.{key}",
                    summary=f"{path} changed: {_short(was)} -> {_short(now)}",
                    chain=[f"ledger {key}", f"metric {name}"],
                )
            )
    return changes


def _nested_differences(path: str, before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """Leaf-level differences of two nested mappings, as (dotted path, before, after)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after), key=str):
            found.extend(_nested_differences(f"{path}.{key}", before.get(key), after.get(key)))
        return found
    return [] if before == after else [(path, before, after)]


def _upstream_first(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda change: -len(change.chain))


def _node_for(key: str, manifest: Manifest, metric_name: str) -> str | None:
    kind, _, rest = key.partition(":")
    if kind in ("sql", "seed"):
        return rest
    if kind == "metric":
        node = manifest.metric(rest)
        return node.unique_id if node else None
    if kind == "measure":
        owner = manifest.measures.get(rest)
        return owner[0].unique_id if owner else None
    if kind == "semantic_model":
        return next(
            (node.unique_id for node in manifest.of_type("semantic_model") if node.name == rest),
            None,
        )
    return None


def _chain(key: str, metric_name: str, base: Manifest, current: Manifest) -> list[str]:
    for manifest in (current, base):
        metric = manifest.metric(metric_name)
        start = _node_for(key, manifest, metric_name)
        if metric is None or start is None or start not in manifest.nodes:
            continue
        path = manifest.path_between(start, metric.unique_id)
        labels = [
            manifest.nodes[node_id].short_label for node_id in path if node_id in manifest.nodes
        ]
        if key.startswith("measure:"):
            labels.insert(0, f"measure {key.partition(':')[2]}")
        return labels
    if key.startswith("var:"):
        return [f"var {key.partition(':')[2]}", f"metric {metric_name}"]
    return [key, f"metric {metric_name}"]


def _definition_change(
    metric_name: str,
    key: str,
    before: Any,
    after: Any,
    base: Fingerprinter,
    current: Fingerprinter,
    old: MetricFingerprint | None = None,
    new: MetricFingerprint | None = None,
) -> Change:
    kind, _, name = key.partition(":")
    chain = _chain(key, metric_name, base.manifest, current.manifest)
    if kind == "sql" and old is not None and new is not None and before and after:
        columns = _changed_columns(name, old, new, base, current)
        if columns:
            path = _column_path(name, columns[0], new, current)
            if path:
                trigger = _var_trigger(name, old, new, current.manifest)
                chain = [*trigger, *path, *_metric_tail(path[-1], metric_name, current.manifest)]
            node_name = name.split(".")[-1]
            detail = _sql_diff(name, base, current, old.columns.get(name), new.columns.get(name))
            shown = ", ".join(columns[:6]) + (" ..." if len(columns) > 6 else "")
            return Change(
                key, f"upstream model {node_name} logic changed (columns: {shown})", chain, detail
            )
    if kind == "var":
        return Change(key, f"var {name} changed: {_short(before)} -> {_short(after)}", chain)
    if kind == "ledger":
        return Change(
            f"ledger.{name}",
            f"{name} changed: {_short(before)} -> {_short(after)}",
            [f"ledger {name}", f"metric {metric_name}"],
        )
    if before is None or after is None:
        what = {"sql": "model", "seed": "seed"}.get(kind, kind.replace("_", " "))
        label = name.split(".")[-1] if kind in ("sql", "seed") else name
        verb = "added to the lineage" if before is None else "removed from the lineage"
        return Change(key, f"{what} {label} {verb}", chain)
    if kind == "metric":
        return Change(key, _metric_summary(name, before, after), chain)
    if kind == "measure":
        return Change(key, _measure_summary(name, before, after), chain)
    if kind == "semantic_model":
        return Change(key, f"semantic model {name} changed: {_dict_delta(before, after)}", chain)
    if kind == "sql":
        node_name = name.split(".")[-1]
        detail = _sql_diff(name, base, current)
        return Change(key, f"upstream model {node_name} logic changed", chain, detail)
    if kind == "seed":
        return Change(key, _seed_summary(name, base.manifest, current.manifest), chain)
    return Change(key, f"{key} changed", chain)


def _metric_summary(name: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    parts = []
    old_filter, new_filter = before.get("filter") or [], after.get("filter") or []
    if old_filter != new_filter:
        old_terms = _conjuncts(old_filter)
        new_terms = _conjuncts(new_filter)
        added = [term for term in new_terms if term not in old_terms]
        removed = [term for term in old_terms if term not in new_terms]
        if added and not removed:
            parts.append("filter narrowed: " + "; ".join(f"+ {term}" for term in added))
        elif removed and not added:
            parts.append("filter widened: " + "; ".join(f"- {term}" for term in removed))
        else:
            parts.append(
                "filter changed: "
                + "; ".join([*(f"- {term}" for term in removed), *(f"+ {term}" for term in added)])
            )
    if before.get("type") != after.get("type"):
        parts.append(f"type changed from {before.get('type')} to {after.get('type')}")
    if before.get("type_params") != after.get("type_params"):
        parts.append(
            "type_params changed: "
            + _dict_delta(before.get("type_params") or {}, after.get("type_params") or {})
        )
    if before.get("time_granularity") != after.get("time_granularity"):
        parts.append("time granularity changed")
    return f"metric {name}: " + ("; ".join(parts) or "definition changed")


def _conjuncts(templates: list[str]) -> list[str]:
    terms: list[str] = []
    for template in templates:
        terms.extend(term.strip() for term in _TOP_LEVEL_AND.split(template) if term.strip())
    return terms


def _measure_summary(name: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    parts = []
    if before.get("agg") != after.get("agg"):
        parts.append(f"aggregation changed from {before.get('agg')} to {after.get('agg')}")
    if before.get("expr") != after.get("expr"):
        parts.append(f"expression changed from {before.get('expr')!r} to {after.get('expr')!r}")
    for key in ("agg_params", "non_additive_dimension", "agg_time_dimension"):
        if before.get(key) != after.get(key):
            parts.append(f"{key} changed: {_short(before.get(key))} -> {_short(after.get(key))}")
    return f"measure {name}: " + "; ".join(parts)


def _dict_delta(before: Any, after: Any) -> str:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return f"{_short(before)} -> {_short(after)}"
    keys = sorted(set(before) | set(after))
    return ", ".join(
        f"{key}: {_short(before.get(key))} -> {_short(after.get(key))}"
        for key in keys
        if before.get(key) != after.get(key)
    )


def _short(value: Any, limit: int = 120) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _sql_diff(
    node_id: str,
    base: Fingerprinter,
    current: Fingerprinter,
    base_columns: list[str] | None = None,
    current_columns: list[str] | None = None,
) -> list[str]:
    """A unified diff of the node's canonical SQL: sliced to the metric's columns where the
    lineage is resolved on both sides, else whole."""
    texts = []
    sliced = base_columns is not None and current_columns is not None
    columns = set(base_columns or []) | set(current_columns or [])
    for printer in (base, current):
        node = printer.manifest.nodes.get(node_id)
        if node is None or node.compiled_code is None:
            texts.append("")
            continue
        canonical = None
        if sliced and printer.graph.unresolved(node_id) is None:
            with contextlib.suppress(LineageUnresolved):
                canonical = printer.graph.sliced_sql(node_id, columns)
        if canonical is None:
            canonical = printer.canonical(node)
        texts.append(pretty_sql(canonical, sql_dialect(printer.manifest.adapter_type)))
    lines = list(
        difflib.unified_diff(
            texts[0].splitlines(), texts[1].splitlines(), "base", "current", lineterm="", n=1
        )
    )
    return lines[:60] + (["..."] if len(lines) > 60 else [])


def _seed_rows(manifest: Manifest, node_id: str) -> list[tuple[str, ...]] | None:
    """The data rows of a seed of ``manifest`` when its file is on this machine."""
    node = manifest.nodes.get(node_id)
    path = seed_file(node) if node is not None and node.root_path else None
    return None if path is None else [row.cells for row in read_seed(path).rows]


def _seed_summary(node_id: str, base: Manifest, current: Manifest) -> str:
    name = node_id.split(".")[-1]
    old, new = _seed_rows(base, node_id), _seed_rows(current, node_id)
    if old is None or new is None:
        return f"seed {name} content changed"
    old_by_key = {row[:1]: row for row in old}
    new_by_key = {row[:1]: row for row in new}
    old_set, new_set = set(old), set(new)
    removed = old_set - new_set
    added = new_set - old_set
    changed_keys = {row[:1] for row in removed} & {row[:1] for row in added}
    changed_keys = (
        {key for key in changed_keys if key in old_by_key and key in new_by_key}
        if len(old_by_key) == len(old) and len(new_by_key) == len(new)
        else set()
    )
    changed = len(changed_keys)
    return (
        f"seed {name} rows: {len(added) - changed} added, {len(removed) - changed} removed, "
        f"{changed} changed"
    )


# --- column-precise cause chains ----------------------------------------------------------------


def _changed_columns(
    node_id: str,
    old: MetricFingerprint,
    new: MetricFingerprint,
    base: Fingerprinter,
    current: Fingerprinter,
) -> list[str]:
    """The metric's columns of ``node_id`` whose sliced definition differs between the two
    manifests (empty when the lineage is unresolved on either side)."""
    old_columns, new_columns = old.columns.get(node_id), new.columns.get(node_id)
    if old_columns is None or new_columns is None:
        return []
    base_graph, current_graph = base.graph, current.graph
    if base_graph.unresolved(node_id) or current_graph.unresolved(node_id):
        return []
    changed = []
    for column in sorted(set(new_columns) | set(old_columns)):
        try:
            before = base_graph.slice_digest(node_id, {column})
            after = current_graph.slice_digest(node_id, {column})
        except LineageUnresolved:
            continue
        if before != after:
            changed.append(column)
    return changed


def _column_path(
    node_id: str, column: str, fingerprint: MetricFingerprint, printer: Fingerprinter
) -> list[str]:
    """``node.column -> child.column -> ...`` down to a column the metric reads directly."""
    manifest, graph = printer.manifest, printer.graph
    required = fingerprint.columns
    readers: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for child, columns in required.items():
        summary = graph.summary(child) if graph.compiled(child) is not None else {}
        table = summary.get("dependencies") or {}
        for child_column in columns or []:
            for parent, parent_column in table.get(child_column, []):
                readers.setdefault((parent, parent_column), []).append((child, child_column))
    entries = set(_entry_nodes(fingerprint, printer))
    start = (node_id, column)
    previous: dict[tuple[str, str], tuple[str, str] | None] = {start: None}
    queue = [start]
    end: tuple[str, str] | None = None
    while queue:
        current = queue.pop(0)
        if current[0] in entries:
            end = current
            break
        for reader in sorted(readers.get(current, [])):
            if reader not in previous:
                previous[reader] = current
                queue.append(reader)
    if end is None:
        return []
    path: list[str] = []
    step: tuple[str, str] | None = end
    while step is not None:
        node = manifest.nodes.get(step[0])
        path.append(f"{node.name if node else step[0]}.{step[1]}")
        step = previous[step]
    return list(reversed(path))


def _entry_nodes(fingerprint: MetricFingerprint, printer: Fingerprinter) -> list[str]:
    metric = printer.manifest.metric(fingerprint.name)
    if metric is None:
        return []
    return list(printer.entry_columns(metric))


def _metric_tail(entry: str, metric_name: str, manifest: Manifest) -> list[str]:
    """``measure reopened_count -> metric reopened_tickets -> metric reopen_rate`` for the
    entry column ``fct_tickets.is_reopened`` (the first input that reads it)."""
    column = entry.rpartition(".")[2]
    metric = manifest.metric(metric_name)
    if metric is None:
        return [f"metric {metric_name}"]

    def walk(node_id: str, seen: set[str]) -> list[str] | None:
        node = manifest.nodes.get(node_id)
        if node is None or node.resource_type != "metric" or node_id in seen:
            return None
        seen.add(node_id)
        if node.raw.get("type") == "simple":
            for measure_name in input_measure_names(node):
                owner = manifest.measures.get(measure_name)
                if owner is None:
                    continue
                semantic_model, measure = owner
                defaults = semantic_model.raw.get("defaults") or {}
                reads = expression_columns(str(measure.get("expr") or measure_name)) or set()
                time_dimension = measure.get("agg_time_dimension") or defaults.get(
                    "agg_time_dimension"
                )
                if column in reads or column == time_dimension:
                    return [f"measure {measure_name}", f"metric {node.name}"]
            if column in " ".join(filter_templates(node)):
                return [f"filter of {node.name}", f"metric {node.name}"]
            return None
        for parent_id in node.depends_on:
            found = walk(parent_id, seen)
            if found:
                return [*found, f"metric {node.name}"]
        return None

    return walk(metric.unique_id, set()) or [f"metric {metric_name}"]


def _var_trigger(
    node_id: str, old: MetricFingerprint, new: MetricFingerprint, manifest: Manifest
) -> list[str]:
    """``var X`` when a var the node's own SQL reads changed value."""
    node = manifest.nodes.get(node_id)
    if node is None:
        return []
    changed = []
    for key, after in new.context_components.items():
        if not key.startswith("var:"):
            continue
        name = key.partition(":")[2]
        before = old.context_components.get(key)
        if before is not None and before != after and f"'{name}'" in node.raw_code:
            changed.append(f"var {name}")
    return changed[:1]
