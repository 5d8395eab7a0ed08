"""The drift report's words: numbers formatted by unit and each reason a number may not be used,
said as a sentence with the warehouse's own figures. A null is never shown as a number."""

from __future__ import annotations

from datetime import date, timedelta

from metric_ledger.drift_report import ContextEvent, DriftReport, MetricPanel, WeekStatus
from metric_ledger.render.report_charts import unit_of

NO_VALUE = "no value"


def fmt_value(metric_name: str, value: float | None) -> str:
    """A metric's number in its unit: minutes (hours past two), percent, or a plain number."""
    if value is None:
        return NO_VALUE
    unit = unit_of(metric_name)
    if unit == "minutes":
        return f"{value / 60:.1f} h" if value >= 120 else f"{value:.0f} min"
    if unit == "rate":
        return f"{value:.1%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def pct(value: float | None, digits: int = 0) -> str:
    return NO_VALUE if value is None else f"{value:.{digits}%}"


def week_label(week: str) -> str:
    """``2026-03-09`` -> ``week of 2026-03-09 (ISO 2026-W11)``."""
    year, number, _ = date.fromisoformat(week).isocalendar()
    return f"week of {week} (ISO {year}-W{number:02d})"


def _week_events(report: DriftReport, week: str) -> list[ContextEvent]:
    start = date.fromisoformat(week)
    end = (start + timedelta(days=7)).isoformat()
    return [
        e for e in report.context_events if e.breaks_comparability and week <= e.occurred_on < end
    ]


def _counter_values(status: WeekStatus) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in status.counter_metric_values.split(";"):
        name, _, value = item.strip().partition("=")
        if name and value:
            values[name] = float(value)
    return values


def reason_sentences(
    status: WeekStatus,
    panel: MetricPanel,
    report: DriftReport,
    only: tuple[str, ...] | None = None,
) -> list[str]:
    """Each reason of ``status`` (or those of ``only``) in words, with the numbers the warehouse
    recorded for it."""
    words: list[str] = []
    for reason in status.reasons:
        if only is not None and reason not in only:
            continue
        if reason == "coverage_drop":
            if (
                status.previous_included_contacts is not None
                and status.included_contacts is not None
            ):
                words.append(
                    f"the contacts it counts fell {status.volume_drop_pct or 0:.0f}% from the week "
                    f"before ({status.previous_included_contacts:,} to "
                    f"{status.included_contacts:,}) and no context-log entry explains it"
                )
            else:
                words.append("the contacts it counts fell and no context-log entry explains it")
        elif reason == "below_coverage_floor":
            text = (
                f"it counts only {pct(status.coverage_rate)} of the contacts in its scope "
                f"({status.coverage_included or 0:,} of {status.coverage_all or 0:,}), under its "
                f"floor of {pct(panel.coverage_floor)}"
            )
            if status.uncounted_channel and status.uncounted_contacts:
                text += (
                    f"; {status.uncounted_contacts:,} contacts on channel "
                    f"'{status.uncounted_channel}' were not counted"
                )
            words.append(text)
        elif reason == "counter_metric_breach":
            values = _counter_values(status)
            breached = [name.strip() for name in status.breached_counter_metrics.split(",")]
            named = ", ".join(
                f"{name} at {fmt_value(name, values.get(name))}" for name in breached if name
            )
            words.append(f"a counter-metric moved against it ({named or 'see the ledger'})")
        elif reason == "comparability_break":
            events = _week_events(report, status.week)
            detail = "; ".join(f"{e.kind} on {e.occurred_on}: {e.description}" for e in events)
            words.append(
                "a context-log entry breaks comparability this week"
                + (f" ({detail})" if detail else "")
            )
        elif reason == "low_response_rate":
            words.append(
                f"only {pct(status.csat_response_rate)} of its surveys were answered, under the "
                "ledger's response-rate floor"
            )
        elif reason == "definition_freeze":
            notices = [n for n in report.notices if n.metric_name == panel.metric_name]
            detail = "; ".join(
                f"v{n.from_version} to v{n.to_version} effective {n.effective_date}, frozen until "
                f"{n.freeze_ends_on}"
                for n in notices
            )
            words.append(
                "its definition changed: the week is inside a re-baseline freeze window"
                + (f" ({detail})" if detail else "")
            )
        elif reason == "immature_week":
            words.append(
                "the number is not final yet"
                + (f": it matures at the end of {status.matures_on}" if status.matures_on else "")
            )
        else:
            words.append(_PLAIN.get(reason, reason.replace("_", " ")))
    if only is None and status.value is None and "no_data" not in status.reasons:
        words.append("it has no value this week")
    return words


_PLAIN = {
    "incomplete_week": "the week is only partly inside the export",
    "warm_up_week": "the export starts too close before this week for its number to be whole",
    "no_data": "it has no value this week",
    "paused": "its ledger status is pause_and_fix",
    "definition_version_mismatch": (
        "its values were computed with another definition version than the dictionary states "
        "(a partial build)"
    ),
}


_SHORT = {
    "incomplete_week": "incomplete week",
    "immature_week": "not final yet",
    "warm_up_week": "warm-up week",
    "no_data": "no value",
    "coverage_drop": "coverage drop",
    "definition_freeze": "definition freeze",
    "counter_metric_breach": "counter-metric breach",
    "comparability_break": "comparability break",
    "low_response_rate": "low survey response rate",
    "below_coverage_floor": "below its coverage floor",
    "paused": "paused",
    "definition_version_mismatch": "definition version mismatch",
}


def short_reasons(status: WeekStatus | None) -> str:
    """The reasons as a short list (the at-a-glance line)."""
    if status is None:
        return "no value"
    words = [_SHORT.get(reason, reason.replace("_", " ")) for reason in status.reasons]
    if status.breached_counter_metrics:
        words = [
            f"{w} ({status.breached_counter_metrics})" if w == "counter-metric breach" else w
            for w in words
        ]
    return ", ".join(words) or "no value"


JOB_PHRASE = {
    "target": "as a target",
    "alarm": "as an alarm",
    "allocation": "for allocation",
    "diagnostic": "for diagnosis",
}


def may_not_use(panel: MetricPanel, status: WeekStatus | None, report: DriftReport) -> str:
    """The sentence that opens a metric's section when its latest number may not be used."""
    week = week_label(report.latest_week)
    job = JOB_PHRASE.get(panel.job, f"for its job ({panel.job})")
    if status is None:
        return f"Do not use {panel.metric_name} {job} in the {week}: it has no value."
    reasons = reason_sentences(status, panel, report)
    return f"Do not use {panel.metric_name} {job} in the {week}: " + "; ".join(reasons) + "."
