"""The impact preview as text (a terminal), Markdown (a PR comment, within GitHub's size
limit) or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from metric_ledger.impact import (
    DEFAULT_TOP,
    GITHUB_COMMENT_LIMIT,
    ImpactResult,
    MetricImpact,
    ValueChange,
    describe_change,
)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _fmt_delta(change: ValueChange) -> str:
    return describe_change(change) if change.moved else "0"


def _unmoved_line(result: ImpactResult, flagged: set[str]) -> str:
    unmoved = [m for m in result.metrics if m.metric_name not in flagged and not m.moved]
    if not unmoved:
        return ""
    names = ", ".join(m.metric_name for m in unmoved)
    return (
        f"{len(unmoved)} other governed metric(s) did not move (every week identical within "
        f"{result.tolerance:g}): {names}"
    )


def _moved_unflagged(result: ImpactResult, flagged: set[str]) -> list[MetricImpact]:
    return [m for m in result.metrics if m.moved and m.metric_name not in flagged]


def _segments_note(impact: MetricImpact) -> str:
    if not impact.missing_dimensions:
        return ""
    if not impact.dimensions:
        return "not segmented: its semantic models have no channel or priority"
    return f"no {' or '.join(impact.missing_dimensions)} segment: its semantic models lack it"


def _metric_markdown(impact: MetricImpact, top: int, max_weeks: int) -> list[str]:
    lines = [f"#### `{impact.metric_name}`", "", impact.summary_line()]
    note = _segments_note(impact)
    if note:
        lines += ["", f"_{note}_"]
    lines += ["", "| week | old | new | change |", "|---|---:|---:|---:|"]
    for change in impact.weeks[:max_weeks]:
        lines.append(
            f"| {change.week_start_date} | {_fmt(change.old_value)} | {_fmt(change.new_value)} "
            f"| {_fmt_delta(change)} |"
        )
    if len(impact.weeks) > max_weeks:
        lines.append(f"| ... {len(impact.weeks) - max_weeks} more week(s) left out | | | |")
    movers = impact.largest_movers()
    if impact.dimensions and movers:
        lines += [
            "",
            "Largest movers by segment:",
            "",
            "| week | segment | old | new | change |",
            "|---|---|---:|---:|---:|",
        ]
        for change in movers[:top]:
            lines.append(
                f"| {change.week_start_date} | {change.dimension} `{change.segment_value}` "
                f"| {_fmt(change.old_value)} | {_fmt(change.new_value)} | {_fmt_delta(change)} |"
            )
        if len(movers) > top:
            lines.append(
                f"\n{len(movers) - top} more moved segment value(s) left out "
                "(`metric-ledger impact --format json` lists them all)."
            )
    elif impact.dimensions:
        lines += ["", "No segment value moved."]
    return lines


def _closing_lines(
    result: ImpactResult, flagged: list[str], shown: list[str], flagged_set: set[str]
) -> list[str]:
    """The flagged metrics that did not move, then the metrics nothing flagged that did not
    move: the last lines of every rendering."""
    lines: list[str] = []
    for line in (
        _flagged_unmoved_line(result, flagged, shown),
        _unmoved_line(result, flagged_set),
    ):
        if line:
            lines += ["", line]
    return lines


def _flagged_unmoved_line(result: ImpactResult, flagged: list[str], shown: list[str]) -> str:
    quiet = [n for n in flagged if n not in shown and not result.metric(n).moved]
    if not quiet:
        return ""
    return (
        f"{len(quiet)} flagged metric(s) did not move on this export (every week identical "
        f"within {result.tolerance:g}): {', '.join(quiet)}"
    )


def _shown(result: ImpactResult, flagged: list[str], detail: Iterable[str]) -> list[str]:
    """The flagged metrics shown in full: those that moved, and those asked for by name."""
    asked = set(detail)
    return [n for n in flagged if result.metric(n).moved or n in asked]


def _markdown(
    result: ImpactResult, flagged: list[str], shown: list[str], top: int, max_weeks: int,
    detailed: int,
) -> str:  # fmt: skip
    flagged_set = set(flagged)
    lines = ["### Impact preview", ""]
    lines.append(
        f"Base `{result.base_path.name}` vs head `{result.head_path.name}`: "
        f"{len(result.moved)} of {len(result.metrics)} governed metrics moved."
    )
    surprises = _moved_unflagged(result, flagged_set)
    if surprises:
        lines += [
            "",
            "**Moved without being flagged:** "
            + ", ".join(f"`{m.metric_name}`" for m in surprises)
            + " (their definitions did not change: check the lineage).",
        ]
    for index, name in enumerate(shown):
        impact = result.metric(name)
        lines.append("")
        if index < detailed:
            lines += _metric_markdown(impact, top, max_weeks)
        else:
            lines.append(f"- {impact.summary_line()}")
    if len(shown) > detailed:
        lines += ["", f"{len(shown) - detailed} metric(s) shown as one line only (to fit)."]
    lines += _closing_lines(result, flagged, shown, flagged_set)
    return "\n".join(lines)


def render_impact_markdown(
    result: ImpactResult,
    flagged_metrics: Iterable[str],
    top: int = DEFAULT_TOP,
    max_chars: int = GITHUB_COMMENT_LIMIT,
    detail: Iterable[str] = (),
) -> str:
    """The impact preview as Markdown that fits in ``max_chars`` (a GitHub comment by default).

    Flagged metrics that moved (and those named in ``detail``) get their weekly old/new table
    and their ``top`` largest segment movers; flagged metrics that did not move are listed as
    such, the other metrics are confirmed unmoved (or called out when they moved anyway). When
    the text is too long, rows are capped harder, then metrics collapse to their summary line.
    """
    wanted = set(flagged_metrics)
    flagged = [m.metric_name for m in result.metrics if m.metric_name in wanted]
    shown = _shown(result, flagged, detail)
    attempts = [(top, 53, len(shown))]
    attempts += [(t, 26, len(shown)) for t in (5, 2) if t < top]
    attempts += [(0, 13, n) for n in (len(shown), len(shown) // 2, 3, 0)]
    for rows, weeks, detailed in attempts:
        text = _markdown(result, flagged, shown, rows, weeks, detailed)
        if len(text) <= max_chars:
            return text
    note = "\n\n(impact preview cut to fit; `metric-ledger impact --format json` has it all)"
    return text[: max(0, max_chars - len(note))] + note


def render_impact_text(
    result: ImpactResult, flagged_metrics: Iterable[str], top: int, detail: Iterable[str] = ()
) -> str:
    """Plain text for a terminal: the same content as the Markdown, without row caps on weeks."""
    flagged_set = set(flagged_metrics)
    names = [m.metric_name for m in result.metrics if m.metric_name in flagged_set]
    shown = _shown(result, names, detail)
    flagged = [result.metric(name) for name in shown]
    lines = [
        f"impact: {result.base_path} -> {result.head_path}: "
        f"{len(result.moved)} of {len(result.metrics)} governed metrics moved"
    ]
    for impact in flagged:
        lines += ["", impact.summary_line()]
        note = _segments_note(impact)
        if note:
            lines.append(f"  ({note})")
        lines.append(f"  {'week':12} {'old':>14} {'new':>14} {'change':>12}")
        for change in impact.weeks:
            lines.append(
                f"  {change.week_start_date:12} {_fmt(change.old_value):>14} "
                f"{_fmt(change.new_value):>14} {_fmt_delta(change):>12}"
            )
        movers = impact.largest_movers()
        if impact.dimensions and movers:
            lines.append("  largest movers by segment:")
            for change in movers[:top]:
                segment = f"{change.dimension} {change.segment_value}"
                lines.append(
                    f"  {change.week_start_date:12} {segment:24} {_fmt(change.old_value):>14} "
                    f"{_fmt(change.new_value):>14} {_fmt_delta(change):>12}"
                )
            if len(movers) > top:
                lines.append(f"  ... {len(movers) - top} more moved segment value(s) left out")
    for impact in _moved_unflagged(result, flagged_set):
        lines += ["", f"moved without being flagged: {impact.summary_line()}"]
    lines += _closing_lines(result, names, shown, flagged_set)
    return "\n".join(lines)


def render_impact(
    result: ImpactResult,
    flagged_metrics: Iterable[str],
    output_format: str,
    top: int = DEFAULT_TOP,
    detail: Iterable[str] = (),
) -> str:
    """``text``, ``markdown`` or ``json`` (JSON lists every week and segment of every flagged
    metric, uncapped)."""
    flagged = list(flagged_metrics)
    if output_format == "json":
        return json.dumps(result.as_json(flagged), indent=2)
    if output_format == "markdown":
        return render_impact_markdown(result, flagged, top=top, detail=detail)
    return render_impact_text(result, flagged, top, detail)
