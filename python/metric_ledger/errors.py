"""Errors the CLI turns into one line on stderr and exit code 2."""

from __future__ import annotations


class MetricLedgerError(Exception):
    """Unreadable or malformed input: the message names the file and what is wrong."""
