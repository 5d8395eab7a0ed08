"""`metric-ledger report`: the weekly drift check as one static, self-contained HTML page.

Per governed metric (targets first) the value with its counter-metrics and coverage over the
window, each unusable number said in words before its chart; then the third seed document's scan
in its order. Charts are inline SVG (no script, no stylesheet, font or image from elsewhere), each
with a text alternative and a data table. Everything shown was read by ``drift_report``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from metric_ledger.drift_report import DriftReport, MetricPanel, WeekStatus
from metric_ledger.errors import cannot_write
from metric_ledger.render import report_charts as charts
from metric_ledger.render import report_scan as scan
from metric_ledger.render.report_scan import Table
from metric_ledger.render.report_text import (
    JOB_PHRASE,
    fmt_value,
    may_not_use,
    pct,
    reason_sentences,
    short_reasons,
    week_label,
)


@dataclass(frozen=True)
class MetricView:
    panel: MetricPanel
    anchor: str
    latest_text: str
    usable: bool
    warning: str | None  # "Do not use ...": shown before the chart
    short_reasons: str  # the same, in a few words (at a glance)
    other_weeks: list[str]  # the window's other unusable weeks, in words
    chart: charts.Chart
    table: Table


def _metric_view(panel: MetricPanel, report: DriftReport) -> MetricView:
    latest = panel.week(report.latest_week)
    usable = latest is not None and latest.usable
    others = [
        f"{week_label(status.week)}: " + "; ".join(reason_sentences(status, panel, report))
        for status in panel.weeks
        if status.week != report.latest_week and not status.usable
    ]
    counters = ", ".join(
        f"{name} {fmt_value(name, c.value if (c := _week(report, name)) else None)}"
        for name in panel.counter_metrics
    )
    summary = (
        f"{panel.metric_name}: {fmt_value(panel.metric_name, latest.value if latest else None)} "
        f"in the {week_label(report.latest_week)}"
        + (f"; counter-metrics that week: {counters}" if counters else "")
        + (f"; coverage {pct(latest.coverage_rate)}" if latest else "")
        + (f" (floor {pct(panel.coverage_floor)})" if panel.coverage_floor is not None else "")
        + f"; usable in {sum(1 for s in panel.weeks if s.usable)} of {len(report.window)} weeks "
        f"of the window. Shapes: circle usable, cross not usable, triangle counter-metric breach, "
        f"square immature; C-numbered dashed lines are context-log entries (! breaks "
        f"comparability), grey bands are freeze windows."
    )
    chart = charts.to_chart(
        charts.metric_spec(panel, report),
        f"chart-{panel.metric_name}",
        f"{panel.label} ({panel.metric_name}) by week with its counter-metrics and coverage",
        summary,
    )
    rows = [
        [
            s.week,
            fmt_value(panel.metric_name, s.value),
            charts.week_state(s),
            pct(s.coverage_rate, 1) if s.coverage_rate is not None else "no coverage row",
            ", ".join(s.reasons) or "-",
        ]
        for s in panel.weeks
    ]
    return MetricView(
        panel=panel,
        anchor=f"metric-{panel.metric_name}",
        latest_text=fmt_value(panel.metric_name, latest.value if latest else None),
        usable=usable,
        warning=None if usable else may_not_use(panel, latest, report),
        short_reasons="" if usable else short_reasons(latest),
        other_weeks=others,
        chart=chart,
        table=Table(
            f"{panel.metric_name} by week (the chart's data)",
            ["week", "value", "state", "coverage in scope", "reasons"],
            rows,
        ),
    )


def _week(report: DriftReport, metric: str) -> WeekStatus | None:
    panel = report.metric(metric)
    return panel.week(report.latest_week) if panel else None


_TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_report(report: DriftReport, data_docs: str | None = None) -> tuple[str, int]:
    """The page and how many charts it holds; ``data_docs``: a link to the Great Expectations
    Data Docs of `metric-ledger check` (relative to the page), shown in the header."""
    metrics = [_metric_view(panel, report) for panel in report.metrics]
    sections = scan.scan_sections(report)
    environment = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    page = environment.get_template("drift_report.html.j2").render(
        report=report,
        metrics=metrics,
        sections=sections,
        week_label=week_label,
        job_phrase=JOB_PHRASE,
        usable_count=sum(1 for view in metrics if view.usable),
        data_docs=data_docs,
    )
    chart_count = len(metrics) + sum(len(section.charts) for section in sections)
    return page, chart_count


def write_report(
    report: DriftReport, out_dir: Path, data_docs: Path | None = None
) -> tuple[Path, int]:
    """Write ``out_dir/index.html``; return its path and the number of charts. ``data_docs``:
    the Data Docs index of `metric-ledger check`, linked from the page by a relative path."""
    path = out_dir / "index.html"
    link = None
    if data_docs is not None:
        link = Path(os.path.relpath(data_docs.resolve(), out_dir.resolve())).as_posix()
    page, chart_count = render_report(report, link)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    except OSError as error:
        raise cannot_write(path, error) from error
    return path, chart_count
