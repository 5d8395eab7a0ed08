"""The re-approval gate for CI (governance.md §3) and `approve`, which re-approves a metric."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from metric_ledger.changelog import ChangelogRow, append_row, latest_rows, read_changelog, rewrite
from metric_ledger.drift import Change, MetricDrift, diff_manifests
from metric_ledger.errors import MetricLedgerError
from metric_ledger.fingerprint import Fingerprinter, MetricFingerprint
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


def _approvers(manifest: Manifest, metric_name: str) -> list[str]:
    metric = manifest.metric(metric_name)
    ledger = (metric.meta.get("ledger") or {}) if metric else {}
    return [str(approver) for approver in ledger.get("approvers") or []]


def _owner(manifest: Manifest, metric_name: str) -> str:
    metric = manifest.metric(metric_name)
    ledger = (metric.meta.get("ledger") or {}) if metric else {}
    return str(ledger.get("owner") or "APPROVER")


def reapprove_command(manifest: Manifest, metric: str) -> str:
    return f'metric-ledger approve {metric} --by {_owner(manifest, metric)} --reason "..."'


def run_gate(
    manifest: Manifest,
    changelog: list[ChangelogRow],
    base: Manifest | None = None,
    fingerprints: dict[str, MetricFingerprint] | None = None,
) -> GateResult:
    """Every reason the current definitions are not approved, or none."""
    prints = fingerprints or Fingerprinter(manifest).all()
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
        allowed = _approvers(manifest, metric)
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
        drifts = diff_manifests(base, manifest, current_fingerprints=prints)
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


# --- rendering ------------------------------------------------------------------------------


def render(result: GateResult, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(result.as_json(), indent=2)
    if output_format == "markdown":
        return _markdown(result)
    if output_format == "github":
        return _github(result)
    return _text(result)


def _text(result: GateResult) -> str:
    if result.passed:
        lines = [
            f"gate passed: {len(result.checked_metrics)} governed metrics match their approvals"
        ]
    else:
        lines = [f"gate failed: {len(result.findings)} problem(s)"]
    for finding in result.findings:
        lines.append(f"- {finding.metric}: {finding.message}")
        for change in finding.changes:
            lines.append(f"    {change.summary}")
            if change.chain:
                lines.append(f"      cause: {' -> '.join(change.chain)}")
            lines.extend(f"      {line}" for line in change.detail[:20])
        if finding.command:
            lines.append(f"    re-approve: {finding.command}")
    for drift in result.drifts:
        if drift.category == "documentation":
            edited = ", ".join(change.summary for change in drift.changes)
            lines.append(f"- {drift.metric}: documentation only ({edited}); no re-approval needed")
    return "\n".join(lines)


def _markdown(result: GateResult) -> str:
    if result.passed:
        lines = [f"### Metric gate: passed ({len(result.checked_metrics)} governed metrics)"]
    else:
        lines = [
            "### Metric gate: re-approval needed",
            "",
            "| metric | problem | what changed | re-approve |",
            "|---|---|---|---|",
        ]
        for finding in result.findings:
            what = (
                "<br>".join(
                    f"{change.summary} (`{' -> '.join(change.chain)}`)"
                    for change in finding.changes
                )
                or finding.message
            )
            command = f"`{finding.command}`" if finding.command else ""
            lines.append(f"| `{finding.metric}` | {finding.problem} | {what} | {command} |")
    documentation = [drift for drift in result.drifts if drift.category == "documentation"]
    if documentation:
        lines += ["", "Documentation-only changes (no re-approval needed): "
                  + ", ".join(f"`{drift.metric}`" for drift in documentation)]  # fmt: skip
    return "\n".join(lines)


def _github(result: GateResult) -> str:
    lines = []
    for finding in result.findings:
        summary = "; ".join(change.summary for change in finding.changes) or finding.message
        lines.append(
            f"::error title=metric {finding.metric}: {finding.problem}::{summary}"
            + (f" Re-approve with: {finding.command}" if finding.command else "")
        )
    if not lines:
        lines.append(
            f"::notice title=metric gate::{len(result.checked_metrics)} governed metrics approved"
        )
    return "\n".join(lines)


# --- approve --------------------------------------------------------------------------------


def approve(
    manifest: Manifest,
    changelog_path: Path,
    metric: str,
    approved_by: str,
    reason: str,
    effective: date | None = None,
    freeze_weeks: int | None = None,
    now: datetime | None = None,
    project_dir: Path | None = None,
    refactor: bool = False,
) -> ChangelogRow:
    """Record that ``approved_by`` approves the current definition of ``metric``.

    Appends the next version, or, when the latest version was recorded without fingerprints
    (the version-1 rows of a new project), seals that row with them. Bumps the metric's ledger
    version in its YAML file when it can find it. With ``refactor``, appends a row of change_type
    ``refactor`` that re-seals the latest version with the current fingerprints: the definition
    version stays, no freeze, no notice (for a change shown to move no governed number).
    """
    node = manifest.metric(metric)
    if node is None or not node.meta.get("governed"):
        raise MetricLedgerError(f"{metric}: not a governed metric of {manifest.path}")
    allowed = _approvers(manifest, metric)
    if approved_by not in allowed:
        raise MetricLedgerError(
            f"{approved_by} may not approve {metric}: its approvers are {', '.join(allowed)}"
        )
    fingerprint = Fingerprinter(manifest, project_dir).fingerprint(node)
    rows = read_changelog(changelog_path) if changelog_path.exists() else []
    latest = latest_rows(rows).get(metric)
    moment = (now or datetime.now(UTC)).replace(microsecond=0, tzinfo=None)
    if latest is not None and not latest.definition_fingerprint:
        sealed = ChangelogRow(
            **{
                **latest.__dict__,
                "definition_fingerprint": fingerprint.definition,
                "governance_fingerprint": fingerprint.governance,
            }
        )
        rewrite(changelog_path, [sealed if row is latest else row for row in rows])
        return sealed
    if (
        latest is not None
        and latest.definition_fingerprint == fingerprint.definition
        and latest.governance_fingerprint == fingerprint.governance
    ):
        raise MetricLedgerError(
            f"{metric}: the current definition is already approved as version {latest.version}"
        )
    if refactor:
        if latest is None:
            raise MetricLedgerError(f"{metric}: a refactor needs an earlier approved version")
        if freeze_weeks:
            raise MetricLedgerError(f"{metric}: a refactor moves no number and has no freeze")
        change_type = "refactor"
    elif latest is None:
        change_type = "introduced"
    elif latest.definition_fingerprint != fingerprint.definition:
        change_type = "definition_change"
    else:
        change_type = "governance_change"
    weeks = (
        freeze_weeks
        if freeze_weeks is not None
        else (2 if change_type == "definition_change" else 0)
    )
    if change_type == "refactor":
        version = latest.version if latest else 1
    else:
        version = (latest.version + 1) if latest else 1
    row = ChangelogRow(
        metric_name=metric,
        version=version,
        effective_date=effective or moment.date(),
        change_type=change_type,
        summary=reason,
        definition_fingerprint=fingerprint.definition,
        governance_fingerprint=fingerprint.governance,
        approved_by=approved_by,
        approved_at=moment,
        freeze_weeks=weeks,
    )
    append_row(changelog_path, row)
    if project_dir is not None and change_type != "refactor":
        bump_ledger_version(project_dir, metric, row.version)
    return row


def bump_ledger_version(project_dir: Path, metric: str, version: int) -> Path | None:
    """Set ``config.meta.ledger.version`` of ``metric`` in the YAML that defines it."""
    name_line = re.compile(rf"^(\s*)- name: {re.escape(metric)}\s*$")
    for path in sorted((project_dir / "models").rglob("*.yml")):
        lines = path.read_text().splitlines(keepends=True)
        for index, line in enumerate(lines):
            match = name_line.match(line)
            if not match:
                continue
            indent = match.group(1)
            in_ledger = False
            for position in range(index + 1, len(lines)):
                current = lines[position]
                if re.match(rf"^{indent}- ", current) or (
                    current.strip() and not current.startswith(indent + " ")
                ):
                    break
                if current.strip() == "ledger:":
                    in_ledger = True
                    continue
                version_match = re.match(r"^(\s*)version:\s*\d+\s*$", current)
                if in_ledger and version_match:
                    lines[position] = f"{version_match.group(1)}version: {version}\n"
                    path.write_text("".join(lines))
                    return path
    return None
