"""The `metric-ledger` command line: a thin layer over the library."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="metric_ledger")
def main() -> None:
    """Governed support metrics: generate exports, summarise builds, check definitions."""
