"""The one-page metric memo as Markdown or as self-contained HTML printed on one A4 page.

The outline is the first seed's ("Decision handoff"), ten sections in its order. A metric that
may not be used this week says so first, in words, with its reasons. A ledger field the
dictionary lacks reads "not recorded"; a missing number reads "no value" and says why.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from metric_ledger.memo import (
    PAUSE_AND_FIX,
    SHIP,
    SHIP_WITH_GUARDRAILS,
    WAIT_REASONS,
    Memo,
    OpeningHours,
    WeekVerdict,
)
from metric_ledger.render.document import Bullets, Paragraph, Table

NOT_RECORDED = "not recorded"
TOP_BIASES = 3
LOWEST_CHANNELS = 3
LISTED_COHORTS = 6
LISTED_REVIEWS = 3

DECISION_WORDS = {
    SHIP: "ship",
    SHIP_WITH_GUARDRAILS: "ship with guardrails",
    PAUSE_AND_FIX: "pause and fix",
}
DECISION_RULE = (
    "Rule: pause and fix when the ledger says so or any reason other than an immature, "
    "warm-up, incomplete or freeze week holds this week; ship with guardrails when the ledger "
    "says so or only those waiting reasons hold; ship otherwise."
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# What to do about each reason that is a fault (the wait reasons clear by themselves).
_FIXES = {
    "coverage_drop": "data steward: reconcile the export's channels and quarantine with the "
    "source contract, or log the change in the context log",
    "below_coverage_floor": "data steward: reconcile the export's channels and quarantine with "
    "the source contract, or log the change in the context log",
    "counter_metric_breach": "owner: investigate the breached counter-metrics before acting on "
    "the number",
    "low_response_rate": "restore survey delivery and response before reading the score",
    "comparability_break": "re-baseline across the context-log change before comparing weeks",
    "no_data": "find why the week has no value",
    "paused": "fix what the ledger paused it for, then re-approve (metric-ledger approve)",
}


# The reasons that say the metric lost part of what it should count.
_GAPS = frozenset({"coverage_drop", "below_coverage_floor"})

Block = Paragraph | Bullets | Table


@dataclass
class _Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


# --- wording ------------------------------------------------------------------------------------


def _or_not_recorded(value: str | None) -> str:
    return value if value else NOT_RECORDED


def _names(values: Iterable[str], words: bool = False) -> str:
    joined = ", ".join(value.replace("_", " ") if words else value for value in values)
    return joined or NOT_RECORDED


def _number(value: float | None) -> str:
    if value is None:
        return "no value"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _share(value: float | None) -> str:
    return "no value" if value is None else f"{value:.1%}"


def reason_words(reason: str, verdict: WeekVerdict, memo: Memo) -> str:
    """One reason of ``metric_status_weekly`` in words, with the week's numbers behind it."""
    if reason == "coverage_drop":
        drop = verdict.volume_drop_pct
        size = f" {drop:.0f}%" if drop is not None else ""
        return f"included volume fell{size} week over week with no context-log entry explaining it"
    if reason == "below_coverage_floor":
        floor = f" of {memo.coverage_floor:.0%}" if memo.coverage_floor is not None else ""
        return (
            f"it counts {_share(verdict.coverage_rate)} of the contacts in its scope, "
            f"under its coverage floor{floor}"
        )
    if reason == "counter_metric_breach":
        names = ", ".join(verdict.breached_counter_metrics) or "a counter-metric"
        return (
            f"counter-metric breach: {names} (past its limit, or worse while the metric improved)"
        )
    if reason == "low_response_rate":
        floor = f" of {memo.min_response_rate:.0%}" if memo.min_response_rate is not None else ""
        return (
            f"survey response rate {_share(verdict.csat_response_rate)} is under its floor{floor}"
        )
    if reason == "comparability_break":
        return f"{verdict.context_entries} context-log entry(ies) break comparability this week"
    return {
        "incomplete_week": "the week is not wholly inside the export",
        "immature_week": "the week's number is not final yet (immature week)",
        "warm_up_week": "the export starts too soon before the week for a whole number",
        "no_data": "there is no value this week",
        "definition_freeze": "a definition change is inside its freeze window",
        "paused": "the ledger's status is pause and fix",
    }.get(reason, reason.replace("_", " "))


