"""End-to-end: each failure mode of shared/design/scenarios.md, generated into an export, built
with the real project (a temporary copy, with the shipped configuration: an empty context log and
no decision records, not the demo's), and caught by the warehouse's guardrail models where it
should be and nowhere else; the clean build raises none of them.

A build costs a minute or two, most of it whatever the export's size (400,000 tickets take about
twice as long as 20,000), so the scenarios share a few exports, each built once per module and
grouped so that no scenario disturbs what another's tests assert:

- ``clean`` (20,000 tickets): no scenario; the proof that nothing is flagged by accident.
- ``gap`` (20,000): coverage_gap and branch_simpson. The gap's tests say no decision statement
  fires anywhere, so it only shares with a scenario that moves no number over time
  (branch_simpson's branches differ in every week alike).
- ``vanish`` (200,000): coverage_gap_vanish (it cannot share with coverage_gap), mix_shift and
  severity_downgrade (at this size East's relabelled p1 tickets stand out of East's noise while
  the whole export's priority mix barely moves).
- ``late`` (400,000, the size backlog_aging's small slice needs): macro_gaming, reopen_inflation,
  response_rate_collapse, backlog_aging and severity_downgrade, which all act on the last four
  weeks. reopen_rate fires in the third-to-last week, which either coverage gap would hold;
  branch_simpson cannot be combined with reopen_inflation nor with mix_shift, and mix_shift
  not with response_rate_collapse (the generator refuses); macro_gaming compares the gap week
  with an earlier one.
- the definition change edits the project, so it keeps its own copy and build.

The sliced decision statement is the only change from the shipped configuration: ``late``
carries the contacts statement on East's p1 tickets, ``vanish`` the same on West's; no other test
of those exports reads the contacts statement.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import (
    NO_UNIT_TESTS,
    REPO,
    copy_project,
    run_in_project,
    semantic_yaml_file,
    tool_executable,
)

from metric_ledger.cli import main
from metric_ledger.synth import generate
from metric_ledger.warehouse import connect as warehouse_connect

START = date(2026, 1, 5)
WEEKS = 10


def week(index: int) -> date:
    return START + timedelta(weeks=index)


class Build:
    def __init__(self, project: Path) -> None:
        self.project = project

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with warehouse_connect(self.project / "warehouse.duckdb") as con:
            return con.execute(sql, params or []).fetchall()

    def status(self, metric: str) -> dict[date, tuple[Any, ...]]:
        return {
            row[0]: row[1:]
            for row in self.rows(
                "select week_start_date, usable_for_job, reasons, has_coverage_drop, "
                "has_counter_metric_breach, has_low_response_rate, has_definition_freeze, "
                "breached_counter_metrics, metric_value, volume_drop_pct "
                "from metric_status_weekly where metric_name = ? order by 1",
                [metric],
            )
        }

    def value(self, metric: str, when: date) -> float:
        found = self.rows(
            "select metric_value from metric_values_weekly where metric_name = ? "
            "and week_start_date = ?",
            [metric, when],
        )
        assert found, f"no value of {metric} in the week of {when}"
        return float(found[0][0])


def slice_contacts_statement(project: Path, branch: str) -> None:
    """Make the contacts ledger's decision statement "improves by 40% for 2 weeks" in the slice
    branch=``branch``, priority=p1 (East relabels its p1 tickets under severity_downgrade)."""
    path = semantic_yaml_file(project, "metrics", "contacts")
    document = yaml.safe_load(path.read_text())
    contacts = next(m for m in document["metrics"] if m["name"] == "contacts")
    contacts["config"]["meta"]["ledger"]["decision"].update(
        moves="improves", by="40%", slice={"branch": branch, "priority": "p1"}
    )
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def build_export(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    scenarios: tuple[str, ...],
    tickets: int,
    contacts_slice_branch: str | None = None,
) -> Build:
    """Generate an export (seed 7, ``WEEKS`` weeks from ``START``) with ``scenarios`` and build
    a copy of the project on it (no dbt unit tests: they do not read the export)."""
    root = tmp_path_factory.mktemp("scenario_" + name)
    raw = root / "raw"
    generate(raw, tickets=tickets, seed=7, start=START, weeks=WEEKS, scenarios=scenarios)
    project = copy_project(root / "project")
    if contacts_slice_branch is not None:
        slice_contacts_statement(project, contacts_slice_branch)
    run_in_project(project, ["build", *NO_UNIT_TESTS], raw_dir=raw)
    return Build(project)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_export(tmp_path_factory, "clean", (), 20_000)


@pytest.fixture(scope="module")
def gap(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_export(tmp_path_factory, "gap", ("coverage_gap", "branch_simpson"), 20_000)


@pytest.fixture(scope="module")
def vanish(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_export(
        tmp_path_factory,
        "vanish",
        ("coverage_gap_vanish", "mix_shift", "severity_downgrade"),
        200_000,
        contacts_slice_branch="west",
    )


@pytest.fixture(scope="module")
def late(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_export(
        tmp_path_factory,
        "late",
        ("macro_gaming", "reopen_inflation", "response_rate_collapse", "backlog_aging",
         "severity_downgrade"),
        400_000,
        contacts_slice_branch="east",
    )  # fmt: skip


def test_clean_data_raises_no_guardrail(clean: Build) -> None:
    flagged = clean.rows(
        "select metric_name, week_start_date, reasons from metric_status_weekly "
        "where has_coverage_drop or has_counter_metric_breach or has_low_response_rate "
        "or has_definition_freeze or has_comparability_break or is_paused"
    )
    assert flagged == []
    assert clean.rows("select * from mix_shift_weekly where is_shift_flagged") == []
    assert clean.rows("select * from metric_rebaseline_notices") == []
    overlap_failures = clean.rows(
        "select week_start_date from branch_comparison_gate where not passes_reason_overlap"
    )
    assert overlap_failures == []
    # The export's weeks are all complete here (it starts on a Monday); a week is unusable only
    # while its number can still move (the ledger's maturity: the export's last weeks) or is not
    # whole yet (its history_days: the first two weeks, for metrics by resolved or first-solved
    # week and the backlog).
    unusable = clean.rows(
        "select metric_name, week_start_date, reasons from metric_status_weekly "
        "where not usable_for_job"
    )
    immature = [row for row in unusable if row[2] == "immature_week"]
    warm_up = [row for row in unusable if row[2] == "warm_up_week"]
    assert sorted(immature + warm_up) == sorted(unusable), unusable
    assert all(week_start >= week(WEEKS - 3) for _, week_start, _ in immature), immature
    assert all(week_start < week(2) for _, week_start, _ in warm_up), warm_up
    assert {metric for metric, _, _ in warm_up} == {
        "resolution_minutes_p50",
        "resolution_minutes_p90",
        "one_touch_rate",
        "reopen_rate",
        "repeat_contact_rate",
        "backlog_open",
        "backlog_older_than_72h",
    }
    # ... and no decision statement fires on clean data
    fired = clean.rows(
        "select metric_name, week_start_date from metric_decision_triggers_weekly where has_fired"
    )
    assert fired == []
    never_usable = clean.rows(
        "select metric_name from metric_status_weekly group by metric_name "
        "having not bool_or(usable_for_job)"
    )
    assert never_usable == []


@pytest.mark.parametrize(
    ("variant", "export"), [("coverage_gap", "gap"), ("coverage_gap_vanish", "vanish")]
)
def test_coverage_gap_is_a_coverage_drop_in_its_week_only(
    request: pytest.FixtureRequest, variant: str, export: str
) -> None:
    build: Build = request.getfixturevalue(export)
    gap_week = week(WEEKS - 3)
    for metric in (
        "first_response_minutes_p50",
        "first_meaningful_response_minutes_p50",
        "contacts",
    ):
        status = build.status(metric)
        flagged = [when for when, row in status.items() if row[2]]
        assert flagged == [gap_week], (metric, flagged)
        assert "coverage_drop" in status[gap_week][1]
        assert 15 <= status[gap_week][8] <= 40  # included volume down (23% overall, chat-heavy)
    coverage = build.value("coverage_rate", gap_week)
    normal = build.value("coverage_rate", week(WEEKS - 4))
    if variant == "coverage_gap":
        assert 0.68 <= coverage <= 0.80  # 1,000 of 1,300 counted, less internal and merged
    else:
        assert abs(coverage - normal) < 0.02  # the contacts vanished: only the volume says it
    assert normal > 0.93


def test_macro_gaming_breaches_the_speed_targets_counter_metrics(
    late: Build,
) -> None:
    build = late
    before, during = week(WEEKS - 5), week(WEEKS - 3)
    assert build.value("first_response_minutes_p50", during) < 0.2 * build.value(
        "first_response_minutes_p50", before
    )
    meaningful_before = build.value("first_meaningful_response_minutes_p50", before)
    meaningful_during = build.value("first_meaningful_response_minutes_p50", during)
    assert abs(meaningful_during - meaningful_before) < 0.3 * meaningful_before
    status = build.status("first_response_business_minutes_p50")
    breached = {when for when, row in status.items() if row[3]}
    assert breached and min(breached) >= week(WEEKS - 4)
    assert any("reopen_rate" in (status[when][6] or "") for when in breached)


def test_reopen_inflation_breaches_resolution_with_reopen_rate(
    late: Build,
) -> None:
    build = late
    status = build.status("resolution_minutes_p50")
    breached = {when: row[6] for when, row in status.items() if row[3]}
    assert breached, "no counter_metric_breach on resolution_minutes_p50"
    assert min(breached) >= week(WEEKS - 4)
    assert all("reopen_rate" in (names or "") for names in breached.values())
    assert build.value("resolution_minutes_p50", week(WEEKS - 2)) < 0.75 * build.value(
        "resolution_minutes_p50", week(WEEKS - 6)
    )


def test_reopen_inflation_fires_the_reopen_rate_decision_statement(
    late: Build,
) -> None:
    # reopen_rate: "if it worsens by 4 points for 2 weeks, then ..." against the 4 weeks before.
    # Reopens go from 6% to 14% of solves in the last 4 weeks; the last two are not final yet.
    build = late
    triggers = {
        row[0]: row[1:]
        for row in build.rows(
            "select week_start_date, decision_state, is_new_firing, move_size, held_reasons "
            "from metric_decision_triggers_weekly where metric_name = 'reopen_rate' order by 1"
        )
    }
    fired = [when for when, row in triggers.items() if row[0] == "fired"]
    assert fired == [week(WEEKS - 3)], triggers
    assert triggers[week(WEEKS - 3)][1] is True  # the week the owner must act
    assert triggers[week(WEEKS - 4)][0] == "crossing"  # the first inflated week, streak of 1
    assert triggers[week(WEEKS - 3)][2] >= 4
    # the inflated weeks that are not final yet hold the statement instead of firing it
    for when in (week(WEEKS - 2), week(WEEKS - 1)):
        assert triggers[when][0] == "held" and "immature_week" in triggers[when][3]
    # before the inflation nothing crossed
    assert all(row[0] in ("quiet", "no_baseline", "held") for when, row in triggers.items()
               if when < week(WEEKS - 4))  # fmt: skip


def test_coverage_gap_holds_the_first_response_statements_in_the_gap_week(
    gap: Build,
) -> None:
    build = gap
    gap_week = week(WEEKS - 3)
    held = build.rows(
        "select metric_name, decision_state, held_reasons from metric_decision_triggers_weekly "
        "where week_start_date = ? and metric_name like 'first_%response%' order by 1",
        [gap_week],
    )
    assert len(held) == 4
    # every one held for coverage: the volume drop, or (business minutes covers fewer channels,
    # so its volume fell less) the unknown channel in its scope pulling it under its floor
    assert all(state == "held" for _, state, _ in held), held
    assert all("coverage_drop" in r or "below_coverage_floor" in r for _, _, r in held), held
    assert "coverage_drop" in dict((m, r) for m, _, r in held)["first_response_minutes_p50"]
    assert build.rows("select * from metric_decision_triggers_weekly where has_fired") == []


def test_a_sliced_decision_statement_fires_for_its_slice_only(late: Build, vanish: Build) -> None:
    # East relabels 60% of its p1 tickets as p2 in the last 4 weeks (severity_downgrade, in both
    # exports): East's p1 volume "improves" (falls) by 60% while the total does not move. A
    # statement on contacts in the slice branch=east, priority=p1 fires (`late` carries it); the
    # same statement on West's p1 contacts never does (`vanish` carries it), although East's p1
    # volume fell past the statement's threshold in that export too.
    query = (
        "select week_start_date, decision_slice, decision_state, metric_value "
        "from metric_decision_triggers_weekly where metric_name = 'contacts' order by 1"
    )
    east, west = late.rows(query), vanish.rows(query)
    east_fired = [row[0] for row in east if row[2] == "fired"]
    assert east_fired and min(east_fired) >= week(WEEKS - 3), east
    assert {row[1] for row in east} == {"branch=east, priority=p1"}
    assert [row for row in west if row[2] == "fired"] == []
    assert {row[1] for row in west} == {"branch=west, priority=p1"}
    east_p1 = dict(
        vanish.rows(
            "select week_start_date, sum(included_contacts) from fct_support_weekly "
            "where branch = 'east' and priority = 'p1' group by week_start_date"
        )
    )
    before = sum(east_p1[week(index)] for index in range(WEEKS - 8, WEEKS - 4)) / 4
    assert all(east_p1[week(index)] <= 0.6 * before for index in (WEEKS - 2, WEEKS - 1)), east_p1


def test_mix_shift_flags_contact_reason_and_per_reason_csat_is_flat(
    vanish: Build,
) -> None:
    build = vanish
    shift_week = week(WEEKS // 2)
    flagged = build.rows(
        "select week_start_date, largest_mover from mix_shift_weekly where is_shift_flagged "
        "and branch = '(all)' and mix_dimension = 'contact_reason' order by week_start_date"
    )
    assert flagged and flagged[0][0] == shift_week
    assert all(row[0] >= shift_week for row in flagged)
    per_reason = build.rows(
        """
        select contact_reason, responded_at >= ? as after_shift,
               avg(case when is_satisfied then 1.0 else 0.0 end)
        from fct_csat_surveys
        where is_included and is_answered
          and contact_reason in ('password_reset', 'billing_dispute')
        group by all
        """,
        [shift_week],
    )
    by_reason: dict[str, dict[bool, float]] = {}
    for reason, after, score in per_reason:
        by_reason.setdefault(reason, {})[after] = float(score)
    for reason, scores in by_reason.items():
        assert abs(scores[True] - scores[False]) < 0.05, reason
    overall_before = build.value("csat_score", week(WEEKS // 2 - 2))
    overall_after = build.value("csat_score", week(WEEKS // 2 + 2))
    assert overall_before - overall_after > 0.03


def _backtest(build: Build, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["backtest", *args, "--db", str(build.project / "warehouse.duckdb"),
         "--target", str(build.project / "target" / "manifest.json")],
    )  # fmt: skip


def test_backtest_reports_firings_in_mix_shift_weeks_as_such(
    vanish: Build,
) -> None:
    # A contact-reason shift from the middle of the export raises the escalation rate: a
    # sensitive proposed threshold (10% for 1 week) fires in those weeks, and the backtest says
    # they coincide with the mix shift (segment before acting), week by week.
    build = vanish
    result = _backtest(build, "escalation_rate", "--by", "10%", "--for", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["proposed"] is True
    shift_weeks = {
        str(row[0])
        for row in build.rows(
            "select distinct week_start_date from mix_shift_weekly "
            "where is_shift_flagged and branch = '(all)'"
        )
    }
    assert report["fired_in_mix_shift"], report
    assert set(report["fired_in_mix_shift"]) == set(report["fired_weeks"]) & shift_weeks
    rows = {row["week"]: row for row in report["rows"]}
    for when in report["fired_in_mix_shift"]:
        assert "contact_reason" in rows[when]["mix_shifts"]
    # the ledger's own statement (30% for 1 week) is quieter than the proposal
    ledger = _backtest(build, "escalation_rate", "--format", "json")
    assert ledger.exit_code == 0, ledger.output
    assert len(json.loads(ledger.output)["fired_weeks"]) < len(report["fired_weeks"])
    text = _backtest(build, "escalation_rate", "--by", "10%", "--for", "1").output
    assert "fell in a week whose mix shifted" in text
    assert f"Of the firings, {len(report['fired_in_mix_shift'])} fell" in text


def test_backtest_of_the_ledger_statement_and_bad_proposals(clean: Build) -> None:
    result = _backtest(clean, "reopen_rate")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Ledger statement: If reopen_rate worsens by 4 points against the trailing 4 weeks "
        "for 2 weeks, then "
    )
    assert "Fired in 0 of" in result.output
    # every judged, held and baseline-less week of the warehouse is in the backtest
    weeks = clean.rows(
        "select count(*) from metric_decision_triggers_weekly where metric_name = 'reopen_rate'"
    )[0][0]
    assert f"; {weeks} weeks in the warehouse." in result.output
    for args, message in (
        (("contacts", "--by", "5 points"), "points are percentage points of a rate"),
        (("contacts", "--slice", "branch=east"), "--slice branch=east: the warehouse holds"),
        (("contacts", "--for", "two"), "--for two: expected a number of consecutive weeks"),
        (("contacts", "--by", "20"), "--by 20: expected a percent of the baseline"),
        (("contacts", "--by", "0%"), "--by 0%: expected a percent of the baseline"),
        (("contacts", "--slice", "channel=emial"), "contacts has no channel emial in the"),
        (("csat_score", "--slice", "priority=p1"), "csat_score has no priority segments"),
        (("contacts", "--baseline-weeks", "3", "--baseline-value", "4"), "not both"),
        (("reopen_rate", "--baseline-value", "85"), "a rate is a share from 0 to 1"),
        (("contacts", "--for", "1000"), "--for 1000: expected a number of consecutive weeks"),
    ):
        bad = _backtest(clean, *args)
        assert bad.exit_code == 2, (args, bad.output)
        assert message in bad.output and "Traceback" not in bad.output
        assert len(bad.output.strip().splitlines()) == 1, bad.output


def test_premortem_pack_explains_its_sample_tickets_rule_by_rule(
    late: Build, tmp_path: Path
) -> None:
    # macro_gaming: acknowledgement macros stop the first-response clock in the last weeks. The
    # pack samples tickets of the latest complete week across priorities and says, for each,
    # what every rule made of it and which message stopped which clock; every fact must be
    # fct_tickets', every clock the message at fct_tickets' instant.
    build = late
    out = tmp_path
    metric = "first_response_minutes_p50"
    result = CliRunner().invoke(
        main,
        ["premortem", metric, "--db", str(build.project / "warehouse.duckdb"),
         "--target", str(build.project / "target" / "manifest.json"), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    markdown = (out / f"premortem_{metric}.md").read_text()
    page = (out / f"premortem_{metric}.html").read_text()
    for heading in (
        "## 1. Decision statement and blast radius (5 min)",
        "## 3. Coverage and denominators (7 min)",
        '## 4. Sample tickets: "would this be counted the way we think?" (8 min)',
        "## 5. Stress-test the threshold against seasonality and mix (7 min)",
        "## 8. Decide: ship, ship with guardrails, or pause and fix (2 min)",
        "## Workflow table (copy into the doc)",
    ):
        assert heading in markdown, heading
    assert "<h2>4. Sample tickets" in page and "<table>" in page
    sampled = re.findall(r"^\*\*Ticket (\S+)\*\*$", markdown, flags=re.MULTILINE)
    latest = build.rows("select max(week_start_date) from int_export_weeks where is_complete_week")[
        0
    ][0]
    priorities = {
        row[0] for row in build.rows(
            "select distinct priority from fct_tickets where created_week = ? and is_included",
            [latest],
        )
    }  # fmt: skip
    assert len(sampled) == 2 * len(priorities) + 1
    acknowledged = 0
    for ticket_id in sampled:
        facts = build.rows(
            "select created_week, first_response_at, first_response_minutes, is_included "
            "from fct_tickets where ticket_id = ?",
            [ticket_id],
        )[0]
        assert facts[0] == latest
        block = markdown.split(f"**Ticket {ticket_id}**")[1].split("**Ticket ")[0]
        if facts[1] is not None:
            assert f"| first response | {facts[1]} ({facts[2]:,.4g} min;" in block
            stopped = [
                line for line in block.splitlines()
                if "stopped the first-response clock" in line or "stopped both clocks" in line
            ]  # fmt: skip
            assert len(stopped) == 1 and stopped[0].startswith(f"| {facts[1]} | agent |"), block
            acknowledged += "an acknowledgement macro" in stopped[0]
        else:
            assert "| first response | - (- min;" in block
            assert "stopped the first-response clock" not in block
        assert ("| included | included" in block) == facts[3]
    # the gamed week: some sampled first responses are acknowledgement macros
    assert acknowledged >= 1


def test_branch_simpson_fails_the_gate_and_publishes_cohorts(
    gap: Build,
) -> None:
    build = gap
    gate = build.rows(
        "select week_start_date, is_ranking_allowed, passes_reason_overlap, min_reason_overlap "
        "from branch_comparison_gate where metric_name = 'resolution_minutes_p50'"
    )
    assert gate and all(not row[1] and not row[2] for row in gate)
    assert all(0.6 <= row[3] < 0.8 for row in gate)
    cohorts = build.rows(
        "select distinct cohort_dimension from branch_league_table "
        "where metric_name = 'resolution_minutes_p50'"
    )
    assert cohorts == [("contact_reason",)]


def test_severity_downgrade_flags_priority_for_that_branch(
    vanish: Build,
) -> None:
    build = vanish
    flagged = build.rows(
        "select week_start_date, branch, largest_mover from mix_shift_weekly "
        "where is_shift_flagged and mix_dimension = 'priority'"
    )
    assert flagged
    assert {row[1] for row in flagged} == {"east"}
    assert all(row[0] >= week(WEEKS - 4) for row in flagged)
    assert {row[2] for row in flagged} <= {"p1", "p2"}


def test_response_rate_collapse_makes_csat_unusable(
    late: Build,
) -> None:
    build = late
    status = build.status("csat_score")
    low = {when for when, row in status.items() if row[4]}
    assert low and min(low) >= week(WEEKS - 4)
    assert all(not status[when][0] and "low_response_rate" in status[when][1] for when in low)
    assert build.value("csat_score", week(WEEKS - 2)) > build.value("csat_score", week(WEEKS - 6))


def test_backlog_aging_grows_the_old_bucket_while_the_total_is_flat(
    late: Build,
) -> None:
    build = late
    weekly = build.rows(
        """
        select backlog_date, sum(open_tickets), sum(open_older_than_alert_tickets)
        from fct_backlog_daily
        where customer_tier = 'enterprise' and region = 'EMEA' and channel = 'email'
          and extract(isodow from backlog_date) = 7
        group by backlog_date
        order by backlog_date
        """
    )
    last = weekly[-4:]
    old = [row[2] for row in last]
    assert old == sorted(old) and old[-1] > 2 * max(old[0], 1)
    totals = [row[1] for row in weekly[-6:]]
    assert max(totals) <= 1.6 * min(totals)


def test_definition_change_freezes_the_metric_and_yields_a_notice(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("definition_change")
    raw = root / "raw"
    generate(raw, tickets=8_000, seed=9, start=START, weeks=WEEKS, scenarios=("definition_change",))
    project = copy_project(root / "project")
    model = project / "models/intermediate/support/int_ticket_messages_classified.sql"
    text = model.read_text()
    removed = "            and not coalesce(messages.is_auto_response, false)\n"
    assert removed in text
    model.write_text(text.replace(removed, ""))
    run_in_project(project, ["compile"], raw_dir=raw)
    metric_ledger = tool_executable("metric-ledger")
    gate = subprocess.run(
        [metric_ledger, "gate", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert gate.returncode == 1
    changed = sorted(
        {
            f["metric"]
            for f in json.loads(gate.stdout)["findings"]
            if f["problem"] == "definition_changed"
        }
    )
    assert "first_response_minutes_p50" in changed
    effective = week(5)
    for metric in changed:
        approve = subprocess.run(
            [metric_ledger, "approve", metric, "--by", "data_steward", "--reason",
             "Auto-responses now stop the first-response clock", "--effective",
             effective.isoformat(), "--freeze-weeks", "2"],
            cwd=project, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert approve.returncode == 0, approve.stderr
    # The unit tests of the changed rule fail, as they should: the definition did change.
    run_in_project(project, ["build", "--exclude", "test_type:unit"], raw_dir=raw)
    assert subprocess.run([metric_ledger, "gate"], cwd=project, check=False).returncode == 0
    build = Build(project)
    status = build.status("first_response_minutes_p50")
    frozen = sorted(when for when, row in status.items() if row[5])
    assert frozen == [week(5), week(6)]
    assert "definition_freeze" in status[week(5)][1]
    notices = build.rows(
        "select from_version, to_version, effective_date, freeze_ends_on, affected_exposures "
        "from metric_rebaseline_notices where metric_name = 'first_response_minutes_p50'"
    )
    assert notices[0][:4] == (1, 2, effective, week(7))
    # Lineage is model-level: every metric read from fct_tickets was re-approved and is frozen;
    # schedule_adherence (agent shifts) did not change and is not.
    assert "schedule_adherence" not in changed
    untouched = build.status("schedule_adherence")
    assert not any(row[5] for row in untouched.values())
    markdown = subprocess.run(
        [metric_ledger, "notices"], cwd=project, capture_output=True, text=True, check=True
    ).stdout
    assert "`first_response_minutes_p50` v1 -> v2" in markdown


def test_these_builds_read_an_empty_context_log() -> None:
    # The scenario builds use the shipped configuration (no demo var), whose context log is empty,
    # so that a flag can only come from the injected scenario.
    lines = (REPO / "seeds" / "context_log.csv").read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("occurred_on,scope_type,scope_value,kind")
