"""Re-baseline notices, driven by the changelog (governance.md §4).

What a definition change affects is one rule, shared with the warehouse model
``metric_rebaseline_notices`` (macro ``macros/governance/metric_impact.sql``): every exposure and
metric that depends on the changed metric in the dbt graph, directly or transitively.
``metric_impact`` below mirrors the macro; ``tests/test_notices.py`` compares this module's JSON
with the built model's rows.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from metric_ledger.changelog import ChangelogRow
from metric_ledger.manifest import Manifest


@dataclass(frozen=True)
class Impact:
    """The exposures and the metrics (saved queries included) a metric's change reaches."""

    exposures: list[str]
    metrics: list[str]


def metric_impact(manifest: Manifest, unique_id: str) -> Impact:
    """Every node that depends on ``unique_id``, directly or transitively, following the
    ``depends_on`` edges of the manifest (tests aside): the rule of the ``metric_impact`` macro."""
    children: dict[str, list[str]] = {}
    for node in manifest.nodes.values():
        if node.resource_type == "test":
            continue
        for parent in node.depends_on:
            children.setdefault(parent, []).append(node.unique_id)
    reached: set[str] = set()
    queue = deque(children.get(unique_id, []))
    while queue:
        current = queue.popleft()
        if current in reached or current == unique_id:
            continue
        reached.add(current)
        queue.extend(children.get(current, []))
    found = [manifest.nodes[node_id] for node_id in reached]
    return Impact(
        exposures=sorted({node.name for node in found if node.resource_type == "exposure"}),
        metrics=sorted(
            {node.name for node in found if node.resource_type in ("metric", "saved_query")}
        ),
    )


@dataclass(frozen=True)
class Notice:
    metric: str
    from_version: int
    to_version: int
    effective_date: date
    summary: str
    approved_by: str
    freeze_weeks: int
    freeze_ends_on: date
    exposures: list[str]
    downstream_metrics: list[str]
    invalid_comparisons: str

    def as_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "effective_date": self.effective_date.isoformat(),
            "summary": self.summary,
            "approved_by": self.approved_by,
            "freeze_weeks": self.freeze_weeks,
            "freeze_ends_on": self.freeze_ends_on.isoformat(),
            "exposures": self.exposures,
            "downstream_metrics": self.downstream_metrics,
            "invalid_comparisons": self.invalid_comparisons,
        }


def build_notices(
    changelog: list[ChangelogRow], manifest: Manifest | None, since: date | None = None
) -> list[Notice]:
    """One notice per definition change (newest first), with what it affects in the graph."""
    notices = []
    for row in changelog:
        if row.change_type != "definition_change" or (since and row.effective_date < since):
            continue
        impact = Impact(exposures=[], metrics=[])
        if manifest is not None:
            metric = manifest.metric(row.metric_name)
            if metric is not None:
                impact = metric_impact(manifest, metric.unique_id)
        freeze_end = row.effective_date + timedelta(weeks=row.freeze_weeks)
        notices.append(
            Notice(
                metric=row.metric_name,
                from_version=row.version - 1,
                to_version=row.version,
                effective_date=row.effective_date,
                summary=row.summary,
                approved_by=row.approved_by,
                freeze_weeks=row.freeze_weeks,
                freeze_ends_on=freeze_end,
                exposures=impact.exposures,
                downstream_metrics=impact.metrics,
                invalid_comparisons=(
                    f"Any comparison of {row.metric_name} across {row.effective_date.isoformat()} "
                    "(weeks before it against weeks on or after it) is invalid; targets are "
                    f"frozen and alerts disabled until {freeze_end.isoformat()}."
                ),
            )
        )
    return sorted(notices, key=lambda notice: (notice.effective_date, notice.metric), reverse=True)
