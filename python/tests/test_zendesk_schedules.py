"""Business hours from Zendesk schedules (issue 12, item 3): `metric-ledger zendesk schedules`.

The generator writes the project's `business_hours` and `holidays` seeds as Zendesk schedules
(`generate --source zendesk`); the command reads them back into the seeds' exact format. Bad
input is one line per problem naming the file, the row and the column, exit 2.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from conftest import REPO

from metric_ledger.cli import main
from metric_ledger.synth import constants as c
from metric_ledger.synth import generate
from metric_ledger.synth import zendesk_schema as z
from metric_ledger.zendesk_schedules import (
    iana_zone,
    opening_to_week_interval,
    read_schedule_config,
    week_interval_to_opening,
)
from metric_ledger.zendesk_time_zones import ZENDESK_TIME_ZONES

SEEDS = REPO / "seeds"
SCHEDULE_TABLES = ("schedule", "schedule_holiday", "time_zone", "daylight_time", "ticket_schedule")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zendesk_schedules") / "raw"
    generate(out, tickets=300, seed=5, start=date(2026, 1, 5), weeks=2, source="zendesk")
    return out


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["zendesk", "schedules", *args])


def _copy(export: Path, tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("schedule", "schedule_holiday"):
        shutil.copy(export / f"{name}.parquet", raw / f"{name}.parquet")
    return raw


def _rewrite(raw: Path, name: str, table: pa.Table) -> Path:
    path = raw / f"{name}.parquet"
    pq.write_table(table, path)
    return path


def _errors(result: Result) -> list[str]:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("Error: ") for line in lines), lines
    return [line.removeprefix("Error: ") for line in lines]


# --- round trip ------------------------------------------------------------------------------


def test_the_schedules_of_a_generated_export_are_the_project_seeds(
    export: Path, tmp_path: Path
) -> None:
    result = _run(str(export), "--out", str(tmp_path / "seeds"))
    assert result.exit_code == 0, result.output
    assert "4 schedules (APAC, EMEA, LATAM, NA): 21 opening hours, 33 holidays" in result.output
    for name in ("business_hours.csv", "holidays.csv"):
        written = (tmp_path / "seeds" / name).read_text()
        assert written == (SEEDS / name).read_text(), name
        with (tmp_path / "seeds" / name).open() as fh, (SEEDS / name).open() as seed:
            assert list(csv.reader(fh)) == list(csv.reader(seed))


def test_the_export_has_fivetrans_schedule_tables(export: Path) -> None:
    for name in SCHEDULE_TABLES:
        table = pq.read_table(export / f"{name}.parquet")
        assert table.schema.names == z.SCHEMAS[name].names, name
        assert table.num_rows > 0, name
    schedule = pq.read_table(export / "schedule.parquet").to_pylist()
    na = [row for row in schedule if row["name"] == "NA"]
    # Monday 08:00-20:00 New York: minutes from Sunday 00:00, and at the standard offset (-5 h)
    monday = next(row for row in na if row["start_time"] == 1440 + 8 * 60)
    assert (monday["end_time"], monday["start_time_utc"], monday["end_time_utc"]) == (
        1440 + 20 * 60, 1440 + 13 * 60, 1440 + 25 * 60,
    )  # fmt: skip
    assert monday["time_zone"] == "Eastern Time (US & Canada)"
    zones = {row["time_zone"]: row["standard_offset"] for row in
             pq.read_table(export / "time_zone.parquet").to_pylist()}  # fmt: skip
    assert zones == {"Eastern Time (US & Canada)": "-05:00", "Berlin": "+01:00",
                     "Singapore": "+08:00", "Brasilia": "-03:00"}  # fmt: skip
    daylight = {
        row["time_zone"]: (row["daylight_start_utc"], row["daylight_end_utc"],
                           row["daylight_offset"])
        for row in pq.read_table(export / "daylight_time.parquet").to_pylist()
    }  # fmt: skip
    assert daylight["Eastern Time (US & Canada)"] == (
        datetime(2026, 3, 8, 7), datetime(2026, 11, 1, 6), 1,
    )  # fmt: skip
    assert daylight["Berlin"][2] == 1 and "Singapore" not in daylight and "Brasilia" not in daylight
    # a two-day holiday is one Zendesk holiday (EMEA's 25 and 26 December)
    holidays = pq.read_table(export / "schedule_holiday.parquet").to_pylist()
    assert any((h["start_date"], h["end_date"]) == ("2026-12-25", "2026-12-26") for h in holidays)


def test_every_ticket_has_its_regions_schedule_from_creation(export: Path) -> None:
    tickets = {
        row["id"]: row for row in pq.read_table(export / "ticket.parquet").to_pylist()
        if not row["_fivetran_deleted"]
    }  # fmt: skip
    tags = {row["ticket_id"]: row["tag"] for row in
            pq.read_table(export / "ticket_tag.parquet").to_pylist()
            if row["tag"].startswith(z.REGION_TAG_PREFIX)}  # fmt: skip
    names = {
        row["id"]: row["name"] for row in pq.read_table(export / "schedule.parquet").to_pylist()
    }
    first: dict[int, tuple[object, int]] = {}
    for row in pq.read_table(export / "ticket_schedule.parquet").to_pylist():
        if row["ticket_id"] not in first or row["created_at"] < first[row["ticket_id"]][0]:
            first[row["ticket_id"]] = (row["created_at"], row["schedule_id"])
    assert set(first) == set(tickets)
    for ticket_id, (created_at, schedule_id) in first.items():
        assert created_at == tickets[ticket_id]["created_at"]
        assert names[schedule_id].lower() == tags[ticket_id].removeprefix(z.REGION_TAG_PREFIX)


def test_the_generators_mirrors_of_the_seeds_are_in_step() -> None:
    with (SEEDS / "holidays.csv").open() as fh:
        seed: dict[str, list[str]] = {}
        for row in csv.DictReader(fh):
            seed.setdefault(row["region"], []).append(row["holiday_date"])
    assert seed == {region: list(days) for region, days in c.HOLIDAYS.items()}
    for iana, name in z.TIME_ZONES.items():
        assert ZENDESK_TIME_ZONES[name] == iana
        assert iana_zone(name) == iana


# --- minutes from Sunday 00:00 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 60, (7, "00:00", "01:00")),  # Sunday is minute 0 and ISO weekday 7
        (1440 + 480, 1440 + 1200, (1, "08:00", "20:00")),  # Monday
        (1380, 1440, (7, "23:00", "24:00")),  # closes at midnight: 24:00 of its day
        (6 * 1440 + 600, 6 * 1440 + 960, (6, "10:00", "16:00")),  # Saturday
        (10080 - 1, 10080, (6, "23:59", "24:00")),  # the last minute of the week
        (2 * 1440, 3 * 1440, (2, "00:00", "24:00")),  # the whole of Tuesday
        (1440 + 510, 1440 + 1005, (1, "08:30", "16:45")),
    ],
)
def test_minutes_from_sunday_to_an_opening(
    start: int, end: int, expected: tuple[int, str, str]
) -> None:
    assert week_interval_to_opening(start, end) == expected
    assert opening_to_week_interval(*expected) == (start, end)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (1380, 1500, "the interval Sun 23:00 to Mon 01:00 crosses midnight"),
        (6 * 1440 + 1380, 10080 + 60, "end_time 10140 is not after start_time"),
        (-60, 60, "start_time -60 is outside the week"),
        (10080, 10140, "start_time 10080 is outside the week"),
        (1920, 1920, "end_time 1920 is not after start_time 1920"),
        (1920, 1800, "end_time 1800 is not after start_time 1920"),
    ],
)
def test_an_interval_the_seed_cannot_hold_is_refused(start: int, end: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        week_interval_to_opening(start, end)


def test_every_seed_row_survives_the_conversion_both_ways() -> None:
    with (SEEDS / "business_hours.csv").open() as fh:
        for row in csv.DictReader(fh):
            opening = (int(row["weekday"]), row["opens_at"], row["closes_at"])
            assert week_interval_to_opening(*opening_to_week_interval(*opening)) == opening


# --- configuration ---------------------------------------------------------------------------


def test_regions_and_time_zones_are_configurable(export: Path, tmp_path: Path) -> None:
    raw = _copy(export, tmp_path)
    schedule = pq.read_table(raw / "schedule.parquet")
    renamed = pc.replace_substring(schedule.column("time_zone"), "Brasilia", "Sao Paulo (custom)")
    _rewrite(raw, "schedule", schedule.set_column(2, "time_zone", renamed))
    assert _errors(_run(str(raw), "--out", str(tmp_path / "x"))) == [
        f"{raw / 'schedule.parquet'}: row 17: column time_zone: unknown time zone "
        "'Sao Paulo (custom)' (neither a Zendesk zone name nor an IANA name; map it with "
        "--time-zone 'Sao Paulo (custom)=Area/City')"
    ]
    sid = z.SCHEDULE_BASE + 1
    result = _run(str(raw), "--out", str(tmp_path / "seeds"), "--region", f"{sid}=North America",
                  "--region", "EMEA=Europe", "--time-zone",
                  "Sao Paulo (custom)=America/Sao_Paulo")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "seeds" / "business_hours.csv").open()))
    assert [r["region"] for r in rows] == ["North America"] * 6 + ["Europe"] * 5 + ["APAC"] * 5 + [
        "LATAM"
    ] * 5
    assert {r["timezone"] for r in rows if r["region"] == "LATAM"} == {"America/Sao_Paulo"}
    holidays = list(csv.DictReader((tmp_path / "seeds" / "holidays.csv").open()))
    assert {r["region"] for r in holidays} == {"North America", "Europe", "APAC", "LATAM"}
    # an IANA name in the sync is taken as it is
    schedule = pq.read_table(export / "schedule.parquet")
    iana = pc.replace_substring(schedule.column("time_zone"), "Berlin", "Europe/Berlin")
    _rewrite(raw, "schedule", schedule.set_column(2, "time_zone", iana))
    config = read_schedule_config(raw)
    assert {o.timezone for o in config.business_hours if o.region == "EMEA"} == {"Europe/Berlin"}


def test_deleted_rows_are_ignored(export: Path, tmp_path: Path) -> None:
    raw = _copy(export, tmp_path)
    schedule = pq.read_table(raw / "schedule.parquet")
    ghost = schedule.slice(0, 1).to_pylist()[0] | {"start_time": 0, "end_time": 1500,
                                                    "_fivetran_deleted": True}  # fmt: skip
    _rewrite(raw, "schedule", pa.concat_tables(
        [schedule, pa.Table.from_pylist([ghost], schema=schedule.schema)]))  # fmt: skip
    holidays = pq.read_table(raw / "schedule_holiday.parquet")
    gone = holidays.slice(0, 1).to_pylist()[0] | {
        "start_date": "2026-06-01", "end_date": "2026-06-30", "_fivetran_deleted": True
    }  # fmt: skip
    _rewrite(raw, "schedule_holiday", pa.concat_tables(
        [holidays, pa.Table.from_pylist([gone], schema=holidays.schema)]))  # fmt: skip
    result = _run(str(raw), "--out", str(tmp_path / "seeds"))
    assert result.exit_code == 0, result.output
    for name in ("business_hours.csv", "holidays.csv"):
        assert (tmp_path / "seeds" / name).read_text() == (SEEDS / name).read_text()


# --- bad input -------------------------------------------------------------------------------


def test_a_missing_table_is_one_line(export: Path, tmp_path: Path) -> None:
    raw = _copy(export, tmp_path)
    (raw / "schedule_holiday.parquet").unlink()
    assert _errors(_run(str(raw), "--out", str(tmp_path / "seeds"))) == [
        f"{raw / 'schedule_holiday.parquet'}: file not found (Zendesk table schedule_holiday)"
    ]
    assert not (tmp_path / "seeds").exists()


def test_a_wrong_type_and_a_missing_column_are_one_line_each(export: Path, tmp_path: Path) -> None:
    raw = _copy(export, tmp_path)
    schedule = pq.read_table(raw / "schedule.parquet")
    start = pc.cast(schedule.column("start_time"), pa.string())
    path = _rewrite(raw, "schedule", schedule.set_column(3, "start_time", start).drop(["name"]))
    assert _errors(_run(str(raw))) == [
        f"{path}: column name: missing (Zendesk table schedule)",
        f"{path}: column start_time: has type string, expected integer",
    ]


def test_an_interval_across_midnight_or_overlapping_is_named_by_row(
    export: Path, tmp_path: Path
) -> None:
    raw = _copy(export, tmp_path)
    schedule = pq.read_table(raw / "schedule.parquet")
    rows = schedule.to_pylist()
    # row 1 (NA, Monday 08:00-20:00) now runs to Tuesday 02:00; row 22 is a second opening on
    # Tuesday (row 2 is Tuesday 08:00-20:00); row 23 has no end_time
    rows[0]["end_time"] = 2 * 1440 + 120
    rows.append(rows[1] | {"start_time": 2 * 1440 + 1300, "end_time": 2 * 1440 + 1400})
    rows.append(rows[1] | {"end_time": None})
    path = _rewrite(raw, "schedule", pa.Table.from_pylist(rows, schema=schedule.schema))
    assert _errors(_run(str(raw))) == [
        f"{path}: row 1: columns start_time, end_time: the interval Mon 08:00 to Tue 02:00 "
        "crosses midnight (the business_hours seed holds one day per row: split it at midnight)",
        f"{path}: row 23: column end_time: null",
        f"{path}: row 22: columns start_time, end_time: a second opening on Tue (Tue 21:40 to "
        f"Tue 23:20, after row 2) in schedule {z.SCHEDULE_BASE + 1}: the business_hours seed "
        "holds one opening per weekday",
    ]


def test_an_overlap_is_named_by_both_rows(export: Path, tmp_path: Path) -> None:
    raw = _copy(export, tmp_path)
    schedule = pq.read_table(raw / "schedule.parquet")
    rows = schedule.to_pylist()
    rows.append(rows[0] | {"start_time": 1440 + 600, "end_time": 1440 + 700})
    path = _rewrite(raw, "schedule", pa.Table.from_pylist(rows, schema=schedule.schema))
    assert _errors(_run(str(raw))) == [
        f"{path}: row 22: columns start_time, end_time: the interval Mon 10:00 to Mon 11:40 "
        f"overlaps row 1 (Mon 08:00 to Mon 20:00) of schedule {z.SCHEDULE_BASE + 1}"
    ]


def test_bad_holidays_are_named_by_row_and_column(export: Path, tmp_path: Path) -> None:
    raw = _copy(export, tmp_path)
    holidays = pq.read_table(raw / "schedule_holiday.parquet")
    rows = holidays.to_pylist()
    rows[0]["schedule_id"] = 42
    rows[1]["start_date"] = "19 Jan 2026"
    rows[2]["end_date"] = "2026-02-01"  # before its start, 2026-02-16
    path = _rewrite(raw, "schedule_holiday", pa.Table.from_pylist(rows, schema=holidays.schema))
    assert _errors(_run(str(raw))) == [
        f"{path}: row 1: column schedule_id: no schedule 42 in {raw / 'schedule.parquet'}",
        f"{path}: row 2: column start_date: '19 Jan 2026' is not a date (YYYY-MM-DD)",
        f"{path}: row 3: columns start_date, end_date: end_date 2026-02-01 is before start_date "
        "2026-02-16",
    ]


def test_two_schedules_of_one_region_and_bad_options(export: Path, tmp_path: Path) -> None:
    raw = _copy(export, tmp_path)
    path = raw / "schedule.parquet"
    assert _errors(_run(str(raw), "--region", "EMEA=NA")) == [
        f"{path}: row 7: column name: schedule {z.SCHEDULE_BASE + 2} and schedule "
        f"{z.SCHEDULE_BASE + 1} (row 1) are both region 'NA'; the seeds hold one schedule per "
        "region (--region)"
    ]
    assert _errors(_run(str(raw), "--region", "Mars=Red")) == [
        f"--region Mars=Red: no schedule named or numbered 'Mars' in {path}"
    ]
    assert _errors(_run(str(raw), "--region", "EMEA")) == ["--region EMEA: expected NAME=VALUE"]
    assert _errors(_run(str(raw), "--time-zone", "Berlin=Mars/Olympus")) == [
        "--time-zone Berlin=Mars/Olympus: 'Mars/Olympus' is not an IANA time zone"
    ]
    assert _errors(_run(str(tmp_path / "nowhere"))) == [
        f"{tmp_path / 'nowhere'}: not a directory (the Zendesk export)"
    ]
