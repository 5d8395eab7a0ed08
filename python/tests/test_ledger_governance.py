"""Breaking a metric's ledger, the changelog or a definition text in a temporary copy of the
project: the build fails naming the metric and the field, and the snapshot keeps history."""

from __future__ import annotations

import csv
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import SEMANTIC_DIR, copy_project, edit_semantic_item, run_in_project

from metric_ledger.cli import main
from metric_ledger.warehouse import connect as warehouse_connect


def _edit_metric(project: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> None:
    edit_semantic_item(project, "metrics", name, edit)


def _ledger(metric: dict[str, Any]) -> dict[str, Any]:
    ledger: dict[str, Any] = metric["config"]["meta"]["ledger"]
    return ledger


BREAKS: list[tuple[str, str, Callable[[dict[str, Any]], None], str]] = [
    (
        "unknown_job",
        "reopen_rate",
        lambda m: _ledger(m).update(job="kpi"),
        "metric reopen_rate: ledger.job is kpi, expected one of diagnostic, target, alarm, "
        "allocation",
    ),
    (
        "unknown_status",
        "escalation_rate",
        lambda m: _ledger(m).update(status="maybe"),
        "metric escalation_rate: ledger.status is maybe",
    ),
    (
        "target_with_one_counter_metric",
        "csat_score",
        lambda m: _ledger(m).update(counter_metrics=["csat_response_rate"]),
        "metric csat_score: ledger.counter_metrics must name 2 to 4 metrics for a target (found 1)",
    ),
    (
        "target_with_five_counter_metrics",
        "first_response_business_minutes_p50",
        lambda m: _ledger(m).update(
            counter_metrics=[
                "reopen_rate", "csat_score", "escalation_rate", "one_touch_rate", "transfer_rate"
            ]
        ),
        "metric first_response_business_minutes_p50: ledger.counter_metrics must name 2 to 4",
    ),
    (
        "counter_metric_not_defined",
        "first_meaningful_response_minutes_p50",
        lambda m: _ledger(m).update(counter_metrics=["reopen_rate", "happiness_index"]),
        "metric first_meaningful_response_minutes_p50: ledger.counter_metrics names "
        "happiness_index, which is not a governed metric",
    ),
    (
        "missing_owner",
        "backlog_open",
        lambda m: _ledger(m).pop("owner"),
        "metric backlog_open: ledger.owner is missing",
    ),
    (
        "missing_approvers",
        "backlog_open",
        lambda m: _ledger(m).update(approvers=[]),
        "metric backlog_open: ledger.approvers must be a non-empty list",
    ),
    (
        "missing_decision",
        "transfer_rate",
        lambda m: _ledger(m).pop("decision"),
        "metric transfer_rate: ledger.decision is missing or incomplete",
    ),
    (
        "missing_known_biases",
        "contacts",
        lambda m: _ledger(m).update(known_biases="  "),
        "metric contacts: ledger.known_biases is missing",
    ),
    (
        "missing_maturity",
        "repeat_contact_rate",
        lambda m: _ledger(m).pop("maturity"),
        "metric repeat_contact_rate: ledger.maturity is missing (how long after a week its number "
        "is final",
    ),
    (
        "maturity_days_names_no_var",
        "csat_response_rate",
        lambda m: _ledger(m)["maturity"].update(days="survey_window"),
        "metric csat_response_rate: ledger.maturity.days is survey_window, expected a whole number "
        "of days >= 0 or the name of a var holding one",
    ),
    (
        "unknown_maturity_anchor",
        "reopen_rate",
        lambda m: _ledger(m)["maturity"].update(after="last_reopen"),
        "metric reopen_rate: ledger.maturity.after is last_reopen, expected one of week_end, "
        "last_first_solve, last_survey_sent",
    ),
    (
        "pause_and_fix_exposed_for_target_use",
        "first_response_business_minutes_p50",
        lambda m: _ledger(m).update(status="pause_and_fix"),
        "metric first_response_business_minutes_p50: ledger.status is pause_and_fix, but exposure "
        "support_leadership_scorecard uses it for target use",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def broken_ledgers_build(
    tmp_path_factory: pytest.TempPathFactory, small_export: Path, small_export_parse: Path
) -> subprocess.CompletedProcess[str]:
    """One project copy carrying every fault of BREAKS at once, built once: the validation lists
    every problem it finds, so each case is one line of the same build's output."""
    project = copy_project(
        tmp_path_factory.mktemp("broken_ledgers") / "project", parsed=small_export_parse
    )
    for _case, metric, edit, _message in BREAKS:
        _edit_metric(project, metric, edit)
    return run_in_project(project, ["build"], raw_dir=small_export, check=False)


def test_a_broken_ledger_stops_the_build_before_any_model(
    broken_ledgers_build: subprocess.CompletedProcess[str],
) -> None:
    assert broken_ledgers_build.returncode != 0
    assert "The Assumption Ledger is incomplete or invalid" in broken_ledgers_build.stdout
    # It stops before any model runs.
    assert "OK created" not in broken_ledgers_build.stdout


@pytest.mark.parametrize(
    "message", [pytest.param(message, id=case) for case, _metric, _edit, message in BREAKS]
)
def test_a_broken_ledger_is_named_by_metric_and_field(
    broken_ledgers_build: subprocess.CompletedProcess[str], message: str
) -> None:
    assert message in broken_ledgers_build.stdout


DECISION_BREAKS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "reopen_rate",
        lambda m: _ledger(m)["decision"].update(by="20"),
        "metric reopen_rate: ledger.decision.by is 20, expected a percent of the baseline "
        '("20%") or points of a rate ("5 points"), above 0',
    ),
    (
        "contacts",
        lambda m: _ledger(m)["decision"].update(by="5 points"),
        "metric contacts: ledger.decision.by is 5 points, but points are percentage points of a "
        "rate and contacts is a simple metric: use a percent",
    ),
    (
        "escalation_rate",
        lambda m: _ledger(m)["decision"].update({"for": "two weeks"}),
        "metric escalation_rate: ledger.decision.for is two weeks, expected a number of "
        'consecutive complete weeks ("2 weeks", 1 to 52)',
    ),
    (
        "transfer_rate",
        lambda m: _ledger(m)["decision"].update(baseline={"trailing_weeks": 0}),
        "metric transfer_rate: ledger.decision.baseline is {'trailing_weeks': 0}, expected "
        "{trailing_weeks: N} (N from 1 to 52) or {value: X}",
    ),
    (
        "csat_score",
        lambda m: _ledger(m)["decision"].update(slice={"priority": "p1"}),
        "metric csat_score: ledger.decision.slice names priority, which csat_score cannot be "
        "segmented by (its semantic models lack it)",
    ),
    (
        "backlog_open",
        lambda m: _ledger(m)["decision"].update(slice={"mood": "calm", "channel": ""}),
        "metric backlog_open: ledger.decision.slice names mood, expected one of channel, queue, "
        "priority, region, customer_tier, contact_reason, branch",
    ),
    (
        "coverage_rate",
        lambda m: _ledger(m)["decision"].update(baseline={"value": 85}),
        "metric coverage_rate: ledger.decision.baseline.value is 85, but a rate is a share from "
        "0 to 1 (0.85, not 85) when the move is in points",
    ),
    (
        "one_touch_rate",
        lambda m: _ledger(m)["decision"].update(by="0 points"),
        "metric one_touch_rate: ledger.decision.by is 0 points, expected a percent of the "
        'baseline ("20%") or points of a rate ("5 points"), above 0',
    ),
    (
        "backlog_open",
        lambda m: None,
        "metric backlog_open: ledger.decision.slice.channel is , expected a segment value (text)",
    ),
]  # fmt: skip


def test_every_malformed_part_of_a_decision_statement_is_named(
    tmp_path: Path, small_export: Path, small_export_parse: Path
) -> None:
    # One build, several metrics broken at once: the check lists every problem, one line each.
    project = copy_project(tmp_path / "project", parsed=small_export_parse)
    for metric, edit, _ in DECISION_BREAKS:
        _edit_metric(project, metric, edit)
    # and a new metric pasted from `metric-ledger premortem --new`: validation names every TODO
    scaffold = CliRunner().invoke(main, ["premortem", "--new", "first_touch_rate"])
    assert scaffold.exit_code == 0, scaffold.output
    # pasted under `metrics:` of the file of its semantic model (here a file of its own)
    new_file = project / SEMANTIC_DIR / "first_touch_rate.yml"
    new_file.write_text("version: 2\n\nmetrics:\n" + scaffold.output)
    proc = run_in_project(project, ["build"], raw_dir=small_export, check=False)
    assert proc.returncode != 0
    for _, _, message in DECISION_BREAKS:
        assert message in proc.stdout, message
    for message in (
        "metric first_touch_rate: ledger.job is TODO, expected one of",
        "metric first_touch_rate: ledger.status is TODO",
        "metric first_touch_rate: ledger.better is TODO",
        "metric first_touch_rate: ledger.decision.by is TODO",
        "metric first_touch_rate: ledger.blast_radius has unknown value TODO",
        "metric first_touch_rate: ledger.owner is still the placeholder TODO (fill it in)",
        "metric first_touch_rate: ledger.decision.then is still the placeholder TODO",
        "metric first_touch_rate: ledger.definition is still the placeholder TODO",
        "metric first_touch_rate: ledger.approvers is still the placeholder TODO",
    ):
        assert message in proc.stdout, message
    assert "OK created" not in proc.stdout


def test_a_sliced_decision_with_a_fixed_baseline_is_valid_and_rendered(
    tmp_path: Path, small_export: Path, small_export_parse: Path
) -> None:
    project = copy_project(tmp_path / "project", parsed=small_export_parse)
    _edit_metric(
        project,
        "first_response_minutes_p50",
        lambda m: _ledger(m)["decision"].update(
            slice={"priority": "p1", "channel": "email"}, baseline={"value": 60}
        ),
    )
    run_in_project(
        project,
        ["build", "-s", "+metric_dictionary", "+metric_decision_triggers_weekly",
         "--indirect-selection", "cautious"],
        raw_dir=small_export,
    )  # fmt: skip
    with warehouse_connect(project / "warehouse.duckdb") as con:
        statement = con.execute(
            "select decision_statement from metric_dictionary "
            "where metric_name = 'first_response_minutes_p50'"
        ).fetchone()
        slices = con.execute(
            "select distinct decision_slice, baseline_value, baseline_weeks "
            "from metric_decision_triggers_weekly "
            "where metric_name = 'first_response_minutes_p50'"
        ).fetchall()
    assert statement is not None
    assert statement[0].startswith(
        "If first_response_minutes_p50 for channel=email, priority=p1 worsens by 20% against a "
        "fixed baseline of 60 for 2 weeks, then "
    )
    assert slices == [("channel=email, priority=p1", 60.0, None)]


def test_a_paused_metric_not_used_as_a_target_is_allowed(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    _edit_metric(project, "transfer_rate", lambda m: _ledger(m).update(status="pause_and_fix"))
    proc = run_in_project(project, ["compile", "--select", "metric_dictionary"], check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]


def _append_changelog(project: Path, row: dict[str, str]) -> None:
    path = project / "seeds/metric_changelog.csv"
    with path.open() as handle:
        fields = next(csv.reader(handle))
    with path.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=fields, lineterminator="\n").writerow(row)


def test_changelog_gaps_and_unlisted_approvers_fail_the_tests(
    tmp_path: Path, small_export: Path, small_export_parse: Path
) -> None:
    project = copy_project(tmp_path / "project", parsed=small_export_parse)
    base = {
        "metric_name": "reopen_rate",
        "effective_date": "2026-03-02",
        "change_type": "definition_change",
        "summary": "Widen the reopen window to 21 days.",
        "definition_fingerprint": "",
        "governance_fingerprint": "",
        "approved_at": "2026-02-27 09:00:00",
        "freeze_weeks": "2",
    }
    _append_changelog(project, {**base, "version": "3", "approved_by": "data_steward"})
    _append_changelog(
        project, {**base, "metric_name": "csat_score", "version": "2", "approved_by": "intern"}
    )
    proc = run_in_project(
        project,
        ["build", "--select", "metric_changelog", "metric_dictionary",
         "assert_metric_changelog_is_consistent", "--store-failures",
         "--indirect-selection", "cautious"],
        raw_dir=small_export,
        check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "Failure in test assert_metric_changelog_is_consistent" in proc.stdout
    with warehouse_connect(project / "warehouse.duckdb") as con:
        problems = set(
            con.execute(
                "select metric_name, version, problem from "
                "main_dbt_test__audit.assert_metric_changelog_is_consistent"
            ).fetchall()
        )
    assert ("reopen_rate", 3, "version 3 should be 2") in problems
    assert ("csat_score", 2, "approved_by intern is not one of the metric's approvers") in problems
    assert ("csat_score", 1, "ledger version 1 has no changelog row") in problems
    assert not any(metric == "escalation_rate" for metric, _, _ in problems)


def test_snapshot_keeps_the_old_definition_after_a_text_change(
    tmp_path: Path, small_export: Path, small_export_parse: Path
) -> None:
    project = copy_project(tmp_path / "project", parsed=small_export_parse)
    selection = [
        "build", "--select", "metric_changelog", "metric_dictionary", "metric_dictionary_history",
        "--indirect-selection", "cautious",
    ]  # fmt: skip
    run_in_project(project, selection, raw_dir=small_export)
    old = "Minutes from ticket creation"
    new_definition = "Fractional minutes from ticket creation to the first public human reply."
    _edit_metric(
        project,
        "first_response_minutes_p50",
        lambda m: _ledger(m).update(definition=new_definition),
    )
    run_in_project(project, selection, raw_dir=small_export)
    with warehouse_connect(project / "warehouse.duckdb") as con:
        history = con.execute(
            """
            select definition, dbt_valid_to is null as is_current
            from metric_dictionary_history
            where metric_name = 'first_response_minutes_p50'
            order by dbt_valid_from
            """
        ).fetchall()
        others = con.execute(
            "select count(*) from metric_dictionary_history where metric_name <> "
            "'first_response_minutes_p50' and dbt_valid_to is not null"
        ).fetchone()
    assert len(history) == 2
    assert history[0][0].startswith(old) and history[0][1] is False
    assert history[1] == (new_definition, True)
    assert others == (0,)
