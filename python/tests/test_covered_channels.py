"""covered_channels is the one source of truth of a metric's channels (issue 10, item 2).

A metric's channels are written in its filter, its ledger's covered_channels and its coverage
prose, and agent_scorecard_weekly reads them for its speed metric. In a temporary copy of the
project, one edit to one of them (the other left alone) stops `dbt build` before any model
runs, with one line naming the metric; the scorecard's channels follow the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_project, edit_semantic_item, run_in_project

HEADER = "The Assumption Ledger is incomplete or invalid"


def _edit_metric(project: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> None:
    """Edit one metric of the copy (each metric writes its own covered_channels: no list is
    shared with another metric)."""
    edit_semantic_item(project, "metrics", name, edit)


def _ledger(metric: dict[str, Any]) -> dict[str, Any]:
    ledger: dict[str, Any] = metric["config"]["meta"]["ledger"]
    return ledger


def _drop_social_from_covered(metric: dict[str, Any]) -> None:
    _ledger(metric)["covered_channels"].remove("social")


def _drop_social_from_filter(metric: dict[str, Any]) -> None:
    assert ", 'social')" in metric["filter"]
    metric["filter"] = metric["filter"].replace(", 'social')", ")")


def _drop_api_from_covered(metric: dict[str, Any]) -> None:
    _ledger(metric)["covered_channels"].remove("api")


def _narrow_numerator(metric: dict[str, Any]) -> None:
    metric["type_params"]["numerator"] = {
        "name": metric["type_params"]["numerator"],
        "filter": "{{ Dimension('ticket__channel') }} in ('email')",
    }


def _channel_on_a_shift_metric(metric: dict[str, Any]) -> None:
    _ledger(metric)["covered_channels"] = ["email"]
    _ledger(metric)["coverage"] = "Every shift row of the email team."  # the prose agrees


def _drop_social_from_prose(metric: dict[str, Any]) -> None:
    _ledger(metric)["coverage"] = "Includes email, web_form and chat. Excludes phone and api."


def _exclude_chat(metric: dict[str, Any]) -> None:
    metric["filter"] += " and {{ Dimension('ticket__channel') }} <> 'chat'"


def _like_predicate(metric: dict[str, Any]) -> None:
    metric["filter"] = (
        "{{ Dimension('ticket__is_included') }} and {{ Dimension('ticket__channel') }} like 'e%'"
    )


MISMATCHES: list[tuple[str, str, Callable[[dict[str, Any]], None], str]] = [
    (
        "covered_channels_drops_a_channel",
        "first_response_minutes_p50",
        _drop_social_from_covered,
        "metric first_response_minutes_p50: filter channels (email, web_form, chat, social) "
        "differ from ledger.covered_channels (email, web_form, chat)",
    ),
    (
        "filter_drops_a_channel",
        "first_response_minutes_p50",
        _drop_social_from_filter,
        "metric first_response_minutes_p50: filter channels (email, web_form, chat) differ "
        "from ledger.covered_channels (email, web_form, chat, social)",
    ),
    (
        "no_channel_predicate_but_not_every_channel_covered",
        "reopen_rate",
        _drop_api_from_covered,
        "metric reopen_rate: filter of input metrics reopened_tickets, first_solved_tickets has "
        "no channel predicate, so it covers every contract channel (email, web_form, chat, "
        "phone, social, api), which differs from ledger.covered_channels (email, web_form, chat, "
        "phone, social)",
    ),
    (
        "input_metric_filter_narrows_a_ratio",
        "reopen_rate",
        _narrow_numerator,
        "metric reopen_rate: filter channels of input metric reopened_tickets (email) differ "
        "from ledger.covered_channels (email, web_form, chat, phone, social, api)",
    ),
    (
        "channels_on_a_metric_without_a_channel_dimension",
        "schedule_adherence",
        _channel_on_a_shift_metric,
        "metric schedule_adherence: no measure of the metric has a channel dimension, so "
        "ledger.covered_channels must be empty (found email)",
    ),
    (
        "coverage_prose_omits_a_covered_channel",
        "first_response_minutes_p50",
        _drop_social_from_prose,
        "metric first_response_minutes_p50: ledger.coverage does not name covered channel(s) "
        "social",
    ),
    (
        "filter_excludes_a_channel",
        "first_response_minutes_p50",
        _exclude_chat,
        "metric first_response_minutes_p50: filter channels (email, web_form, social) differ "
        "from ledger.covered_channels (email, web_form, chat, social)",
    ),
    (
        "unreadable_channel_predicate",
        "first_response_minutes_p50",
        _like_predicate,
        "metric first_response_minutes_p50: filter has a channel predicate other than in (...), "
        "not in (...), = or <> a quoted channel",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("metric", "edit", "message"),
    [pytest.param(metric, edit, message, id=case) for case, metric, edit, message in MISMATCHES],
)
def test_a_channel_mismatch_stops_the_build_naming_the_metric(
    tmp_path: Path,
    small_export: Path,
    small_export_parse: Path,
    metric: str,
    edit: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    project = copy_project(tmp_path / "project", parsed=small_export_parse)
    _edit_metric(project, metric, edit)
    # on-run-start validates the ledgers whatever is selected; the selection only keeps a build
    # that wrongly gets past it short.
    proc = run_in_project(
        project,
        ["--no-use-colors", "build", "--select", "stg_helpdesk__agents"],
        raw_dir=small_export,
        check=False,
    )
    assert proc.returncode != 0
    assert HEADER in proc.stdout, proc.stdout[-3000:]
    problems = [
        line.strip()
        for line in proc.stdout.split(HEADER, 1)[1].splitlines()[1:]
        if line.strip().startswith("metric ")
    ]
    # One line, naming the edited metric (the metrics with the same channels are untouched).
    assert len(problems) == 1, problems
    assert problems[0].startswith(message), problems
    # It stops before any model runs.
    assert "OK created" not in proc.stdout


def test_the_scorecard_speed_channels_follow_the_ledger(tmp_path: Path) -> None:
    """agent_scorecard_weekly computes first_response_minutes_p50 on the channels its ledger
    covers: narrowing the metric (filter, covered_channels and prose together) narrows the
    scorecard's compiled SQL too."""
    project = copy_project(tmp_path / "project")

    def narrow(metric: dict[str, Any]) -> None:
        _drop_social_from_filter(metric)
        _drop_social_from_covered(metric)
        _ledger(metric)["coverage"] = "Includes email, web_form and chat only."

    _edit_metric(project, "first_response_minutes_p50", narrow)
    run_in_project(
        project, ["compile", "--select", "int_agent_weekly_measures", "metric_dictionary"]
    )
    # The scorecard's speed measure is computed in its weekly measures (int_agent_weekly_measures).
    compiled = next((project / "target" / "compiled").rglob("int_agent_weekly_measures.sql"))
    sql = compiled.read_text()
    assert "tickets.channel in ('email', 'web_form', 'chat')" in sql, sql
