"""The CLI as a user meets it: help text, README coverage, one-line errors, the summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from metric_ledger.cli import main

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
    result = CliRunner().invoke(main, ["summary", "--db", str(built_project / "warehouse.duckdb")])
    assert result.exit_code == 0, result.output
    for expected in (
        "contacts in export",
        "Coverage and first response by channel",
        "Guardrails",
        "Branch comparability gate",
        "Decision DR-2026-001",
    ):
        assert expected in result.output


def test_summary_of_an_empty_build_says_so_plainly() -> None:
    from rich.console import Console

    from metric_ledger.report import render_guardrails, render_summary
    from metric_ledger.summary import BuildSummary, GuardrailFindings

    console = Console(record=True, width=200)
    render_summary(BuildSummary(None, None, 0, 0, 0.0, 0), console)
    render_guardrails(GuardrailFindings(latest_complete_week=None), console)
    text = console.export_text()
    assert "the export has no tickets" in text
    assert "no complete week in the export" in text
    assert "None" not in text and "week of -" not in text and "Every governed metric" not in text
