"""The impact preview (`metric-ledger impact`): two real builds of one small export, the project
as it is (base) and with the var reopen_window_days 14 -> 21 (head), compared.

Two dbt builds for the whole module (session-scoped), each only of the governed-numbers models
and their ancestors, with their data tests (unit tests pin the vars and one of them reads
reopen_window_days: they are run by the suites that own them). Everything else is a CliRunner
call or a pure comparison of hand-made warehouses.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from conftest import REPO, DbtWorkspace, run_dbt

from metric_ledger.cli import main
from metric_ledger.impact import (
    DEFAULT_TOLERANCE,
    GITHUB_COMMENT_LIMIT,
    Values,
    Warehouse,
    compare,
)
from metric_ledger.render.impact import render_impact_markdown
from metric_ledger.warehouse import connect as warehouse_connect

GOVERNED_NUMBERS = ("+metric_values_weekly", "+metric_values_segment_weekly")
UNMOVED = ("first_response_minutes_p50", "csat_score")


def _build(workspace: DbtWorkspace, extra_vars: dict[str, object] | None = None) -> Path:
    run_dbt(
        "build",
        workspace,
        [
            "--select",
            *GOVERNED_NUMBERS,
            "--indirect-selection",
            "cautious",
            "--exclude-resource-type",
            "unit_test",
        ],
        extra_vars=extra_vars,
    )
    return workspace.db_path


@pytest.fixture(scope="session")
def impact_builds(
    tmp_path_factory: pytest.TempPathFactory, small_export: Path
) -> tuple[DbtWorkspace, DbtWorkspace]:
    """(base, head): the project as is, and with reopen_window_days = 21."""
    base = DbtWorkspace(root=tmp_path_factory.mktemp("impact_base"), raw_dir=small_export)
    head = DbtWorkspace(root=tmp_path_factory.mktemp("impact_head"), raw_dir=small_export)
    _build(base)
    _build(head, {"reopen_window_days": 21})
    return base, head


def _impact(base: Path, head: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["impact", "--base-db", str(base), "--db", str(head), *args])
    assert result.exit_code == 0, result.output
    return result


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with warehouse_connect(db) as connection:
        return connection.execute(sql).fetchall()


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-12 * max(1.0, abs(a))


def test_impact_json_shows_reopen_rate_moved_with_the_warehouses_numbers(
    impact_builds: tuple[DbtWorkspace, DbtWorkspace],
) -> None:
    base, head = impact_builds
    report = json.loads(_impact(base.db_path, head.db_path, "--format", "json").output)
    assert "reopen_rate" in report["moved"] and "reopen_rate" in report["flagged"]
    reopen = next(m for m in report["metrics"] if m["metric_name"] == "reopen_rate")
    assert reopen["moved"] and reopen["weeks_moved"] >= 1
    assert reopen["segment_dimensions"] == ["channel", "priority"]
    assert reopen["summary"].startswith(f"reopen_rate: {reopen['weeks_moved']} of ")

    weekly_sql = (
        "select cast(week_start_date as varchar), metric_value from metric_values_weekly "
        "where metric_name = 'reopen_rate'"
    )
    old_weeks = dict(_rows(base.db_path, weekly_sql))
    new_weeks = dict(_rows(head.db_path, weekly_sql))
    assert {w["week_start_date"] for w in reopen["weeks"]} == set(old_weeks) | set(new_weeks)
    for week in reopen["weeks"]:
        date = week["week_start_date"]
        assert _close(week["old"]["value"], old_weeks.get(date))
        assert _close(week["new"]["value"], new_weeks.get(date))
    assert any(w["moved"] for w in reopen["weeks"])

    channel_sql = (
        "select cast(week_start_date as varchar), segment_value, numerator_value, "
        "denominator_value, metric_value from metric_values_segment_weekly "
        "where metric_name = 'reopen_rate' and dimension = 'channel'"
    )
    old_channels = {(w, s): (n, d, v) for w, s, n, d, v in _rows(base.db_path, channel_sql)}
    new_channels = {(w, s): (n, d, v) for w, s, n, d, v in _rows(head.db_path, channel_sql)}
    listed = [s for s in reopen["segments"] if s["dimension"] == "channel"]
    assert {(s["week_start_date"], s["segment_value"]) for s in listed} == set(old_channels)
    for segment in listed:
        key = (segment["week_start_date"], segment["segment_value"])
        for side, values in (("old", old_channels), ("new", new_channels)):
            numerator, denominator, value = values[key]
            assert _close(segment[side]["numerator"], numerator)
            assert _close(segment[side]["denominator"], denominator)
            assert _close(segment[side]["value"], value)
    # A longer window only finds more reopens: no segment's numerator falls.
    assert all(s["new"]["numerator"] >= s["old"]["numerator"] for s in listed)
    assert reopen["largest_movers"] and all(m["moved"] for m in reopen["largest_movers"])


def test_metrics_that_do_not_read_reopens_are_reported_unmoved(
    impact_builds: tuple[DbtWorkspace, DbtWorkspace],
) -> None:
    base, head = impact_builds
    report = json.loads(
        _impact(base.db_path, head.db_path, "--format", "json", "--metrics", "csat_score").output
    )
    by_name = {m["metric_name"]: m for m in report["metrics"]}
    for name in UNMOVED:
        assert name in report["unmoved"]
        assert not by_name[name]["moved"] and by_name[name]["weeks_moved"] == 0
        assert by_name[name]["summary"].startswith(f"{name}: unmoved (")
    # Named with --metrics: flagged and listed in full although it did not move.
    assert "csat_score" in report["flagged"] and by_name["csat_score"]["weeks"]
    assert by_name["csat_score"]["dimensions_not_applicable"] == ["priority"]
    assert report["moved_but_not_flagged"] == []


def test_markdown_and_text_name_the_movers_and_confirm_the_rest(
    impact_builds: tuple[DbtWorkspace, DbtWorkspace],
) -> None:
    base, head = impact_builds
    markdown = _impact(base.db_path, head.db_path, "--format", "markdown", "--top", "3").output
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    assert "#### `reopen_rate`" in markdown and "Largest movers by segment" in markdown
    assert "left out" in markdown  # more than three segment values moved
    assert "did not move" in markdown and "first_response_minutes_p50" in markdown
    assert "#### `first_response_minutes_p50`" not in markdown
    text = _impact(base.db_path, head.db_path).output
    assert "reopen_rate: " in text and "weeks moved" in text


def test_gate_appends_the_impact_of_the_metrics_it_flags(
    impact_builds: tuple[DbtWorkspace, DbtWorkspace],
) -> None:
    base, head = impact_builds
    result = CliRunner().invoke(
        main,
        [
            "gate",
            "--target",
            str(head.target_path / "manifest.json"),
            "--changelog",
            str(REPO / "seeds" / "metric_changelog.csv"),
            "--format",
            "json",
            "--base-db",
            str(base.db_path),
            "--db",
            str(head.db_path),
        ],
    )
    assert result.exit_code == 1, result.output  # the var change is not approved
    report = json.loads(result.stdout)
    flagged = {finding["metric"] for finding in report["findings"]}
    assert "reopen_rate" in flagged
    assert set(report["impact"]["flagged"]) == flagged
    assert report["impact"]["moved_but_not_flagged"] == []


def test_approve_records_the_impact_summary(
    impact_builds: tuple[DbtWorkspace, DbtWorkspace], tmp_path: Path
) -> None:
    base, head = impact_builds
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    changelog = tmp_path / "seeds" / "metric_changelog.csv"
    result = CliRunner().invoke(
        main,
        [
            "approve",
            "reopen_rate",
            "--by",
            "support_quality_lead",
            "--reason",
            "Reopen window 21 days.",
            "--impact-base-db",
            str(base.db_path),
            "--impact-db",
            str(head.db_path),
            "--target",
            str(head.target_path / "manifest.json"),
            "--changelog",
            str(changelog),
        ],
    )
    assert result.exit_code == 0, result.output
    with changelog.open(newline="") as handle:
        last = list(csv.DictReader(handle))[-1]
    assert last["metric_name"] == "reopen_rate"
    assert last["summary"].startswith("Reopen window 21 days. Impact: reopen_rate: ")
    assert "weeks moved" in last["summary"]


@pytest.mark.parametrize("which", ["base", "head"])
def test_a_missing_or_empty_warehouse_is_one_line_and_exit_2(
    impact_builds: tuple[DbtWorkspace, DbtWorkspace], tmp_path: Path, which: str
) -> None:
    base, head = impact_builds
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    for bad in (tmp_path / "missing.duckdb", empty):
        args = (bad, head.db_path) if which == "base" else (base.db_path, bad)
        result = CliRunner().invoke(
            main, ["impact", "--base-db", str(args[0]), "--db", str(args[1])]
        )
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {bad}")
        assert "Traceback" not in result.output


def test_an_unknown_metric_is_one_line_and_exit_2(
    impact_builds: tuple[DbtWorkspace, DbtWorkspace],
) -> None:
    base, head = impact_builds
    result = CliRunner().invoke(
        main,
        ["impact", "--base-db", str(base.db_path), "--db", str(head.db_path), "--metrics", "nope"],
    )
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "nope" in result.stderr


# --- the comparison and the caps, on hand-made warehouses (no build) -------------------------


def _warehouse(name: str, weeks: dict[Any, Values], segments: dict[Any, Values]) -> Warehouse:
    return Warehouse(path=Path(name), weeks=weeks, segments=segments)


def test_a_double_within_one_rounding_step_is_the_same_value() -> None:
    ratio = Values(3.0, 7.0, 3.0 / 7.0)
    base = _warehouse(
        "base.duckdb",
        {
            ("a", "2026-01-05"): ratio,
            ("b", "2026-01-05"): Values(None, None, 1234.5),
            ("c", "2026-01-05"): Values(None, None, 1.0),
        },
        {},
    )
    head = _warehouse(
        "head.duckdb",
        {
            ("a", "2026-01-05"): Values(3.0, 7.0, 3.0 / 7.0 + 1e-12),  # summed in another order
            ("b", "2026-01-05"): Values(None, None, 1234.5 + 1e-4),  # relative above 1
            ("c", "2026-01-05"): Values(None, None, 1.0),
            ("c", "2026-01-12"): Values(None, None, 2.0),  # a week only the head has
        },
        {},
    )
    result = compare(base, head, DEFAULT_TOLERANCE)
    assert result.moved == ["c"]
    assert result.metric("c").summary_line().startswith("c: 1 of 2 weeks moved")
    assert compare(base, head, 1e-9).moved == ["b", "c"]


def test_markdown_is_capped_to_a_github_comment_and_says_what_it_left_out() -> None:
    weeks: dict[Any, Values] = {}
    segments: dict[Any, Values] = {}
    for metric in range(30):
        for week in range(52):
            key = (f"metric_{metric:02}", f"2025-{week:03}")
            weeks[key] = Values(None, None, float(week))
            for segment in range(60):
                segments[(*key, "channel", f"s{segment}")] = Values(1.0, 10.0, 0.1)
    head_segments = {key: Values(2.0, 10.0, 0.2) for key in segments}
    result = compare(
        _warehouse("base.duckdb", weeks, segments), _warehouse("head.duckdb", weeks, head_segments)
    )
    assert len(result.moved) == 30
    markdown = render_impact_markdown(result, result.moved)
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    assert "left out" in markdown
    small = render_impact_markdown(result, result.moved, max_chars=5_000)
    assert len(small) <= 5_000
