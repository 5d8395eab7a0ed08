"""Incremental runs give exactly the tables of a full refresh.

One full export is sliced as the helpdesk would have exported it on three days
(`metric_ledger.synth.slicing`): each later slice has new tickets, new events on old tickets and
late events that occurred before the previous slice but arrived after it. The second slice also
carries a late duplicate: an event id of an old, untouched ticket reused on a new ticket, which
quarantines the old ticket although nothing on it changed. A warehouse built on day 1 and then
run incrementally on days 2 and 3 must hold the same rows, in every table, as a full refresh on
each of those days; and the incremental runs must really be incremental (a small refresh set).

A rebuild never mixes definitions (governance.md §4): after a var change or a seed edit, a plain
`dbt build` (no --full-refresh) on the next day must give the tables of a from-scratch build of
the changed project, and say in its log which models it recomputed in full and why."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import REPO, DbtWorkspace, copy_project, run_dbt, tool_executable

from metric_ledger import synth
from metric_ledger.synth.slicing import slice_export
from metric_ledger.warehouse import connect as warehouse_connect

TICKETS, WEEKS, SEED = 3000, 6, 21
DAY_1 = datetime(2026, 2, 9)
#: Tables whose rows legitimately differ: the snapshot keeps history, the refresh set, the events
#: to restage and the build state (rule fingerprints per build) are the incremental runs' own
#: bookkeeping.
NOT_COMPARED = {
    "metric_dictionary_history",
    "int_tickets_refresh_reasons",
    "int_tickets_refresh_set",
    "stg_helpdesk__ticket_events_restage",
    "metric_ledger_build_state",
}
FAST_BUILD = ["--exclude-resource-type", "unit_test"]
#: The from-scratch builds are references to compare with: their data tests would repeat those
#: the incremental build of the same export has just run.
REFERENCE_BUILD = [*FAST_BUILD, "--exclude-resource-type", "test"]
#: The log line of an incremental model that recomputes every ticket (macros/incremental).
RECOMPUTE = "rule fingerprint changed since its last build"
INCREMENTAL_MODELS = (
    "int_ticket_status_changes",
    "int_tickets_first_responses",
    "int_tickets_resolutions",
    "int_tickets_business_minutes",
    "int_tickets_reopens",
    "int_tickets_repeat_contacts",
    "int_tickets_handoffs",
    "int_tickets_csat",
    "fct_tickets",
    "stg_helpdesk__ticket_events",
)
#: A macro that is not an acknowledgement in the seed as shipped; listing it changes the first
#: meaningful response of old tickets that no incremental refresh set would pick up.
ADDED_ACKNOWLEDGEMENT = 'mac_bug_workaround,"Known issue; here is a workaround."'


def _inject_late_duplicate(raw: Path, as_of_previous: datetime) -> str:
    """Reuse an event id of an old ticket on a ticket created after `as_of_previous`; return the
    old ticket's id. The old ticket's own rows do not change at all."""
    events = raw / "ticket_events.parquet"
    con = duckdb.connect()
    try:
        old = con.execute(
            f"""
            select e.event_id, e.ticket_id from read_parquet('{events}') e
            join read_parquet('{raw / "tickets.parquet"}') t using (ticket_id)
            where t.created_at < timestamp '{as_of_previous}' - interval 10 day
              and t.updated_at < timestamp '{as_of_previous}' - interval 7 day
              and e.event_type = 'message'
            order by e.event_id limit 1
            """
        ).fetchone()
        new = con.execute(
            f"""
            select ticket_id, created_at from read_parquet('{raw / "tickets.parquet"}')
            where created_at > timestamp '{as_of_previous}' order by ticket_id limit 1
            """
        ).fetchone()
        assert old is not None and new is not None
        con.execute(
            f"""
            copy (
                select * from read_parquet('{events}')
                union all
                select * replace (
                    '{new[0]}' as ticket_id, timestamp '{new[1]}' + interval 5 minute as occurred_at
                )
                from read_parquet('{events}') where event_id = '{old[0]}'
            ) to '{raw / "events.tmp.parquet"}' (format parquet)
            """
        )
    finally:
        con.close()
    (raw / "events.tmp.parquet").replace(events)
    return str(old[1])


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("incremental")
    full = root / "full_export"
    synth.generate(full, tickets=TICKETS, seed=SEED, weeks=WEEKS)
    slices = {}
    late = {}
    for day, as_of in (
        ("day1", DAY_1),
        ("day2", DAY_1 + timedelta(days=1)),
        ("day3", DAY_1 + timedelta(days=3)),
    ):
        summary = slice_export(full, root / day, as_of, late_share=0.05)
        slices[day] = root / day
        late[day] = summary.late_events_pending
    quarantined_by_late_duplicate = _inject_late_duplicate(slices["day2"], DAY_1)
    return {
        "root": root,
        "slices": slices,
        "late_pending": late,
        "late_duplicate_victim": quarantined_by_late_duplicate,
    }


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """Every table of the build (schema, name): the target schema's and its prefixed schemas."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = ? and (table_schema = 'main' or table_schema like 'main\\_%' "
        "escape '\\') and table_type = 'BASE TABLE' order by 1, 2",
        [catalog],
    ).fetchall()
    return [(r[0], r[1]) for r in rows if r[1] not in NOT_COMPARED]


