"""The drift report's charts: Vega-Lite specs rendered offline to inline SVG (vl-convert).

Each chart is one ``<svg role="img">`` with a ``<title>`` (what it shows) and a ``<desc>`` (a short
data summary), element ids made unique per chart (several SVGs share one page), and no reference
outside the page. Colour is never the only signal: a week's state is a shape, series differ by
dash and point shape and carry a label, freeze windows and context-log events are labelled.
The specs only place numbers the reader read from the warehouse; nothing is computed here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from metric_ledger.drift_report import (
    BacklogWeek,
    ContextEvent,
    DriftReport,
    EscalationCluster,
    MetricPanel,
    MixWeek,
    Notice,
    WeekStatus,
)

#: A week's state, its legend text and its point shape (and a colour, never alone).
STATES: dict[str, tuple[str, str]] = {
    "usable": ("circle", "#1b7837"),
    "not usable": ("cross", "#b2182b"),
    "counter-metric breach": ("triangle-up", "#d6604d"),
    "immature (not final)": ("square", "#6a6a6a"),
}
SERIES_DASH = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3])
SERIES_SHAPE = ("circle", "square", "triangle-up", "diamond", "cross")

_WIDTH = 440
_ROW_HEIGHT = 70
_CONFIG: dict[str, Any] = {
    "font": "sans-serif",
    "view": {"stroke": "#bbb"},
    "axis": {"labelFontSize": 9, "titleFontSize": 10, "grid": False},
    "title": {"fontSize": 12, "anchor": "start"},
    "legend": {"orient": "bottom", "labelFontSize": 10, "titleFontSize": 10},
}


@dataclass(frozen=True)
class Chart:
    chart_id: str
    label: str  # what the chart shows (the SVG's title and the figure's aria-label)
    summary: str  # a short data summary in words (the SVG's desc and the figure caption)
    svg: str


def week_state(status: WeekStatus) -> str:
    """The shape a week's point takes."""
    if status.is_immature:
        return "immature (not final)"
    if status.usable:
        return "usable"
    if "counter_metric_breach" in status.reasons:
        return "counter-metric breach"
    return "not usable"


def _ms(day: str) -> int:
    moment = datetime.combine(date.fromisoformat(day[:10]), datetime.min.time(), UTC)
    return int(moment.timestamp() * 1000)


def _week_end(week: str) -> str:
    return (date.fromisoformat(week) + timedelta(days=7)).isoformat()


def _x(window: Sequence[str], ticks: Sequence[str] | None = None) -> dict[str, Any]:
    """The shared time axis: the window's weeks, in UTC, a tick per week (or per ``ticks``)."""
    return {
        "field": "week",
        "type": "temporal",
        "title": None,
        "scale": {"type": "utc", "domain": [_ms(window[0]), _ms(_week_end(window[-1]))]},
        "axis": {
            "format": "%d %b",
            "values": [_ms(week) for week in ticks or window],
            "labelAngle": 0,
        },
    }


def _y_axis(unit: str) -> dict[str, Any]:
    if unit == "rate":
        return {"format": ".0%", "tickCount": 4}
    return {"format": "~s", "tickCount": 4}


def unit_of(metric_name: str) -> str:
    """How a metric's numbers read: minutes, a rate (shown in percent), or a count."""
    if "minutes" in metric_name:
        return "minutes"
    if metric_name.endswith("_rate") or metric_name in ("csat_score", "schedule_adherence"):
        return "rate"
    return "number"


_LABEL: dict[str, Any] = {"type": "text", "align": "left", "baseline": "top", "fontSize": 9}


def _annotation_layers(
    values: list[dict[str, Any]],
    window: Sequence[str],
    mark: dict[str, Any],
    label: dict[str, Any] | None,
    label_y: int,
    span: bool = False,
) -> list[dict[str, Any]]:
    """A ``mark`` at each value's ``week`` (to its ``until`` when ``span``) and, unless ``label``
    is None, the value's ``tag`` as text (``label``: the text mark's offsets and style) placed
    ``label_y`` pixels from the top; no layer without values."""
    if not values:
        return []
    x = _x(window)
    marks = {
        "data": {"values": values},
        "mark": mark,
        "encoding": {"x": x, "x2": {"field": "until"}} if span else {"x": x},
    }
    if label is None:
        return [marks]
    return [
        marks,
        {
            "data": {"values": values},
            "mark": {**_LABEL, **label},
            "encoding": {"x": x, "y": {"value": label_y}, "text": {"field": "tag"}},
        },
    ]


