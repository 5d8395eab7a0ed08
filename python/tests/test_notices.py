"""Definition changes on a real build (a temporary copy of the project, a small export):

- `metric-ledger notices --format json` and the warehouse model `metric_rebaseline_notices`
  apply one rule and agree on every notice: metric, versions, effective date, freeze end,
  affected exposures and metrics (transitive: an exposure of a metric built on the changed one
  is affected too);
- a build that stops half-way leaves the dictionary at the version of the numbers, and a
  dictionary that runs ahead anyway (a selective run) makes the metric not usable in
  `metric_usability_weekly` with the reason definition_version_mismatch.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import (
    NO_UNIT_TESTS,
    copy_project,
    run_in_project,
    semantic_yaml_file,
    tool_executable,
)

from metric_ledger.synth import generate
from metric_ledger.warehouse import connect as warehouse_connect

START = date(2026, 1, 5)
CHANGELOG_FILE = Path("seeds/metric_changelog.csv")

# (metric, effective date, freeze weeks, summary). contacts is an input of coverage_rate, which
# the leadership scorecard shows: that exposure is affected although it does not name contacts.
CHANGES = [
    ("contacts", START + timedelta(weeks=2), 2, "Merged duplicates no longer count as contacts."),
    ("reopen_rate", START + timedelta(weeks=3), 1, "reopen_window_days 14 -> 21."),
]


def approve_by_hand(project: Path, metric: str, effective: date, weeks: int, summary: str) -> int:
    """What `metric-ledger approve` writes: the ledger version bumped, a definition_change row
    appended (the fingerprints of the previous row: no gate runs here). Returns the version."""
    path = semantic_yaml_file(project, "metrics", metric)
    document = yaml.safe_load(path.read_text())
    ledger = next(m for m in document["metrics"] if m["name"] == metric)["config"]["meta"]["ledger"]
    ledger["version"] += 1
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    changelog = project / CHANGELOG_FILE
    with changelog.open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        previous = [row for row in reader if row["metric_name"] == metric][-1]
    row = {
        **previous,
        "version": str(ledger["version"]),
        "effective_date": effective.isoformat(),
        "change_type": "definition_change",
        "summary": summary,
        "approved_by": ledger["approvers"][0],
        "approved_at": f"{effective.isoformat()} 09:00:00",
        "freeze_weeks": str(weeks),
    }
    with changelog.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=columns, lineterminator="\n").writerow(row)
    return int(ledger["version"])


def rows(project: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with warehouse_connect(project / "warehouse.duckdb") as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(project, raw export): the project with CHANGES approved, built (`dbt build`)."""
    root = tmp_path_factory.mktemp("notices")
    raw = root / "raw"
    generate(raw, tickets=3000, seed=5, start=START, weeks=6, scenarios=())
    project = copy_project(root / "project")
    for metric, effective, weeks, summary in CHANGES:
        assert approve_by_hand(project, metric, effective, weeks, summary) == 2
    run_in_project(project, ["build", *NO_UNIT_TESTS], raw_dir=raw)
    return project, raw


