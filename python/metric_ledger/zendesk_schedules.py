"""Business hours from Zendesk schedules (issue 12, item 3): `metric-ledger zendesk schedules`.

Fivetran's `schedule` table holds one row per open interval of a Zendesk schedule: `start_time`
and `end_time` are minutes from Sunday 00:00 of the week, in the schedule's local time, and
`time_zone` is Zendesk's (Rails) name of the zone. `schedule_holiday` holds each schedule's
holidays as inclusive ranges of local dates. `read_schedule_config` turns them into the rows of
the `business_hours` and `holidays` seeds, one region per schedule (the schedule's name unless
mapped), and `write_schedule_seeds` writes them in the seeds' exact format.

Daylight saving is not read from `time_zone` or `daylight_time`: the seed names the IANA zone,
and the business-minute rule (`int_business_hours_windows`) applies its rules at build time, as
it does for the hand-written seed. Bad input is collected, not stopped at: `ScheduleInputError`
holds one line per problem, naming the file, the row (1-based, in file order) and the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, available_timezones

import pyarrow as pa
import pyarrow.parquet as pq

from metric_ledger.errors import InputError, UsageError, cannot_write
from metric_ledger.zendesk_time_zones import ZENDESK_TIME_ZONES

MINUTES_PER_DAY: Final = 24 * 60
MINUTES_PER_WEEK: Final = 7 * MINUTES_PER_DAY
#: Zendesk's day of the week (0 = Sunday, from `start_time // 1440`) as an ISO weekday
_ISO_WEEKDAY: Final = (7, 1, 2, 3, 4, 5, 6)
_DAY_NAMES: Final = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")

BUSINESS_HOURS_FILE: Final = "business_hours.csv"
HOLIDAYS_FILE: Final = "holidays.csv"
BUSINESS_HOURS_HEADER: Final = ("region", "timezone", "weekday", "opens_at", "closes_at")
HOLIDAYS_HEADER: Final = ("region", "holiday_date")


class ScheduleInputError(InputError):
    """The schedule tables cannot be turned into seeds: one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Opening:
    """One row of the `business_hours` seed."""

    region: str
    timezone: str
    weekday: int  # ISO: 1 = Monday .. 7 = Sunday
    opens_at: str  # HH:MM, local
    closes_at: str  # HH:MM, local; 24:00 = midnight at the end of the day

    def cells(self) -> tuple[str, ...]:
        return (self.region, self.timezone, str(self.weekday), self.opens_at, self.closes_at)


@dataclass(frozen=True)
class Holiday:
    """One row of the `holidays` seed."""

    region: str
    holiday_date: date

    def cells(self) -> tuple[str, ...]:
        return (self.region, self.holiday_date.isoformat())


@dataclass(frozen=True)
class ScheduleConfig:
    """The seeds' rows: schedules in id order, weekdays and dates ascending."""

    business_hours: tuple[Opening, ...]
    holidays: tuple[Holiday, ...]


# --- minutes from Sunday 00:00 ---------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _moment(week_minute: int) -> str:
    """`Mon 08:00` for a minute of the week (10080 is the next Sunday 00:00)."""
    day, minute = divmod(week_minute, MINUTES_PER_DAY)
    return f"{_DAY_NAMES[day % 7]} {_hhmm(minute)}"


def week_interval_to_opening(start_time: int, end_time: int) -> tuple[int, str, str]:
    """(ISO weekday, opens_at, closes_at) of a Zendesk interval in minutes from Sunday 00:00.

    An interval ending at midnight closes at `24:00` of its day. Raises ValueError (one
    sentence) when the interval is outside the week, empty, or crosses midnight.
    """
    if not 0 <= start_time < MINUTES_PER_WEEK:
        raise ValueError(
            f"start_time {start_time} is outside the week (0 to {MINUTES_PER_WEEK - 1} minutes "
            "from Sunday 00:00)"
        )
    if not start_time < end_time <= MINUTES_PER_WEEK:
        raise ValueError(
            f"end_time {end_time} is not after start_time {start_time} within the week "
            f"(at most {MINUTES_PER_WEEK})"
        )
    day, opens = divmod(start_time, MINUTES_PER_DAY)
    closes = end_time - day * MINUTES_PER_DAY
    if closes > MINUTES_PER_DAY:
        raise ValueError(
            f"the interval {_moment(start_time)} to {_moment(end_time)} crosses midnight "
            "(the business_hours seed holds one day per row: split it at midnight)"
        )
    return _ISO_WEEKDAY[day], _hhmm(opens), _hhmm(closes)