def _context_layers(
    events: Sequence[ContextEvent], window: Sequence[str], labels: bool = True
) -> list[dict[str, Any]]:
    """A dashed rule per context-log event, tagged C1, C2 ... (``!``: breaks comparability)."""
    values = [
        {
            "week": event.occurred_on,
            "tag": f"C{index}" + ("!" if event.breaks_comparability else ""),
            "dash": "breaks comparability" if event.breaks_comparability else "context",
        }
        for index, event in enumerate(events, start=1)
    ]
    return _annotation_layers(
        values,
        window,
        mark={"type": "rule", "strokeDash": [3, 3], "color": "#555"},
        label={"dy": -4, "dx": 2, "color": "#333"} if labels else None,
        label_y=2,
    )


def _freeze_layers(notices: Sequence[Notice], window: Sequence[str]) -> list[dict[str, Any]]:
    """A shaded span per re-baseline freeze inside the window, tagged with its new version."""
    first, end = window[0], _week_end(window[-1])
    values = [
        {
            "week": max(n.freeze_starts_on, first),
            "until": min(n.freeze_ends_on, end),
            "tag": f"freeze v{n.to_version}",
        }
        for n in notices
        if n.freeze_starts_on < end and n.freeze_ends_on > first
    ]
    return _annotation_layers(
        values,
        window,
        mark={"type": "rect", "color": "#999", "opacity": 0.25},
        label={"dx": 3, "dy": 3, "fontStyle": "italic"},
        label_y=12,
        span=True,
    )


def _state_points(unit: str, window: Sequence[str], legend: bool) -> dict[str, Any]:
    names = list(STATES)

    def by_state(part: int) -> dict[str, Any]:
        """The week's state as a shape (``part`` 0) or a colour (1), one legend for both."""
        return {
            "field": "state",
            "type": "nominal",
            "title": "week",
            "scale": {"domain": names, "range": [STATES[n][part] for n in names]},
            "legend": {"title": "week", "orient": "bottom", "direction": "horizontal"}
            if legend
            else None,
        }

    return {
        "mark": {"type": "point", "filled": True, "size": 55, "opacity": 1},
        "encoding": {
            "x": _x(window),
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": None,
                "axis": _y_axis(unit),
                "scale": {"zero": False},
            },
            "shape": by_state(0),
            "color": by_state(1),
        },
    }


def _metric_row(
    name: str,
    weeks: Sequence[WeekStatus],
    report: DriftReport,
    legend: bool,
) -> dict[str, Any]:
    unit = unit_of(name)
    values = [
        {"week": status.week, "value": status.value, "state": week_state(status)}
        for status in weeks
        if status.value is not None
    ]
    notices = [n for n in report.notices if n.metric_name == name]
    return {
        "title": name,
        "width": _WIDTH,
        "height": _ROW_HEIGHT,
        "data": {"values": values},
        "layer": [
            *_freeze_layers(notices, report.window),
            *_context_layers(report.context_events, report.window, labels=legend),
            {
                "mark": {"type": "line", "color": "#4a4a4a", "strokeWidth": 1.5},
                "encoding": {
                    "x": _x(report.window),
                    "y": {"field": "value", "type": "quantitative"},
                },
            },
            _state_points(unit, report.window, legend),
        ],
        "resolve": {"scale": {"y": "shared"}},
    }