def usability_line(memo: Memo) -> tuple[bool, str]:
    """(may be used, the sentence that opens the memo)."""
    verdict = memo.this_week
    if verdict is None:
        return False, "Not usable: the export has no complete week to judge it on."
    if verdict.usable_for_job:
        return True, (
            f"May be used for its job ({memo.job}) this week (week of {verdict.week_start_date})."
        )
    reasons = "; ".join(reason_words(reason, verdict, memo) for reason in verdict.reasons)
    return False, (
        f"Not usable for its job ({memo.job}) this week (week of {verdict.week_start_date}): "
        f"{reasons}."
    )


def _sentences(text: str | None) -> list[str]:
    if not text:
        return []
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z`\"])", text.strip())
    return [part.strip() for part in parts if part.strip()]


def top_biases(memo: Memo, count: int = TOP_BIASES) -> list[str]:
    """The top ``count`` ways the metric can mislead: the ledger's known biases (incentives,
    gaming paths) sentence by sentence, then its automation limits (what the tooling cannot
    see) when the biases name fewer."""
    return (_sentences(memo.known_biases) + _sentences(memo.automation_limits))[:count]


def _hours(hours: tuple[OpeningHours, ...]) -> str:
    by_region: dict[tuple[str, str], list[OpeningHours]] = {}
    for row in hours:
        by_region.setdefault((row.region, row.timezone), []).append(row)
    parts = []
    for (region, timezone), rows in by_region.items():
        spans: list[tuple[int, int, str]] = []  # first day, last day, hours
        for row in rows:
            window = f"{row.opens_at}-{row.closes_at}"
            last = spans[-1] if spans else None
            if last and last[1] == row.weekday - 1 and last[2] == window:
                spans[-1] = (last[0], row.weekday, window)
            else:
                spans.append((row.weekday, row.weekday, window))
        days = ", ".join(
            (
                _WEEKDAYS[first - 1]
                if first == last
                else f"{_WEEKDAYS[first - 1]}-{_WEEKDAYS[last - 1]}"
            )
            + f" {window}"
            for first, last, window in spans
        )
        parts.append(f"{region} {days} ({timezone})")
    return "; ".join(parts)


# --- sections -----------------------------------------------------------------------------------


def _sections(memo: Memo) -> list[_Section]:
    verdict = memo.this_week
    week = memo.week or "no complete week"
    job = _Section("1. Metric and job")
    job.blocks = [
        Paragraph(
            f"{memo.label or memo.metric_name} ({memo.metric_name}). Job: {memo.job}. "
            f"{_or_not_recorded(memo.description)}"
        )
    ]
    decision = _Section("2. Decision statement and blast radius")
    decision.blocks = [
        Paragraph(f"Decision statement: {_or_not_recorded(memo.decision_statement)}"),
        Paragraph(f"Blast radius: {_names(memo.blast_radius, words=True)}."),
    ]
    definition = _Section("3. Definition")
    if memo.uses_business_hours:
        holidays = ", ".join(f"{region} {day}" for region, day in memo.holidays) or "none"
        hours = (
            f"Business hours (business_hours seed, local time; closed days count nothing): "
            f"{_hours(memo.business_hours) or NOT_RECORDED}. Holidays in the weeks below: "
            f"{holidays}."
        )
    else:
        hours = "Business hours: not applied; the clock (if any) runs on calendar time."
    definition.blocks = [Paragraph(_or_not_recorded(memo.definition)), Paragraph(hours)]
    scope = _Section("4. Scope and coverage")
    scope.blocks = [
        Paragraph(
            f"{_or_not_recorded(memo.coverage_text)} Channels: {_names(memo.covered_channels)}."
        )
    ]
    if verdict is not None and verdict.coverage_rate is not None:
        lowest = ", ".join(
            f"{row.channel}{'' if row.is_known_channel else ' (unknown to the contract)'} "
            f"{_share(row.coverage_rate)} ({row.included_contacts:,} of {row.all_contacts:,})"
            for row in memo.channels[:LOWEST_CHANNELS]
        )
        floor = f" (floor {memo.coverage_floor:.0%})" if memo.coverage_floor is not None else ""
        scope.blocks.append(
            Paragraph(
                f"Coverage this week ({week}): {_share(verdict.coverage_rate)} of in-scope "
                f"contacts counted{floor}. Lowest channels: {lowest or 'none'}."
            )
        )
    else:
        scope.blocks.append(
            Paragraph(f"Coverage this week ({week}): no value (no contacts in its scope).")
        )
    gaps = [
        f"{row.week_start_date}: "
        + "; ".join(reason_words(reason, row, memo) for reason in row.reasons if reason in _GAPS)
        for row in memo.history
        if _GAPS.intersection(row.reasons)
    ]
    if gaps:
        listed_gaps = "; week of ".join(gaps)
        scope.blocks.append(Paragraph(f"Coverage stopped the line: week of {listed_gaps}."))
    scope.blocks.append(
        Table(
            ["week", "value", "coverage", "may use", "reasons"],
            [
                [
                    row.week_start_date,
                    _number(row.metric_value),
                    _share(row.coverage_rate),
                    "yes" if row.usable_for_job else "no",
                    ", ".join(reason.replace("_", " ") for reason in row.reasons) or "-",
                ]
                for row in memo.history
            ],
            caption=f"Latest {len(memo.history)} complete weeks (metric_status_weekly)",
        )
    )
    biases = _Section("5. Known biases and gaming paths (top three)")
    listed = top_biases(memo)
    biases.blocks = [Bullets(listed) if listed else Paragraph(NOT_RECORDED)]
    guardrails = _Section("6. Guardrails")
    if memo.counters:
        guardrails.blocks.append(
            Table(
                ["counter-metric", f"value ({week})", "limit", "this week"],
                [
                    [
                        counter.name,
                        _number(counter.value)
                        + (" (not final)" if counter.is_mature is False else ""),
                        _number(counter.limit) if counter.limit is not None else "no limit",
                        "breached" if counter.is_breached else "within",
                    ]
                    for counter in memo.counters
                ],
            )
        )
    else:
        guardrails.blocks.append(Paragraph(f"Counter-metrics: {NOT_RECORDED}."))
    stops = []
    if memo.coverage_drop_pct is not None:
        stops.append(
            f"included volume down more than {memo.coverage_drop_pct:g}% week over week, "
            "unexplained by the context log"
        )
    if memo.coverage_floor is not None:
        stops.append(f"coverage under {memo.coverage_floor:.0%}")
    if memo.min_response_rate is not None:
        stops.append(f"survey response rate under {memo.min_response_rate:.0%}")
    if memo.counters:
        stops.append("a counter-metric past its limit")
    sampling = memo.sampling
    guardrails.blocks.append(Paragraph(f"Stop the line: {'; '.join(stops) or NOT_RECORDED}."))
    guardrails.blocks.append(
        Paragraph(
            f"Sampling plan: audit_sample_weekly draws tickets per queue, stratified by channel "
            f"and priority; this week {sampling.tickets} tickets in {sampling.queues} queues, "
            f"{sampling.reviewed} reviewed."
            if sampling is not None
            else "Sampling plan: no audit sample (no complete week)."
        )
    )
    comparability = _Section("7. Comparability")
    gate = memo.gate
    if not gate.is_gated:
        ranking = (
            "Branch ranking: not published for this metric (branch_comparison_gate does not "
            "judge it this week)."
        )
    elif gate.is_ranking_allowed:
        ranking = (
            f"Branches may be ranked this week (every check of branch_comparison_gate passes; "
            f"ranked {gate.weeks_ranked} of the last {gate.weeks_gated} weeks)."
        )
    else:
        overlap = f"; min contact-reason overlap {_share(gate.min_reason_overlap)}"
        spread = f"; coverage spread {_number(gate.coverage_spread_points)} points"
        pairs = f"; reversals: {gate.reversed_pairs}" if gate.reversed_pairs else ""
        cohorts = ", ".join(gate.cohorts[:LISTED_COHORTS])
        more = len(gate.cohorts) - LISTED_COHORTS
        cohorts += f" and {more} more" if more > 0 else ""
        ranking = (
            f"Branches may not be ranked this week: failed {', '.join(gate.failed_checks)}"
            f"{overlap}{spread}{pairs}. Compare only within contact-reason cohorts: "
            f"{cohorts or 'none published'} (ranked {gate.weeks_ranked} of the last "
            f"{gate.weeks_gated} weeks)."
        )
    comparability.blocks = [
        Paragraph(ranking),
        Paragraph(f"When comparisons are valid (ledger): {_or_not_recorded(memo.comparability)}"),
    ]
    owner = _Section("8. Owner and change control")
    approval = memo.approval
    last = (
        f"v{approval.version} {approval.change_type or 'change'}, effective "
        f"{approval.effective_date or '?'}, approved by {approval.approved_by or '?'} on "
        f"{approval.approved_at or '?'}: {approval.summary or NOT_RECORDED}"
        if approval is not None
        else NOT_RECORDED
    )
    owner.blocks = [
        Paragraph(
            f"Owner: {_or_not_recorded(memo.owner)}. Approvers (only they re-approve changes to "
            f"the definition, thresholds or rollups): {_names(memo.approvers)}. Current "
            f"version: {memo.version}. Last change: {last}."
        )
    ]
    if memo.rebaseline is not None:
        notice = memo.rebaseline
        ready = notice.baseline_ready_week
        owner.blocks.append(
            Paragraph(
                f"Re-baseline: v{notice.from_version} to v{notice.to_version} effective "
                f"{notice.effective_date}, frozen until {notice.freeze_ends_on}; new baseline "
                f"{'from ' + ready if ready else 'not ready yet'}."
            )
        )
    triggers = _Section("9. Re-approval triggers")
    triggers.blocks = [Paragraph(_or_not_recorded(memo.change_triggers))]
    current = _Section("10. Current decision and what happens next")
    current.blocks = [
        Paragraph(f"Decision: {DECISION_WORDS[memo.decision]}. {DECISION_RULE}"),
        Bullets(_next_steps(memo)),
    ]
    return [
        job, decision, definition, scope, biases, guardrails, comparability, owner, triggers,
        current,
    ]  # fmt: skip


def _next_steps(memo: Memo) -> list[str]:
    verdict = memo.this_week
    reasons = verdict.reasons if verdict else ()
    steps = []
    if memo.decision == PAUSE_AND_FIX:
        faults = [reason for reason in reasons if reason not in WAIT_REASONS]
        if verdict is None:
            steps.append("Wait for a complete week in the export before using it.")
        else:
            fixes = dict.fromkeys(_FIXES.get(reason, reason.replace("_", " ")) for reason in faults)
            steps.append(
                f"Do not use it for its job ({memo.job}) until this clears: "
                + ("; ".join(fixes) if fixes else "the ledger's pause is lifted")
                + "."
            )
    elif memo.decision == SHIP_WITH_GUARDRAILS:
        waiting = [reason_words(r, verdict, memo) for r in reasons] if verdict else []
        steps.append(
            f"Use it for its job ({memo.job}) only with its counter-metrics beside it"
            + (f"; this week's number waits: {'; '.join(waiting)}" if waiting else "")
            + "."
        )
    else:
        steps.append(f"Use it for its job ({memo.job}); re-approve when a trigger above occurs.")
    for trigger in memo.triggers:
        where = f" ({trigger.decision_slice})" if trigger.decision_slice else ""
        state = trigger.decision_state
        if state == "fired":
            steps.append(
                f"Decision statement{where} fired: {trigger.owner or 'the owner'} acts now: "
                f"{_or_not_recorded(trigger.action)}"
            )
        elif state == "held":
            held = (trigger.held_reasons or "").replace("_", " ")
            steps.append(f"Decision statement{where} held ({held}): nobody acts on it this week.")
        elif state == "crossing":
            steps.append(
                f"Decision statement{where} crossing: {trigger.streak_weeks} of "
                f"{trigger.for_weeks} weeks past the threshold; watch next week."
            )
        else:
            steps.append(f"Decision statement{where}: {state.replace('_', ' ')}, no action.")
    if not memo.triggers:
        steps.append(f"Decision statement this week: {NOT_RECORDED}.")
    for review in memo.reviews[:LISTED_REVIEWS]:
        status = "final" if review.is_review_due else "so far"
        steps.append(
            f"Decision record {review.decision_id} ({review.role}): review on "
            f"{review.review_on}, verdict {review.verdict.replace('_', ' ')} ({status})."
        )
    if len(memo.reviews) > LISTED_REVIEWS:
        steps.append(
            f"{len(memo.reviews) - LISTED_REVIEWS} more decision records name it "
            "(decision_record_reviews)."
        )
    return steps


# --- output -------------------------------------------------------------------------------------


def _title(memo: Memo) -> str:
    return f"Metric memo: {memo.label or memo.metric_name}"


def _byline(memo: Memo) -> str:
    return (
        f"{memo.metric_name} v{memo.version}, ledger status "
        f"{DECISION_WORDS.get(memo.ledger_status, memo.ledger_status)}; this week = the latest "
        f"complete week of the warehouse ({memo.week or 'none'})."
    )


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def render_memo_markdown(memo: Memo) -> str:
    usable, opening = usability_line(memo)
    lines = [
        f"# {_title(memo)}",
        "",
        opening if usable else f"**{opening}**",
        "",
        _byline(memo),
        "",
    ]
    for section in _sections(memo):
        lines.extend([f"## {section.title}", ""])
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines.extend([block.text, ""])
            elif isinstance(block, Bullets):
                lines.extend([f"- {item}" for item in block.items] + [""])
            else:
                if block.caption:
                    lines.extend([f"{block.caption}:", ""])
                lines.append("| " + " | ".join(_md_cell(h) for h in block.headers) + " |")
                lines.append("|" + "---|" * len(block.headers))
                lines.extend(
                    "| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in block.rows
                )
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
@page { size: A4; margin: 10mm 12mm; }
html { font: 7.5pt/1.22 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; }
body { margin: 0 auto; max-width: 186mm; }
h1 { font-size: 12pt; margin: 0 0 1.5pt; }
h2 { font-size: 8.3pt; margin: 3.5pt 0 0.8pt; border-bottom: 0.5pt solid #888; }
p { margin: 0.8pt 0; }
ul { margin: 0.8pt 0; padding-left: 10pt; }
li { margin: 0; }
table { border-collapse: collapse; margin: 1pt 0; font-size: 7.2pt; }
caption { text-align: left; font-style: italic; padding-bottom: 0.5pt; }
th, td { border: 0.5pt solid #999; padding: 0.2pt 3.5pt; text-align: left; vertical-align: top; }
th { background: #eee; }
.verdict { padding: 2pt 4pt; margin: 1.5pt 0; font-weight: 600; border: 1pt solid; }
.stop { border-color: #a00; background: #fbeaea; }
.go { border-color: #286; background: #eaf6ee; }
.byline { color: #444; }
@media screen { body { margin: 1rem auto; padding: 0 1rem; } }
"""


def _html_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{html.escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block.items) + "</ul>"
    caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in block.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in block.rows
    )
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_memo_html(memo: Memo) -> str:
    """One self-contained page (inline CSS, no script, no external resource), A4 in print."""
    usable, opening = usability_line(memo)
    title = html.escape(_title(memo))
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="verdict {"go" if usable else "stop"}">{html.escape(opening)}</p>',
        f'<p class="byline">{html.escape(_byline(memo))}</p>',
    ]
    for section in _sections(memo):
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        parts.extend(_html_block(block) for block in section.blocks)
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_memo(memo: Memo, output_format: str) -> str:
    """The memo as ``markdown`` or ``html``."""
    return render_memo_html(memo) if output_format == "html" else render_memo_markdown(memo)
