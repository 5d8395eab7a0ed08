"""Terminal rendering of library results (rich). The CLI calls these; they never compute."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from metric_ledger.summary import BuildSummary


def _minutes(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 120:
        return f"{value / 60:.1f} h"
    return f"{value:.0f} min"


def render_summary(summary: BuildSummary, console: Console | None = None) -> None:
    """Print a build summary: totals, per-channel coverage and response, quarantine."""
    console = console or Console()
    console.print(
        f"[bold]metric_ledger build[/bold]  weeks {summary.first_week} .. {summary.last_week}\n"
        f"contacts in export {summary.all_contacts:,}  included {summary.included_contacts:,}  "
        f"coverage {summary.coverage_rate:.1%}  quarantined tickets {summary.quarantined_tickets:,}"
    )
    channels = Table(title="Coverage and first response by channel (included tickets)")
    for header in ("channel", "included", "coverage", "FRT p50", "meaningful FRT p50"):
        channels.add_column(header, justify="left" if header == "channel" else "right")
    for row in summary.channels:
        coverage = f"{row.coverage_rate:.1%}"
        if row.coverage_rate < 0.95:
            coverage = f"[red]{coverage}[/red]"
        channels.add_row(
            row.channel,
            f"{row.included_contacts:,}",
            coverage,
            _minutes(row.first_response_minutes_p50),
            _minutes(row.first_meaningful_response_minutes_p50),
        )
    console.print(channels)
    if summary.quarantine:
        quarantine = Table(title="Quarantined raw rows (stg_helpdesk__quarantined_rows)")
        for header in ("table", "reason", "rows"):
            quarantine.add_column(header, justify="right" if header == "rows" else "left")
        for item in summary.quarantine:
            quarantine.add_row(item.source_table, item.quarantine_reason, f"{item.rows:,}")
        console.print(quarantine)
    else:
        console.print("Quarantine: empty (every raw row meets the source contract).")
