"""The drift report's scan, in the third seed document's order: what invalidates comparisons, mix
shift, backlog shape, speed against quality, where escalations cluster; then the branch gate,
the decision records due for review and the re-baseline notices. Words, tables and charts of
what ``drift_report`` read; nothing is computed here."""

from __future__ import annotations

from dataclasses import dataclass, field

from metric_ledger.drift_report import BranchGate, DriftReport, MetricPanel, WeekStatus
from metric_ledger.render import report_charts as charts
from metric_ledger.render.report_text import fmt_value, pct, reason_sentences, week_label


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    question: str
    findings: list[str]
    charts: list[charts.Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    details: list[tuple[str, Table]] = field(default_factory=list)


_COVERAGE_REASONS = ("coverage_drop", "below_coverage_floor")
_COMPARABILITY_REASONS = (
    "coverage_drop",
    "below_coverage_floor",
    "comparability_break",
    "definition_freeze",
    "definition_version_mismatch",
)


def _comparability(report: DriftReport) -> Section:
    findings: list[str] = []
    window_end = report.window[-1]
    for n in report.notices:
        if n.freeze_ends_on >= report.window[0] and n.effective_date <= window_end:
            ready = (
                f"the new baseline is ready from the {week_label(n.baseline_ready_week)}"
                if n.baseline_ready_week
                else "the new baseline is not ready yet (mix not stable)"
            )
            findings.append(
                f"Definition change: {n.metric_name} v{n.from_version} to v{n.to_version}, "
                f"effective {n.effective_date} ({n.summary}); targets frozen until "
                f"{n.freeze_ends_on}; "
                f"{n.invalid_comparisons or 'comparisons across it are invalid'}"
                f"; {ready}."
            )
    if not any(f.startswith("Definition change") for f in findings):
        findings.append("No definition change (re-baseline notice) reaches into the window.")
    for index, event in enumerate(report.context_events, start=1):
        scope = event.scope_type + (f" {event.scope_value}" if event.scope_value else "")
        breaks = "breaks comparability" if event.breaks_comparability else "context only"
        findings.append(
            f"C{index}{'!' if event.breaks_comparability else ''} {event.occurred_on}, "
            f"{event.kind} ({scope}): {event.description} [{breaks}]"
        )
    if not report.context_events:
        findings.append(
            "The context log has no entry in the window: write comparability breakers (launch, "
            "outage, staffing move, policy change) into it."
        )
    rows: list[list[str]] = []
    for week in report.window:
        hit = [
            (panel, status)
            for panel in report.metrics
            if (status := panel.week(week)) is not None
            and any(reason in status.reasons for reason in _COMPARABILITY_REASONS)
        ]
        coverage = [
            (p, s)
            for p, s in hit
            if "coverage_drop" in s.reasons or "below_coverage_floor" in s.reasons
        ]
        if coverage:
            panel, status = max(coverage, key=lambda hit: hit[1].uncounted_contacts or 0)
            words = reason_sentences(status, panel, report, only=_COVERAGE_REASONS)
            findings.append(
                f"Coverage, {week_label(week)}: {len(coverage)} metrics lose contacts "
                f"({', '.join(p.metric_name for p, _ in coverage)}); for example "
                f"{panel.metric_name}: " + "; ".join(words) + "."
            )
        rows.extend(
            [week, p.metric_name, "; ".join(reason_sentences(s, p, report))] for p, s in hit
        )
    return Section(
        "scan-comparability",
        "1. Did anything change that invalidates comparisons?",
        "Definitions, exclusions, tagging, status workflow, routing: re-baseline notices, the "
        "context log (C-numbers on every chart) and the weeks whose coverage or comparability "
        "broke.",
        findings,
        details=[
            (
                "Every metric-week of the window with a comparability reason",
                Table("Metric-weeks not comparable", ["week", "metric", "why"], rows),
            )
        ]
        if rows
        else [],
    )


def _mix(report: DriftReport) -> Section:
    flagged = [m for m in report.mix if m.is_flagged]
    findings = [
        f"{week_label(m.week)}: {m.dimension} mix shifted"
        + (" across all branches" if m.branch == "(all)" else f" in branch {m.branch}")
        + f" (distance {m.distance:.2f} over its threshold {m.threshold:g}); largest mover "
        f"{m.largest_mover}: {pct(m.trailing_share)} of contacts over the four weeks before, "
        f"{pct(m.share)} this week. Segment before judging."
        for m in flagged
    ] or ["No mix shift flagged in the window (channel, contact reason, priority, tier)."]
    chart = charts.to_chart(
        charts.mix_spec(report.mix, report.window),
        "chart-mix",
        "Mix distance to the trailing four weeks, per dimension, all branches",
        f"{len(flagged)} flagged shifts in the window, "
        f"{sum(1 for m in flagged if m.branch == '(all)')} across all branches. "
        "Triangles are flagged weeks, squares weeks not judged (too little history); the dashed "
        "line is the dimension's threshold.",
    )
    rows = [
        [
            m.week,
            m.branch,
            m.dimension,
            f"{m.distance:.3f}",
            f"{m.threshold:g}",
            m.largest_mover,
            pct(m.trailing_share, 1),
            pct(m.share, 1),
            "flagged" if m.is_flagged else "-",
        ]
        for m in report.mix
    ]
    return Section(
        "scan-mix",
        "2. Did the mix shift?",
        "Channel, contact reason, priority (severity) and customer tier, against the four weeks "
        "before (mix_shift_weekly): flagged when the distance passes the dimension's threshold "
        "and the largest mover's change is clear.",
        findings,
        charts=[chart],
        details=[
            (
                "The chart's data and the flagged branches",
                Table(
                    "Mix distance by week",
                    [
                        "week",
                        "branch",
                        "dimension",
                        "distance",
                        "threshold",
                        "largest mover",
                        "share before",
                        "share",
                        "flag",
                    ],
                    rows,
                ),
            )
        ],
    )


def _backlog(report: DriftReport) -> Section:
    findings: list[str] = []
    if report.backlog:
        last = report.backlog[-1]
        first = report.backlog[0]
        findings.append(
            f"At the end of {last.backlog_date}: {last.open_tickets:,} open tickets, "
            f"{last.older_than_alert:,} older than the alert age (backlog_older_than_72h) and "
            f"{last.open_7d_plus:,} of 7 days or more; at the end of {first.backlog_date}: "
            f"{first.open_tickets:,} open, {first.older_than_alert:,} older than the alert age."
        )
    growing = [s for s in report.aging_segments if s.weeks_growing >= 3]
    findings.extend(
        f"Quietly aging work: {s.customer_tier} {s.region} {s.channel}: the bucket older than the "
        f"alert age grew {s.weeks_growing} weeks in a row "
        f"({', '.join(str(v) for v in s.older_by_week)} at the window's week ends)."
        for s in growing
    )
    if not growing:
        findings.append(
            "No customer tier x region x channel had its oldest bucket grow three weeks in a row."
        )
    chart = charts.to_chart(
        charts.series_spec(
            "Open tickets at each week's end, by age",
            [("age buckets", charts.backlog_rows(report.backlog))],
            report.window,
            "number",
        ),
        "chart-backlog",
        "Backlog at each week's end by age bucket",
        findings[0] if report.backlog else "No backlog rows in the window.",
    )
    return Section(
        "scan-backlog",
        "3. Did the backlog shape change?",
        "Especially the oldest bucket (fct_backlog_daily at each week's last day).",
        findings,
        charts=[chart],
        tables=[
            Table(
                "Segments with the most tickets older than the alert age",
                [
                    "tier",
                    "region",
                    "channel",
                    "older than alert, by week end",
                    "open (latest)",
                    "weeks growing",
                ],
                [
                    [
                        s.customer_tier,
                        s.region,
                        s.channel,
                        ", ".join(str(v) for v in s.older_by_week),
                        str(s.open_latest),
                        str(s.weeks_growing),
                    ]
                    for s in report.aging_segments
                ],
            )
        ],
    )


_SPEED = (
    "first_response_minutes_p50",
    "first_meaningful_response_minutes_p50",
    "resolution_minutes_p50",
)
_QUALITY = ("reopen_rate", "repeat_contact_rate", "one_touch_rate")


def _points(report: DriftReport, names: tuple[str, ...]) -> list[dict[str, object]]:
    return [
        {"week": s.week, "value": s.value, "series": name}
        for name in names
        if (panel := report.metric(name)) is not None
        for s in panel.weeks
        if s.value is not None
    ]


def _breach_weeks(panel: MetricPanel) -> list[WeekStatus]:
    return [s for s in panel.weeks if "counter_metric_breach" in s.reasons]


def _speed_quality(report: DriftReport) -> Section:
    findings = []
    for panel in report.metrics:
        weeks = _breach_weeks(panel)
        if weeks:
            latest = weeks[-1]
            findings.append(
                f"{panel.metric_name} ({panel.job}): a counter-metric moved against it in "
                f"{len(weeks)} of {len(report.window)} weeks; in the {week_label(latest.week)} "
                f"{panel.metric_name} was {fmt_value(panel.metric_name, latest.value)} and "
                + "; ".join(
                    reason_sentences(latest, panel, report, only=("counter_metric_breach",))
                )
                + "."
            )
    if not findings:
        findings.append("No counter-metric breach in the window: quality held while speed moved.")
    chart = charts.to_chart(
        charts.series_spec(
            "Speed (minutes) and quality (rates) by week",
            [("speed", _points(report, _SPEED)), ("quality", _points(report, _QUALITY))],
            report.window,
            "minutes",
        ),
        "chart-speed-quality",
        "Speed metrics against quality metrics by week",
        f"{len([f for f in findings if 'moved against' in f])} metrics had a counter-metric "
        "breach in the window. Series differ by dash and point shape and are labelled at the "
        "latest week.",
    )
    rows = [
        [
            s.week,
            *[
                fmt_value(
                    n, s2.value if (p := report.metric(n)) and (s2 := p.week(s.week)) else None
                )
                for n in (*_SPEED, *_QUALITY)
            ],
        ]
        for s in (report.metric(_SPEED[0]) or report.metrics[0]).weeks
    ]
    return Section(
        "scan-speed-quality",
        "4. Is quality moving against speed?",
        "Reopens and repeat contacts rising while first response or resolution improve: the "
        "counter-metric breaches of metric_status_weekly.",
        findings,
        charts=[chart],
        details=[
            (
                "The chart's data",
                Table("Speed and quality by week", ["week", *_SPEED, *_QUALITY], rows),
            )
        ],
    )


def _escalations(report: DriftReport) -> Section:
    panel = report.metric("escalation_rate")
    latest = panel.week(report.latest_week) if panel else None
    findings = [
        f"escalation_rate in the {week_label(report.latest_week)}: "
        f"{fmt_value('escalation_rate', latest.value if latest else None)}."
    ]
    findings.extend(
        f"{c.dimension}={c.segment}: {c.escalated} escalations of {c.included} contacts "
        f"({pct(c.rate, 1)} against {pct(c.overall_rate, 1)} overall), "
        f"{pct(c.share_of_escalations)} of the week's escalations from {pct(c.share_of_contacts)} "
        "of its contacts."
        for c in report.escalations[:4]
    )
    chart = charts.to_chart(
        charts.escalation_spec(report.escalations),
        "chart-escalations",
        "Where the latest week's escalations cluster",
        " ".join(findings[1:3]) or "No escalation in the latest week.",
    )
    return Section(
        "scan-escalations",
        "5. Where do escalations cluster?",
        "Segments of the latest complete week whose share of escalations exceeds their share of "
        "contacts most (fct_support_weekly).",
        findings,
        charts=[chart] if report.escalations else [],
        tables=[
            Table(
                "Escalation clusters, latest complete week",
                [
                    "segment",
                    "escalated",
                    "contacts",
                    "rate",
                    "overall",
                    "share of escalations",
                    "share of contacts",
                ],
                [
                    [
                        f"{c.dimension}={c.segment}",
                        str(c.escalated),
                        str(c.included),
                        pct(c.rate, 1),
                        pct(c.overall_rate, 1),
                        pct(c.share_of_escalations),
                        pct(c.share_of_contacts),
                    ]
                    for c in report.escalations
                ],
            )
        ],
    )


_CHECKS = {
    "reason_overlap": "contact-reason overlap between branches under the minimum",
    "coverage_spread": "branch coverage too far apart",
    "same_definition_version": "a definition change inside the week",
    "reversal_by_channel": "the ranking reverses after segmenting by channel",
    "reversal_by_contact_reason": "the ranking reverses after segmenting by contact reason "
    "(Simpson's paradox)",
}


def _checks_in_words(gate: BranchGate) -> str:
    words = []
    for check in (c.strip() for c in gate.failed_checks.split(",") if c.strip()):
        text = _CHECKS.get(check, check)
        if check == "reason_overlap" and gate.min_reason_overlap is not None:
            text += f" ({pct(gate.min_reason_overlap)})"
        if check == "coverage_spread" and gate.coverage_spread_points is not None:
            text += f" ({gate.coverage_spread_points:.1f} points)"
        words.append(text)
    return "; ".join(words)


def _branch_gate(report: DriftReport) -> Section:
    gates = report.branch_gates
    ranked = [g for g in gates if g.is_ranking_allowed]
    findings = [
        f"{len(ranked)} of {len(gates)} rankable metrics may rank branches in the "
        f"{week_label(report.latest_week)}; the others publish contact-reason cohorts instead."
    ]
    reversed_gates = sorted(
        (g for g in gates if g.weeks_reason_reversed),
        key=lambda g: (-g.weeks_reason_reversed, g.metric_name),
    )
    if reversed_gates:
        findings.append(
            "Simpson's paradox: for these metrics the branch ranking reversed after segmenting by "
            "contact reason (branches differ in their contact-reason mix): compare branches "
            "within contact-reason cohorts, not in a league table. "
            + "; ".join(
                f"{g.metric_name} in {g.weeks_reason_reversed} of {g.weeks_judged} weeks "
                f"({g.reason_reversed_pairs})"
                for g in reversed_gates[:5]
            )
            + (
                f"; and {len(reversed_gates) - 5} more (table below)."
                if len(reversed_gates) > 5
                else "."
            )
        )
    rows = [
        [
            g.metric_name,
            "ranking" if g.is_ranking_allowed else "cohorts",
            _checks_in_words(g) or "-",
            g.reversed_pairs or "-",
            f"{g.weeks_ranked} of {g.weeks_judged}",
            f"{g.weeks_reason_reversed} ({g.reason_reversed_pairs})"
            if g.weeks_reason_reversed
            else "0",
        ]
        for g in gates
    ]
    details = []
    for gate in gates:
        league = [r for r in report.league if r.metric_name == gate.metric_name]
        details.append(
            (
                f"{gate.metric_name}: {'ranking' if gate.is_ranking_allowed else 'cohorts'}",
                Table(
                    f"branch_league_table, {gate.metric_name}",
                    ["cohort", "branch", "value", "rank"],
                    [
                        [
                            f"{r.cohort_dimension}={r.cohort_value}",
                            r.branch,
                            fmt_value(r.metric_name, r.value),
                            str(r.rank or "-"),
                        ]
                        for r in league
                    ],
                ),
            )
        )
    return Section(
        "scan-branches",
        "6. May branches be compared?",
        "The comparability gate (branch_comparison_gate): reason overlap, coverage spread, one "
        "definition version, no reversal after segmenting. Fail: cohorts, not a league table.",
        findings,
        tables=[
            Table(
                f"Branch gate, {week_label(report.latest_week)}",
                [
                    "metric",
                    "published",
                    "failed checks this week",
                    "reversed pairs",
                    "weeks ranked in the window",
                    "weeks reversed by contact reason in the window",
                ],
                rows,
            )
        ],
        details=details,
    )


def _reviews(report: DriftReport) -> Section:
    findings = []
    for r in report.reviews:
        breached = [
            f"guardrail {m} at {fmt_value(m, after)} past its {d} {fmt_value(m, limit)}"
            for m, d, limit, after, hit in r.guardrails
            if hit
        ]
        verdict = r.verdict.replace("_", " ")
        due = "due" if r.is_review_due else f"not due until {r.review_on}, provisional"
        findings.append(
            f"{r.decision_id} ({r.intervention_type}, {r.slice}, owner {r.owner}; {due}): "
            f"{verdict}. {r.leading_metric} "
            f"{fmt_value(r.leading_metric, r.leading_before)} before, "
            f"{fmt_value(r.leading_metric, r.leading_after)} after"
            + (f" ({r.leading_change_pct:+.0f}%" if r.leading_change_pct is not None else " (")
            + f"; target {r.leading_direction} by {r.leading_target_change_pct:g}%)"
            + (f"; {'; '.join(breached)}" if breached else "; no guardrail breached")
            + "."
        )
    if not findings:
        findings.append("No decision record in the warehouse (the decision_records seed is empty).")
    return Section(
        "scan-decisions",
        "7. Decision records due for review: keep, adjust or roll back",
        "Did the hypothesis hold in the frozen slice, did the leading metric move, did the "
        "guardrails stay safe (decision_record_reviews)?",
        findings,
    )


def _notices(report: DriftReport) -> Section:
    rows = [
        [
            n.metric_name,
            f"v{n.from_version} to v{n.to_version}",
            n.effective_date,
            n.summary,
            f"{n.freeze_starts_on} to {n.freeze_ends_on}",
            n.baseline_ready_week or "not ready",
            n.approved_by,
        ]
        for n in report.notices
    ]
    findings = (
        [f"{len(rows)} re-baseline notices."]
        if rows
        else [
            "No definition change approved since the metrics were introduced: "
            "no re-baseline notice."
        ]
    )
    return Section(
        "scan-notices",
        "8. Re-baseline notices",
        "Every approved definition change: freeze window and when the new baseline is ready.",
        findings,
        tables=[
            Table(
                "metric_rebaseline_notices",
                [
                    "metric",
                    "versions",
                    "effective",
                    "what changed",
                    "freeze",
                    "baseline ready",
                    "approved by",
                ],
                rows,
            )
        ]
        if rows
        else [],
    )


def scan_sections(report: DriftReport) -> list[Section]:
    return [
        _comparability(report),
        _mix(report),
        _backlog(report),
        _speed_quality(report),
        _escalations(report),
        _branch_gate(report),
        _reviews(report),
        _notices(report),
    ]
