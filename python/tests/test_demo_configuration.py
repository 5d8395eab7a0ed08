"""Configuration is the user's, the demo brings its own (issue 11).

The shipped context log and decision records (seeds/context_log.csv, seeds/decision_records.csv)
are empty, so a plain `dbt build` of any export reports nothing from them: no comparability
break, no coverage drop explained away by a context-log entry, no decision review. The demo's own
rows (seeds/demo/) are read only with the var use_demo_configuration (`make demo`).

One real `dbt build` of a clean export whose dates cover the demo's events (2,000 tickets, 12
weeks from 2026-01-05), default vars; then, on a copy of that warehouse, the configuration
readers rebuilt with the demo var (`--select int_context_log+ int_decision_records+`: the demo
seeds are already there, a plain build builds every seed), which must show the demo's events, so
a broken switch fails here.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import DEMO_CONFIGURATION, NO_UNIT_TESTS, REPO, copy_project, run_in_project

from metric_ledger.cli import main
from metric_ledger.synth import generate
from metric_ledger.warehouse import connect as warehouse_connect

START = date(2026, 1, 5)
WEEKS = 12
SEEDS = REPO / "seeds"


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with warehouse_connect(db) as con:
        return con.execute(sql).fetchall()


def demo_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / "demo" / f"demo_{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{"plain": the default build, "demo": the same with the demo configuration}."""
    root = tmp_path_factory.mktemp("demo_configuration")
    raw = root / "raw"
    generate(raw, tickets=2000, seed=13, start=START, weeks=WEEKS, scenarios=())
    project = copy_project(root / "project")
    plain = project / "warehouse.duckdb"
    run_in_project(project, ["build", *NO_UNIT_TESTS], raw_dir=raw, db=plain)
    demo = root / "demo.duckdb"
    shutil.copyfile(plain, demo)
    run_in_project(
        project,
        ["build", "--select", "int_context_log+", "int_decision_records+"],
        raw_dir=raw,
        db=demo,
        extra_vars=DEMO_CONFIGURATION,
    )
    return {"plain": plain, "demo": demo}


@pytest.mark.parametrize("name", ["context_log", "decision_records"])
def test_the_shipped_configuration_seeds_are_empty_and_the_demo_has_the_same_columns(
    name: str,
) -> None:
    shipped = (SEEDS / f"{name}.csv").read_text().splitlines()
    assert len(shipped) == 1, f"seeds/{name}.csv ships rows: the configuration is the user's"
    demo = (SEEDS / "demo" / f"demo_{name}.csv").read_text().splitlines()
    assert demo[0] == shipped[0] and len(demo) > 1


def test_a_plain_build_reports_nothing_from_the_context_log_or_decision_records(
    warehouses: dict[str, Path],
) -> None:
    plain = warehouses["plain"]
    # The demo seeds are built either way; only the models read them.
    assert rows(plain, "select count(*) from demo_context_log") == [
        (len(demo_rows("context_log")),)
    ]
    assert rows(plain, "select count(*) from int_context_log") == [(0,)]
    assert rows(plain, "select count(*) from int_decision_records") == [(0,)]
    assert rows(plain, "select count(*) from metric_status_weekly")[0][0] > 0
    assert (
        rows(
            plain,
            "select metric_name, week_start_date, reasons from metric_status_weekly "
            "where has_comparability_break or context_entries > 0 "
            "or reasons like '%comparability_break%'",
        )
        == []
    )
    assert rows(plain, "select * from decision_record_reviews") == []
    summary = CliRunner().invoke(main, ["summary", "--db", str(plain)])
    assert summary.exit_code == 0, summary.output
    assert "Decision records: none to review" in summary.output
    assert "comparability_break" not in summary.output


def test_the_demo_var_reads_the_demo_configuration(warehouses: dict[str, Path]) -> None:
    demo = warehouses["demo"]
    assert rows(demo, "select count(*) from int_context_log") == [(len(demo_rows("context_log")),)]
    metrics = {
        row[0] for row in rows(demo, "select distinct metric_name from metric_status_weekly")
    }
    # The billing routing change of 2026-01-27 (scope queue): every metric, its week only.
    broken = rows(
        demo,
        "select metric_name from metric_status_weekly "
        "where week_start_date = date '2026-01-26' and has_comparability_break",
    )
    assert {row[0] for row in broken} == metrics
    # The CSAT survey change of 2026-03-18 breaks the CSAT metrics only.
    survey = rows(
        demo,
        "select metric_name from metric_status_weekly "
        "where week_start_date = date '2026-03-16' and has_comparability_break",
    )
    assert survey and all(row[0].startswith("csat") for row in survey)
    # The self-serve launch of 2026-01-14 is in scope of every metric and breaks nothing.
    launch = rows(
        demo,
        "select count(*), count(*) filter (where has_comparability_break) "
        "from metric_status_weekly where week_start_date = date '2026-01-12' "
        "and context_entries > 0",
    )
    assert launch == [(len(metrics), 0)]
    reviews = rows(demo, "select decision_id, verdict from decision_record_reviews order by 1")
    assert [row[0] for row in reviews] == [
        row["decision_id"] for row in demo_rows("decision_records")
    ]
    assert all(row[1] in ("keep", "adjust", "roll_back") for row in reviews)
    summary = CliRunner().invoke(main, ["summary", "--db", str(demo)])
    assert summary.exit_code == 0, summary.output
    assert "Decision DR-2026-001" in summary.output
    assert "comparability_break" in summary.output
