"""`metric-ledger check`: Great Expectations suites over real builds (the session's clean and
scenario warehouses) and over raw exports broken on purpose."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from click.testing import CliRunner
from conftest import REPO

from metric_ledger.cli import main
from metric_ledger.expectations.contract import ENUMS
from metric_ledger.expectations.governed_marts import value_range
from metric_ledger.expectations.raw_export import (
    TRAILING_WEEKS,
    VOLUME_BAND,
    open_export,
    raw_frames,
)
from metric_ledger.warehouse import connect

# The fixtures' export: conftest.small_export / scenario_project.
START = date(2026, 1, 5)
WEEKS = 6
COVERAGE = "int_metric_weeks_coverage_floor.coverage_rate"


def _check(*args: str | Path) -> tuple[int, list[str], list[str]]:
    result = CliRunner().invoke(main, ["check", *map(str, args)])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout.splitlines(), result.stderr.splitlines()


def test_a_clean_build_passes_and_writes_data_docs(
    built_project: Path, small_export: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    code, out, err = _check(
        "--db", built_project / "warehouse.duckdb", "--raw", small_export, "--docs", docs
    )
    assert (code, err) == (0, []), out + err
    passed = re.fullmatch(r"(\d+) of (\d+) expectations passed", out[-2])
    assert passed and passed[1] == passed[2] and int(passed[1]) > 0
    assert out[-1] == f"Data Docs: {docs / 'index.html'}"
    index = (docs / "index.html").read_text()
    # the index lists each suite's validations (one GX suite per frame)
    for name in (
        "raw_export.weekly_tickets",
        "raw_export.tickets_values",
        "governed_marts.coverage",
    ):
        assert name in index
    assert list((docs / "validations").rglob("*.html"))


def test_the_volume_check_judges_the_latest_complete_week(small_export: Path) -> None:
    with open_export(small_export) as connection:
        frames = {frame.name: frame for frame in raw_frames(connection, ["NA"])}
    volume = frames["raw_export.weekly_tickets"]
    latest = START + timedelta(weeks=WEEKS - 1)  # the export ends on the last week's Sunday
    assert list(volume.data.index) == [latest.isoformat()]
    assert volume.data["trailing_weeks"].iloc[0] == TRAILING_WEEKS
    (check,) = volume.checks
    median = float(volume.data["trailing_median"].iloc[0])
    assert check.arguments == {
        "min_value": VOLUME_BAND[0] * median,
        "max_value": VOLUME_BAND[1] * median,
    }


def test_the_coverage_gap_fails_naming_the_expectation_and_the_metric(
    scenario_project: Path,
) -> None:
    database = scenario_project / "warehouse.duckdb"
    code, out, err = _check("--db", database, "--raw", scenario_project.parent / "raw")
    assert (code, err) == (1, []), out + err
    with connect(database) as connection:
        below = connection.execute(
            "select metric_name, cast(week_start_date as varchar), coverage_rate "
            "from int_metric_weeks_coverage_floor where is_below_coverage_floor"
        ).fetchall()
        floors = dict(
            connection.execute(
                "select metric_name, coverage_floor from metric_dictionary"
            ).fetchall()
        )
    assert below, "the coverage_gap scenario puts weeks under the floor"
    coverage_lines = [line for line in out if f" | {COVERAGE} | " in line]
    # one line per metric under its floor, naming the expectation, the floor and the week
    assert len(coverage_lines) == len({metric for metric, _, _ in below})
    for metric, week, rate in below:
        line = next(line for line in coverage_lines if f" | {metric} | " in line)
        assert line.startswith(f"governed_marts | {COVERAGE} | {metric} | ")
        assert f"expect_column_values_to_be_between(min_value={floors[metric]:.6g})" in line
        assert f"{rate:.6g} ({week})" in line
    # the unknown channel of the scenario, at the export boundary
    assert any(
        line.startswith("raw_export | tickets | channel | expect_column_values_to_be_in_set(")
        and line.endswith("observed messaging")
        for line in out
    )


def test_the_check_runs_where_main_has_no_file(scenario_project: Path) -> None:
    """pyspark's Spark Connect probe (which GX imports) calls sys.exit(0) when __main__ has no
    file, as under `python -c` or a pytest-xdist worker: the check must still run and fail."""
    database = scenario_project / "warehouse.duckdb"
    proc = subprocess.run(
        [sys.executable, "-c", "from metric_ledger.cli import main; main()", "check", "--db",
         str(database)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Skipping doctests" not in proc.stderr
    assert "expect_column_values_to_be_between" in proc.stdout


def test_a_broken_export_fails_volume_nulls_and_time_range(
    built_project: Path, small_export: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(small_export, raw)
    tickets = pq.read_table(raw / "tickets.parquet")
    # the last week cut after its Monday (an export cut short), one ticket in 200 without a channel
    cut = datetime.combine(START + timedelta(weeks=WEEKS - 1, days=1), datetime.min.time())
    before_cut = pc.less(tickets["created_at"], pa.scalar(cut, pa.timestamp("us")))
    # the ticket updated last stays: the export's end does not move
    updated_last = pc.equal(tickets["updated_at"], pc.max(tickets["updated_at"]))
    kept = tickets.filter(pc.or_(before_cut, updated_last))
    assert kept.num_rows < tickets.num_rows
    channel = kept["channel"].to_pylist()
    channel[::200] = [None] * len(channel[::200])
    kept = kept.set_column(kept.schema.get_field_index("channel"), "channel", pa.array(channel))
    pq.write_table(kept, raw / "tickets.parquet")
    # one event a day after the export's end
    events = pq.read_table(raw / "ticket_events.parquet")
    late = events.slice(0, 1).to_pylist()
    late[0]["occurred_at"] = pc.max(tickets["updated_at"]).as_py() + timedelta(days=1)
    pq.write_table(pa.concat_tables([events, pa.Table.from_pylist(late, events.schema)]),
                   raw / "ticket_events.parquet")  # fmt: skip

    code, out, err = _check("--db", built_project / "warehouse.duckdb", "--raw", raw)
    assert (code, err) == (1, []), out + err
    failing = {tuple(line.split(" | ")[:3]) for line in out if " | " in line}
    assert failing == {
        ("raw_export", "tickets", "tickets"),
        ("raw_export", "tickets", "channel"),
        ("raw_export", "ticket_events", "occurred_at"),
    }


def test_unreadable_input_is_one_line_each_and_exit_2(built_project: Path, tmp_path: Path) -> None:
    database = tmp_path / "wh.duckdb"
    shutil.copy(built_project / "warehouse.duckdb", database)
    with duckdb.connect(str(database)) as connection:
        (schema,) = connection.execute(
            "select table_schema from information_schema.tables "
            "where table_name = 'mix_shift_weekly'"
        ).fetchone() or ("",)
        connection.execute(f'drop table "{schema}".mix_shift_weekly')
    code, _, err = _check("--db", database)
    assert (code, err) == (
        2,
        [f"Error: {database}: table mix_shift_weekly not found (not a complete build)"],
    )

    garbage = tmp_path / "garbage.duckdb"
    garbage.write_text("not a database\n")
    code, _, err = _check("--db", garbage)
    assert code == 2 and len(err) == 1 and err[0].startswith(f"Error: {garbage}: cannot open")

    missing_raw = tmp_path / "no_export"
    code, _, err = _check("--db", tmp_path / "none.duckdb", "--raw", missing_raw)
    assert (code, err) == (2, [
        f"Error: {tmp_path / 'none.duckdb'}: warehouse file not found (run the build first)",
        f"Error: {missing_raw}: export directory not found",
    ])  # fmt: skip


def test_the_contract_enumerations_are_the_dbt_macros() -> None:
    macro = (REPO / "macros/definitions/helpdesk_enums.sql").read_text()
    found = re.search(r"{% set enums = ({.*?}) %}", macro, re.DOTALL)
    assert found
    enums = ast.literal_eval(found[1])
    assert {name: tuple(values) for name, values in enums.items() if name in ENUMS} == ENUMS


def test_every_governed_metric_has_a_plausible_range(built_project: Path) -> None:
    with connect(built_project / "warehouse.duckdb") as connection:
        metrics = [
            row[0]
            for row in connection.execute("select metric_name from metric_dictionary").fetchall()
        ]
    assert metrics and [metric for metric in metrics if value_range(metric) is None] == []
