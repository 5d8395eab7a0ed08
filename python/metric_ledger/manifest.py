"""Narrow, tolerant reading of dbt's ``manifest.json`` (schema v12: dbt 1.8 to 1.11).

Only the fields this package reasons about are read; unknown keys are ignored. dbt-core's own
classes are never imported.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from metric_ledger.errors import ManifestError

SUPPORTED_SCHEMA_VERSIONS = ("v12",)


@dataclass(frozen=True)
class Node:
    """A model, seed, snapshot, source or other graph node."""

    unique_id: str
    resource_type: str
    name: str
    package_name: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def depends_on(self) -> list[str]:
        nodes = (self.raw.get("depends_on") or {}).get("nodes") or []
        return [str(node) for node in nodes]

    @property
    def depends_on_macros(self) -> list[str]:
        macros = (self.raw.get("depends_on") or {}).get("macros") or []
        return [str(macro) for macro in macros]

    @property
    def relation_name(self) -> str | None:
        value = self.raw.get("relation_name")
        return str(value) if value else None

    @property
    def compiled_code(self) -> str | None:
        value = self.raw.get("compiled_code")
        return str(value) if value is not None else None

    @property
    def raw_code(self) -> str:
        return str(self.raw.get("raw_code") or "")

    @property
    def original_file_path(self) -> str:
        return str(self.raw.get("original_file_path") or "")

    @property
    def root_path(self) -> str | None:
        value = self.raw.get("root_path")
        return str(value) if value else None

    @property
    def checksum(self) -> str:
        return str((self.raw.get("checksum") or {}).get("checksum") or "")

    @property
    def meta(self) -> dict[str, Any]:
        config_meta = (self.raw.get("config") or {}).get("meta") or {}
        meta = self.raw.get("meta") or {}
        return {**meta, **config_meta}

    @property
    def short_label(self) -> str:
        """``seed business_hours``, ``model fct_tickets``, ``metric reopen_rate`` ..."""
        return f"{self.resource_type.replace('_', ' ')} {self.name}"


class Manifest:
    """The parts of a manifest this package needs, with the lineage graph."""

    def __init__(self, data: dict[str, Any], path: Path) -> None:
        self.path = path
        self.data = data
        metadata = data.get("metadata") or {}
        self.project_name = str(metadata.get("project_name") or "")
        self.adapter_type = str(metadata.get("adapter_type") or "")
        self.nodes: dict[str, Node] = {}
        for section in (
            "nodes",
            "sources",
            "metrics",
            "semantic_models",
            "exposures",
            "saved_queries",
        ):
            for unique_id, raw in (data.get(section) or {}).items():
                if not isinstance(raw, dict):
                    continue
                self.nodes[unique_id] = Node(
                    unique_id=unique_id,
                    resource_type=str(raw.get("resource_type") or unique_id.split(".")[0]),
                    name=str(raw.get("name") or unique_id.split(".")[-1]),
                    package_name=str(raw.get("package_name") or ""),
                    raw=raw,
                )
        self.macros: dict[str, dict[str, Any]] = {
            key: value
            for key, value in (data.get("macros") or {}).items()
            if isinstance(value, dict)
        }

    # --- lookups ------------------------------------------------------------------------------

    def of_type(self, resource_type: str) -> Iterator[Node]:
        for node in self.nodes.values():
            if node.resource_type == resource_type:
                yield node

    def metric(self, name: str) -> Node | None:
        return self.nodes.get(f"metric.{self.project_name}.{name}") or next(
            (node for node in self.of_type("metric") if node.name == name), None
        )

    def governed_metrics(self) -> list[Node]:
        """Metrics of this project whose meta says ``governed: true``, sorted by name."""
        return sorted(
            (
                node
                for node in self.of_type("metric")
                if node.package_name == self.project_name and node.meta.get("governed")
            ),
            key=lambda node: node.name,
        )

    @cached_property
    def measures(self) -> dict[str, tuple[Node, dict[str, Any]]]:
        """Measure name -> (its semantic model, its definition)."""
        found: dict[str, tuple[Node, dict[str, Any]]] = {}
        for semantic_model in self.of_type("semantic_model"):
            for measure in semantic_model.raw.get("measures") or []:
                found[str(measure.get("name"))] = (semantic_model, measure)
        return found

    @cached_property
    def children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for node in self.nodes.values():
            for parent in node.depends_on:
                children.setdefault(parent, []).append(node.unique_id)
        for semantic_model, parent in self._semantic_model_edges():
            children.setdefault(parent, []).append(semantic_model)
        return {key: sorted(set(value)) for key, value in children.items()}

    def _semantic_model_edges(self) -> Iterable[tuple[str, str]]:
        for metric in self.of_type("metric"):
            for measure_name in input_measure_names(metric):
                owner = self.measures.get(measure_name)
                if owner:
                    yield metric.unique_id, owner[0].unique_id

    def parents(self, unique_id: str) -> list[str]:
        """Direct parents, including the edges dbt omits (metric -> semantic model of its
        measures)."""
        node = self.nodes.get(unique_id)
        if node is None:
            return []
        parents = list(node.depends_on)
        if node.resource_type == "metric":
            for measure_name in input_measure_names(node):
                owner = self.measures.get(measure_name)
                if owner and owner[0].unique_id not in parents:
                    parents.append(owner[0].unique_id)
        return parents

    def ancestors(self, unique_id: str, skip: Callable[[str], bool] | None = None) -> list[str]:
        """Every ancestor of a node (breadth first, each once). Nodes for which ``skip`` is true
        are left out, and so are the ancestors reached only through them."""
        seen: dict[str, None] = {}
        queue = deque(self.parents(unique_id))
        while queue:
            current = queue.popleft()
            if current in seen or (skip is not None and skip(current)):
                continue
            seen[current] = None
            queue.extend(self.parents(current))
        return list(seen)

    def is_operational(self, unique_id: str) -> bool:
        """A model marked ``meta.metric_ledger.operational``: it decides which rows a run
        recomputes (incremental bookkeeping), never what a value is."""
        node = self.nodes.get(unique_id)
        if node is None:
            return False
        marker = node.meta.get("metric_ledger")
        return isinstance(marker, dict) and marker.get("operational") is True

    def descendants(self, unique_id: str) -> list[str]:
        seen: dict[str, None] = {}
        queue = deque(self.children.get(unique_id, []))
        while queue:
            current = queue.popleft()
            if current in seen:
                continue
            seen[current] = None
            queue.extend(self.children.get(current, []))
        return list(seen)

    def path_between(self, ancestor: str, descendant: str) -> list[str]:
        """A shortest parent->child path from ``ancestor`` to ``descendant`` (inclusive)."""
        previous: dict[str, str | None] = {ancestor: None}
        queue = deque([ancestor])
        while queue:
            current = queue.popleft()
            if current == descendant:
                break
            for child in self.children.get(current, []):
                if child not in previous:
                    previous[child] = current
                    queue.append(child)
        if descendant not in previous:
            return [ancestor, descendant]
        path: list[str] = []
        step: str | None = descendant
        while step is not None:
            path.append(step)
            step = previous[step]
        return list(reversed(path))

    def exposures_of(self, unique_ids: Iterable[str]) -> list[Node]:
        wanted = set(unique_ids)
        return sorted(
            (node for node in self.of_type("exposure") if wanted & set(node.depends_on)),
            key=lambda node: node.name,
        )


def input_measure_names(metric: Node) -> list[str]:
    type_params = metric.raw.get("type_params") or {}
    names = [str(measure.get("name")) for measure in type_params.get("input_measures") or []]
    measure = type_params.get("measure")
    if isinstance(measure, dict) and measure.get("name") and measure["name"] not in names:
        names.append(str(measure["name"]))
    return names


def load_manifest(path: Path) -> Manifest:
    """Read a manifest; unreadable or unsupported input raises one clear ManifestError."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest not found (run `dbt compile` first)") from None
    except OSError as error:
        raise ManifestError(f"{path}: cannot read manifest: {error.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        raise ManifestError(f"{path}: not a dbt manifest (no metadata object)")
    schema = str(data["metadata"].get("dbt_schema_version") or "")
    version = schema.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise ManifestError(
            f"{path}: manifest schema {version or 'unknown'} is not supported "
            f"(supported: {', '.join(SUPPORTED_SCHEMA_VERSIONS)}, written by dbt 1.8 to 1.11)"
        )
    return Manifest(data, path)
