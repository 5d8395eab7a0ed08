"""`metric-ledger memo`: the one-page memo that travels with a metric, read from a real build.

The warehouse is the session's `scenario_project` (the demo's five failure scenarios on a
4,000-ticket export): coverage_gap makes the contacts of one week vanish into an unknown
channel, macro_gaming makes first response fast while first meaningful response is not.
Every expectation is read from the warehouse's marts by SQL, never from the memo's own reader.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from metric_ledger.cli import main
from metric_ledger.warehouse import connect

# The memo's decision rule (DECISIONLOG.md, "Metric memo"): these reasons only say "not yet".
WAIT_REASONS = {"incomplete_week", "immature_week", "warm_up_week", "definition_freeze"}


@pytest.fixture(scope="module")
def warehouse(scenario_project: Path) -> Path:
    return scenario_project / "warehouse.duckdb"


def _rows(database: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connect(database) as connection:
        return connection.execute(sql, params or []).fetchall()


def _memo(database: Path, metric: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["memo", metric, "--db", str(database), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _section(markdown: str, number: int) -> str:
    """The text of section ``number`` of the memo (up to the next heading)."""
    match = re.search(rf"^## {number}\. .*?(?=^## |\Z)", markdown, flags=re.MULTILINE | re.DOTALL)
    assert match, f"no section {number}"
    return match.group(0)


def _opening(markdown: str) -> str:
    """The first paragraph after the title."""
    return markdown.split("\n\n")[1]


def _latest_status(database: Path, metric: str) -> tuple[Any, ...]:
    return _rows(
        database,
        "select cast(week_start_date as varchar), usable_for_job, reasons, "
        "breached_counter_metrics from metric_status_weekly "
        "where metric_name = ? and is_complete_week order by week_start_date desc limit 1",
        [metric],
    )[0]


def test_coverage_gap_memo_names_the_reason_and_the_week(warehouse: Path) -> None:
    gap_weeks = _rows(
        warehouse,
        "select cast(week_start_date as varchar), volume_drop_pct from metric_status_weekly "
        "where metric_name = 'contacts' and has_coverage_drop",
    )
    assert len(gap_weeks) == 1, gap_weeks
    gap_week, drop = gap_weeks[0]
    markdown = _memo(warehouse, "contacts")
    scope = _section(markdown, 4)
    # said in words, with the week and the warehouse's volume drop
    sentence = next(line for line in scope.splitlines() if line.startswith("Coverage stopped"))
    assert f"week of {gap_week}: included volume fell {drop:.0f}% week over week" in sentence
    assert "no context-log entry" in sentence
    # and in the table of the latest weeks, against the warehouse's coverage of that week
    included, total = _rows(
        warehouse,
        "select sum(included_contacts), sum(all_contacts) from metric_coverage_weekly "
        "where metric_name = 'contacts' and is_in_scope and cast(week_start_date as varchar) = ?",
        [gap_week],
    )[0]
    row = next(line for line in scope.splitlines() if line.startswith(f"| {gap_week} |"))
    assert f"| {included / total:.1%} | no |" in row and "coverage drop" in row
    # this week's coverage figure is the latest complete week's
    week, usable, _, _ = _latest_status(warehouse, "contacts")
    included, total = _rows(
        warehouse,
        "select sum(included_contacts), sum(all_contacts) from metric_coverage_weekly "
        "where metric_name = 'contacts' and is_in_scope and cast(week_start_date as varchar) = ?",
        [week],
    )[0]
    assert f"Coverage this week ({week}): {included / total:.1%} of in-scope contacts" in scope
    assert usable and _opening(markdown).startswith("May be used for its job (allocation)")


def test_macro_gaming_memo_names_the_counter_metric_breach(warehouse: Path) -> None:
    metric = "first_response_business_minutes_p50"  # the speed target
    week, usable, reasons, breached = _latest_status(warehouse, metric)
    assert not usable and "counter_metric_breach" in reasons and breached
    markdown = _memo(warehouse, metric)
    opening = _opening(markdown)
    # the first thing the memo says: not usable, why, which counter-metric
    assert opening.startswith(f"**Not usable for its job (target) this week (week of {week})")
    assert "counter-metric breach" in opening
    guardrails = _section(markdown, 6)
    for name in breached.split(", "):
        assert name in opening
        row = next(line for line in guardrails.splitlines() if line.startswith(f"| {name} |"))
        assert row.endswith("| breached |"), row
    within = _rows(
        warehouse,
        "select unnest(from_json(counter_metrics, '[\"VARCHAR\"]')) from metric_dictionary "
        "where metric_name = ?",
        [metric],
    )
    for (name,) in within:
        if name not in breached.split(", "):
            row = next(line for line in guardrails.splitlines() if line.startswith(f"| {name} |"))
            assert row.endswith("| within |"), row


def _expected_decision(status: str, usable: bool, reasons: str) -> str:
    listed = {reason.strip() for reason in reasons.split(",") if reason.strip()}
    if status == "pause_and_fix" or listed - WAIT_REASONS:
        return "pause and fix"
    if status == "ship_with_guardrails" or not usable:
        return "ship with guardrails"
    return "ship"


def test_the_decision_line_matches_the_status_of_every_metric(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        "select dictionary.metric_name, dictionary.status, status.usable_for_job, status.reasons "
        "from metric_dictionary as dictionary "
        "inner join metric_status_weekly as status "
        "on dictionary.metric_name = status.metric_name and status.week_start_date = ("
        "select max(week_start_date) from metric_status_weekly where is_complete_week) "
        "order by 1",
    )
    assert len(rows) == len(_rows(warehouse, "select * from metric_dictionary"))
    seen = set()
    for metric, status, usable, reasons in rows:
        markdown = _memo(warehouse, metric)
        expected = _expected_decision(status, usable, reasons)
        seen.add(expected)
        assert f"\nDecision: {expected}. Rule:" in _section(markdown, 10), metric
        assert _opening(markdown).startswith("**Not usable" if not usable else "May be used")
    assert seen == {"ship", "ship with guardrails", "pause and fix"}  # the build has all three


def test_the_memo_follows_the_seed_outline(warehouse: Path) -> None:
    headings = re.findall(r"^## (.*)$", _memo(warehouse, "csat_score"), flags=re.MULTILINE)
    assert headings == [
        "1. Metric and job",
        "2. Decision statement and blast radius",
        "3. Definition",
        "4. Scope and coverage",
        "5. Known biases and gaming paths (top three)",
        "6. Guardrails",
        "7. Comparability",
        "8. Owner and change control",
        "9. Re-approval triggers",
        "10. Current decision and what happens next",
    ]


def test_comparability_and_business_hours_come_from_the_warehouse(warehouse: Path) -> None:
    metric = "first_response_business_minutes_p50"
    week = _latest_status(warehouse, metric)[0]
    allowed, failed = _rows(
        warehouse,
        "select is_ranking_allowed, failed_checks from branch_comparison_gate "
        "where metric_name = ? and cast(week_start_date as varchar) = ?",
        [metric, week],
    )[0]
    markdown = _memo(warehouse, metric)
    comparability = _section(markdown, 7)
    assert not allowed  # branch_simpson: reason overlap under 80%
    assert f"Branches may not be ranked this week: failed {failed}" in comparability
    cohorts = _rows(
        warehouse,
        "select distinct cohort_value from branch_league_table where metric_name = ? "
        "and cast(week_start_date as varchar) = ? and cohort_dimension = 'contact_reason' "
        "order by 1 limit 3",
        [metric, week],
    )
    assert all(cohort in comparability for (cohort,) in cohorts)
    definition = _section(markdown, 3)
    regions = _rows(warehouse, "select distinct region, timezone from business_hours")
    for region, timezone in regions:
        assert f"{region} Mon-Fri" in definition and f"({timezone})" in definition
    # a wall-clock metric says business hours do not apply
    assert "Business hours: not applied" in _section(_memo(warehouse, "contacts"), 3)


def test_a_field_the_dictionary_lacks_reads_not_recorded(warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    with connect(copy, read_only=False) as connection:
        connection.execute(
            "update metric_dictionary set decision_statement = null, known_biases = null, "
            "automation_limits = null, change_triggers = '' where metric_name = 'reopen_rate'"
        )
    markdown = _memo(copy, "reopen_rate")
    assert "Decision statement: not recorded" in _section(markdown, 2)
    assert _section(markdown, 5).split("\n\n")[1].strip() == "not recorded"
    assert _section(markdown, 9).split("\n\n")[1].strip() == "not recorded"


def test_html_is_one_self_contained_a4_page_with_the_same_content(
    warehouse: Path, tmp_path: Path
) -> None:
    metric = "first_response_business_minutes_p50"
    out = tmp_path / "memo.html"
    result = CliRunner().invoke(
        main, ["memo", metric, "--db", str(warehouse), "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out}"
    page = out.read_text()
    assert page == _memo(warehouse, metric, "--format", "html")
    assert "@page { size: A4" in page
    assert not re.search(r"https?://|<script|<link|<img|@import|url\(", page)
    markdown = _memo(warehouse, metric)
    # the same verdict and decision in both formats
    week = _latest_status(warehouse, metric)[0]
    verdict = f"Not usable for its job (target) this week (week of {week})"
    assert f'<p class="verdict stop">{verdict}' in page
    decision = re.search(r"^Decision: ([a-z ]+)\.", markdown, flags=re.MULTILINE)
    assert decision and f"<p>Decision: {decision.group(1)}." in page


def test_markdown_out_writes_the_file(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "memo.md"
    result = CliRunner().invoke(
        main, ["memo", "contacts", "--db", str(warehouse), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text() == _memo(warehouse, "contacts")


def test_all_writes_one_memo_per_governed_metric(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "memos"
    result = CliRunner().invoke(
        main, ["memo", "--all", "--db", str(warehouse), "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    governed = sorted(
        name for (name,) in _rows(warehouse, "select metric_name from metric_dictionary")
    )
    assert sorted(p.stem for p in out.glob("*.html")) == governed
    assert "contacts" in (out / "contacts.html").read_text()
    assert "--all" in _one_line_error(
        ["contacts", "--all", "--db", str(warehouse), "--out", str(out)]
    )
    assert "METRIC" in _one_line_error(["--db", str(warehouse)])


def _one_line_error(args: list[str]) -> str:
    result = CliRunner().invoke(main, ["memo", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_an_unknown_metric_exits_2_naming_it_and_the_governed_metrics(warehouse: Path) -> None:
    line = _one_line_error(["no_such_metric", "--db", str(warehouse)])
    assert "no_such_metric" in line
    governed = [name for (name,) in _rows(warehouse, "select metric_name from metric_dictionary")]
    assert all(name in line for name in governed)


def test_a_missing_or_unbuilt_warehouse_exits_2_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"
    assert str(missing) in _one_line_error(["contacts", "--db", str(missing)])
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert "not a complete metric_ledger build" in _one_line_error(["contacts", "--db", str(empty)])


def test_an_unwritable_out_exits_2_in_one_line(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "no_dir" / "memo.md"
    assert "cannot write" in _one_line_error(
        ["contacts", "--db", str(warehouse), "--out", str(target)]
    )
