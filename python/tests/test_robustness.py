"""Robustness: every edge export (metric_ledger.synth.edges) builds, and the marts say the truth.

Each edge export is generated into its own workspace and built with a real `dbt build` (unit
tests excluded: they do not depend on the data and run in the main build). The governance marts
are then asked what a reader would ask: are metrics without data ever usable, is the last,
incomplete week ever usable, is coverage invented for a channel that had no contact ...
`metric-ledger summary` must print every edge build without `None` or a traceback.

Cost: dbt's full parse dominates a small build, so one `dbt parse` per session (per xdist worker)
writes the partial-parse state and every build starts from a copy of it. That only works when
every invocation sees the same vars and profile: each build runs with its workspace as working
directory and the same relative paths (`raw_data_path: raw`, `METRIC_LEDGER_DB=wh.duckdb`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from conftest import PROFILES_DIR, REPO, DbtWorkspace, dbt_executable

from metric_ledger.cli import main
from metric_ledger.synth import generate_edge
from metric_ledger.warehouse import connect

SEED = 5
RAW = "raw"
DB = "wh.duckdb"
CSAT_METRICS = ("csat_score", "csat_response_rate")
RESOLUTION_METRICS = (
    "resolution_minutes_p50",
    "resolution_minutes_p90",
    "reopen_rate",
    "repeat_contact_rate",
    "one_touch_rate",
)
FIRST_RESPONSE_METRICS = (
    "first_response_minutes_p50",
    "first_response_minutes_p90",
    "first_response_business_minutes_p50",
    "first_meaningful_response_minutes_p50",
)


def _invocation(command: str, root: Path, extra_args: Sequence[str] = ()) -> dict[str, Any]:
    """`dbt <command>` for the workspace `root`: relative raw and warehouse paths (see above)."""
    args = [
        dbt_executable(),
        command,
        "--project-dir",
        str(REPO),
        "--profiles-dir",
        str(PROFILES_DIR),
        "--target-path",
        str(root / "target"),
        "--log-path",
        str(root / "logs"),
        "--vars",
        json.dumps({"raw_data_path": RAW}),
        *extra_args,
    ]
    env = {**os.environ, "METRIC_LEDGER_DB": DB, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return {"args": args, "cwd": root, "env": env}


def _run(
    command: str, root: Path, extra_args: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    call = _invocation(command, root, extra_args)
    return subprocess.run(
        call["args"],
        cwd=call["cwd"],
        env=call["env"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="session")
def parse_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The partial-parse state of one `dbt parse` (every edge build starts from a copy)."""
    root = tmp_path_factory.mktemp("edge_parse")
    (root / RAW).mkdir()
    proc = _run("parse", root)
    if proc.returncode != 0:
        pytest.fail(f"`dbt parse` failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-2000:]}")
    return root / "target" / "partial_parse.msgpack"


@dataclass(frozen=True)
class EdgeBuild:
    edge: str
    workspace: DbtWorkspace
    proc: subprocess.CompletedProcess[str]

    @property
    def output(self) -> str:
        return self.proc.stdout + self.proc.stderr

    def connect(self) -> duckdb.DuckDBPyConnection:
        return connect(self.workspace.db_path)


def build_edge(
    edge: str, root: Path, parse_state: Path, extra_args: Sequence[str] = ()
) -> EdgeBuild:
    """Generate the edge export into `root/raw` and `dbt build` it (no unit tests) into `root`."""
    workspace = DbtWorkspace(root=root, raw_dir=root / RAW)
    generate_edge(workspace.raw_dir, edge, seed=SEED)
    workspace.target_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(parse_state, workspace.target_path / "partial_parse.msgpack")
    args = ["--exclude", "resource_type:unit_test", *extra_args]
    return EdgeBuild(edge, workspace, _run("build", root, args))


def _rebuild(build: EdgeBuild, extra_args: Sequence[str]) -> EdgeBuild:
    proc = _run(
        "build", build.workspace.root, ["--exclude", "resource_type:unit_test", *extra_args]
    )
    return EdgeBuild(build.edge, build.workspace, proc)


