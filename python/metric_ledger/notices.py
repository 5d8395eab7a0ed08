"""Re-baseline notices, driven by the changelog (governance.md §4)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from metric_ledger.changelog import ChangelogRow
from metric_ledger.manifest import Manifest


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
    downstream_models: list[str]
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
            "downstream_models": self.downstream_models,
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
        exposures: list[str] = []
        downstream: list[str] = []
        if manifest is not None:
            metric = manifest.metric(row.metric_name)
            if metric is not None:
                affected = [metric.unique_id, *manifest.descendants(metric.unique_id)]
                exposures = [node.name for node in manifest.exposures_of(affected)]
                downstream = sorted(
                    {
                        manifest.nodes[node_id].name
                        for node_id in affected
                        if node_id in manifest.nodes
                        and manifest.nodes[node_id].resource_type in ("metric", "saved_query")
                        and node_id != metric.unique_id
                    }
                )
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
                exposures=exposures,
                downstream_models=downstream,
                invalid_comparisons=(
                    f"Any comparison of {row.metric_name} across {row.effective_date.isoformat()} "
                    "(weeks before it against weeks on or after it) is invalid; targets are "
                    f"frozen and alerts disabled until {freeze_end.isoformat()}."
                ),
            )
        )
    return sorted(notices, key=lambda notice: (notice.effective_date, notice.metric), reverse=True)


def render_notices(notices: list[Notice], output_format: str) -> str:
    if output_format == "json":
        return json.dumps([notice.as_json() for notice in notices], indent=2)
    if not notices:
        return "No definition changes: no re-baseline notices."
    lines = ["## Re-baseline notices", ""]
    for notice in notices:
        lines += [
            f"### `{notice.metric}` v{notice.from_version} -> v{notice.to_version}, effective "
            f"{notice.effective_date.isoformat()}",
            "",
            f"- **What changed:** {notice.summary} (approved by {notice.approved_by})",
            f"- **Freeze:** {notice.freeze_weeks} week(s), until "
            f"{notice.freeze_ends_on.isoformat()}: targets frozen, alerts disabled.",
            f"- **Invalid comparisons:** {notice.invalid_comparisons}",
            "- **Affected exposures:** "
            + (", ".join(f"`{name}`" for name in notice.exposures) or "none"),
            "- **Affected downstream metrics:** "
            + (", ".join(f"`{name}`" for name in notice.downstream_models) or "none"),
            "- **New baseline:** ready in the first week after the freeze in which the mix "
            "(channel, contact reason, priority) is stable two weeks running; see "
            "`metric_rebaseline_notices.baseline_ready_week` in the warehouse.",
            "",
        ]
    return "\n".join(lines)
