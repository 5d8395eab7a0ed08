"""A decision statement's backtest as text (a terminal) or JSON."""

from __future__ import annotations

import json

from metric_ledger.backtest import Backtest


def _number(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:,.4g}{unit}"


def render_backtest(result: Backtest, output_format: str = "text") -> str:
    """Every week of the history with its verdict, then what the firings and holds add up to."""
    if output_format == "json":
        return json.dumps(result.as_json(), indent=2)
    statement = result.statement
    unit = "%" if statement.threshold_unit == "percent" else " pts"
    fired = result.in_state("fired")
    held = result.in_state("held")
    judged = [w for w in result.weeks if w.decision_state not in ("held", "no_baseline")]
    lines = [
        f"{'Proposed' if result.proposed else 'Ledger'} statement: {statement.text}",
        f"owner: {statement.owner}",
        "",
        "week        state        value      baseline   move       held for / mix shift",
    ]
    for week in result.weeks:
        note = week.held_reasons or (
            f"mix shift: {', '.join(week.mix_shifts)}" if week.mix_shifts else ""
        )
        state = week.decision_state + (" (new)" if week.is_new_firing else "")
        lines.append(
            f"{week.week_start_date}  {state:<12} {_number(week.metric_value):<10} "
            f"{_number(week.baseline_value):<10} {_number(week.move_size, unit):<10} {note}"
        )
    lines.append("")
    new = [w.week_start_date for w in result.weeks if w.is_new_firing]
    lines.append(
        f"Fired in {len(fired)} of {len(judged)} judged weeks"
        + (f" ({len(new)} new firing(s): {', '.join(new)})" if new else "")
        + f"; {len(result.weeks)} weeks in the warehouse."
    )
    mix = result.fired_in_mix_shift
    lines.append(
        f"Of the firings, {len(mix)} fell in a week whose mix shifted"
        + (
            " (" + "; ".join(f"{w.week_start_date}: {', '.join(w.mix_shifts)}" for w in mix) + ")"
            if mix
            else ""
        )
        + ": segment before acting on those, the move may be mix or seasonality, not performance."
    )
    if held:
        reasons = ", ".join(f"{reason} {count}" for reason, count in result.held_by_reason.items())
        lines.append(f"Held in {len(held)} week(s), the number not usable: {reasons}.")
    else:
        lines.append("Held in no week.")
    stopped = result.crossed_while_held
    if stopped:
        lines.append(
            f"Crossed while held in {len(stopped)} week(s), firings the guardrails stopped: "
            + "; ".join(f"{w.week_start_date} ({w.held_reasons})" for w in stopped)
            + "."
        )
    return "\n".join(lines)
