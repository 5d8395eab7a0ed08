"""Bad input gets a clear error and loses nothing: real `dbt build` runs on broken exports."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import duckdb
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


def _warning_lines(output: str) -> list[str]:
    marker = "[WARNING]: "
    return [
        line.split(marker, 1)[1].strip()
        for line in output.splitlines()
        if marker + "raw file " in line
    ]


def _empty(path: Path) -> None:
    pq.write_table(pq.read_table(path).slice(0, 0), path)


def _no_model_ran(proc: subprocess.CompletedProcess[str], workspace: DbtWorkspace) -> bool:
    """No model started and the warehouse holds no table or view."""
    if " START sql " in proc.stdout:
        return False
    if not workspace.db_path.exists():
        return True
    with duckdb.connect(str(workspace.db_path), read_only=True) as con:
        return not con.execute("select table_name from information_schema.tables").fetchall()


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


def test_every_contract_problem_of_the_export_is_reported_in_one_run(
    clean_export: Path, tmp_path: Path
) -> None:
    raw = _copy(clean_export, tmp_path)
    pq.write_table(
        pq.read_table(raw / "tickets.parquet").drop(["customer_tier"]), raw / "tickets.parquet"
    )
    pq.write_table(pq.read_table(raw / "agents.parquet").drop(["team"]), raw / "agents.parquet")
    events = pq.read_table(raw / "ticket_events.parquet")
    events = events.set_column(
        events.schema.get_field_index("body_chars"),
        "body_chars",
        events.column("body_chars").cast(pa.string()),
    )
    pq.write_table(events, raw / "ticket_events.parquet")
    (raw / "agent_shifts.parquet").unlink()
    workspace = DbtWorkspace(tmp_path / "dbt", raw)
    # Any run or build runs the on-run-start check; one small model keeps the run cheap.
    proc = run_dbt("run", workspace, ["--select", "stg_helpdesk__agents"], check=False)
    assert proc.returncode != 0
    assert sorted(_problem_lines(proc.stdout)) == [
        f"raw file {raw}/agent_shifts.parquet: file not found (source contract table "
        "agent_shifts; set the var raw_data_path to the export directory)",
        f"raw file {raw}/agents.parquet: column team is missing (contract type varchar)",
        f"raw file {raw}/ticket_events.parquet: column body_chars has type VARCHAR, "
        "the contract says integer",
        f"raw file {raw}/tickets.parquet: column customer_tier is missing (contract type varchar)",
    ]
    assert "The raw export breaks the source contract (4 problems; no model ran)" in proc.stdout
    assert _no_model_ran(proc, workspace)
    assert "Traceback" not in proc.stdout + proc.stderr


def test_extra_columns_and_an_empty_optional_table_warn_and_the_build_goes_on(
    clean_export: Path, tmp_path: Path
) -> None:
    raw = _copy(clean_export, tmp_path)
    agents = pq.read_table(raw / "agents.parquet")
    agents = agents.append_column("badge_colour", pa.array(["teal"] * agents.num_rows))
    agents = agents.append_column("desk", pa.array([None] * agents.num_rows, pa.int32()))
    pq.write_table(agents, raw / "agents.parquet")
    _empty(raw / "csat_responses.parquet")
    workspace = DbtWorkspace(tmp_path / "dbt", raw)
    proc = run_dbt("run", workspace, ["--select", "stg_helpdesk__agents"])
    assert _warning_lines(proc.stdout) == [
        f"raw file {raw}/agents.parquet: extra columns badge_colour, desk not in the source "
        "contract (ignored)",
        f"raw file {raw}/csat_responses.parquet: no rows; CSAT metrics will have no data",
    ]
    assert _problem_lines(proc.stdout) == []
    with warehouse_connect(workspace.db_path) as con:
        relation = find_relation(con, "stg_helpdesk__agents")
        assert con.execute(f"select count(*) from {relation}").fetchone() == (agents.num_rows,)


def test_an_export_without_tickets_stops_the_build(clean_export: Path, tmp_path: Path) -> None:
    raw = _copy(clean_export, tmp_path)
    _empty(raw / "tickets.parquet")
    workspace = DbtWorkspace(tmp_path / "dbt", raw)
    proc = run_dbt("run", workspace, ["--select", "stg_helpdesk__agents"], check=False)
    assert proc.returncode != 0
    assert _problem_lines(proc.stdout) == [
        f"raw file {raw}/tickets.parquet: no rows; the export needs at least one ticket"
    ]
    assert _no_model_ran(proc, workspace)
    assert "Traceback" not in proc.stdout + proc.stderr


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
