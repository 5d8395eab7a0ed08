"""The package's one error hierarchy: every error a user can cause is a ``MetricLedgerError``.

The CLI turns any of them into one line on stderr (``Error: <message>``) and exit code 2; the
message names the file, and the row and column where known, and what is wrong.

    MetricLedgerError
    ├── UsageError          a bad argument or combination of arguments
    └── InputError          a user's file cannot be read or written, or is malformed
        ├── ManifestError   manifest.json (missing, not JSON, not a dbt manifest, not compiled)
        ├── ChangelogError  the approval record (seeds/metric_changelog.csv)
        ├── WarehouseError  a built warehouse (missing, unreadable, not a complete build)
        └── ExportError     a raw export (missing files, unreadable Parquet)

Commands that mix the two kinds keep an error of their own under the base
(``impact.ImpactError``, ``backtest.BacktestError``, ``premortem.PremortemError``).
"""

from __future__ import annotations

from pathlib import Path


class MetricLedgerError(Exception):
    """Anything the user can fix: the message is one line naming the file and what is wrong."""


class UsageError(MetricLedgerError, ValueError):
    """An argument (or a combination of arguments) is invalid; the message names the option."""


class InputError(MetricLedgerError):
    """A user's file cannot be read or written, or its content is malformed."""


class ManifestError(InputError):
    """``manifest.json`` is missing, unreadable, not a dbt manifest, or not compiled."""


class ChangelogError(InputError):
    """The changelog is missing or malformed (the message names the row and the column)."""


class WarehouseError(InputError):
    """A warehouse file cannot be read, or lacks the tables a build makes."""


class ExportError(InputError):
    """A raw export lacks files or cannot be read."""


def os_reason(error: OSError) -> str:
    """The one-line reason of an OSError: ``Permission denied``, ``Not a directory`` ..."""
    return error.strerror or (str(error).splitlines() or [type(error).__name__])[0]


def cannot_write(path: Path | str, error: OSError) -> InputError:
    """An output the user named cannot be written: ``cannot write PATH: reason``."""
    return InputError(f"cannot write {path}: {os_reason(error)}")


def cannot_read(path: Path | str, error: OSError) -> InputError:
    """An input the user named cannot be read: ``cannot read PATH: reason``."""
    return InputError(f"cannot read {path}: {os_reason(error)}")
