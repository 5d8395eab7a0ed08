"""The README's change workflow, end to end, on a copy of the project (issue 10).

Production is a project copy built on a small export; its manifest is the gate's base. A pull
request changes the var ``reopen_window_days`` from 14 to 21. The test follows the gate's own
instructions to the end and checks, against real builds, that:

- the gate names exactly the metrics whose weekly values change (production's warehouse against
  a from-scratch build of the change), with a column-precise cause chain;
- approving them (the gate's ``re-approve:`` lines, with the impact preview recorded) makes the
  gate pass, and freezes and notices only those metrics;
- a plain ``dbt build`` of the approved change over production's warehouse leaves every table
  equal to a build from scratch (no definitions mixed by the incremental models), and the build
  does not stop half-way (unit tests pin the vars they assume).

Second test: precision as a property. For a sample of semantic edits (every definitional var, a
seed row, a rule macro, an upstream exclusion), the metrics the gate names are a superset of
those whose weekly values change and a subset of the model-level lineage (dbt's child_map). The
average number of metrics named per edit, column-precise vs model-level, is recorded with
``record_property``.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import NO_UNIT_TESTS, copy_project, run_in_project

from metric_ledger.warehouse import connect as warehouse_connect

MANIFEST = Path("target/manifest.json")
CHANGELOG = Path("seeds/metric_changelog.csv")
EFFECTIVE = "2026-01-26"  # inside the small export (2026-01-05 .. 2026-02-15)
# Bookkeeping that differs between two builds of the same definitions by construction.
# int_tickets_refresh_reasons and _set are operational: which tickets the last run recomputed
# (empty, or all of them, after a full build), never a number; so is which raw events the last
# run checked again (stg_helpdesk__ticket_events_restage).
SKIPPED_TABLES = {
    "metric_dictionary_history",
    "int_tickets_refresh_reasons",
    "int_tickets_refresh_set",
    "stg_helpdesk__ticket_events_restage",
}
SKIPPED_COLUMNS = {"dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "dbt_scd_id", "built_at"}
#: A build whose warehouse is only read (values to compare, a reference): its seeds and models,
#: no snapshot and no tests (the deployed build and `make test-dbt` run the data tests).
MODELS_ONLY = tuple(
    arg for kind in ("snapshot", "test", "unit_test") for arg in ("--exclude-resource-type", kind)
)


def _ml(project: Path, *args: str) -> Any:
    return run_in_project(project, list(args), tool="metric-ledger", check=False)


def _gate(project: Path, base: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    proc = _ml(
        project, "gate", "--target", str(project / MANIFEST), "--changelog",
        str(project / CHANGELOG), "--base", str(base / MANIFEST), "--format", "json", *extra,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _metric_values(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with warehouse_connect(db) as con:
        rows = con.execute(
            "select metric_name, week_start_date, numerator_value, denominator_value, "
            "metric_value from metric_values_weekly order by 1, 2"
        ).fetchall()
    values: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        values.setdefault(row[0], []).append(tuple(_rounded(v) for v in row[1:]))
    return values


def _rounded(value: Any) -> Any:
    return round(value, 9) if isinstance(value, float) else value


def _moved(before: Path, after: Path) -> set[str]:
    old, new = _metric_values(before), _metric_values(after)
    return {name for name in set(old) | set(new) if old.get(name) != new.get(name)}


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table and view of the build schema, as sorted rows of comparable values."""
    with warehouse_connect(db) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() "
            "and table_schema not in ('information_schema', 'pg_catalog') order by 2"
        ).fetchall()
        result = {}
        for schema, name in relations:
            if name in SKIPPED_TABLES or name.startswith("metric_ledger_build"):
                continue
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if row[0] not in SKIPPED_COLUMNS
            ]
            select = ", ".join(f'"{column}"' for column in columns)
            rows = con.execute(f'select {select} from "{schema}"."{name}"').fetchall()
            result[name] = sorted((tuple(_rounded(v) for v in row) for row in rows), key=repr)
    return result


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory, small_export: Path) -> Path:
    """Production: the project as it is, built on the small export (warehouse + manifest)."""
    project = copy_project(tmp_path_factory.mktemp("workflow") / "prod")
    run_in_project(project, ["build", *NO_UNIT_TESTS], raw_dir=small_export)
    return project