def _coverage_panel(panel: MetricPanel, report: DriftReport) -> dict[str, Any]:
    values = [
        {
            "week": s.week,
            "value": s.coverage_rate,
            "state": "under the floor"
            if panel.coverage_floor is not None
            and s.coverage_rate is not None
            and "below_coverage_floor" in s.reasons
            else "at or above the floor",
        }
        for s in panel.weeks
        if s.coverage_rate is not None
    ]
    x = _x(report.window, ticks=(report.window[0], report.window[-1]))
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "color": "#4a4a4a"},
            "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}},
        },
        {
            "mark": {"type": "point", "filled": True, "size": 45},
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": None,
                    "axis": {"format": ".0%", "tickCount": 4},
                    "scale": {"zero": False},
                },
                "shape": {
                    "field": "state",
                    "type": "nominal",
                    "title": "coverage",
                    "scale": {
                        "domain": ["at or above the floor", "under the floor"],
                        "range": ["circle", "cross"],
                    },
                },
                "color": {"value": "#2166ac"},
            },
        },
    ]
    if panel.coverage_floor is not None:
        layers.append(
            {
                "data": {"values": [{"floor": panel.coverage_floor}]},
                "mark": {"type": "rule", "strokeDash": [6, 3], "color": "#b2182b"},
                "encoding": {"y": {"field": "floor", "type": "quantitative"}},
            }
        )
    return {
        "title": "coverage in scope (dashed: floor)",
        "width": 170,
        "height": _ROW_HEIGHT,
        "data": {"values": values},
        "layer": layers,
    }


def metric_spec(panel: MetricPanel, report: DriftReport) -> dict[str, Any]:
    """The metric, its counter-metrics below it on the same weeks, its coverage beside."""
    rows = [_metric_row(panel.metric_name, panel.weeks, report, legend=True)]
    for counter in panel.counter_metrics:
        counter_panel = report.metric(counter)
        rows.append(
            _metric_row(counter, counter_panel.weeks if counter_panel else (), report, legend=False)
        )
    left = {"vconcat": rows, "resolve": {"scale": {"y": "independent"}}}
    right = _coverage_panel(panel, report)
    return {
        "hconcat": [left, right],
        "config": _CONFIG,
        "resolve": {
            "scale": {"shape": "independent", "color": "independent"},
            "legend": {"shape": "independent"},
        },
    }


def series_spec(
    title: str,
    rows: Sequence[tuple[str, Sequence[dict[str, Any]]]],
    window: Sequence[str],
    unit: str,
) -> dict[str, Any]:
    """Panels of several named series each (``rows``: panel title -> points with week, value,
    series): a dash and a point shape per series, and each series labelled at its last point."""
    panels = []
    for panel_title, values in rows:
        names = list(dict.fromkeys(str(v["series"]) for v in values))
        dash = {
            "field": "series",
            "type": "nominal",
            "title": None,
            "scale": {"domain": names, "range": list(SERIES_DASH[: len(names)])},
        }
        shape = {
            "field": "series",
            "type": "nominal",
            "title": None,
            "scale": {"domain": names, "range": list(SERIES_SHAPE[: len(names)])},
        }
        y = {
            "field": "value",
            "type": "quantitative",
            "title": None,
            "axis": _y_axis(unit if panel_title != "quality" else "rate"),
        }
        panels.append(
            {
                "title": panel_title,
                "width": _WIDTH,
                "height": 110,
                "data": {"values": list(values)},
                "layer": [
                    {
                        "mark": {"type": "line", "color": "#333"},
                        "encoding": {
                            "x": _x(window),
                            "y": y,
                            "strokeDash": dash,
                            "detail": {"field": "series"},
                        },
                    },
                    {
                        "mark": {"type": "point", "filled": True, "color": "#333", "size": 40},
                        "encoding": {"x": _x(window), "y": y, "shape": shape},
                    },
                    {
                        "data": {"values": [v for v in values if v["week"] == window[-1]]},
                        "mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 9},
                        "encoding": {"x": _x(window), "y": y, "text": {"field": "series"}},
                    },
                ],
            }
        )
    independent = {"y": "independent", "shape": "independent", "strokeDash": "independent"}
    return {
        "title": title,
        "vconcat": panels,
        "config": _CONFIG,
        "resolve": {
            "scale": independent,
            "legend": {"shape": "independent", "strokeDash": "independent"},
        },
    }


