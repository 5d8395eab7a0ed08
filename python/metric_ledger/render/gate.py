"""The gate's verdict: text (a terminal), Markdown (a PR comment), GitHub annotations, JSON."""

from __future__ import annotations

import json

from metric_ledger.gate import GateResult


def render_gate(result: GateResult, output_format: str) -> str:
    """The gate's verdict as text, Markdown (a PR comment), GitHub annotations or JSON."""
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
