"""`approve`: record a metric's re-approval in the changelog and bump its ledger version.

The approval is a changelog row carrying the current fingerprints (governance.md §3); the
metric's ``config.meta.ledger.version`` in its YAML follows the changelog's latest version.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from metric_ledger.changelog import ChangelogRow, append_row, latest_rows, read_changelog, rewrite
from metric_ledger.errors import UsageError, cannot_read, cannot_write
from metric_ledger.fingerprint import Fingerprinter
from metric_ledger.manifest import Manifest


def _ledger(manifest: Manifest, metric_name: str) -> dict[str, object]:
    metric = manifest.metric(metric_name)
    return dict(metric.meta.get("ledger") or {}) if metric else {}


def approvers(manifest: Manifest, metric_name: str) -> list[str]:
    """Who may approve ``metric_name`` (its ledger's approvers)."""
    listed = _ledger(manifest, metric_name).get("approvers") or []
    return [str(approver) for approver in listed] if isinstance(listed, list) else []


def reapprove_command(manifest: Manifest, metric: str) -> str:
    """The command that re-approves ``metric``, by its owner."""
    owner = str(_ledger(manifest, metric).get("owner") or "APPROVER")
    return f'metric-ledger approve {metric} --by {owner} --reason "..."'


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
        raise UsageError(f"{metric}: not a governed metric of {manifest.path}")
    allowed = approvers(manifest, metric)
    if approved_by not in allowed:
        raise UsageError(
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
        raise UsageError(
            f"{metric}: the current definition is already approved as version {latest.version}"
        )
    if refactor:
        if latest is None:
            raise UsageError(f"{metric}: a refactor needs an earlier approved version")
        if freeze_weeks:
            raise UsageError(f"{metric}: a refactor moves no number and has no freeze")
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
    """Set ``config.meta.ledger.version`` of ``metric`` in the YAML that defines it; the file
    written, or None when no YAML under ``models/`` defines it."""
    for path in sorted((project_dir / "models").rglob("*.yml")):
        try:
            text = path.read_text()
        except OSError as error:
            raise cannot_read(path, error) from None
        if not defines_metric(text, metric):
            continue  # a unit test's fixture may name the metric too: only its definition counts
        bumped = with_ledger_version(text.splitlines(keepends=True), metric, version)
        if bumped is not None:
            try:
                path.write_text("".join(bumped))
            except OSError as error:
                raise cannot_write(path, error) from None
            return path
    return None


def defines_metric(text: str, metric: str) -> bool:
    """Whether a dbt YAML file's top-level ``metrics:`` list has an item named ``metric``."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    metrics = document.get("metrics") if isinstance(document, dict) else None
    return isinstance(metrics, list) and any(
        isinstance(item, dict) and item.get("name") == metric for item in metrics
    )


def with_ledger_version(lines: list[str], metric: str, version: int) -> list[str] | None:
    """The YAML ``lines`` with ``version:`` under the ``ledger:`` of the list item named
    ``metric`` set to ``version`` (a line edit that keeps comments and layout), or None when
    the lines do not define it."""
    name_line = re.compile(rf"^(\s*)- name: {re.escape(metric)}\s*$")
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
                return [
                    *lines[:position],
                    f"{version_match.group(1)}version: {version}\n",
                    *lines[position + 1 :],
                ]
    return None