def mix_spec(mix: Sequence[MixWeek], window: Sequence[str]) -> dict[str, Any]:
    """Mix distance per dimension (all branches) against its threshold; flagged weeks marked."""
    panels = []
    for dimension in ("channel", "contact_reason", "priority", "customer_tier"):
        rows = [m for m in mix if m.branch == "(all)" and m.dimension == dimension]
        if not rows:
            continue
        values = [
            {
                "week": m.week,
                "value": m.distance,
                "state": "shift flagged"
                if m.is_flagged
                else ("no shift" if m.is_judged else "not judged"),
            }
            for m in rows
        ]
        panels.append(
            {
                "title": f"{dimension} mix (dashed: threshold {rows[-1].threshold:g})",
                "width": _WIDTH + 120,
                "height": 60,
                "data": {"values": values},
                "layer": [
                    {
                        "mark": {"type": "line", "color": "#4a4a4a"},
                        "encoding": {
                            "x": _x(window),
                            "y": {"field": "value", "type": "quantitative"},
                        },
                    },
                    {
                        "mark": {"type": "point", "filled": True, "size": 50},
                        "encoding": {
                            "x": _x(window),
                            "y": {
                                "field": "value",
                                "type": "quantitative",
                                "title": None,
                                "axis": {"format": ".2f", "tickCount": 3},
                            },
                            "shape": {
                                "field": "state",
                                "type": "nominal",
                                "title": "week",
                                "scale": {
                                    "domain": ["no shift", "shift flagged", "not judged"],
                                    "range": ["circle", "triangle-up", "square"],
                                },
                            },
                            "color": {
                                "field": "state",
                                "type": "nominal",
                                "legend": None,
                                "scale": {
                                    "domain": ["no shift", "shift flagged", "not judged"],
                                    "range": ["#1b7837", "#b2182b", "#6a6a6a"],
                                },
                            },
                        },
                    },
                    {
                        "data": {"values": [{"t": rows[-1].threshold}]},
                        "mark": {"type": "rule", "strokeDash": [6, 3], "color": "#b2182b"},
                        "encoding": {"y": {"field": "t", "type": "quantitative"}},
                    },
                ],
            }
        )
    return {"vconcat": panels, "config": _CONFIG, "resolve": {"scale": {"y": "independent"}}}


def backlog_rows(backlog: Sequence[BacklogWeek]) -> list[dict[str, Any]]:
    series = (
        ("under 24 h", "open_0_24h"),
        ("24-72 h", "open_24_72h"),
        ("3-7 days", "open_3_7d"),
        ("7 days or more (oldest)", "open_7d_plus"),
    )
    return [
        {"week": week.week, "series": name, "value": getattr(week, attribute)}
        for week in backlog
        for name, attribute in series
    ]


def escalation_spec(clusters: Sequence[EscalationCluster]) -> dict[str, Any]:
    values = [
        {
            "segment": f"{c.dimension}={c.segment}",
            "share": c.share_of_escalations,
            "contacts": c.share_of_contacts,
        }
        for c in clusters
    ]
    y = {"field": "segment", "type": "nominal", "sort": None, "title": None}
    return {
        "title": "share of the week's escalations (bar) vs share of its contacts (tick)",
        "width": _WIDTH,
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "bar", "color": "#8c6d31", "height": 12},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "share",
                        "type": "quantitative",
                        "title": None,
                        "axis": {"format": ".0%"},
                    },
                },
            },
            {
                "mark": {"type": "tick", "color": "#000", "thickness": 2, "size": 18},
                "encoding": {"y": y, "x": {"field": "contacts", "type": "quantitative"}},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 9},
                "encoding": {
                    "y": y,
                    "x": {"field": "share", "type": "quantitative"},
                    "text": {"field": "share", "format": ".0%"},
                },
            },
        ],
        "config": _CONFIG,
    }


_ID = re.compile(r'\bid="([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'((?:xlink:)?href)="#([^"]+)"')


def to_chart(spec: dict[str, Any], chart_id: str, label: str, summary: str) -> Chart:
    """Render ``spec`` to an accessible inline SVG whose ids are prefixed with ``chart_id``."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec)
    svg = _ID.sub(lambda m: f'id="{chart_id}-{m.group(1)}"', svg)
    svg = _URL.sub(lambda m: f"url(#{chart_id}-{m.group(1)})", svg)
    svg = _HREF.sub(lambda m: f'{m.group(1)}="#{chart_id}-{m.group(2)}"', svg)
    head, _, rest = svg.partition(">")
    accessible = (
        f'{head} role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'focusable="false"><title id="{chart_id}-title">{html.escape(label)}</title>'
        f'<desc id="{chart_id}-desc">{html.escape(summary)}</desc>{rest}'
    )
    return Chart(chart_id=chart_id, label=label, summary=summary, svg=accessible)
