"""Tests of the synthetic export generator (metric_ledger.synth) and its CLI command."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from metric_ledger.cli import main
from metric_ledger.synth import SCENARIOS, GenerationSummary, SynthArgumentError, generate
from metric_ledger.synth import constants as c
from metric_ledger.synth.scenarios import CoverageGap

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
START = date(2026, 1, 5)
WEEKS = 12
END = datetime(2026, 1, 5) + timedelta(weeks=WEEKS)
TABLE_NAMES = ("tickets", "ticket_events", "csat_responses", "agents", "agent_shifts")

TS = pa.timestamp("us")
EXPECTED_SCHEMAS: dict[str, list[tuple[str, pa.DataType]]] = {
    "tickets": [
        ("ticket_id", pa.string()),
        ("created_at", TS),
        ("channel", pa.string()),
        ("queue", pa.string()),
        ("priority", pa.string()),
        ("region", pa.string()),
        ("customer_tier", pa.string()),
        ("contact_reason", pa.string()),
        ("branch", pa.string()),
        ("requester_id", pa.string()),
        ("is_internal_requester", pa.bool_()),
        ("merged_into_ticket_id", pa.string()),
        ("updated_at", TS),
    ],
    "ticket_events": [
        ("event_id", pa.string()),
        ("ticket_id", pa.string()),
        ("occurred_at", TS),
        ("event_type", pa.string()),
        ("author_type", pa.string()),
        ("author_id", pa.string()),
        ("is_public", pa.bool_()),
        ("is_auto_response", pa.bool_()),
        ("macro_id", pa.string()),
        ("body_chars", pa.int32()),
        ("old_value", pa.string()),
        ("new_value", pa.string()),
    ],
    "csat_responses": [
        ("survey_id", pa.string()),
        ("ticket_id", pa.string()),
        ("sent_at", TS),
        ("responded_at", TS),
        ("rating", pa.int32()),
    ],
    "agents": [
        ("agent_id", pa.string()),
        ("branch", pa.string()),
        ("team", pa.string()),
        ("region", pa.string()),
        ("role", pa.string()),
        ("hired_at", TS),
        ("is_active", pa.bool_()),
    ],
    "agent_shifts": [
        ("agent_id", pa.string()),
        ("shift_date", pa.date32()),
        ("scheduled_minutes", pa.int32()),
        ("adherent_minutes", pa.int32()),
        ("logged_in_minutes", pa.int32()),
    ],
}


def _connect(directory: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in TABLE_NAMES:
        con.execute(
            f"create view {name} as select * from read_parquet('{directory / name}.parquet')"
        )
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _quote(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate(out, tickets=4000, seed=7, start=START, weeks=WEEKS)
    return out


@pytest.fixture(scope="module")
def con(clean_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = _connect(clean_dir)
    yield connection
    connection.close()


# --- shape --------------------------------------------------------------------------------------


def test_every_file_has_exactly_the_contract_columns_and_types(clean_dir: Path) -> None:
    assert sorted(p.name for p in clean_dir.iterdir()) == sorted(
        f"{t}.parquet" for t in TABLE_NAMES
    )
    for name, expected in EXPECTED_SCHEMAS.items():
        schema = pq.read_schema(clean_dir / f"{name}.parquet")
        assert [(f.name, f.type) for f in schema] == expected, name
        for field in schema:
            if pa.types.is_timestamp(field.type):
                assert field.type.tz is None, (name, field.name)


def test_summary_counts_match_files(tmp_path: Path) -> None:
    summary = generate(tmp_path / "new" / "dir", tickets=500, seed=3)
    assert isinstance(summary, GenerationSummary)
    for name in TABLE_NAMES:
        rows = pq.read_metadata(tmp_path / "new" / "dir" / f"{name}.parquet").num_rows
        assert rows == getattr(summary, name) > 0, name
    assert summary.tickets == 500


def test_seed_files_match_generator_vocabularies() -> None:
    with (SEEDS / "business_hours.csv").open() as fh:
        zones = {row["region"]: row["timezone"] for row in csv.DictReader(fh)}
    assert zones == c.REGION_TIMEZONES
    with (SEEDS / "business_hours.csv").open() as fh:
        hours = sorted(
            (
                row["region"],
                int(row["weekday"]),
                int(row["opens_at"][:2]),
                int(row["closes_at"][:2]),
            )
            for row in csv.DictReader(fh)
        )
    assert hours == sorted((r, *day) for r, days in c.BUSINESS_HOURS.items() for day in days)
    assert set(c.REGIONS) == set(zones)
    with (SEEDS / "acknowledgement_macros.csv").open() as fh:
        macros = [row["macro_id"] for row in csv.DictReader(fh)]
    assert sorted(macros) == sorted(c.ACK_MACROS)


# --- determinism --------------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    args: dict[str, Any] = {"tickets": 1500, "seed": 11, "scenarios": ["branch_simpson"]}
    generate(tmp_path / "a", **args)
    generate(tmp_path / "b", **args)
    generate(tmp_path / "b", **args)  # overwrite in place
    for name in TABLE_NAMES:
        a = (tmp_path / "a" / f"{name}.parquet").read_bytes()
        b = (tmp_path / "b" / f"{name}.parquet").read_bytes()
        assert a == b, name


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", tickets=1500, seed=1)
    generate(tmp_path / "b", tickets=1500, seed=2)
    for name in ("tickets", "ticket_events", "csat_responses"):
        a = (tmp_path / "a" / f"{name}.parquet").read_bytes()
        b = (tmp_path / "b" / f"{name}.parquet").read_bytes()
        assert a != b, name


# --- contract cleanliness -----------------------------------------------------------------------


def test_keys_are_unique_and_not_null(con: duckdb.DuckDBPyConnection) -> None:
    for table, key in [
        ("tickets", "ticket_id"),
        ("ticket_events", "event_id"),
        ("csat_responses", "survey_id"),
        ("agents", "agent_id"),
        ("agent_shifts", "agent_id || shift_date"),
    ]:
        total, distinct, nulls = con.execute(
            f"select count(*), count(distinct {key}), count(*) - count({key}) from {table}"
        ).fetchone() or (0, 0, 0)
        assert total > 0 and total == distinct and nulls == 0, table


def test_enumerations_are_valid(con: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "channel": ("tickets", c.CONTRACT_CHANNELS),
        "priority": ("tickets", c.PRIORITIES),
        "customer_tier": ("tickets", c.TIERS),
        "region": ("tickets", c.REGIONS),
        "event_type": ("ticket_events", c.EVENT_TYPES),
        "author_type": ("ticket_events", c.AUTHOR_TYPES),
        "role": ("agents", c.ROLES),
    }
    for column, (table, values) in checks.items():
        bad = _one(
            con,
            f"select count(*) from {table} where {column} is null or {column} not in "
            f"({_quote(values)})",
        )
        assert bad == 0, column
    bad_status = _one(
        con,
        f"""select count(*) from ticket_events where event_type = 'status_change'
            and (old_value not in ({_quote(c.STATUSES)}) or new_value not in
              ({_quote(c.STATUSES)}))""",
    )
    assert bad_status == 0
    empty_open = _one(
        con,
        "select count(*) from tickets where coalesce(queue, '') = '' "
        "or coalesce(contact_reason, '') = '' or coalesce(branch, '') = '' or "
        "coalesce(requester_id, '') = ''",
    )
    assert empty_open == 0
    assert _one(con, f"select count(*) from agents where region not in ({_quote(c.REGIONS)})") == 0


def test_events_belong_to_tickets_and_lie_inside_their_life(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        _one(con, "select count(*) from ticket_events e anti join tickets t using (ticket_id)") == 0
    )
    assert (
        _one(con, "select count(*) from csat_responses s anti join tickets t using (ticket_id)")
        == 0
    )
    before = _one(
        con,
        "select count(*) from ticket_events e join tickets t using (ticket_id) where "
        "e.occurred_at < t.created_at",
    )
    assert before == 0
    assert _one(con, f"select count(*) from ticket_events where occurred_at >= '{END}'") == 0
    assert (
        _one(
            con,
            f"select count(*) from tickets where created_at < '{START}' or created_at >= '{END}'",
        )
        == 0
    )
    assert _one(con, "select count(*) from tickets t where updated_at < created_at") == 0
    stale = _one(
        con,
        """select count(*) from tickets t join (select ticket_id, max(occurred_at) m from
             ticket_events group by 1) e
           using (ticket_id) where t.updated_at <> e.m""",
    )
    assert stale == 0
    assert _one(con, "select count(*) from tickets anti join ticket_events using (ticket_id)") == 0


def test_event_columns_follow_the_message_rules(con: duckdb.DuckDBPyConnection) -> None:
    bad_message = _one(
        con,
        """select count(*) from ticket_events where event_type = 'message'
           and (is_public is null or is_auto_response is null or body_chars is null or body_chars
             <= 0
                or old_value is not null or new_value is not null)""",
    )
    assert bad_message == 0
    bad_other = _one(
        con,
        """select count(*) from ticket_events where event_type <> 'message'
           and (is_public is not null or is_auto_response is not null or macro_id is not null
                or body_chars is not null or new_value is null)""",
    )
    assert bad_other == 0
    assert (
        _one(
            con,
            "select count(*) from ticket_events where (author_type = 'agent') <> (author_id is "
            "not null)",
        )
        == 0
    )


def test_agent_authors_come_from_the_ticket_branch(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = _one(
        con,
        """select count(*) from ticket_events e join tickets t using (ticket_id)
           left join agents a on a.agent_id = e.author_id
           where e.author_type = 'agent' and (a.agent_id is null or a.branch <> t.branch)""",
    )
    assert mismatched == 0


def test_status_timeline_is_consistent(con: duckdb.DuckDBPyConnection) -> None:
    broken = _one(
        con,
        """select count(*) from (
             select old_value, coalesce(lag(new_value) over (partition by ticket_id
                    order by occurred_at, event_id), 'new') as previous
             from ticket_events where event_type = 'status_change')
           where old_value <> previous""",
    )
    assert broken == 0


def test_surveys_and_shifts_are_in_range(con: duckdb.DuckDBPyConnection) -> None:
    assert _one(con, "select count(*) from csat_responses where rating not between 1 and 5") == 0
    assert (
        _one(
            con,
            "select count(*) from csat_responses where (rating is null) <> (responded_at is null)",
        )
        == 0
    )
    assert _one(con, "select count(*) from csat_responses where responded_at < sent_at") == 0
    before_solve = _one(
        con,
        """select count(*) from csat_responses s where not exists (select 1 from ticket_events e
           where e.ticket_id = s.ticket_id and e.new_value = 'solved' and e.occurred_at <=
             s.sent_at)""",
    )
    assert before_solve == 0
    bad_minutes = _one(
        con,
        """select count(*) from agent_shifts where scheduled_minutes < 0 or adherent_minutes < 0
           or logged_in_minutes < 0 or adherent_minutes > scheduled_minutes""",
    )
    assert bad_minutes == 0
    assert _one(con, "select count(*) from agent_shifts where isodow(shift_date) > 5") == 0
    assert _one(con, "select avg(scheduled_minutes) from agent_shifts") == pytest.approx(
        480, abs=60
    )


def test_merged_duplicates_point_to_an_earlier_ticket_of_the_same_requester(
    con: duckdb.DuckDBPyConnection,
) -> None:
    merged = _one(con, "select count(*) from tickets where merged_into_ticket_id is not null")
    assert 0.008 < merged / 4000 < 0.025
    bad = _one(
        con,
        """select count(*) from tickets d left join tickets o on o.ticket_id =
             d.merged_into_ticket_id
           where d.merged_into_ticket_id is not null
           and (o.ticket_id is null or o.requester_id <> d.requester_id or o.created_at >=
             d.created_at)""",
    )
    assert bad == 0


# --- realism ------------------------------------------------------------------------------------


def test_mix_is_realistic(con: duckdb.DuckDBPyConnection) -> None:
    shares = dict(con.execute("select channel, count(*) / 4000 from tickets group by 1").fetchall())
    for channel, expected in zip(c.CONTRACT_CHANNELS, c.CHANNEL_WEIGHTS, strict=False):
        assert shares[channel] == pytest.approx(expected, abs=0.03), channel
    assert _one(con, "select avg((priority = 'p1')::int) from tickets") < 0.06
    assert 0.01 < _one(con, "select avg(is_internal_requester::int) from tickets") < 0.035
    ratio = _one(
        con, "select (select count(*) from ticket_events) / (select count(*) from tickets)"
    )
    assert 6.5 < ratio < 10
    regions = dict(con.execute("select region, count(*) from tickets group by 1").fetchall())
    assert regions["NA"] > regions["EMEA"] > regions["APAC"] > regions["LATAM"]
    # different speed per contact reason: billing disputes take longer than password resets
    slow, fast = (
        _one(
            con,
            f"""select median(epoch(s.occurred_at) - epoch(t.created_at)) from tickets t join
                  ticket_events s
                using (ticket_id) where s.new_value = 'solved' and t.contact_reason = '{reason}'""",
        )
        for reason in ("billing_dispute", "password_reset")
    )
    assert slow > 2 * fast


def test_seasonality_follows_local_time(con: duckdb.DuckDBPyConnection) -> None:
    by_day = dict(
        con.execute("select isodow(created_at), count(*) from tickets group by 1").fetchall()
    )
    assert by_day[1] > 2 * by_day[7]
    local = dict(
        con.execute(
            """select hour(timezone('Europe/Berlin', created_at::timestamptz)) h, count(*)
               from tickets where region = 'EMEA' group by 1"""
        ).fetchall()
    )
    assert local.get(10, 0) > 5 * local.get(3, 0)


# --- edge cases ---------------------------------------------------------------------------------


def _ticket_share(con: duckdb.DuckDBPyConnection, condition_sql: str) -> float:
    return (
        float(
            _one(
                con, f"select count(distinct ticket_id) from ticket_events e where {condition_sql}"
            )
        )
        / 4000
    )


def test_message_edge_cases_are_present(con: duckdb.DuckDBPyConnection) -> None:
    auto = _one(
        con,
        """select count(*), count(*) filter (where epoch(e.occurred_at) - epoch(t.created_at)
             between 1 and 60)
           from ticket_events e join tickets t using (ticket_id) where e.is_auto_response""",
    )
    assert auto > 500
    assert (
        _one(con, "select count(distinct author_type) from ticket_events where is_auto_response")
        == 2
    )
    within_minute = _one(
        con,
        """select bool_and(epoch(e.occurred_at) - epoch(t.created_at) <= 60)
           from ticket_events e join tickets t using (ticket_id) where e.is_auto_response""",
    )
    assert within_minute
    assert (
        _ticket_share(con, "event_type = 'message' and not is_public and author_type = 'agent'")
        > 0.05
    )
    assert _ticket_share(con, "author_type = 'bot'") > 0.1
    acks = con.execute(
        f"""select count(*), max(body_chars) from ticket_events
            where macro_id in ({_quote(c.ACK_MACROS)}) and is_public and author_type = 'agent'"""
    ).fetchone()
    assert acks is not None and acks[0] > 50 and acks[1] < 80
    short = _one(
        con,
        f"""select count(*) from ticket_events where author_type = 'agent' and is_public
            and not is_auto_response and body_chars < 80
            and (macro_id is null or macro_id not in ({_quote(c.ACK_MACROS)}))""",
    )
    assert short > 100
    # acknowledgements come before the real reply
    late_ack = _one(
        con,
        f"""select count(*) from ticket_events a join ticket_events r using (ticket_id)
            where a.macro_id in ({_quote(c.ACK_MACROS)}) and r.author_type = 'agent' and r.is_public
            and not r.is_auto_response and r.macro_id is null and r.occurred_at < a.occurred_at""",
    )
    assert late_ack == 0


def test_outbound_tickets_are_present(con: duckdb.DuckDBPyConnection) -> None:
    outbound = _one(
        con,
        """select count(*) from (select ticket_id, arg_min(author_type, (occurred_at, event_id))
             first_author
           from ticket_events where event_type = 'message' and is_public group by 1) where
             first_author = 'agent'""",
    )
    assert 0.015 < outbound / 4000 < 0.05


def test_status_edge_cases_are_present(con: duckdb.DuckDBPyConnection) -> None:
    assert _ticket_share(con, "new_value = 'pending'") > 0.15
    several = _one(
        con,
        """select count(*) from (select ticket_id from ticket_events where new_value = 'pending'
           and event_type = 'status_change' group by 1 having count(*) >= 2)""",
    )
    assert several > 20
    assert _ticket_share(con, "new_value = 'on_hold'") > 0.005
    reopens = con.execute(
        """with s as (select ticket_id, occurred_at, new_value, old_value,
                  max(case when new_value = 'solved' then occurred_at end) over (partition by
                    ticket_id
                      order by occurred_at, event_id rows between unbounded preceding and 1
                        preceding) last_solve
               from ticket_events where event_type = 'status_change')
           select count(*) filter (where occurred_at - last_solve <= interval 14 days),
                  count(*) filter (where occurred_at - last_solve > interval 14 days)
           from s where old_value = 'solved' and new_value in ('open', 'pending', 'new',
             'on_hold')"""
    ).fetchone()
    assert reopens is not None and reopens[0] > 30 and reopens[1] > 3
    never_solved_closed = _one(
        con,
        """select count(*) from (select ticket_id from ticket_events where event_type =
             'status_change'
           group by 1 having bool_or(new_value = 'closed') and not bool_or(new_value =
             'solved'))""",
    )
    assert never_solved_closed > 40
    unresolved = _one(
        con,
        """select count(*) from tickets left join (select ticket_id,
             arg_max(new_value, (occurred_at, event_id)) last_status from ticket_events
             where event_type = 'status_change' group by 1) using (ticket_id)
           where coalesce(last_status, 'new') not in ('solved', 'closed')""",
    )
    assert unresolved > 20


def test_routing_edge_cases_and_ties_are_present(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        _one(
            con,
            "select count(*) from ticket_events where event_type = 'queue_change' and old_value "
            "= new_value",
        )
        > 0
    )
    assert (
        _one(
            con,
            "select count(*) from ticket_events where event_type = 'queue_change' and old_value "
            "<> new_value",
        )
        > 100
    )
    assert _one(con, "select count(*) from ticket_events where event_type = 'priority_change'") > 50
    assert _one(con, "select count(*) from ticket_events where event_type = 'escalation'") > 100
    ties = _one(
        con,
        """select count(distinct ticket_id) from (select ticket_id, occurred_at from ticket_events
           group by 1, 2 having count(*) > 1)""",
    )
    assert 1 <= ties <= 40  # ~0.3% of 4,000 tickets


def test_requesters_come_back(con: duckdb.DuckDBPyConnection) -> None:
    repeat = _one(
        con,
        """with solved as (select ticket_id, min(occurred_at) solved_at from ticket_events
                          where new_value = 'solved' group by 1)
           select count(distinct a.ticket_id) from tickets a join solved s using (ticket_id)
           join tickets b on b.requester_id = a.requester_id and b.contact_reason = a.contact_reason
             and b.ticket_id <> a.ticket_id and b.created_at > s.solved_at
             and b.created_at <= s.solved_at + interval 7 days""",
    )
    assert repeat > 40
    assert _one(con, "select count(*) - count(distinct requester_id) from tickets") > 400


def test_csat_volumes_and_correlation(con: duckdb.DuckDBPyConnection) -> None:
    solved = _one(
        con, "select count(distinct ticket_id) from ticket_events where new_value = 'solved'"
    )
    sent, answered = con.execute(
        "select count(*), count(rating) from csat_responses"
    ).fetchone() or (0, 0)
    assert 0.55 < sent / solved < 0.85
    assert 0.22 < answered / sent < 0.38
    reopened, other = (
        _one(
            con,
            f"""select avg(rating) from csat_responses s where rating is not null and {neg} exists
                (select 1 from ticket_events e where e.ticket_id = s.ticket_id and e.old_value =
                  'solved'
                 and e.new_value = 'open')""",
        )
        for neg in ("", "not")
    )
    assert reopened < other - 0.5


# --- scenarios ----------------------------------------------------------------------------------

SCEN_TICKETS = 6000


@pytest.fixture(scope="module")
def scenario_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    runs: dict[str, Path] = {}
    for name, scen in [
        ("clean", []),
        ("coverage_gap", ["coverage_gap"]),
        ("coverage_gap_vanish", ["coverage_gap_vanish"]),
        ("branch_simpson", ["branch_simpson"]),
    ]:
        out = tmp_path_factory.mktemp(name)
        generate(out, tickets=SCEN_TICKETS, seed=5, start=START, weeks=WEEKS, scenarios=scen)
        runs[name] = out
    return runs


def _weekly(directory: Path, where: str = "true") -> dict[date, int]:
    con = _connect(directory)
    rows = con.execute(
        f"select date_trunc('week', created_at)::date w, count(*) from tickets where {where} "
        f"group by 1"
    ).fetchall()
    return dict(rows)


def test_registry_lists_the_scenarios() -> None:
    assert {"coverage_gap", "coverage_gap_vanish", "branch_simpson"} <= set(SCENARIOS)
    for cls in SCENARIOS.values():
        assert cls.__doc__ and cls.name in cls.__doc__


def test_clean_data_has_no_messaging(scenario_runs: dict[str, Path]) -> None:
    assert _weekly(scenario_runs["clean"], "channel = 'messaging'") == {}


def test_coverage_gap_marks_a_quarter_of_one_week_as_messaging(
    scenario_runs: dict[str, Path],
) -> None:
    gap_week = START + timedelta(weeks=WEEKS - 3)
    messaging = _weekly(scenario_runs["coverage_gap"], "channel = 'messaging'")
    assert list(messaging) == [gap_week]
    total = _weekly(scenario_runs["coverage_gap"])
    assert messaging[gap_week] / total[gap_week] == pytest.approx(0.23, abs=0.035)
    # the true total is unchanged: same weekly volume as the clean run
    assert total == _weekly(scenario_runs["clean"])
    con = _connect(scenario_runs["coverage_gap"])
    chat_like = _one(
        con,
        """select avg((exists (select 1 from ticket_events e where e.ticket_id = t.ticket_id
                      and e.author_type = 'bot'))::int) from tickets t where channel =
                        'messaging'""",
    )
    assert chat_like > 0.9
    waits = dict(
        con.execute(
            """select t.channel, median(epoch(e.occurred_at) - epoch(t.created_at)) from tickets t
               join ticket_events e using (ticket_id) where e.author_type = 'agent' and e.is_public
               and not e.is_auto_response and e.event_id = (select min(event_id) from
                 ticket_events x
                 where x.ticket_id = t.ticket_id and x.author_type = 'agent' and x.is_public
                 and not x.is_auto_response)
               group by 1"""
        ).fetchall()
    )
    assert waits["messaging"] == max(waits.values())
    # the counted first-response median of the gap week looks better than the true one
    counted, true = (
        _one(
            con,
            f"""with f as (select ticket_id, min(occurred_at) fr from ticket_events
                 where author_type = 'agent' and is_public and not is_auto_response group by 1)
               select median(epoch(fr) - epoch(created_at)) from tickets join f using (ticket_id)
               where date_trunc('week', created_at) = '{gap_week}' and channel in ({channels})""",
        )
        for channels in (
            "'email', 'web_form', 'chat', 'social'",
            "'email', 'web_form', 'chat', 'social', 'messaging'",
        )
    )
    assert counted < 0.9 * true


def test_coverage_gap_week_follows_the_period() -> None:
    from metric_ledger.synth.plan import Plan

    first, last = CoverageGap.week_bounds(Plan(tickets=10, seed=0, start=START, weeks=6))
    assert datetime.fromtimestamp(first, tz=UTC).replace(tzinfo=None) == datetime(2026, 1, 26)
    assert last - first == 7 * 86_400


def test_coverage_gap_vanish_drops_the_week_volume(scenario_runs: dict[str, Path]) -> None:
    gap_week = START + timedelta(weeks=WEEKS - 3)
    clean = _weekly(scenario_runs["clean"])
    vanish = _weekly(scenario_runs["coverage_gap_vanish"])
    assert vanish[gap_week] / clean[gap_week] == pytest.approx(0.77, abs=0.035)
    assert {w: n for w, n in vanish.items() if w != gap_week} == {
        w: n for w, n in clean.items() if w != gap_week
    }
    con = _connect(scenario_runs["coverage_gap_vanish"])
    assert _one(con, "select count(*) from tickets where channel = 'messaging'") == 0
    assert _one(con, "select count(*) from ticket_events anti join tickets using (ticket_id)") == 0
    assert _one(con, "select count(*) from csat_responses anti join tickets using (ticket_id)") == 0
    dangling = _one(
        con,
        """select count(*) from tickets d where merged_into_ticket_id is not null
           and merged_into_ticket_id not in (select ticket_id from tickets)""",
    )
    assert dangling == 0


def _branch_stats(directory: Path) -> dict[tuple[str, str], tuple[int, float]]:
    con = _connect(directory)
    rows = con.execute(
        """select t.branch, case when t.contact_reason = 'billing_dispute' then 'billing' else
             'other' end,
                  count(*), avg(epoch(s.resolved_at) - epoch(t.created_at)) / 3600
           from tickets t join (select ticket_id, max(occurred_at) filter (where new_value =
             'solved') resolved_at
                  from ticket_events group by 1) s using (ticket_id)
           where not t.is_internal_requester and t.merged_into_ticket_id is null
             and s.resolved_at is not null and t.branch in ('east', 'west')
           group by all"""
    ).fetchall()
    return {(b, r): (int(n), float(h)) for b, r, n, h in rows}


def test_branch_simpson_reverses_the_ranking(scenario_runs: dict[str, Path]) -> None:
    stats = _branch_stats(scenario_runs["branch_simpson"])
    con = _connect(scenario_runs["branch_simpson"])
    volume = dict(con.execute("select branch, count(*) from tickets group by 1").fetchall())
    assert volume["east"] / volume["west"] == pytest.approx(1000 / 600, rel=0.12)
    billing = dict(
        con.execute(
            "select branch, avg((contact_reason = 'billing_dispute')::int) from tickets group by 1"
        ).fetchall()
    )
    assert billing["east"] == pytest.approx(0.40, abs=0.04)
    assert billing["west"] == pytest.approx(0.10, abs=0.03)

    def overall(branch: str) -> float:
        (n_b, h_b), (n_o, h_o) = stats[(branch, "billing")], stats[(branch, "other")]
        return (n_b * h_b + n_o * h_o) / (n_b + n_o)

    assert overall("east") == pytest.approx(18.0, abs=1.5)
    assert overall("west") == pytest.approx(14.0, abs=1.5)
    assert stats[("east", "other")][1] == pytest.approx(10.0, abs=1.0)
    assert stats[("west", "other")][1] == pytest.approx(12.0, abs=1.0)
    assert stats[("east", "other")][1] < stats[("west", "other")][1]
    no_pending = _one(
        con,
        """select count(*) from ticket_events e join tickets t using (ticket_id)
           where t.branch in ('east', 'west') and e.new_value in ('pending', 'on_hold')""",
    )
    assert no_pending == 0
    # the clean data has neither the mix gap nor the engineered speeds
    clean = _connect(scenario_runs["clean"])
    clean_billing = dict(
        clean.execute(
            "select branch, avg((contact_reason = 'billing_dispute')::int) from tickets group by 1"
        ).fetchall()
    )
    assert abs(clean_billing["east"] - clean_billing["west"]) < 0.15
    assert _one(clean, "select count(*) from ticket_events where new_value = 'pending'") > 0


def test_scenarios_combine_and_keep_contract_clean_except_channel(tmp_path: Path) -> None:
    generate(tmp_path, tickets=3000, seed=9, scenarios=["branch_simpson", "coverage_gap"])
    con = _connect(tmp_path)
    assert _one(con, "select count(*) from tickets where channel = 'messaging'") > 20
    assert (
        _one(
            con,
            "select count(*) from ticket_events e join tickets t using (ticket_id) where "
            "e.occurred_at < t.created_at",
        )
        == 0
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tickets": 0}, "--tickets"),
        ({"tickets": -3}, "--tickets"),
        ({"weeks": 0}, "--weeks"),
        ({"seed": -1}, "--seed"),
        ({"scenarios": ["nope"]}, "unknown scenario 'nope'"),
        ({"scenarios": ["coverage_gap", "coverage_gap_vanish"]}, "cannot be combined"),
    ],
)
def test_library_rejects_bad_arguments(
    tmp_path: Path, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(SynthArgumentError, match=message):
        generate(tmp_path, **{"tickets": 100, **kwargs})
    assert not any(tmp_path.iterdir())


# --- CLI ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--tickets", "0"], "--tickets"),
        (["--tickets", "-5"], "--tickets"),
        (["--tickets", "many"], "--tickets"),
        (["--weeks", "0"], "--weeks"),
        (["--scenario", "bogus"], "bogus"),
        (["--start", "2026-13-01"], "--start"),
        (["--start", "next monday"], "--start"),
        (["--unknown-flag"], "unknown-flag"),
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "out"), "--tickets", "50", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


def test_cli_generates_and_prints_one_line(tmp_path: Path) -> None:
    out = tmp_path / "export"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            str(out),
            "--tickets",
            "300",
            "--seed",
            "4",
            "--weeks",
            "2",
            "--start",
            "2026-03-02",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "tickets=300" in lines[0] and "ticket_events=" in lines[0]
    con = _connect(out)
    first, last = con.execute(
        "select min(created_at), max(created_at) from tickets"
    ).fetchone() or (None, None)
    assert first >= datetime(2026, 3, 2) and last < datetime(2026, 3, 16)


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "metric_ledger.synth",
            str(tmp_path),
            "--tickets",
            "200",
            "--seed",
            "4",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "tickets=200" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "metric_ledger.synth", str(tmp_path), "--tickets", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