def _float_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[bool]:
    columns = con.execute(f"select * from {relation} limit 0").description
    return [str(c[1]).upper() in ("DOUBLE", "FLOAT") for c in columns]


def _rounded_select(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """All columns, doubles rounded to 6 decimals: sums of fractional minutes may differ in the
    last bit with the order DuckDB's parallel aggregation adds them in."""
    columns = con.execute(f"select * from {relation} limit 0").description
    exprs = [
        f'round("{c[0]}", 6) as "{c[0]}"' if is_float else f'"{c[0]}"'
        for c, is_float in zip(columns, _float_columns(con, relation), strict=True)
    ]
    return f"select {', '.join(exprs)} from {relation}"


def _unmatched(
    only_inc: list[tuple[Any, ...]], only_full: list[tuple[Any, ...]], is_float: list[bool]
) -> int:
    """Rows left after pairing the two sides on their other columns with doubles within one
    rounding step: a value on a rounding boundary (0.9635625 as 0.96356249999) rounds to
    neighbouring 6-decimal values on the two sides; that is the same number, not a difference."""

    def exact(row: tuple[Any, ...]) -> tuple[str, ...]:
        return tuple(str(v) for v, f in zip(row, is_float, strict=True) if not f)

    def close(left: tuple[Any, ...], right: tuple[Any, ...]) -> bool:
        return all(
            (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1.01e-6)
            for a, b, f in zip(left, right, is_float, strict=True)
            if f
        )

    remaining = list(only_full)
    unmatched = 0
    for row in only_inc:
        match = next(
            (
                i
                for i, other in enumerate(remaining)
                if exact(other) == exact(row) and close(row, other)
            ),
            None,
        )
        if match is None:
            unmatched += 1
        else:
            remaining.pop(match)
    return unmatched + len(remaining)


def _differences(incremental_db: Path, full_db: Path) -> list[str]:
    problems = []
    with contextlib.closing(warehouse_connect(incremental_db)) as con:
        con.execute(f"attach '{full_db}' as full_refresh (read_only)")
        incremental_catalog = incremental_db.stem
        inc_tables = _tables(con, incremental_catalog)
        full_tables = _tables(con, "full_refresh")
        if inc_tables != full_tables:
            return [f"tables differ: {sorted(set(inc_tables) ^ set(full_tables))}"]
        for schema, table in full_tables:
            relation = f'full_refresh."{schema}"."{table}"'
            inc = _rounded_select(con, f'"{incremental_catalog}"."{schema}"."{table}"')
            ref = _rounded_select(con, relation)
            only_inc = con.execute(f"{inc} except all {ref}").fetchall()
            only_full = con.execute(f"{ref} except all {inc}").fetchall()
            total = con.execute(f"select count(*) from ({ref})").fetchone()
            assert total
            if _unmatched(only_inc, only_full, _float_columns(con, relation)):
                problems.append(
                    f"{table}: {len(only_inc)} rows only after the incremental run, "
                    f"{len(only_full)} only after the full refresh (of {total[0]})"
                )
    return problems


def _refresh_set(db: Path) -> dict[str, str]:
    with contextlib.closing(warehouse_connect(db)) as con:
        rows = con.execute("select ticket_id, refresh_reason from int_tickets_refresh_set")
        return dict(rows.fetchall())


def _restaged_share(db: Path) -> tuple[int, int]:
    """(event ids the last run checked again, staged event rows)."""
    with contextlib.closing(warehouse_connect(db)) as con:
        restaged = con.execute(
            "select count(*) from stg_helpdesk__ticket_events_restage where event_id is not null"
        ).fetchone()
        staged = con.execute("select count(*) from stg_helpdesk__ticket_events").fetchone()
    assert restaged is not None and staged is not None
    return restaged[0], staged[0]


@pytest.fixture(scope="module")
def day1_warehouse(days: dict[str, Any]) -> Path:
    """The project as it is, built (data tests included) on day 1: where both the unchanged runs
    and the definition changes start (each on its own copy of the file)."""
    workspace = DbtWorkspace(days["root"] / "day1_warehouse", days["slices"]["day1"])
    run_dbt("build", workspace, FAST_BUILD)
    return workspace.db_path


def _start_from(day1: Path, warehouse: Path) -> Path:
    """A workspace directory whose DuckDB file is a copy of the day-1 build."""
    warehouse.mkdir(parents=True)
    shutil.copy(day1, warehouse / "wh.duckdb")
    return warehouse


@pytest.fixture(scope="module")
def runs(days: dict[str, Any], day1_warehouse: Path) -> dict[str, Any]:
    root: Path = days["root"]
    slices: dict[str, Path] = days["slices"]
    incremental = _start_from(day1_warehouse, root / "incremental_warehouse")
    out: dict[str, Any] = {"refresh_sets": {}}
    for day in ("day2", "day3"):
        proc = run_dbt("build", DbtWorkspace(incremental, slices[day]), FAST_BUILD)
        out[f"{day}_log"] = proc.stdout
        out["refresh_sets"][day] = _refresh_set(incremental / "wh.duckdb")
        out[f"{day}_restaged"] = _restaged_share(incremental / "wh.duckdb")
        full = DbtWorkspace(root / f"full_{day}", slices[day])
        run_dbt("build", full, REFERENCE_BUILD)
        out[day] = _differences(incremental / "wh.duckdb", full.db_path)
    out["manifest"] = incremental / "target" / "manifest.json"
    return out


def test_incremental_day_with_new_and_late_events_equals_full_refresh(
    days: dict[str, Any], runs: dict[str, Any]
) -> None:
    assert days["late_pending"]["day1"] > 0, "no late event crosses day 1: nothing proved"
    assert runs["day2"] == []


def test_second_incremental_day_equals_full_refresh(runs: dict[str, Any]) -> None:
    assert runs["day3"] == []


def test_incremental_runs_recompute_a_small_refresh_set(
    days: dict[str, Any], runs: dict[str, Any]
) -> None:
    with contextlib.closing(duckdb.connect()) as con:
        total = con.execute(
            f"select count(*) from read_parquet('{days['slices']['day2'] / 'tickets.parquet'}')"
        ).fetchone()
    assert total is not None
    refresh = runs["refresh_sets"]["day2"]
    reasons = set(refresh.values())
    assert {"new_ticket", "updated", "quarantined"} <= reasons, reasons
    assert "full" not in reasons
    assert len(refresh) < 0.3 * total[0], f"{len(refresh)} of {total[0]} tickets recomputed"


def test_incremental_staging_checks_a_small_share_of_the_events(runs: dict[str, Any]) -> None:
    """The staged events are incremental too: a day checks again the rows of new and updated
    tickets (and the ids they share), not the whole export; the tables still equal a full
    refresh (above)."""
    for day in ("day2", "day3"):
        restaged, staged = runs[f"{day}_restaged"]
        assert 0 < restaged < 0.3 * staged, f"{day}: {restaged} of {staged} event ids checked again"


def test_late_duplicate_reaches_the_untouched_ticket_it_quarantines(
    days: dict[str, Any], runs: dict[str, Any]
) -> None:
    victim = days["late_duplicate_victim"]
    assert runs["refresh_sets"]["day2"].get(victim) == "quarantined"


def test_incremental_compilation_keeps_every_fingerprint(runs: dict[str, Any]) -> None:
    """The last run compiled fct_tickets with its incremental filter; the gate must still see the
    approved definitions (the filter is operational and stripped before fingerprinting)."""
    manifest = json.loads(Path(runs["manifest"]).read_text())
    fct = manifest["nodes"]["model.metric_ledger.fct_tickets"]
    assert "metric_ledger:incremental-filter" in fct["compiled_code"]
    proc = subprocess.run(
        [tool_executable("metric-ledger"), "gate", "--target", str(runs["manifest"])],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_unchanged_project_never_recomputes_in_full(runs: dict[str, Any]) -> None:
    """The rule fingerprints are stable: a build of an unchanged project stays incremental."""
    for day in ("day2", "day3"):
        assert RECOMPUTE not in runs[f"{day}_log"], day


def _recomputed(log: str) -> dict[str, str]:
    """Model -> its recompute log line, for the models a run recomputed in full."""
    lines = {}
    for line in log.splitlines():
        for model in INCREMENTAL_MODELS:
            if f"{model}: {RECOMPUTE}" in line:
                lines[model] = line
    return lines


@pytest.fixture(scope="module")
def definition_changes(days: dict[str, Any], day1_warehouse: Path) -> dict[str, Any]:
    """The project's build of day 1 (a copy); then `reopen_window_days` 14 -> 7 and a plain
    `dbt build` on day 2; then a row added to the acknowledgement_macros seed and a plain
    `dbt build` on day 3. Each day is compared with a from-scratch build of the changed project.

    A shorter window, not a longer one: in this small export every reopen 14 to 21 days after
    its solve falls on a ticket updated within the lookback, which the refresh set recomputes
    anyway; reopens 7 to 14 days after the solve sit on old tickets that nothing else touches."""
    root: Path = days["root"]
    slices: dict[str, Path] = days["slices"]
    project = copy_project(root / "changed_project")
    warehouse = _start_from(day1_warehouse, root / "changed_incremental_warehouse")

    config = project / "dbt_project.yml"
    text = config.read_text()
    assert "  reopen_window_days: 14\n" in text
    config.write_text(text.replace("  reopen_window_days: 14\n", "  reopen_window_days: 7\n"))
    out: dict[str, Any] = {}
    for day in ("day2", "day3"):
        if day == "day3":
            seed = project / "seeds" / "acknowledgement_macros.csv"
            assert "mac_bug_workaround" not in seed.read_text()
            seed.write_text(seed.read_text().rstrip("\n") + "\n" + ADDED_ACKNOWLEDGEMENT + "\n")
        proc = run_dbt("build", DbtWorkspace(warehouse, slices[day], project), FAST_BUILD)
        out[f"{day}_recomputed"] = _recomputed(proc.stdout)
        full = DbtWorkspace(root / f"changed_full_{day}", slices[day], project)
        run_dbt("build", full, REFERENCE_BUILD)
        out[day] = _differences(warehouse / "wh.duckdb", full.db_path)
    return out


def test_var_change_recomputes_the_models_that_read_it(definition_changes: dict[str, Any]) -> None:
    """reopen_window_days reaches int_tickets_reopens and fct_tickets only: both recompute every
    ticket, the log names the var, and the tables equal a from-scratch build."""
    recomputed = definition_changes["day2_recomputed"]
    assert set(recomputed) == {"int_tickets_reopens", "fct_tickets"}, recomputed
    for model in recomputed:
        assert "var reopen_window_days" in recomputed[model], recomputed[model]
    assert definition_changes["day2"] == []


def test_seed_edit_recomputes_the_models_that_read_it(definition_changes: dict[str, Any]) -> None:
    """acknowledgement_macros reaches the first responses, the business minutes to the first
    response and fct_tickets, not the status timeline, the resolutions or the other per-ticket
    rules; the tables equal a from-scratch build of the changed project."""
    recomputed = definition_changes["day3_recomputed"]
    assert set(recomputed) == {
        "int_tickets_first_responses",
        "int_tickets_business_minutes",
        "fct_tickets",
    }, recomputed
    assert "seed acknowledgement_macros" in recomputed["fct_tickets"], recomputed["fct_tickets"]
    assert definition_changes["day3"] == []
