"""The semantic layer and the metric dictionary on a real build of a project copy."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, mf_query, semantic_metrics

from metric_ledger.warehouse import connect as warehouse_connect

GOVERNED = sorted(
    metric["name"] for metric in semantic_metrics(REPO) if metric["config"]["meta"].get("governed")
)
LEDGER_TEXT_FIELDS = (
    "definition",
    "coverage",
    "comparability",
    "automation_limits",
    "known_biases",
    "monitoring_signals",
    "change_triggers",
)


def _warehouse(project: Path) -> duckdb.DuckDBPyConnection:
    return warehouse_connect(project / "warehouse.duckdb")


def test_the_nineteen_metrics_of_the_definitions_are_governed() -> None:
    expected = sorted(
        [
            "contacts", "coverage_rate", "first_response_minutes_p50", "first_response_minutes_p90",
            "first_response_business_minutes_p50", "first_meaningful_response_minutes_p50",
            "resolution_minutes_p50", "resolution_minutes_p90", "reopen_rate",
            "repeat_contact_rate", "escalation_rate", "transfer_rate", "one_touch_rate",
            "csat_score", "csat_response_rate", "backlog_open", "backlog_older_than_72h",
            "schedule_adherence", "contacts_per_agent_hour",
        ]
    )  # fmt: skip
    assert expected == GOVERNED


def test_mf_query_matches_direct_sql_on_fct_tickets(built_project: Path) -> None:
    rows = mf_query(
        built_project,
        ["first_response_minutes_p50", "reopen_rate"],
        ["metric_time__week", "ticket__channel"],
    )
    assert rows, "MetricFlow returned no rows"
    with _warehouse(built_project) as con:
        medians = {
            (str(week), channel): value
            for week, channel, value in con.execute(
                """
                select created_week, channel, median(first_response_minutes)
                from fct_tickets
                where is_included and channel in ('email', 'web_form', 'chat', 'social')
                group by all
                """
            ).fetchall()
        }
        reopen = {
            (str(week), channel): reopened / solved
            for week, channel, reopened, solved in con.execute(
                """
                select first_solved_week, channel, count(*) filter (where is_reopened), count(*)
                from fct_tickets
                where is_included and first_solved_at is not null
                group by all
                """
            ).fetchall()
        }
    checked_medians = checked_rates = 0
    for row in rows:
        key = (row["metric_time__week"][:10], row["ticket__channel"])
        if row["first_response_minutes_p50"]:
            assert math.isclose(
                float(row["first_response_minutes_p50"]), medians[key], rel_tol=1e-9
            )
            checked_medians += 1
        else:
            assert medians.get(key) is None
        if row["reopen_rate"]:
            assert math.isclose(float(row["reopen_rate"]), reopen[key], rel_tol=1e-9)
            checked_rates += 1
    # Phone and api are not covered by first response: MetricFlow must not return them.
    assert not any(
        row["first_response_minutes_p50"] and row["ticket__channel"] in ("phone", "api")
        for row in rows
    )
    assert checked_medians == len(medians)
    assert checked_rates == len(reopen)


def test_every_governed_metric_answers_by_week(built_project: Path) -> None:
    per_ticket = [m for m in GOVERNED if m not in ("schedule_adherence", "contacts_per_agent_hour")]
    rows = mf_query(built_project, per_ticket, ["metric_time__week"])
    assert len(rows) >= 6
    for metric in per_ticket:
        assert any(row[metric] for row in rows), f"{metric} is empty for every week"
    staffing = mf_query(
        built_project,
        ["schedule_adherence", "contacts_per_agent_hour"],
        ["metric_time__week", "branch"],
    )
    assert all(
        0 < float(row["schedule_adherence"]) <= 1 for row in staffing if row["schedule_adherence"]
    )
    assert any(row["contacts_per_agent_hour"] for row in staffing)


def test_metric_dictionary_has_one_complete_row_per_governed_metric(built_project: Path) -> None:
    with _warehouse(built_project) as con:
        con.execute("select * from metric_dictionary order by metric_name")
        columns = [column[0] for column in con.description]
        rows = [dict(zip(columns, row, strict=True)) for row in con.fetchall()]
    assert [row["metric_name"] for row in rows] == GOVERNED
    for row in rows:
        for field in (*LEDGER_TEXT_FIELDS, "owner", "job", "status", "decision_statement"):
            assert row[field] and str(row[field]).strip(), f"{row['metric_name']}.{field} is empty"
        assert row["approved_version"] == row["version"] == 1
        assert json.loads(row["approvers"]), row["metric_name"]
        assert row["source_models"] and json.loads(row["source_models"]), row["metric_name"]
        if row["job"] == "target":
            assert 2 <= len(json.loads(row["counter_metrics"])) <= 4
            assert row["is_published_for_target"]
    by_name = {row["metric_name"]: row for row in rows}
    assert sorted(json.loads(by_name["reopen_rate"]["input_metrics"])) == [
        "first_solved_tickets",
        "reopened_tickets",
    ]
    assert json.loads(by_name["first_response_business_minutes_p50"]["covered_channels"]) == [
        "email",
        "web_form",
    ]
    assert "csat_response_rate" in json.loads(by_name["csat_score"]["counter_metrics"])


def test_metric_coverage_weekly_counts_covered_channels_only(built_project: Path) -> None:
    with _warehouse(built_project) as con:
        coverage = dict(
            con.execute(
                """
                select metric_name, sum(included_contacts)
                from metric_coverage_weekly
                where metric_name in ('contacts', 'first_response_business_minutes_p50')
                group by metric_name
                """
            ).fetchall()
        )
        included_all, included_email_web = con.execute(
            """
            select count(*) filter (where is_included),
                   count(*) filter (where is_included and channel in ('email', 'web_form'))
            from fct_tickets
            """
        ).fetchone()
    assert coverage["contacts"] == included_all
    assert coverage["first_response_business_minutes_p50"] == included_email_web


@pytest.mark.parametrize("metric", ["contacts", "first_response_minutes_p50"])
def test_clean_data_has_no_coverage_below_floor(built_project: Path, metric: str) -> None:
    with _warehouse(built_project) as con:
        low = con.execute(
            """
            select week_start_date, sum(included_contacts) / sum(all_contacts)
            from metric_coverage_weekly
            where metric_name = ? and is_in_scope
            group by week_start_date
            having sum(included_contacts) / sum(all_contacts) < 0.9
            """,
            [metric],
        ).fetchall()
    assert low == []