def _minutes_of_day(hhmm: str) -> int:
    hours, _, minutes = hhmm.partition(":")
    return int(hours) * 60 + int(minutes)


def opening_to_week_interval(weekday: int, opens_at: str, closes_at: str) -> tuple[int, int]:
    """(start_time, end_time) in minutes from Sunday 00:00 of a seed row (the inverse)."""
    day = (weekday % 7) * MINUTES_PER_DAY
    return day + _minutes_of_day(opens_at), day + _minutes_of_day(closes_at)


@cache
def _iana_names() -> frozenset[str]:
    return frozenset(available_timezones())


def iana_zone(name: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The IANA zone of a Zendesk time zone name (an override first, then Rails' names, case
    insensitive), or the name itself when it is an IANA name; None when it is neither."""
    for mapping in (overrides or {}, ZENDESK_TIME_ZONES):
        for key, zone in mapping.items():
            if key.casefold() == name.casefold():
                return zone
    return name if name in _iana_names() else None


def standard_offset_minutes(zone: str, on: date) -> int:
    """The zone's UTC offset without daylight saving on `on` (minutes east of UTC)."""
    moment = datetime(on.year, on.month, on.day, 12, tzinfo=ZoneInfo(zone))
    offset = (moment.utcoffset() or timedelta()) - (moment.dst() or timedelta())
    return int(offset.total_seconds() // 60)


# --- reading the tables ----------------------------------------------------------------------

_KINDS: Final = {
    "integer": pa.types.is_integer,
    "text": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "date": lambda t: pa.types.is_date(t) or pa.types.is_string(t) or pa.types.is_large_string(t),
    "boolean": pa.types.is_boolean,
}
#: the columns read, with their kinds; `_fivetran_deleted` is optional (a sync may lack it)
_COLUMNS: Final = {
    "schedule": {
        "id": "integer",
        "name": "text",
        "time_zone": "text",
        "start_time": "integer",
        "end_time": "integer",
    },
    "schedule_holiday": {
        "id": "integer",
        "schedule_id": "integer",
        "start_date": "date",
        "end_date": "date",
    },
}
_OPTIONAL: Final = {"_fivetran_deleted": "boolean"}


def _type_of(field: pa.Field) -> pa.DataType:
    return field.type.value_type if pa.types.is_dictionary(field.type) else field.type


def _read_table(raw_dir: Path, name: str, problems: list[str]) -> list[dict[str, Any]] | None:
    """The rows of `raw_dir/name.parquet` (the columns read), or None after naming problems."""
    path = raw_dir / f"{name}.parquet"
    if not path.is_file():
        problems.append(f"{path}: file not found (Zendesk table {name})")
        return None
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        problems.append(f"{path}: cannot read: {reason}")
        return None
    wanted = dict(_COLUMNS[name])
    wrong = False
    for column, kind in wanted.items():
        if column not in schema.names:
            problems.append(f"{path}: column {column}: missing (Zendesk table {name})")
            wrong = True
        elif not _KINDS[kind](_type_of(schema.field(column))):
            problems.append(
                f"{path}: column {column}: has type {_type_of(schema.field(column))}, "
                f"expected {kind}"
            )
            wrong = True
    for column, kind in _OPTIONAL.items():
        if column in schema.names:
            if _KINDS[kind](_type_of(schema.field(column))):
                wanted[column] = kind
            else:
                problems.append(
                    f"{path}: column {column}: has type {_type_of(schema.field(column))}, "
                    f"expected {kind}"
                )
                wrong = True
    if wrong:
        return None
    try:
        table = pq.read_table(path, columns=list(wanted))
    except (OSError, pa.ArrowException) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        problems.append(f"{path}: cannot read: {reason}")
        return None
    records: list[dict[str, Any]] = table.to_pylist()
    return records


def _nulls(path: Path, row: int, record: dict[str, Any], columns: Sequence[str]) -> list[str]:
    return [f"{path}: row {row}: column {c}: null" for c in columns if record.get(c) is None]


def _live_rows(
    path: Path, rows: list[dict[str, Any]], table: str, problems: list[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based row, record) of each row not deleted in Zendesk whose read columns are all set;
    a null in a read column is one problem per column, and the row is skipped."""
    for row, record in enumerate(rows, start=1):
        if record.get("_fivetran_deleted"):
            continue
        missing = _nulls(path, row, record, list(_COLUMNS[table]))
        if missing:
            problems.extend(missing)
            continue
        yield row, record


@dataclass
class _Schedule:
    id: int
    name: str
    time_zone: str
    first_row: int
    region: str = ""
    zone: str = ""
    #: (start_time, end_time, row)
    intervals: list[tuple[int, int, int]] | None = None


def _schedules(
    path: Path,
    rows: list[dict[str, Any]],
    zones: Mapping[str, str],
    problems: list[str],
) -> dict[int, _Schedule]:
    """The live schedules of `schedule` with their checked intervals."""
    schedules: dict[int, _Schedule] = {}
    for row, record in _live_rows(path, rows, "schedule", problems):
        start, end = int(record["start_time"]), int(record["end_time"])
        try:
            week_interval_to_opening(start, end)
        except ValueError as error:
            problems.append(f"{path}: row {row}: columns start_time, end_time: {error}")
            continue
        sid = int(record["id"])
        schedule = schedules.get(sid)
        if schedule is None:
            schedule = _Schedule(sid, record["name"], record["time_zone"], row, intervals=[])
            zone = iana_zone(schedule.time_zone, zones)
            if zone is None:
                problems.append(
                    f"{path}: row {row}: column time_zone: unknown time zone "
                    f"{schedule.time_zone!r} (neither a Zendesk zone name nor an IANA name; "
                    f"map it with --time-zone '{schedule.time_zone}=Area/City')"
                )
            schedule.zone = zone or ""
            schedules[sid] = schedule
        for column in ("name", "time_zone"):
            if record[column] != getattr(schedule, column):
                problems.append(
                    f"{path}: row {row}: column {column}: {record[column]!r} differs from "
                    f"{getattr(schedule, column)!r} in row {schedule.first_row} of schedule {sid}"
                )
        assert schedule.intervals is not None
        schedule.intervals.append((start, end, row))
    for schedule in schedules.values():
        _check_overlaps(path, schedule, problems)
    return schedules


def _check_overlaps(path: Path, schedule: _Schedule, problems: list[str]) -> None:
    """Overlapping intervals, and a second opening on one day (the seed holds one per day)."""
    intervals = sorted(schedule.intervals or [])
    for (start_a, end_a, row_a), (start_b, end_b, row_b) in pairwise(intervals):
        where = f"{path}: row {row_b}: columns start_time, end_time:"
        span = f"{_moment(start_b)} to {_moment(end_b)}"
        if start_b < end_a:
            problems.append(
                f"{where} the interval {span} overlaps row {row_a} "
                f"({_moment(start_a)} to {_moment(end_a)}) of schedule {schedule.id}"
            )
        elif start_b // MINUTES_PER_DAY == start_a // MINUTES_PER_DAY:
            problems.append(
                f"{where} a second opening on {_DAY_NAMES[start_b // MINUTES_PER_DAY]} ({span}, "
                f"after row {row_a}) in schedule {schedule.id}: the business_hours seed holds "
                "one opening per weekday"
            )


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 10 and text[10] in "T ":
            text = text[:10]
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


def _holidays(
    path: Path,
    rows: list[dict[str, Any]],
    schedules: Mapping[int, _Schedule],
    schedule_path: Path,
    problems: list[str],
) -> list[tuple[int, date]]:
    """(schedule id, local date) of every day of every live holiday."""
    days: set[tuple[int, date]] = set()
    for row, record in _live_rows(path, rows, "schedule_holiday", problems):
        sid = int(record["schedule_id"])
        if sid not in schedules:
            problems.append(
                f"{path}: row {row}: column schedule_id: no schedule {sid} in {schedule_path}"
            )
            continue
        bounds = {}
        for column in ("start_date", "end_date"):
            bounds[column] = _as_date(record[column])
            if bounds[column] is None:
                problems.append(
                    f"{path}: row {row}: column {column}: {record[column]!r} is not a date "
                    "(YYYY-MM-DD)"
                )
        first, last = bounds["start_date"], bounds["end_date"]
        if first is None or last is None:
            continue
        if last < first:
            problems.append(
                f"{path}: row {row}: columns start_date, end_date: end_date {last} is before "
                f"start_date {first}"
            )
            continue
        days.update((sid, first + timedelta(days=k)) for k in range((last - first).days + 1))
    return sorted(days)


def _assign_regions(
    schedules: Mapping[int, _Schedule],
    regions: Mapping[str, str],
    path: Path,
    problems: list[str],
) -> None:
    """Each schedule's region: `regions[name]` or `regions[str(id)]`, else its name."""
    known = {s.name for s in schedules.values()} | {str(s.id) for s in schedules.values()}
    for key in regions:
        if key not in known:
            problems.append(f"--region {key}={regions[key]}: no schedule named or numbered "
                            f"{key!r} in {path}")  # fmt: skip
    owner: dict[str, _Schedule] = {}
    for schedule in sorted(schedules.values(), key=lambda s: s.id):
        schedule.region = regions.get(schedule.name, regions.get(str(schedule.id), schedule.name))
        if not schedule.region.strip():
            problems.append(
                f"{path}: row {schedule.first_row}: column name: empty; map schedule "
                f"{schedule.id} to a region with --region {schedule.id}=REGION"
            )
        elif schedule.region in owner:
            other = owner[schedule.region]
            problems.append(
                f"{path}: row {schedule.first_row}: column name: schedule {schedule.id} and "
                f"schedule {other.id} (row {other.first_row}) are both region "
                f"{schedule.region!r}; the seeds hold one schedule per region (--region)"
            )
        owner[schedule.region] = schedule


def read_schedule_config(
    raw_dir: Path,
    regions: Mapping[str, str] | None = None,
    time_zones: Mapping[str, str] | None = None,
) -> ScheduleConfig:
    """The `business_hours` and `holidays` seed rows of the Zendesk export in `raw_dir`.

    `regions` maps a schedule's name (or its id) to a region (default: the name);
    `time_zones` maps Zendesk zone names to IANA zones beyond Rails' own names. Raises
    ScheduleInputError listing every problem.
    """
    for name, zone in (time_zones or {}).items():
        if zone not in _iana_names():
            raise UsageError(f"--time-zone {name}={zone}: {zone!r} is not an IANA time zone")
    problems: list[str] = []
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: not a directory (the Zendesk export)")
    schedule_rows = _read_table(raw_dir, "schedule", problems)
    holiday_rows = _read_table(raw_dir, "schedule_holiday", problems)
    if schedule_rows is None or holiday_rows is None:
        raise ScheduleInputError(problems)
    schedule_path = raw_dir / "schedule.parquet"
    schedules = _schedules(schedule_path, schedule_rows, time_zones or {}, problems)
    if not schedules and not problems:
        problems.append(f"{schedule_path}: no live schedule (every row is deleted, or none)")
    days = _holidays(
        raw_dir / "schedule_holiday.parquet", holiday_rows, schedules, schedule_path, problems
    )
    _assign_regions(schedules, regions or {}, schedule_path, problems)
    if problems:
        raise ScheduleInputError(problems)
    openings = []
    for schedule in sorted(schedules.values(), key=lambda s: s.id):
        for start, end, _ in schedule.intervals or []:
            weekday, opens, closes = week_interval_to_opening(start, end)
            openings.append(Opening(schedule.region, schedule.zone, weekday, opens, closes))
    # schedules in id order (a stable sort), each one's weekdays Monday first
    order = {s.region: i for i, s in enumerate(sorted(schedules.values(), key=lambda s: s.id))}
    openings.sort(key=lambda o: (order[o.region], o.weekday))
    holidays = tuple(Holiday(schedules[sid].region, day) for sid, day in days)
    return ScheduleConfig(tuple(openings), holidays)


# --- writing the seeds -----------------------------------------------------------------------


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def seed_texts(config: ScheduleConfig) -> dict[str, str]:
    """The two seed files' text, by file name."""
    return {
        BUSINESS_HOURS_FILE: _csv(
            BUSINESS_HOURS_HEADER, [o.cells() for o in config.business_hours]
        ),
        HOLIDAYS_FILE: _csv(HOLIDAYS_HEADER, [h.cells() for h in config.holidays]),
    }


def write_schedule_seeds(config: ScheduleConfig, out_dir: Path) -> list[Path]:
    """Write `business_hours.csv` and `holidays.csv` into `out_dir`; the paths written."""
    written = []
    for name, text in seed_texts(config).items():
        path = out_dir / name
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        except OSError as error:
            raise cannot_write(path, error) from None
        written.append(path)
    return written


def parse_mapping(option: str, values: Sequence[str]) -> dict[str, str]:
    """`NAME=VALUE` option values as a dict; a malformed one raises UsageError."""
    mapping = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise UsageError(f"{option} {value}: expected NAME=VALUE")
        mapping[key.strip()] = target.strip()
    return mapping


__all__ = [
    "Holiday",
    "Opening",
    "ScheduleConfig",
    "ScheduleInputError",
    "iana_zone",
    "opening_to_week_interval",
    "parse_mapping",
    "read_schedule_config",
    "seed_texts",
    "standard_offset_minutes",
    "week_interval_to_opening",
    "write_schedule_seeds",
]