def test_a_var_change_end_to_end(production: Path, small_export: Path, tmp_path: Path) -> None:
    # the pull request: one definitional var, then `dbt compile` (README, change workflow)
    change = tmp_path / "change"
    shutil.copytree(production, change, ignore=shutil.ignore_patterns("logs"))
    project_file = change / "dbt_project.yml"
    text = project_file.read_text()
    assert "reopen_window_days: 14" in text
    project_file.write_text(text.replace("reopen_window_days: 14", "reopen_window_days: 21"))
    run_in_project(change, ["compile"], raw_dir=small_export)

    code, result = _gate(change, production)
    assert code == 1
    named = {finding["metric"] for finding in result["findings"]}
    assert {finding["problem"] for finding in result["findings"]} == {"definition_changed"}

    # the truth: what a from-scratch build of the change moves, against production's numbers
    scratch_before = tmp_path / "scratch_before.duckdb"
    run_in_project(change, ["build", *MODELS_ONLY], raw_dir=small_export, db=scratch_before)
    moved = _moved(production / "warehouse.duckdb", scratch_before)
    assert moved, "the change moves no number on this export: the test proves nothing"
    assert named == moved == {"reopen_rate"}
    (finding,) = result["findings"]
    chains = [change_["cause_chain"] for change_ in finding["changes"]]
    assert (
        "var reopen_window_days -> int_tickets_reopens.reopen_count -> fct_tickets.is_reopened "
        "-> measure reopened_count -> metric reopened_tickets -> metric reopen_rate"
    ) in chains

    # follow the gate's own re-approve lines, recording the impact preview
    text_gate = _ml(change, "gate", "--target", str(change / MANIFEST), "--changelog",
                    str(change / CHANGELOG))  # fmt: skip
    commands = re.findall(r"re-approve: metric-ledger (approve \S+ --by \S+)", text_gate.stdout)
    assert len(commands) == len(named)
    for command in commands:
        proc = _ml(
            change, *command.split(), "--reason", "Reopen window 14 -> 21 days",
            "--effective", EFFECTIVE, "--target", str(change / MANIFEST),
            "--changelog", str(change / CHANGELOG),
            "--impact-base-db", str(production / "warehouse.duckdb"),
            "--impact-db", str(scratch_before),
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    rows = (change / CHANGELOG).read_text().splitlines()
    assert rows[-1].startswith("reopen_rate,2,") and "Impact: reopen_rate:" in rows[-1]
    run_in_project(change, ["compile"], raw_dir=small_export)
    code, result = _gate(change, production)
    assert code == 0, result["findings"]

    # deploy: a plain `dbt build` over production's warehouse, against a build from scratch
    deployed = tmp_path / "deployed.duckdb"
    shutil.copy(production / "warehouse.duckdb", deployed)
    # (unit tests aside: they read fixed inputs, not the warehouse; `make test-dbt` runs them)
    incremental = run_in_project(change, ["build", *NO_UNIT_TESTS], raw_dir=small_export,
                                 db=deployed)  # fmt: skip
    assert "Completed successfully" in incremental.stdout
    scratch = tmp_path / "scratch.duckdb"
    run_in_project(change, ["build", *MODELS_ONLY], raw_dir=small_export, db=scratch)
    deployed_tables, scratch_tables = _tables(deployed), _tables(scratch)
    assert set(deployed_tables) == set(scratch_tables)
    different = sorted(n for n in scratch_tables if deployed_tables[n] != scratch_tables[n])
    assert different == [], f"tables that mix definitions after a plain build: {different}"

    # notices and freezes: only the approved metric
    notices_proc = _ml(
        change, "notices", "--format", "json", "--target", str(change / MANIFEST),
        "--changelog", str(change / CHANGELOG),
    )  # fmt: skip
    notices = json.loads(notices_proc.stdout)
    assert [(n["metric"], n["from_version"], n["to_version"]) for n in notices] == [
        ("reopen_rate", 1, 2)
    ]
    with warehouse_connect(scratch) as con:
        frozen = {
            row[0]
            for row in con.execute(
                "select distinct metric_name from metric_status_weekly "
                "where reasons like '%definition_freeze%'"
            ).fetchall()
        }
        dictionary = dict(
            con.execute("select metric_name, version from metric_dictionary").fetchall()
        )
    assert frozen == {"reopen_rate"}
    assert dictionary["reopen_rate"] == 2
    assert {version for name, version in dictionary.items() if name != "reopen_rate"} == {1}


# --- precision as a property ------------------------------------------------------------------


def _set_var(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(project: Path) -> None:
        path = project / "dbt_project.yml"
        text = path.read_text()
        assert f"{name}: {old}" in text
        path.write_text(text.replace(f"{name}: {old}", f"{name}: {new}"))

    return edit


def _replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(project: Path) -> None:
        path = project / relative
        text = path.read_text()
        assert old in text, f"{relative}: {old!r} not found"
        path.write_text(text.replace(old, new, 1))

    return edit


def _append_row(relative: str, row: str) -> Callable[[Path], None]:
    def edit(project: Path) -> None:
        path = project / relative
        text = path.read_text()
        path.write_text(text + ("" if text.endswith("\n") else "\n") + row + "\n")

    return edit


SEMANTIC_EDITS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    # edit, the nodes it touches (for the model-level lineage)
    "var_meaningful_reply_min_chars": (
        _set_var("meaningful_reply_min_chars", "80", "200"),
        ["model.metric_ledger.int_ticket_messages_classified"],
    ),
    "var_reopen_window_days": (
        _set_var("reopen_window_days", "14", "3"),
        ["model.metric_ledger.int_tickets_reopens"],
    ),
    "var_repeat_contact_window_days": (
        _set_var("repeat_contact_window_days", "7", "2"),
        ["model.metric_ledger.int_tickets_repeat_contacts"],
    ),
    "var_backlog_age_alert_hours": (
        _set_var("backlog_age_alert_hours", "72", "24"),
        ["model.metric_ledger.fct_backlog_daily"],
    ),
    "seed_holiday_added": (
        _append_row("seeds/holidays.csv", "NA,2026-01-21"),
        ["seed.metric_ledger.holidays"],
    ),
    "macro_on_hold_not_open": (
        _replace(
            "macros/definitions/helpdesk_enums.sql",
            "'open_status': ['new', 'open', 'pending', 'on_hold']",
            "'open_status': ['new', 'open', 'pending']",
        ),
        [
            "model.metric_ledger.int_tickets_reopens",
            "model.metric_ledger.int_ticket_open_intervals",
        ],
    ),
}


def _governed_downstream(manifest: dict[str, Any], start: list[str]) -> set[str]:
    children = manifest["child_map"]
    seen: set[str] = set()
    pending = list(start)
    while pending:
        node = pending.pop()
        for child in children.get(node, []):
            if child not in seen:
                seen.add(child)
                pending.append(child)
    return {
        manifest["metrics"][node]["name"]
        for node in seen
        if node in manifest["metrics"] and manifest["metrics"][node]["meta"].get("governed")
    }


def test_gate_names_a_superset_of_the_moved_metrics_and_a_subset_of_the_model_lineage(
    production: Path,
    small_export: Path,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    precise_counts, model_counts, report = [], [], {}
    for name, (edit, touched) in SEMANTIC_EDITS.items():
        work = tmp_path / name
        shutil.copytree(production, work, ignore=shutil.ignore_patterns("logs", "*.duckdb*"))
        edit(work)
        # the copy keeps production's target/ (its saved parse) and its own warehouse file
        db = work / "warehouse.duckdb"
        run_in_project(work, ["build", "--select", "+metric_values_weekly", *MODELS_ONLY],
                       raw_dir=small_export)  # fmt: skip
        code, result = _gate(work, production)
        named = {finding["metric"] for finding in result["findings"]}
        moved = _moved(production / "warehouse.duckdb", db)
        manifest = json.loads((work / MANIFEST).read_text())
        model_level = _governed_downstream(manifest, touched)
        assert moved <= named, f"{name}: values moved for {sorted(moved - named)}, not named"
        assert named <= model_level, f"{name}: named beyond the lineage: {named - model_level}"
        assert code == (1 if named else 0)
        precise_counts.append(len(named))
        model_counts.append(len(model_level))
        report[name] = {"named": sorted(named), "moved": sorted(moved), "model": len(model_level)}
    record_property("edits", json.dumps(report))
    record_property("average_named_column_level", sum(precise_counts) / len(precise_counts))
    record_property("average_named_model_level", sum(model_counts) / len(model_counts))
    print(json.dumps(report, indent=1))
    assert sum(precise_counts) < sum(model_counts)
