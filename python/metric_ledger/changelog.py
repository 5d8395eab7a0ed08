"""The metric changelog (``seeds/metric_changelog.csv``): the approval record and the lock."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from pathlib import Path

from metric_ledger.errors import ChangelogError, cannot_read, cannot_write
from metric_ledger.seeds import read_seed

CHANGE_TYPES = ("introduced", "definition_change", "governance_change", "refactor")


@dataclass(frozen=True)
class ChangelogRow:
    metric_name: str
    version: int
    effective_date: date
    change_type: str
    summary: str
    definition_fingerprint: str
    governance_fingerprint: str
    approved_by: str
    approved_at: datetime
    freeze_weeks: int


COLUMNS = tuple(field.name for field in fields(ChangelogRow))


def read_changelog(path: Path) -> list[ChangelogRow]:
    """Read and type-check the changelog; a malformed row raises one error naming file and row."""
    if not path.exists():
        raise ChangelogError(f"{path}: changelog not found")
    seed = read_seed(path)
    missing = [column for column in COLUMNS if column not in seed.header]
    if missing:
        raise ChangelogError(f"{path}: missing column(s) {', '.join(missing)}")
    return [_parse_row(path, line, record) for line, record in seed.records()]


def _parse_row(path: Path, line: int, record: dict[str, str]) -> ChangelogRow:
    def fail(column: str, problem: str) -> ChangelogError:
        return ChangelogError(f"{path}:{line}: {column} {problem}")

    def text(column: str) -> str:
        return (record.get(column) or "").strip()

    try:
        version = int(text("version"))
    except ValueError:
        raise fail("version", f"is not an integer: {text('version')!r}") from None
    try:
        effective = date.fromisoformat(text("effective_date"))
    except ValueError:
        raise fail("effective_date", f"is not a date: {text('effective_date')!r}") from None
    try:
        approved_at = datetime.fromisoformat(text("approved_at"))
    except ValueError:
        raise fail("approved_at", f"is not a timestamp: {text('approved_at')!r}") from None
    try:
        freeze_weeks = int(text("freeze_weeks") or "0")
    except ValueError:
        raise fail("freeze_weeks", f"is not an integer: {text('freeze_weeks')!r}") from None
    if text("change_type") not in CHANGE_TYPES:
        raise fail("change_type", f"must be one of {', '.join(CHANGE_TYPES)}")
    if not text("metric_name"):
        raise fail("metric_name", "is empty")
    if not text("approved_by"):
        raise fail("approved_by", "is empty")
    return ChangelogRow(
        metric_name=text("metric_name"),
        version=version,
        effective_date=effective,
        change_type=text("change_type"),
        summary=text("summary"),
        definition_fingerprint=text("definition_fingerprint"),
        governance_fingerprint=text("governance_fingerprint"),
        approved_by=text("approved_by"),
        approved_at=approved_at,
        freeze_weeks=freeze_weeks,
    )


def latest_rows(rows: list[ChangelogRow]) -> dict[str, ChangelogRow]:
    """Per metric, the row of its highest version; among rows of one version (a refactor
    re-seals the version it follows), the latest approved."""
    latest: dict[str, ChangelogRow] = {}
    for row in rows:
        current = latest.get(row.metric_name)
        if current is None or (row.version, row.approved_at) >= (
            current.version,
            current.approved_at,
        ):
            latest[row.metric_name] = row
    return latest


def append_row(path: Path, row: ChangelogRow) -> None:
    """Append one row, keeping the file's line endings and column order."""
    try:
        text = path.read_text() if path.exists() else ",".join(COLUMNS) + "\n"
    except OSError as error:
        raise cannot_read(path, error) from None
    if not text.endswith("\n"):
        text += "\n"
    _write(path, text + _csv_line(row))


def rewrite(path: Path, rows: list[ChangelogRow]) -> None:
    """Write the changelog anew: the header and ``rows``."""
    _write(path, ",".join(COLUMNS) + "\n" + "".join(_csv_line(row) for row in rows))


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError as error:
        raise cannot_write(path, error) from None


def _csv_line(row: ChangelogRow) -> str:
    values = asdict(row)
    values["approved_at"] = row.approved_at.strftime("%Y-%m-%d %H:%M:%S")
    values["effective_date"] = row.effective_date.isoformat()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([values[column] for column in COLUMNS])
    return buffer.getvalue()
