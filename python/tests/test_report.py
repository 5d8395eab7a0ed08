"""`metric-ledger report` on the scenario warehouse: the words a reader gets name the right
metrics, reasons and weeks for the injected failures (coverage gap, macro gaming, Simpson's
paradox between branches), an unusable number says so before its chart, and a bad warehouse is
one line and exit code 2.

The scenario export (conftest.scenario_project) has six weeks from 2026-01-05: the coverage gap
is in the week of 2026-01-26 (`messaging` contacts), macro gaming runs over the last four weeks,
East and West differ in their billing-dispute share. Assertions read the page's text, not its
markup.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from metric_ledger.cli import main
from metric_ledger.drift_report import read_drift_report
from metric_ledger.render.report import write_report
from metric_ledger.warehouse import connect as warehouse_connect


class _Text(HTMLParser):
    """Visible text per element id (the innermost section or article), charts left out;
    ``order`` lists, per id, the warning and chart positions in reading order."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.order: dict[str, list[str]] = {}
        self._ids: list[tuple[str, str]] = []  # (tag, id)
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("svg", "style"):
            self._skip += 1
            if tag == "svg" and self._ids:
                self.order.setdefault(self._ids[-1][1], []).append("chart")
        if tag in ("section", "article") and values.get("id"):
            self._ids.append((tag, str(values["id"])))
        if tag == "p" and "warning" in (values.get("class") or "") and self._ids:
            self.order.setdefault(self._ids[-1][1], []).append("warning")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style"):
            self._skip -= 1
        if self._ids and tag == self._ids[-1][0]:
            self._ids.pop()

    def handle_data(self, data: str) -> None:
        if self._skip or not self._ids:
            return
        for _, element_id in self._ids:
            self.by_id[element_id] = self.by_id.get(element_id, "") + data