def test_cli_notices_and_the_model_agree(changed: tuple[Path, Path]) -> None:
    project, _ = changed
    cli = subprocess.run(
        [tool_executable("metric-ledger"), "notices", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    from_cli = sorted(
        (
            notice["metric"],
            notice["from_version"],
            notice["to_version"],
            notice["effective_date"],
            notice["freeze_ends_on"],
            notice["exposures"],
            notice["downstream_metrics"],
        )
        for notice in json.loads(cli.stdout)
    )
    from_model = sorted(
        (name, from_version, to_version, effective.isoformat(), freeze_end.isoformat(),
         json.loads(exposures), json.loads(metrics))
        for name, from_version, to_version, effective, freeze_end, exposures, metrics in rows(
            project,
            "select metric_name, from_version, to_version, effective_date, freeze_ends_on, "
            "affected_exposures, affected_metrics from metric_rebaseline_notices",
        )
    )  # fmt: skip
    assert from_cli == from_model
    by_metric = {notice[0]: notice for notice in from_model}
    assert set(by_metric) == {metric for metric, *_ in CHANGES}
    contacts = by_metric["contacts"]
    assert contacts[1:5] == (1, 2, "2026-01-19", "2026-02-02")
    # Direct (workforce_staffing_plan and the demo's pages name contacts) and transitive (the
    # scorecard shows coverage_rate, built on contacts).
    assert contacts[5] == [
        "metric_memos", "support_leadership_scorecard", "weekly_drift_check",
        "workforce_staffing_plan",
    ]  # fmt: skip
    assert contacts[6] == ["contacts_per_agent_hour", "coverage_rate", "escalation_rate",
                           "transfer_rate"]  # fmt: skip
    assert by_metric["reopen_rate"][5] == [
        "metric_memos", "support_leadership_scorecard", "weekly_drift_check",
    ]  # fmt: skip


def test_values_and_verdicts_carry_the_version_the_dictionary_claims(
    changed: tuple[Path, Path],
) -> None:
    project, _ = changed
    versions = rows(
        project,
        "select dictionary.metric_name, dictionary.version, "
        "min(metric_values.definition_version), max(metric_values.definition_version), "
        "min(status.definition_version), max(status.definition_version) "
        "from metric_dictionary as dictionary "
        "inner join metric_values_weekly as metric_values using (metric_name) "
        "inner join metric_status_weekly as status using (metric_name) "
        "group by 1, 2 order by 1",
    )
    assert versions
    assert all(row[1] == row[2] == row[3] == row[4] == row[5] for row in versions), versions
    assert ("reopen_rate", 2, 2, 2, 2, 2) in versions
    assert rows(project, "select * from metric_usability_weekly "
                "where has_definition_version_mismatch") == []  # fmt: skip


def test_a_build_stopped_half_way_never_lets_the_dictionary_run_ahead(
    changed: tuple[Path, Path], tmp_path: Path
) -> None:
    built, raw = changed
    project = tmp_path / "project"
    shutil.copytree(built, project, ignore=shutil.ignore_patterns("target", "logs"))
    assert approve_by_hand(project, "reopen_rate", START + timedelta(weeks=5), 1, "v3") == 3
    # Something upstream of the numbers fails: a data test of fct_tickets.
    stop = project / "tests" / "assert_the_build_stops_here.sql"
    stop.write_text("select ticket_id from {{ ref('fct_tickets') }}\n")
    build = run_in_project(project, ["build"], raw_dir=raw, check=False)
    assert build.returncode != 0
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    status = {result["unique_id"]: result["status"] for result in results}
    assert status["model.metric_ledger.metric_values_weekly"] == "skipped"
    assert status["model.metric_ledger.metric_dictionary"] == "skipped"
    dictionary_version = "select version from metric_dictionary where metric_name = 'reopen_rate'"
    assert rows(project, dictionary_version) == [(2,)]
    mismatches = (
        "select metric_name, usable_for_job, reasons from metric_usability_weekly "
        "where has_definition_version_mismatch"
    )
    assert rows(project, mismatches) == []
    # A selective run rebuilds the dictionary alone: it now runs ahead of the numbers, and the
    # view (compared at query time) says so instead of pairing v3 with v2 numbers.
    stop.unlink()
    run_in_project(project, ["run", "--select", "metric_dictionary"], raw_dir=raw)
    assert rows(project, dictionary_version) == [(3,)]
    flagged = rows(project, mismatches)
    assert flagged
    assert {row[0] for row in flagged} == {"reopen_rate"}
    assert all(row[1] is False and "definition_version_mismatch" in row[2] for row in flagged)
    weeks = rows(
        project, "select count(*) from metric_status_weekly where metric_name = 'reopen_rate'"
    )
    assert len(flagged) == weeks[0][0]