def assert_built(build: EdgeBuild) -> None:
    assert build.proc.returncode == 0, (
        f"`dbt build` of the {build.edge} export failed:\n{build.proc.stdout[-20000:]}"
    )


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    return con.execute(sql, list(params)).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> Any:
    found = con.execute(sql, list(params)).fetchone()
    assert found is not None
    return found[0]


def _in(names: Sequence[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


# --- invariants every built edge export must satisfy ---------------------------------------------


def assert_summary_prints_plainly(build: EdgeBuild) -> str:
    result = CliRunner().invoke(main, ["summary", "--db", str(build.workspace.db_path)])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert "Traceback" not in result.output
    assert "None" not in result.output, result.output
    assert "week of -" not in result.output, result.output
    return result.output


def assert_no_negative_durations(con: duckdb.DuckDBPyConnection) -> None:
    negative = one(
        con,
        """select count(*) from fct_tickets
        where first_response_minutes < 0 or first_response_business_minutes < 0
            or first_meaningful_response_minutes < 0 or resolution_minutes < 0
            or pending_minutes < 0
            or first_response_business_minutes > first_response_minutes + 1e-9""",
    )
    assert negative == 0


def assert_metric_weeks_without_value_are_not_usable(con: duckdb.DuckDBPyConnection) -> None:
    """A metric-week with no value is never usable for its job, and says `no_data` (waits for
    the maturity rule of metric_status_weekly)."""
    usable = rows(
        con,
        """select metric_name, cast(week_start_date as varchar), reasons
        from metric_status_weekly
        where metric_value is null and (usable_for_job or reasons not like '%no_data%')
        order by 1, 2""",
    )
    assert usable == [], f"metric-weeks without a value but usable or without no_data: {usable}"


def assert_last_incomplete_week_is_not_usable(con: duckdb.DuckDBPyConnection) -> None:
    """The export's last week, when it is incomplete, is never usable for any metric."""
    usable = rows(
        con,
        """select metric_name, cast(week_start_date as varchar)
        from metric_status_weekly
        where week_start_date = (select max(week_start_date) from int_export_weeks)
            and not is_complete_week and usable_for_job""",
    )
    assert usable == []


# --- per-edge truths ------------------------------------------------------------------------------


def check_one_ticket(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "select count(*), count(*) filter (where is_included) from fct_tickets") == [
        (1, 1)
    ]
    weeks = rows(con, "select week_start_date, is_complete_week from int_export_weeks")
    assert len(weeks) == 1 and weeks[0][1] is False  # one ticket: a single day of data
    assert one(con, "select count(distinct week_start_date) from metric_status_weekly") == 1
    assert one(con, "select count(*) from metric_status_weekly where usable_for_job") == 0


def check_one_week(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "select week_start_date from int_export_weeks") == [(date(2026, 1, 5),)]
    assert one(con, "select count(distinct week_start_date) from metric_status_weekly") == 1
    # no previous week: nothing is judged week over week
    assert one(con, "select count(*) from metric_status_weekly where has_coverage_drop") == 0
    assert one(con, "select count(*) from mix_shift_weekly where is_shift_flagged") == 0


def check_week_without_surveys(con: duckdb.DuckDBPyConnection) -> None:
    quiet = date(2026, 1, 12)
    sent, answered = rows(
        con,
        """select sum(surveys_sent), sum(survey_responses) from fct_support_weekly
        where week_start_date = ?""",
        [quiet],
    )[0]
    assert (sent or 0, answered or 0) == (0, 0)
    values = rows(
        con,
        f"""select metric_name, metric_value, usable_for_job from metric_status_weekly
        where week_start_date = ? and metric_name in ({_in(CSAT_METRICS)}) order by 1""",
        [quiet],
    )
    assert [name for name, _, _ in values] == sorted(CSAT_METRICS)
    assert all(value is None for _, value, _ in values), values
    # the weeks around it have survey values
    assert (
        one(
            con,
            f"""select count(*) from metric_status_weekly where week_start_date <> ?
            and metric_name in ({_in(CSAT_METRICS)}) and metric_value is not null""",
            [quiet],
        )
        > 0
    )
    assert all(not usable for _, _, usable in values), f"CSAT usable without surveys: {values}"


def check_shiftless_and_idle_agents(con: duckdb.DuckDBPyConnection) -> None:
    agents = rows(con, "select agent_id from stg_helpdesk__agents order by agent_id")
    idle = agents[-1][0]
    shift_agents = {r[0] for r in rows(con, "select distinct agent_id from fct_agent_shifts")}
    authors = {
        r[0]
        for r in rows(
            con,
            "select distinct author_id from int_ticket_messages_classified where is_agent_reply",
        )
    }
    shiftless = sorted(authors - shift_agents)
    assert len(shiftless) == 1 and idle in shift_agents and idle not in authors
    # the idle agent: weeks with shifts and no work, nothing invented
    idle_rows = rows(
        con,
        """select sum(scheduled_minutes), sum(contacts_handled), sum(tickets_solved),
            count(csat_score), count(first_response_minutes_p50)
        from agent_scorecard_weekly where agent_id = ?""",
        [idle],
    )[0]
    assert idle_rows[0] > 0 and idle_rows[1:] == (0, 0, 0, 0)
    # the scorecard is one row per agent of fct_agent_shifts: the shiftless agent has none, but
    # the work still counts for the team
    assert (
        one(con, "select count(*) from agent_scorecard_weekly where agent_id = ?", shiftless) == 0
    )
    owned = one(
        con,
        """select count(distinct ticket_id) from int_ticket_messages_classified
        where is_agent_reply and author_id = ?""",
        shiftless,
    )
    assert owned > 0
    contacts = one(
        con, "select sum(metric_value) from metric_values_weekly where metric_name = 'contacts'"
    )
    assert contacts == one(con, "select count(*) from fct_tickets where is_included")


def check_single_channel(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "select distinct channel from fct_tickets") == [("email",)]
    assert rows(con, "select distinct channel from metric_coverage_weekly") == [("email",)]
    assert (
        one(
            con,
            "select count(*) from metric_values_segment_weekly "
            "where dimension = 'channel' and segment_value <> 'email'",
        )
        == 0
    )
    # email is covered by the first-response metrics: their coverage is the included share
    rates = rows(
        con,
        """select distinct coverage_rate from metric_coverage_weekly
        where metric_name = 'first_response_minutes_p50'""",
    )
    assert rates and all(0 < rate <= 1 for (rate,) in rates)


def check_outbound_only(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "select bool_and(is_outbound) from fct_tickets where is_included") is True
    assert one(con, "select count(first_response_at) from fct_tickets") == 0
    values = rows(
        con,
        f"""select distinct metric_value from metric_status_weekly
        where metric_name in ({_in(FIRST_RESPONSE_METRICS)})""",
    )
    assert values == [(None,)]
    assert (
        one(
            con,
            f"""select count(*) from metric_status_weekly where usable_for_job
            and metric_name in ({_in(FIRST_RESPONSE_METRICS)})""",
        )
        == 0
    ), "a first-response metric is usable although no ticket has a first response"


def check_nothing_solved(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "select count(first_solved_at) + count(resolved_at) from fct_tickets") == 0
    values = rows(
        con,
        f"""select metric_name, metric_value, usable_for_job from metric_status_weekly
        where metric_name in ({_in(RESOLUTION_METRICS + CSAT_METRICS)})""",
    )
    assert values and all(value is None for _, value, _ in values)
    assert {name for name, _, _ in values} == set(RESOLUTION_METRICS + CSAT_METRICS)
    # every ticket is still open at the end: the backlog holds them all
    last_day = one(con, "select max(backlog_date) from fct_backlog_daily")
    open_at_end = one(
        con, "select sum(open_tickets) from fct_backlog_daily where backlog_date = ?", [last_day]
    )
    assert open_at_end == one(con, "select count(*) from fct_tickets where is_included")
    assert all(not usable for _, _, usable in values), "resolution or CSAT usable, nothing solved"


def check_all_quarantined(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        con, "select count(*), count(*) filter (where is_quarantined) from fct_tickets"
    ) == [(300, 300)]
    reasons = {
        r[0]
        for r in rows(
            con,
            "select distinct quarantine_reason from stg_helpdesk__quarantined_rows "
            "where source_table = 'tickets'",
        )
    }
    assert len(reasons) == 6
    coverage = rows(
        con, "select sum(included_contacts), sum(all_contacts) from metric_coverage_weekly"
    )[0]
    assert coverage[0] == 0 and coverage[1] > 0
    assert one(con, "select max(coverage_rate) from metric_coverage_weekly") == 0
    # every metric that counts tickets is under its coverage floor: none is usable; schedule
    # adherence reads agent shifts only (no ticket, no coverage row) and keeps its verdict
    usable = rows(
        con,
        """select metric_name, cast(week_start_date as varchar), reasons
        from metric_status_weekly
        where usable_for_job
            and metric_name in (select metric_name from metric_coverage_weekly)
        order by 1, 2""",
    )
    assert usable == [], f"usable although every ticket is quarantined: {usable}"
    below = rows(
        con,
        """select distinct metric_name from metric_status_weekly
        where is_complete_week and not is_below_coverage_floor
            and metric_name in (select metric_name from metric_coverage_weekly)""",
    )
    assert below == [], f"not below the coverage floor at coverage 0: {below}"


def check_empty_ticket_events(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "select count(*) from fct_tickets where is_included") > 0
    assert (
        one(con, "select count(first_response_at) + count(first_solved_at) from fct_tickets") == 0
    )
    assert one(con, "select bool_and(latest_status = 'new') from fct_tickets") is True


def check_empty_csat_responses(con: duckdb.DuckDBPyConnection) -> None:
    values = rows(
        con,
        f"""select metric_value, usable_for_job from metric_status_weekly
        where metric_name in ({_in(CSAT_METRICS)})""",
    )
    assert values and all(value is None for value, _ in values)
    assert all(not usable for _, usable in values), "CSAT usable without a single survey"


def check_empty_agents(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "select count(*) from agent_scorecard_weekly") == 0
    assert one(con, "select count(*) from fct_agent_shifts") == 0
    assert (
        one(
            con,
            """select count(*) from metric_status_weekly where metric_value is not null
            and metric_name in ('schedule_adherence', 'contacts_per_agent_hour')""",
        )
        == 0
    )
    assert one(con, "select count(*) from fct_tickets where is_included") > 0


def check_empty_agent_shifts(con: duckdb.DuckDBPyConnection) -> None:
    check_empty_agents(con)


def check_dst_change(con: duckdb.DuckDBPyConnection) -> None:
    # NA opens 08:00 New York time: 13:00 UTC before Sunday 2026-03-08, 12:00 UTC after
    opens = dict(
        rows(
            con,
            """select local_date, strftime(window_start_at, '%H:%M') from int_business_hours_windows
            where region = 'NA' and local_date in ('2026-03-02', '2026-03-09')""",
        )
    )
    assert opens == {date(2026, 3, 2): "13:00", date(2026, 3, 9): "12:00"}
    # every region has its seed's local hours each week, whatever the offset did
    weekly = rows(
        con,
        """select region, date_trunc('week', local_date) as week,
            sum(datediff('minute', window_start_at, window_end_at))
        from int_business_hours_windows
        where local_date between '2026-03-02' and '2026-03-15'
        group by region, date_trunc('week', local_date)
        order by region, week""",
    )
    local_hours = {"NA": 5 * 12 * 60 + 6 * 60, "EMEA": 5 * 10 * 60, "APAC": 5 * 9 * 60}
    local_hours["LATAM"] = 5 * 9 * 60
    assert len(weekly) == 8
    for region, _, minutes in weekly:
        assert minutes == local_hours[region], weekly
    # tickets waiting over the change: business minutes within wall-clock minutes (not negative)
    across = one(
        con,
        """select count(*) from fct_tickets where region = 'NA'
        and created_at < '2026-03-08 07:00' and first_response_at > '2026-03-08 07:00'""",
    )
    assert across > 0


def check_mid_week_end(con: duckdb.DuckDBPyConnection) -> None:
    weeks = rows(con, "select week_start_date, is_complete_week from int_export_weeks order by 1")
    assert weeks == [
        (date(2026, 1, 5), True),
        (date(2026, 1, 12), True),
        (date(2026, 1, 19), False),
    ]
    assert one(con, "select max(created_date) from fct_tickets") == date(2026, 1, 21)
    last = rows(
        con,
        """select count(*), count(*) filter (where usable_for_job),
            count(*) filter (where reasons like '%incomplete_week%'
                             or reasons like '%immature_week%')
        from metric_status_weekly where week_start_date = '2026-01-19'""",
    )[0]
    assert last[0] > 0 and last[1] == 0 and last[2] == last[0]


BUILT_EDGES: dict[str, Callable[[duckdb.DuckDBPyConnection], None]] = {
    "one_ticket": check_one_ticket,
    "one_week": check_one_week,
    "week_without_surveys": check_week_without_surveys,
    "shiftless_and_idle_agents": check_shiftless_and_idle_agents,
    "single_channel": check_single_channel,
    "outbound_only": check_outbound_only,
    "nothing_solved": check_nothing_solved,
    "empty_ticket_events": check_empty_ticket_events,
    "empty_csat_responses": check_empty_csat_responses,
    "empty_agents": check_empty_agents,
    "empty_agent_shifts": check_empty_agent_shifts,
    "dst_change": check_dst_change,
    "mid_week_end": check_mid_week_end,
}


@pytest.fixture
def edge_root(tmp_path: Path) -> Path:
    """The edge build's own workspace."""
    root = tmp_path / "edge"
    root.mkdir()
    return root


@pytest.mark.parametrize("edge", sorted(BUILT_EDGES))
def test_edge_export_builds_and_the_marts_say_the_truth(
    edge: str, edge_root: Path, parse_state: Path
) -> None:
    build = build_edge(edge, edge_root, parse_state)
    assert_built(build)
    assert_summary_prints_plainly(build)
    with build.connect() as con:
        assert_no_negative_durations(con)
        assert_last_incomplete_week_is_not_usable(con)
        BUILT_EDGES[edge](con)  # the edge's own truths (usability checks last)
        assert_metric_weeks_without_value_are_not_usable(con)


def test_every_edge_has_a_robustness_case() -> None:
    from metric_ledger.synth import edge_names

    assert set(edge_names()) == set(BUILT_EDGES) | {"empty_tickets", "all_quarantined"}


def test_empty_tickets_stops_with_one_contract_line(edge_root: Path, parse_state: Path) -> None:
    build = build_edge("empty_tickets", edge_root, parse_state)
    assert build.proc.returncode != 0, "an export without tickets must not build"
    lines = [line for line in build.output.splitlines() if "tickets" in line and "no rows" in line]
    assert lines, build.output[-5000:]


def test_all_quarantined_stops_on_the_share_and_the_marts_say_nothing_is_usable(
    edge_root: Path, parse_state: Path
) -> None:
    build = build_edge("all_quarantined", edge_root, parse_state)
    assert build.proc.returncode != 0, "every ticket quarantined must stop the build"
    failed = [line for line in build.proc.stdout.splitlines() if " FAIL " in line]
    assert len(failed) == 1 and "assert_quarantine_share_within_limit" in failed[0], failed
    # past the stop (an operator looking anyway), the marts must not pretend
    rebuilt = _rebuild(build, ["assert_quarantine_share_within_limit"])
    assert_built(rebuilt)
    output = assert_summary_prints_plainly(rebuilt)
    assert "coverage 0.0%" in output
    with rebuilt.connect() as con:
        check_all_quarantined(con)
        assert_metric_weeks_without_value_are_not_usable(con)