def page_text(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    for key, text in parser.by_id.items():
        parser.by_id[key] = re.sub(r"\s+", " ", text)
    return parser


@pytest.fixture(scope="module")
def scenario_db(scenario_project: Path) -> Path:
    return scenario_project / "warehouse.duckdb"


@pytest.fixture(scope="module")
def report(scenario_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[_Text, int]:
    out = tmp_path_factory.mktemp("report")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "metric_ledger",
            "report",
            "--db",
            str(scenario_db),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out / "index.html")
    html = (out / "index.html").read_text(encoding="utf-8")
    return page_text(out / "index.html"), html.count('<figure class="chart">')


def test_the_page_opens_on_the_latest_complete_week(report: tuple[_Text, int]) -> None:
    text, charts = report
    glance = text.by_id["at-a-glance"]
    assert "6 of 19 governed metrics may be used for their job in the week of 2026-02-09" in glance
    assert charts == 19 + 4  # one per governed metric, mix, backlog, speed/quality, escalations


def test_coverage_gap_names_the_week_the_channel_and_the_metrics(
    report: tuple[_Text, int],
) -> None:
    text, _ = report
    scan = text.by_id["scan-comparability"]
    gap = re.search(
        r"Coverage, week of 2026-01-26 \(ISO 2026-W05\): (\d+) metrics lose contacts "
        r"\(([^)]*)\)",
        scan,
    )
    assert gap, scan
    losing = gap.group(2).split(", ")
    assert {"first_response_minutes_p50", "coverage_rate", "contacts"} <= set(losing)
    assert "contacts on channel 'messaging' were not counted" in scan
    assert "no context-log entry explains it" in scan
    # No other week of the window lost coverage.
    assert scan.count("Coverage, week of") == 1
    # The metric's own section says it, with the week, in words.
    frt = text.by_id["metric-first_response_minutes_p50"]
    assert re.search(
        r"week of 2026-01-26 \(ISO 2026-W05\): the contacts it counts fell \d+% from the week "
        r"before \(\d+ to \d+\) and no context-log entry explains it",
        frt,
    ), frt


def test_macro_gaming_is_speed_against_quality(report: tuple[_Text, int]) -> None:
    text, _ = report
    scan = text.by_id["scan-speed-quality"]
    # The first-response medians fall to minutes while the meaningful response stays in hours.
    for metric in ("first_response_business_minutes_p50", "first_response_minutes_p50"):
        assert re.search(
            rf"{metric} \((target|alarm)\): a counter-metric moved against it in \d of 6 weeks; "
            rf"in the week of 2026-02-09 \(ISO 2026-W07\) {metric} was \d+ min and a "
            r"counter-metric moved against it \(first_meaningful_response_minutes_p50 at "
            r"[\d.]+ h\)",
            scan,
        ), scan
    glance = text.by_id["at-a-glance"]
    assert re.search(
        r"first_response_business_minutes_p50 \(target\): [^.]*counter-metric breach "
        r"\(first_meaningful_response_minutes_p50\)",
        glance,
    ), glance


def test_simpson_branches_get_cohorts_not_a_ranking(report: tuple[_Text, int]) -> None:
    text, _ = report
    scan = text.by_id["scan-branches"]
    assert "0 of 14 rankable metrics may rank branches in the week of 2026-02-09" in scan
    assert "Simpson's paradox: for these metrics the branch ranking reversed" in scan
    ttr = re.search(r"resolution_minutes_p50 in (\d) of 6 weeks \(east/west in (\d) weeks", scan)
    assert ttr and int(ttr.group(2)) >= 3, scan
    assert "contact-reason overlap between branches under the minimum" in scan
    # The cohorts the league table publishes instead of a ranking.
    assert "resolution_minutes_p50: cohorts" in scan
    assert "contact_reason=billing_dispute" in scan


def test_an_unusable_number_says_so_before_its_chart(report: tuple[_Text, int]) -> None:
    text, _ = report
    csat = text.by_id["metric-csat_score"]
    assert "Not usable. Do not use csat_score as a target in the week of 2026-02-09" in csat
    assert re.search(r"only \d+% of its surveys were answered", csat)
    assert text.order["metric-csat_score"][:2] == ["warning", "chart"]
    # An immature week is said to be one, with the day it matures.
    reopen = text.by_id["metric-reopen_rate"]
    assert re.search(r"the number is not final yet: it matures at the end of 2026-02-\d\d", reopen)
    assert text.order["metric-reopen_rate"][:2] == ["warning", "chart"]
    # A usable one carries no warning.
    assert "Usable as an alarm in the week of 2026-02-09" in text.by_id["metric-coverage_rate"]
    assert text.order["metric-coverage_rate"] == ["chart"]


def test_a_definition_change_is_shaded_and_announced(scenario_db: Path, tmp_path: Path) -> None:
    """A re-baseline notice (a row of the mart) reaches scan 1 and shades its metric's chart."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(scenario_db, db)
    with duckdb.connect(str(db)) as connection:
        relation = connection.execute(
            "select table_schema from information_schema.tables "
            "where table_name = 'metric_rebaseline_notices'"
        ).fetchone()
        assert relation
        connection.execute(
            f'insert into "{relation[0]}".metric_rebaseline_notices (metric_name, from_version, '
            "to_version, effective_date, summary, approved_by, freeze_weeks, freeze_starts_on, "
            "freeze_ends_on, invalid_comparisons) values ('first_response_minutes_p50', 1, 2, "
            "'2026-01-19', 'auto-responder exclusion removed', 'head_of_support_ops', 2, "
            "'2026-01-19', '2026-02-02', 'comparisons across 2026-01-19 are invalid')"
        )
    path, _ = write_report(read_drift_report(db), tmp_path / "out")
    text = page_text(path)
    assert (
        "Definition change: first_response_minutes_p50 v1 to v2, effective 2026-01-19 "
        "(auto-responder exclusion removed); targets frozen until 2026-02-02"
    ) in text.by_id["scan-comparability"]
    assert "the new baseline is not ready yet" in text.by_id["scan-comparability"]
    chart = path.read_text().split('id="metric-first_response_minutes_p50"')[1].split("</svg>")[0]
    assert ">freeze v2</text>" in chart


def test_one_chart_per_governed_metric_and_the_data_docs_link(
    scenario_db: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "data_docs" / "index.html"
    path, charts = write_report(read_drift_report(scenario_db), tmp_path / "page", docs)
    with warehouse_connect(scenario_db) as con:
        (governed,) = con.execute("select count(*) from metric_dictionary").fetchone() or (0,)
    # one chart per governed metric, and the scan's mix, backlog, speed/quality and escalations
    assert charts == governed + 4
    assert 'href="../data_docs/index.html"' in path.read_text()
    assert (
        "Data Docs"
        not in write_report(read_drift_report(scenario_db), tmp_path / "bare")[0].read_text()
    )


@pytest.mark.parametrize("kind", ["missing", "not_duckdb", "unbuilt"])
def test_a_bad_warehouse_is_one_line_and_exit_2(kind: str, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    if kind == "not_duckdb":
        db.write_text("not a database")
    elif kind == "unbuilt":
        duckdb.connect(str(db)).close()
    result = CliRunner().invoke(main, ["report", "--db", str(db), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {db}"), result.output
    assert not (tmp_path / "o").exists()
