"""Bad input gets a clear error and loses nothing: real `dbt build` runs on broken exports."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import DbtWorkspace, find_relation, run_dbt

from metric_ledger.synth import generate
from metric_ledger.warehouse import connect as warehouse_connect


@pytest.fixture(scope="module")
def clean_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean_export")
    generate(out, tickets=1500, seed=5, start=date(2026, 1, 5), weeks=3, scenarios=())
    return out


def _copy(export: Path, tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(export, raw)
    return raw


def _append_rows(path: Path, rows: list[dict[str, object]]) -> None:
    table = pq.read_table(path)
    extra = pa.Table.from_pylist(rows, schema=table.schema)
    pq.write_table(pa.concat_tables([table, extra]), path)


def _problem_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("raw file ")]


def test_missing_file_stops_the_build_naming_the_file(clean_export: Path, tmp_path: Path) -> None:
    raw = _copy(clean_export, tmp_path)
    (raw / "agent_shifts.parquet").unlink()
    proc = run_dbt("build", DbtWorkspace(tmp_path / "dbt", raw), check=False)
    assert proc.returncode != 0
    problems = _problem_lines(proc.stdout)
    assert problems == [
        f"raw file {raw}/agent_shifts.parquet: file not found "
        "(source contract table agent_shifts; set the var raw_data_path to the "
        "export directory)"
    ]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_missing_column_and_wrong_type_name_file_and_column(
    clean_export: Path, tmp_path: Path
) -> None:
    raw = _copy(clean_export, tmp_path)
    tickets = pq.read_table(raw / "tickets.parquet").drop(["customer_tier"])
    events = pq.read_table(raw / "ticket_events.parquet")
    events = events.set_column(
        events.schema.get_field_index("body_chars"),
        "body_chars",
        events.column("body_chars").cast(pa.string()),
    )
    pq.write_table(tickets, raw / "tickets.parquet")
    pq.write_table(events, raw / "ticket_events.parquet")
    proc = run_dbt("build", DbtWorkspace(tmp_path / "dbt", raw), check=False)
    assert proc.returncode != 0
    problems = _problem_lines(proc.stdout)
    assert (
        f"raw file {raw}/tickets.parquet: column customer_tier is missing (contract type varchar)"
        in problems
    )
    assert (
        f"raw file {raw}/ticket_events.parquet: column body_chars has type VARCHAR, "
        "the contract says integer"
    ) in problems
    assert len(problems) == 2


def test_contract_breaking_rows_are_quarantined_with_reasons_not_dropped(
    clean_export: Path, tmp_path: Path
) -> None:
    raw = _copy(clean_export, tmp_path)
    first = pq.read_table(raw / "tickets.parquet").slice(0, 1).to_pylist()[0]
    created = first["created_at"]
    bad_ticket = {**first, "ticket_id": "BAD-PRIORITY", "priority": "urgent"}
    duplicate = {**first, "updated_at": datetime(2026, 1, 1)}
    _append_rows(raw / "tickets.parquet", [bad_ticket, duplicate])
    event = pq.read_table(raw / "ticket_events.parquet").slice(0, 1).to_pylist()[0]
    _append_rows(
        raw / "ticket_events.parquet",
        [
            {**event, "event_id": "BAD-ORPHAN", "ticket_id": "NO-SUCH-TICKET"},
            {
                **event,
                "event_id": "BAD-EARLY",
                "ticket_id": "BAD-PRIORITY",
                "occurred_at": datetime(2020, 1, 1),
            },
        ],
    )
    survey = pq.read_table(raw / "csat_responses.parquet").slice(0, 1).to_pylist()[0]
    _append_rows(
        raw / "csat_responses.parquet", [{**survey, "survey_id": "BAD-RATING", "rating": 9}]
    )
    shift = pq.read_table(raw / "agent_shifts.parquet").slice(0, 1).to_pylist()[0]
    _append_rows(
        raw / "agent_shifts.parquet",
        [{**shift, "shift_date": date(2025, 12, 1), "logged_in_minutes": -5}],
    )

    workspace = DbtWorkspace(tmp_path / "dbt", raw)
    proc = run_dbt("build", workspace)  # a small share only warns: the build succeeds
    assert "WARN" in proc.stdout and "is_empty_stg_helpdesk__quarantined_rows" in proc.stdout

    with warehouse_connect(workspace.db_path) as con:
        quarantined = set(
            con.execute(
                f"select source_table, record_key, quarantine_reason "
                f"from {find_relation(con, 'stg_helpdesk__quarantined_rows')}"
            ).fetchall()
        )
        first_id = first["ticket_id"]
        assert ("tickets", "BAD-PRIORITY", "unknown_priority") in quarantined
        assert ("tickets", first_id, "duplicate_key") in quarantined
        assert ("ticket_events", "BAD-ORPHAN", "unknown_ticket") in quarantined
        assert ("ticket_events", "BAD-EARLY", "event_before_ticket_created") in quarantined
        assert ("csat_responses", "BAD-RATING", "rating_out_of_range") in quarantined
        assert (
            "agent_shifts",
            f"{shift['agent_id']}|2025-12-01",
            "negative_minutes",
        ) in quarantined

        facts = dict(
            (row[0], row[1:])
            for row in con.execute(
                f"select ticket_id, is_quarantined, is_included, created_at "
                f"from {find_relation(con, 'fct_tickets')} where ticket_id in (?, ?)",
                [first_id, "BAD-PRIORITY"],
            ).fetchall()
        )
        # Both tickets stay, flagged and excluded; the duplicate keeps its latest copy.
        assert facts[first_id] == (True, False, created)
        assert facts["BAD-PRIORITY"][:2] == (True, False)

        total, included = con.execute(
            f"select sum(all_contacts), sum(included_contacts) "
            f"from {find_relation(con, 'fct_support_weekly')}"
        ).fetchone()
        distinct_ids = con.execute(
            f"select count(distinct ticket_id) from read_parquet('{raw}/tickets.parquet')"
        ).fetchone()[0]
        assert total == distinct_ids  # every contact of the export is in the denominator
        assert included < total


def test_quarantine_share_above_the_limit_fails_the_build(
    clean_export: Path, tmp_path: Path
) -> None:
    raw = _copy(clean_export, tmp_path)
    event = pq.read_table(raw / "ticket_events.parquet").slice(0, 1).to_pylist()[0]
    _append_rows(
        raw / "ticket_events.parquet",
        [{**event, "event_id": f"BAD-{n}", "ticket_id": "NO-SUCH-TICKET"} for n in range(50)],
    )
    proc = run_dbt(
        "build",
        DbtWorkspace(tmp_path / "dbt", raw),
        extra_vars={"quarantine_error_share": 0.001},
        check=False,
    )
    assert proc.returncode != 0
    assert "Failure in test assert_quarantine_share_within_limit" in proc.stdout
    assert "SKIP" in proc.stdout  # the marts are not published on a broken export
