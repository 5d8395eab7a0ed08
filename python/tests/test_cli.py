"""The CLI as a user meets it: help text, README coverage, one-line errors, the summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO

from metric_ledger.cli import main
from metric_ledger.warehouse import connect

COMMANDS = sorted(main.commands)


def test_the_cli_has_the_commands_of_the_design() -> None:
    assert {"generate", "summary", "fingerprint", "diff", "gate", "approve", "notices"} <= set(
        COMMANDS
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert main.commands[command].help and main.commands[command].help.strip()
    assert "Usage:" in result.output
    assert f"metric-ledger {command}" in (REPO / "README.md").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "--db", "/nonexistent/warehouse.duckdb"],
        ["gate", "--target", "/nonexistent/manifest.json"],
        ["fingerprint", "--target", "/nonexistent/manifest.json"],
        ["diff", "--base", "/nonexistent/a.json", "--target", "/nonexistent/b.json"],
        ["notices", "--changelog", "/nonexistent/changelog.csv"],
    ],
)
def test_unreadable_input_is_one_line_and_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: /nonexistent/")
    assert "Traceback" not in result.output


def test_summary_prints_build_and_guardrails(built_project: Path) -> None:
    # The shipped configuration: no decision records (the demo's verdicts are checked in
    # test_demo_configuration.py).
    result = CliRunner().invoke(main, ["summary", "--db", str(built_project / "warehouse.duckdb")])
    assert result.exit_code == 0, result.output
    for expected in (
        "contacts in export",
        "Coverage and first response by channel",
        "Guardrails",
        "Branch comparability gate",
        "Decision records: none to review",
    ):
        assert expected in result.output
    # the decision statements fired and held in the latest complete week, as the model says
    with connect(built_project / "warehouse.duckdb") as con:
        latest = con.execute(
            "select max(week_start_date) from metric_status_weekly where is_complete_week"
        ).fetchone()
        states = dict(
            con.execute(
                "select metric_name, decision_state from metric_decision_triggers_weekly "
                "where week_start_date = ?",
                [latest[0] if latest else None],
            ).fetchall()
        )
    text = " ".join(result.output.split())
    fired = sorted(metric for metric, state in states.items() if state == "fired")
    held = sorted(metric for metric, state in states.items() if state == "held")
    if fired:
        assert "Decision statements fired in the week of" in text
    else:
        assert f"Decision statements fired in the week of {latest[0] if latest else ''}: none." in (
            text
        )
    held_part = text.split("so it triggers nothing):")[1] if held else ""
    for metric in held:
        assert metric in held_part, metric


def test_summary_renders_fired_and_held_decision_statements() -> None:
    from rich.console import Console

    from metric_ledger.render.summary import render_guardrails
    from metric_ledger.warehouse_summary import DecisionTrigger, GuardrailFindings

    fired = DecisionTrigger(
        "reopen_rate", "", "fired", True, 0.14, 0.06, 8.0, 4.0, "points", "worsens", "",
        "run a QA calibration", "support_quality_lead",
    )  # fmt: skip
    held = DecisionTrigger(
        "first_response_minutes_p50", "priority=p1", "held", False, None, None, None, 20.0,
        "percent", "worsens", "coverage_drop", "add weekend coverage", "head_of_support_ops",
    )  # fmt: skip
    console = Console(record=True, width=200)
    render_guardrails(
        GuardrailFindings(latest_complete_week="2026-03-02", decision_triggers=[fired, held]),
        console,
    )
    text = console.export_text()
    assert "Decision statements fired in the week of 2026-03-02: act" in text
    assert "reopen_rate (new)" in text and "+8.0 points (threshold 4 points)" in text
    assert "support_quality_lead" in text and "run a QA calibration" in text
    assert "coverage_drop: first_response_minutes_p50 (priority=p1)" in text


# --- input errors exit 2 with one line (the gate keeps 1 for "failed") -----------------------


def _one_error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return str(lines[0])


@pytest.fixture()
def unwritable(tmp_path: Path) -> Path:
    """A directory path that cannot be made (its parent is a file), even for root."""
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    return blocker / "out"


def test_generate_to_an_unwritable_path_exits_2(unwritable: Path) -> None:
    result = CliRunner().invoke(main, ["generate", str(unwritable), "--tickets", "20"])
    line = _one_error_line(result)
    assert line.startswith(f"Error: cannot write {unwritable}: ")


def test_slice_to_an_unwritable_path_exits_2(tmp_path: Path, unwritable: Path) -> None:
    from metric_ledger.synth import generate

    src = tmp_path / "export"
    generate(src, tickets=20, seed=1, start=date(2026, 1, 5), weeks=1)
    result = CliRunner().invoke(main, ["slice", str(src), str(unwritable), "--as-of", "2026-01-08"])
    line = _one_error_line(result)
    assert line.startswith(f"Error: cannot write {unwritable}: ")


def test_slice_of_an_incomplete_export_names_every_missing_file(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "agents.parquet").write_text("")
    result = CliRunner().invoke(
        main, ["slice", str(tmp_path / "src"), str(tmp_path / "dst"), "--as-of", "2026-01-08"]
    )
    line = _one_error_line(result)
    assert line == (
        f"Error: {tmp_path / 'src'}: missing raw file(s) tickets.parquet, "
        "ticket_events.parquet, csat_responses.parquet, agent_shifts.parquet"
    )
    assert not (tmp_path / "dst").exists()


def test_generate_refuses_a_start_that_is_not_a_monday(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["generate", str(tmp_path / "out"), "--tickets", "20", "--start", "2026-01-06"]
    )
    line = _one_error_line(result)
    assert line == (
        "Error: --start must be a Monday (weeks run Monday to Sunday), got 2026-01-06, a Tuesday"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["fingerprint", "--target", "."],
        ["approve", "some_metric", "--reason", "why"],
        ["postgres", "load"],
    ],
)
def test_bad_arguments_of_any_command_are_one_line_and_exit_2(args: list[str]) -> None:
    _one_error_line(CliRunner().invoke(main, args))


def test_summary_of_an_empty_build_says_so_plainly() -> None:
    from rich.console import Console

    from metric_ledger.render.summary import render_guardrails, render_summary
    from metric_ledger.warehouse_summary import BuildSummary, GuardrailFindings

    console = Console(record=True, width=200)
    render_summary(BuildSummary(None, None, 0, 0, 0.0, 0), console)
    render_guardrails(GuardrailFindings(latest_complete_week=None), console)
    text = console.export_text()
    assert "the export has no tickets" in text
    assert "no complete week in the export" in text
    assert "None" not in text and "week of -" not in text and "Every governed metric" not in text
