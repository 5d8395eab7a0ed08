"""The re-approval gate for CI (governance.md §3): every reason the current definitions are not
the approved ones (rendered by ``render.gate``; ``approval`` records a re-approval)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from metric_ledger.approval import approvers, reapprove_command
from metric_ledger.changelog import ChangelogRow, latest_rows
from metric_ledger.drift import Change, MetricDrift, diff_manifests
from metric_ledger.fingerprint import Fingerprinter
from metric_ledger.manifest import Manifest


@dataclass
class Finding:
    metric: str
    problem: str
    message: str
    command: str | None = None
    changes: list[Change] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "problem": self.problem,
            "message": self.message,
            "reapprove_command": self.command,
            "changes": [change.as_json() for change in self.changes],
        }


@dataclass
class GateResult:
    findings: list[Finding]
    checked_metrics: list[str]
    drifts: list[MetricDrift] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "checked_metrics": self.checked_metrics,
            "findings": [finding.as_json() for finding in self.findings],
            "documentation_changes": [
                drift.as_json() for drift in self.drifts if drift.category == "documentation"
            ],
        }


def run_gate(
    manifest: Manifest,
    changelog: list[ChangelogRow],
    base: Manifest | None = None,
    printer: Fingerprinter | None = None,
) -> GateResult:
    """Every reason the current definitions are not approved, or none. ``printer``: the
    manifest's Fingerprinter when the caller has one (one per manifest serves everything)."""
    printer = printer or Fingerprinter(manifest)
    prints = printer.all()
    findings: list[Finding] = []
    governed = set(prints)
    by_metric: dict[str, list[ChangelogRow]] = {}
    for row in changelog:
        by_metric.setdefault(row.metric_name, []).append(row)
    for metric, rows in sorted(by_metric.items()):
        if metric not in governed:
            findings.append(
                Finding(
                    metric,
                    "unknown_metric",
                    f"changelog rows refer to {metric}, which is not a governed metric",
                )
            )
            continue
        versions = sorted({row.version for row in rows})
        for row in rows:
            if row.change_type == "refactor" and not any(
                other.version == row.version and other.change_type != "refactor" for other in rows
            ):
                findings.append(
                    Finding(
                        metric,
                        "refactor_without_version",
                        f"the refactor row of {metric} re-seals version {row.version}, "
                        "which was never approved",
                    )
                )
        if versions != list(range(1, len(versions) + 1)):
            findings.append(
                Finding(
                    metric,
                    "versions_not_consecutive",
                    f"changelog versions of {metric} are {versions}, expected 1..{len(versions)}",
                )
            )
        allowed = approvers(manifest, metric)
        for row in rows:
            if row.approved_by not in allowed:
                findings.append(
                    Finding(
                        metric,
                        "approver_not_listed",
                        f"version {row.version} of {metric} was approved by {row.approved_by}, "
                        f"who is not one of its approvers ({', '.join(allowed) or 'none'})",
                    )
                )
    drifts: list[MetricDrift] = []
    drift_by_metric: dict[str, MetricDrift] = {}
    if base is not None:
        drifts = diff_manifests(base, printer)
        drift_by_metric = {drift.metric: drift for drift in drifts}
    latest = latest_rows(changelog)
    for metric, fingerprint in sorted(prints.items()):
        approved = latest.get(metric)
        command = reapprove_command(manifest, metric)
        drift = drift_by_metric.get(metric)
        changes = drift.changes if drift and drift.category in ("definition", "governance") else []
        if approved is None:
            findings.append(
                Finding(metric, "not_approved", f"{metric} has no row in the changelog", command)
            )
            continue
        if not approved.definition_fingerprint or not approved.governance_fingerprint:
            findings.append(
                Finding(
                    metric,
                    "not_fingerprinted",
                    f"version {approved.version} of {metric} has no fingerprints in the changelog",
                    command,
                )
            )
            continue
        if approved.definition_fingerprint != fingerprint.definition:
            findings.append(
                Finding(
                    metric,
                    "definition_changed",
                    f"the definition of {metric} changed since version {approved.version} was "
                    f"approved ({approved.definition_fingerprint} -> {fingerprint.definition})",
                    command,
                    changes,
                )
            )
        elif approved.governance_fingerprint != fingerprint.governance:
            findings.append(
                Finding(
                    metric,
                    "governance_changed",
                    f"the governance of {metric} (job, counter-metrics, thresholds, decision, "
                    f"status, approvers, direction or maturity) changed since version "
                    f"{approved.version} was approved",
                    command,
                    changes,
                )
            )
        metric_node = manifest.metric(metric)
        ledger_version = (
            (metric_node.meta.get("ledger") or {}).get("version") if metric_node else None
        )
        if ledger_version is not None and ledger_version != approved.version:
            findings.append(
                Finding(
                    metric,
                    "ledger_version_mismatch",
                    f"the ledger of {metric} says version {ledger_version}, the changelog's latest "
                    f"is {approved.version}",
                )
            )
    return GateResult(findings=findings, checked_metrics=sorted(prints), drifts=drifts)
