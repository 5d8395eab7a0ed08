"""`metric-ledger summary` on a terminal (rich): what ``warehouse_summary`` read from a build.
The CLI calls these; they never compute."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from metric_ledger.warehouse_summary import BuildSummary, DecisionTrigger, GuardrailFindings


def _minutes(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 120:
        return f"{value / 60:.1f} h"
    return f"{value:.0f} min"


def render_summary(summary: BuildSummary, console: Console | None = None) -> None:
    """Print a build summary: totals, per-channel coverage and response, quarantine."""
    console = console or Console()
    if not summary.all_contacts:
        console.print(
            "[bold]metric_ledger build[/bold]  the export has no tickets: no week, no contact "
            "and no metric value to summarise."
        )
        _render_quarantine(summary, console)
        return
    if summary.first_week is None or summary.last_week is None:
        weeks = "none (no ticket has a creation time)"
    else:
        weeks = f"{summary.first_week} .. {summary.last_week}"
    console.print(
        f"[bold]metric_ledger build[/bold]  weeks {weeks}\n"
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
    _render_quarantine(summary, console)


def _render_quarantine(summary: BuildSummary, console: Console) -> None:
    if summary.quarantine:
        quarantine = Table(title="Quarantined raw rows (stg_helpdesk__quarantined_rows)")
        for header in ("table", "reason", "rows"):
            quarantine.add_column(header, justify="right" if header == "rows" else "left")
        for item in summary.quarantine:
            quarantine.add_row(item.source_table, item.quarantine_reason, f"{item.rows:,}")
        console.print(quarantine)
    else:
        console.print("Quarantine: empty (every raw row meets the source contract).")


def render_guardrails(findings: GuardrailFindings, console: Console | None = None) -> None:
    """Print what the guardrails caught: frozen metrics and why, coverage drops, mix shifts,
    branch gate verdicts, re-baseline notices, decision-record verdicts."""
    console = console or Console()
    week = findings.latest_complete_week
    if week is None:
        console.print(
            "\n[bold]Guardrails[/bold]  no complete week in the export: no metric-week can be "
            "judged usable for its job yet."
        )
    else:
        console.print(f"\n[bold]Guardrails[/bold]  latest complete week {week}")
        if findings.blocked_this_week:
            table = Table(title=f"Metrics not usable for their job in the week of {week}")
            for header in ("metric", "job", "why not"):
                table.add_column(header)
            for status in findings.blocked_this_week:
                table.add_row(status.metric_name, status.job, status.reasons)
            console.print(table)
        else:
            console.print(f"Every governed metric may be used for its job in the week of {week}.")
    counts = ", ".join(
        f"{reason} {count}" for reason, count in findings.blocked_weeks_by_reason.items() if count
    )
    console.print(f"Metric-weeks flagged over the export: {counts or 'none'}")
    if week is not None:
        render_decision_triggers(findings, week, console)
    for drop in findings.coverage_drops[:8]:
        console.print(f"  coverage_drop: {drop.metric_name} in the week of {drop.week_start_date}")
    if len(findings.coverage_drops) > 8:
        console.print(f"  ... and {len(findings.coverage_drops) - 8} more coverage drops")
    if findings.mix_shifts:
        table = Table(title="Mix shifts (segment before judging)")
        for header in ("week", "branch", "dimension", "largest mover", "before", "now"):
            table.add_column(header)
        for shift in findings.mix_shifts[:12]:
            table.add_row(
                shift.week_start_date,
                shift.branch,
                shift.mix_dimension,
                shift.largest_mover,
                f"{shift.trailing_share:.1%}",
                f"{shift.share:.1%}",
            )
        console.print(table)
    else:
        console.print("Mix shifts: none flagged.")
    if findings.branch_gate:
        table = Table(title="Branch comparability gate (weeks ranked / weeks)")
        for header in ("metric", "ranked", "failed checks"):
            table.add_column(header)
        for verdict in findings.branch_gate:
            table.add_row(
                verdict.metric_name,
                f"{verdict.weeks_ranked}/{verdict.weeks}",
                verdict.failed_checks,
            )
        console.print(table)
    if findings.notices:
        for notice in findings.notices:
            console.print(
                f"Re-baseline: {notice.metric_name} v{notice.from_version} -> v{notice.to_version} "
                f"effective {notice.effective_date}, frozen until {notice.freeze_ends_on}, "
                f"baseline ready {notice.baseline_ready_week or 'not yet'}"
            )
    else:
        console.print("Re-baseline notices: none (no definition change in the changelog).")
    for decision_id, intervention, metric, outcome in findings.decision_reviews:
        console.print(f"Decision {decision_id} ({intervention}, {metric}): {outcome}")
    if not findings.decision_reviews:
        console.print("Decision records: none to review (seeds/decision_records.csv is empty).")


def _move_text(trigger: DecisionTrigger) -> str:
    if trigger.move is None:
        return "-"
    unit = "%" if trigger.threshold_unit == "percent" else " points"
    return f"{trigger.move:+.1f}{unit} (threshold {trigger.threshold_value:g}{unit})"


def render_decision_triggers(findings: GuardrailFindings, week: str, console: Console) -> None:
    """The decision statements that fired (act) or were held (untrustworthy number) this week."""
    fired = [t for t in findings.decision_triggers if t.decision_state == "fired"]
    held = [t for t in findings.decision_triggers if t.decision_state == "held"]
    if fired:
        table = Table(title=f"Decision statements fired in the week of {week}: act")
        for header in ("metric", "slice", "moved", "owner", "then"):
            table.add_column(header)
        for trigger in fired:
            metric = trigger.metric_name + (" (new)" if trigger.is_new_firing else "")
            table.add_row(
                *(
                    escape(cell)
                    for cell in (
                        metric,
                        trigger.decision_slice or "all",
                        f"{trigger.moves} {_move_text(trigger)}",
                        trigger.owner,
                        trigger.action,
                    )
                )
            )
        console.print(table)
    else:
        console.print(f"Decision statements fired in the week of {week}: none.")
    if held:
        by_reasons: dict[str, list[str]] = {}
        for trigger in held:
            name = trigger.metric_name + (
                f" ({trigger.decision_slice})" if trigger.decision_slice else ""
            )
            by_reasons.setdefault(trigger.held_reasons, []).append(name)
        console.print(
            f"Decision statements held in the week of {week} (the number may not be used, "
            "so it triggers nothing):"
        )
        for reasons, names in sorted(by_reasons.items()):
            console.print(escape(f"  {reasons}: {', '.join(names)}"))
