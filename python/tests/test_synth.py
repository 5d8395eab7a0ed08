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
from metric_ledger.synth import (
    EDGES,
    SCENARIOS,
    GenerationSummary,
    SynthArgumentError,
    edge_names,
    generate,
    generate_edge,
)
from metric_ledger.synth import constants as c
from metric_ledger.synth.edges import AllQuarantined, resolve_edge
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


# --- scenarios: the remaining failure modes of scenarios.md -------------------------------------

NEW_TICKETS = 20_000
BACKLOG_TICKETS = 200_000  # the enterprise x EMEA x email slice is ~1% of contacts
WINDOW = 8  # first week index of the default "last 4 weeks" window (of 12)
SHIFT = 6  # mix_shift's first "April" week (weeks // 2)
ACK_LIST = _quote(c.ACK_MACROS)
AGENT_REPLY = (
    "event_type = 'message' and author_type = 'agent' and is_public and not is_auto_response"
)
#: per-ticket facts from the raw events, following metric-definitions.md (included tickets)
FACTS_SQL = f"""
create or replace temp table facts as
with replies as (
    select ticket_id,
           min(occurred_at) filter (where {AGENT_REPLY}) as fr,
           min(occurred_at) filter (where {AGENT_REPLY} and body_chars >= 80
                                    and (macro_id is null or macro_id not in ({ACK_LIST}))) as fmr,
           count(*) filter (where {AGENT_REPLY}) as replies,
           arg_min(author_type, (occurred_at, event_id))
               filter (where event_type = 'message' and is_public) as first_author
    from ticket_events group by 1),
changes as (
    select ticket_id, occurred_at, new_value,
           lag(new_value) over (partition by ticket_id order by occurred_at, event_id) as prev,
           max(case when new_value = 'solved' then occurred_at end) over (
               partition by ticket_id order by occurred_at, event_id
               rows between unbounded preceding and 1 preceding) as last_solve
    from ticket_events where event_type = 'status_change'),
statuses as (
    select ticket_id,
           min(occurred_at) filter (where new_value = 'solved') as first_solved,
           max(occurred_at) filter (where new_value = 'solved') as last_solved,
           bool_or(prev = 'solved' and new_value in ('new', 'open', 'pending', 'on_hold')
                   and occurred_at <= last_solve + interval 14 days) as reopened
    from changes group by 1)
select t.*, r.fr, r.fmr, coalesce(r.replies, 0) as replies,
       coalesce(r.first_author = 'agent', false) as outbound,
       s.first_solved, s.last_solved, coalesce(s.reopened, false) as reopened
from tickets t left join replies r using (ticket_id) left join statuses s using (ticket_id)
where not t.is_internal_requester and t.merged_into_ticket_id is null
"""


def _week(index: int) -> date:
    return START + timedelta(weeks=index)


def _facts(directory: Path) -> duckdb.DuckDBPyConnection:
    con = _connect(directory)
    con.execute(FACTS_SQL)
    return con


def _between(lo: int, hi: int, column: str = "created_at") -> str:
    """SQL condition: `column` in weeks [lo, hi) of the period."""
    return f"{column} >= '{_week(lo)}' and {column} < '{_week(hi)}'"


@pytest.fixture(scope="module")
def new_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    runs: dict[str, Path] = {}
    for name in (
        "clean",
        "macro_gaming",
        "reopen_inflation",
        "mix_shift",
        "severity_downgrade",
        "response_rate_collapse",
        "definition_change",
    ):
        out = tmp_path_factory.mktemp(f"new_{name}")
        scen = [] if name == "clean" else [name]
        generate(out, tickets=NEW_TICKETS, seed=5, start=START, weeks=WEEKS, scenarios=scen)
        runs[name] = out
    return runs


def test_registry_has_every_scenario_of_the_design() -> None:
    assert set(SCENARIOS) == {
        "coverage_gap",
        "coverage_gap_vanish",
        "branch_simpson",
        "macro_gaming",
        "reopen_inflation",
        "mix_shift",
        "definition_change",
        "severity_downgrade",
        "response_rate_collapse",
        "backlog_aging",
    }
    for name in ("macro_gaming", "reopen_inflation", "severity_downgrade"):
        assert "WEEKS_FROM_END" in (SCENARIOS[name].__doc__ or ""), name
    for name in ("response_rate_collapse", "backlog_aging"):
        assert "WEEKS_FROM_END" in (SCENARIOS[name].__doc__ or ""), name


def _response_medians(con: duckdb.DuckDBPyConnection, lo: int, hi: int) -> tuple[float, float]:
    """Median minutes to the first reply and to the first meaningful reply, weeks [lo, hi)."""
    row = con.execute(
        f"""select median(epoch(fr) - epoch(created_at)) / 60, median(epoch(fmr) -
                   epoch(created_at)) / 60
            from facts where channel in ('email', 'web_form', 'chat', 'social') and not outbound
            and {_between(lo, hi)}"""
    ).fetchone()
    assert row is not None
    return float(row[0]), float(row[1])


def test_macro_gaming_speeds_up_first_response_only(new_runs: dict[str, Path]) -> None:
    con, clean = _facts(new_runs["macro_gaming"]), _facts(new_runs["clean"])
    frt_before, fmr_before = _response_medians(con, 0, WINDOW)
    frt_after, fmr_after = _response_medians(con, WINDOW, WEEKS - 1)  # last week: censored
    assert frt_after < 0.1 * frt_before and frt_after < 6
    assert fmr_after > 0.85 * fmr_before
    # against the clean run: the same weeks, the same real replies
    clean_frt, clean_fmr = _response_medians(clean, WINDOW, WEEKS)
    frt_window, fmr_window = _response_medians(con, WINDOW, WEEKS)
    assert frt_window < 0.1 * clean_frt
    assert fmr_window == pytest.approx(clean_fmr, rel=0.03)
    assert _response_medians(con, 0, WINDOW) == _response_medians(clean, 0, WINDOW)
    # the clean data shows no such drop
    clean_before, _ = _response_medians(clean, 0, WINDOW)
    clean_after, _ = _response_medians(clean, WINDOW, WEEKS - 1)
    assert clean_after > 0.7 * clean_before
    # the new first replies are acknowledgement macros sent by agents within five minutes
    acks = con.execute(
        f"""select count(*) filter (where epoch(e.occurred_at) - epoch(t.created_at) <= 300),
                   max(e.body_chars), count(distinct e.macro_id)
            from facts t join ticket_events e using (ticket_id)
            where {_between(WINDOW, WEEKS, "t.created_at")} and e.occurred_at = t.fr
            and e.macro_id in ({ACK_LIST}) and e.author_type = 'agent'
            and e.author_id is not null and e.is_public and not e.is_auto_response"""
    ).fetchone()
    window_contacts = _one(
        con,
        f"""select count(*) from facts where {_between(WINDOW, WEEKS)} and not outbound
            and channel in ('email', 'web_form', 'chat', 'social')""",
    )
    assert acks is not None and acks[0] > 0.75 * window_contacts
    assert acks[1] < 80 and acks[2] == len(c.ACK_MACROS)
    fast_before = _one(
        clean,
        f"""select count(*) from facts where {_between(WINDOW, WEEKS)} and not outbound
            and channel in ('email', 'web_form', 'social')
            and fr <= created_at + interval 5 minutes""",
    )
    assert fast_before < 0.05 * window_contacts


def _rates(con: duckdb.DuckDBPyConnection, lo: int, hi: int) -> tuple[float, float]:
    """(reopened share of first-solved tickets, one-touch share of solved), created in [lo, hi)."""
    row = con.execute(
        f"""select avg(reopened::int), avg((replies = 1)::int) from facts
            where first_solved is not null and {_between(lo, hi)}"""
    ).fetchone()
    assert row is not None
    return float(row[0]), float(row[1])


def test_macro_gaming_moves_reopens_and_one_touch(new_runs: dict[str, Path]) -> None:
    con, clean = _facts(new_runs["macro_gaming"]), _facts(new_runs["clean"])
    reopen, one_touch = _rates(con, WINDOW, WINDOW + 2)
    clean_reopen, clean_one_touch = _rates(clean, WINDOW, WINDOW + 2)
    assert reopen > clean_reopen + 0.025
    assert one_touch < clean_one_touch - 0.2
    assert _rates(con, 0, WINDOW) == _rates(clean, 0, WINDOW)


def test_reopen_inflation_halves_resolution_and_more_than_doubles_reopens(
    new_runs: dict[str, Path],
) -> None:
    con = _facts(new_runs["reopen_inflation"])

    def resolution_hours(lo: int, hi: int) -> float:
        return float(
            _one(
                con,
                f"""select median(epoch(last_solved) - epoch(created_at)) / 3600 from facts
                    where last_solved is not null and {_between(lo, hi)}""",
            )
        )

    assert resolution_hours(1, WINDOW) == pytest.approx(48, rel=0.1)
    assert resolution_hours(WINDOW, WINDOW + 2) == pytest.approx(24, rel=0.12)
    reopen_before, _ = _rates(con, 1, WINDOW)
    reopen_after, _ = _rates(con, WINDOW, WINDOW + 2)  # later ones may come back after the end
    assert reopen_before == pytest.approx(0.06, abs=0.015)
    assert reopen_after == pytest.approx(0.14, abs=0.03)
    # the reopens are solved -> open within 14 days of the solve; no pending time pauses the clock
    assert _one(con, "select count(*) from ticket_events where new_value = 'pending'") == 0
    clean = _facts(new_runs["clean"])
    clean_before, _ = _rates(clean, 1, WINDOW)
    clean_after, _ = _rates(clean, WINDOW, WINDOW + 2)
    assert clean_after < clean_before + 0.02 and clean_after < 0.08
    assert (
        _one(
            clean,
            "select median(epoch(last_solved) - epoch(created_at)) / 3600 from facts "
            "where last_solved is not null",
        )
        < 12
    )


def _csat_by_reason(
    con: duckdb.DuckDBPyConnection, lo: int, hi: int
) -> dict[str, tuple[int, float]]:
    """Per contact reason group: (answered, satisfied share), answered in weeks [lo, hi)."""
    rows = con.execute(
        f"""select case when contact_reason in ('password_reset', 'billing_dispute')
                        then contact_reason else 'other' end, count(*), avg((rating >= 4)::int)
            from csat_responses join facts using (ticket_id)
            where rating is not null and {_between(lo, hi, "responded_at")} group by 1"""
    ).fetchall()
    return {r: (int(n), float(s)) for r, n, s in rows}


def _overall(stats: dict[str, tuple[int, float]]) -> float:
    return sum(n * s for n, s in stats.values()) / sum(n for n, _ in stats.values())


def test_mix_shift_drops_csat_through_mix_alone(new_runs: dict[str, Path]) -> None:
    con = _facts(new_runs["mix_shift"])
    shares = {
        period: con.execute(
            f"""select avg((contact_reason = 'password_reset')::int),
                       avg((contact_reason = 'billing_dispute')::int) from facts
                where {_between(lo, hi)}"""
        ).fetchone()
        for period, (lo, hi) in {"march": (0, SHIFT), "april": (SHIFT, WEEKS)}.items()
    }
    assert shares["march"] is not None and shares["april"] is not None
    assert shares["march"][0] == pytest.approx(0.60, abs=0.03)
    assert shares["april"][1] == pytest.approx(0.40, abs=0.03)
    assert shares["april"][0] < 0.35 and shares["march"][1] < 0.1
    march, april = _csat_by_reason(con, 0, SHIFT), _csat_by_reason(con, SHIFT + 1, WEEKS)
    assert _overall(march) == pytest.approx(0.92, abs=0.02)
    assert _overall(april) == pytest.approx(0.86, abs=0.02)
    for reason in ("password_reset", "other"):
        assert april[reason][1] == pytest.approx(march[reason][1], abs=0.03), reason
    assert april["billing_dispute"][1] == pytest.approx(march["billing_dispute"][1], abs=0.08)
    # the April CSAT predicted from March's per-reason CSAT and April's mix is the actual one
    total = sum(n for n, _ in april.values())
    predicted = sum(n / total * march[r][1] for r, (n, _) in april.items())
    assert predicted == pytest.approx(_overall(april), abs=0.02)
    clean = _facts(new_runs["clean"])
    clean_march, clean_april = (
        _csat_by_reason(clean, 0, SHIFT),
        _csat_by_reason(clean, SHIFT, WEEKS),
    )
    assert abs(_overall(clean_march) - _overall(clean_april)) < 0.03
    assert _one(clean, "select avg((contact_reason = 'password_reset')::int) from facts") < 0.3


def test_definition_change_leaves_the_data_unchanged(new_runs: dict[str, Path]) -> None:
    for name in TABLE_NAMES:
        a = (new_runs["clean"] / f"{name}.parquet").read_bytes()
        b = (new_runs["definition_change"] / f"{name}.parquet").read_bytes()
        assert a == b, name


def test_severity_downgrade_moves_east_p1_to_p2(new_runs: dict[str, Path]) -> None:
    scen, clean = _connect(new_runs["severity_downgrade"]), _connect(new_runs["clean"])
    query = """select branch, created_at >= '{w}' as late, priority, count(*) from tickets
               group by all order by all"""
    counts = {
        name: {
            (b, late, p): n
            for b, late, p, n in con.execute(query.format(w=_week(WINDOW))).fetchall()
        }
        for name, con in (("scen", scen), ("clean", clean))
    }
    s, k = counts["scen"], counts["clean"]
    relabelled = 1 - s[("east", True, "p1")] / k[("east", True, "p1")]
    assert 0.4 < relabelled < 0.8
    assert (
        s[("east", True, "p2")] - k[("east", True, "p2")]
        == k[("east", True, "p1")] - s[("east", True, "p1")]
    )
    for key in set(s) | set(k):
        branch, late, priority = key
        if branch != "east" or not late or priority not in ("p1", "p2"):
            assert s.get(key) == k.get(key), key
    # total volume of East (per week) does not move
    assert _weekly(new_runs["severity_downgrade"], "branch = 'east'") == _weekly(
        new_runs["clean"], "branch = 'east'"
    )
    # without the scenario East's p1 share holds
    before = k[("east", False, "p1")] / sum(
        n for (b, late, _), n in k.items() if b == "east" and not late
    )
    after = k[("east", True, "p1")] / sum(
        n for (b, late, _), n in k.items() if b == "east" and late
    )
    assert after > 0.6 * before


def _survey_rates(con: duckdb.DuckDBPyConnection, lo: int, hi: int) -> tuple[float, float, int]:
    """(answered / sent, satisfied / answered, sent) for surveys sent in weeks [lo, hi)."""
    row = con.execute(
        f"""select count(rating) / count(*), avg((rating >= 4)::int), count(*)
            from csat_responses where {_between(lo, hi, "sent_at")}"""
    ).fetchone()
    assert row is not None
    return float(row[0]), float(row[1]), int(row[2])


def test_response_rate_collapse_lifts_csat_as_answers_dry_up(new_runs: dict[str, Path]) -> None:
    con, clean = _connect(new_runs["response_rate_collapse"]), _connect(new_runs["clean"])
    rate_before, csat_before, sent_before = _survey_rates(con, 0, WINDOW)
    rate_after, csat_after, sent_after = _survey_rates(con, WINDOW, WEEKS)
    assert rate_before == pytest.approx(0.30, abs=0.02)
    assert csat_before == pytest.approx(0.88, abs=0.02)
    assert rate_after == pytest.approx(0.12, abs=0.02)
    assert csat_after == pytest.approx(0.93, abs=0.025)
    assert csat_after > csat_before + 0.025
    # surveys still go out as before
    clean_before, _, clean_sent_before = _survey_rates(clean, 0, WINDOW)
    clean_after, clean_csat_after, clean_sent_after = _survey_rates(clean, WINDOW, WEEKS)
    assert (sent_before, sent_after) == (clean_sent_before, clean_sent_after)
    assert clean_after > 0.26 and abs(clean_after - clean_before) < 0.03
    assert clean_csat_after < 0.88
    assert (
        _one(
            con,
            "select count(*) from csat_responses where (rating is null) <> (responded_at is null)",
        )
        == 0
    )


BACKLOG_SLICE = "customer_tier = 'enterprise' and region = 'EMEA' and channel = 'email'"
#: open tickets of the slice at each day's end (23:59:59), and those older than 72 h
BACKLOG_SQL = f"""
with t as (
    select ticket_id, created_at from tickets
    where not is_internal_requester and merged_into_ticket_id is null and {BACKLOG_SLICE}),
changes as (
    select e.ticket_id, e.occurred_at, e.new_value,
           lead(e.occurred_at) over (partition by e.ticket_id order by e.occurred_at, e.event_id)
               as next_at,
           row_number() over (partition by e.ticket_id order by e.occurred_at, e.event_id) as n
    from ticket_events e semi join t using (ticket_id) where e.event_type = 'status_change'),
intervals as (
    select t.ticket_id, t.created_at, t.created_at as open_from, c.occurred_at as open_until
    from t left join changes c on c.ticket_id = t.ticket_id and c.n = 1
    union all
    select c.ticket_id, t.created_at, c.occurred_at, c.next_at
    from changes c join t using (ticket_id)
    where c.new_value in ('new', 'open', 'pending', 'on_hold')),
days as (
    select unnest(generate_series(date '{START}', date '{END.date() - timedelta(days=1)}',
                                  interval 1 day)) + interval 86399 second as day_end)
select day_end::date, count(*) as open,
       count(*) filter (where epoch(day_end) - epoch(created_at) > 72 * 3600) as old
from days join intervals on open_from <= day_end and (open_until is null or open_until > day_end)
group by 1 order by 1
"""


@pytest.fixture(scope="module")
def backlog_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    runs: dict[str, Path] = {}
    for name, scen in (("clean", []), ("backlog_aging", ["backlog_aging"])):
        out = tmp_path_factory.mktemp(f"backlog_{name}")
        generate(out, tickets=BACKLOG_TICKETS, seed=5, start=START, weeks=WEEKS, scenarios=scen)
        runs[name] = out
    return runs


def _backlog(directory: Path) -> dict[date, tuple[int, int]]:
    con = _connect(directory)
    return {d: (int(n), int(old)) for d, n, old in con.execute(BACKLOG_SQL).fetchall()}


def _weekly_backlog(daily: dict[date, tuple[int, int]], week: int) -> tuple[float, float]:
    days = [daily.get(_week(week) + timedelta(days=i), (0, 0)) for i in range(7)]
    return sum(n for n, _ in days) / 7, sum(old for _, old in days) / 7


def test_backlog_aging_grows_the_old_bucket_while_the_backlog_stays_flat(
    backlog_runs: dict[str, Path],
) -> None:
    daily = _backlog(backlog_runs["backlog_aging"])
    sundays = [daily[_week(w) + timedelta(days=6)][1] for w in range(WINDOW, WEEKS)]
    assert sundays[-3] < sundays[-2] < sundays[-1], sundays  # three weeks of growth at the end
    assert sundays[0] < sundays[-3]
    weekly = [_weekly_backlog(daily, w) for w in range(WEEKS)]
    baseline = sum(n for n, _ in weekly[1:WINDOW]) / (WINDOW - 1)
    for total, _ in weekly[WINDOW:]:
        assert total == pytest.approx(baseline, rel=0.2)
    assert max(old / total for total, old in weekly[1:WINDOW]) < 0.05
    end_total, end_old = weekly[-1]
    assert 0.07 < end_old / end_total < 0.3
    # the aging tickets are never solved; the clean slice has none and an old bucket that
    # does not grow three weeks in a row
    never = f"""select count(*) from tickets t where {BACKLOG_SLICE}
                and merged_into_ticket_id is null and created_at < '{_week(WEEKS - 1)}'
                and not exists (select 1 from ticket_events e where e.ticket_id = t.ticket_id
                                and e.new_value in ('solved', 'closed'))"""
    assert _one(_connect(backlog_runs["backlog_aging"]), never) >= 4
    assert _one(_connect(backlog_runs["clean"]), never) == 0
    base_old = sum(old for _, old in weekly[1:WINDOW]) / (WINDOW - 1)
    assert end_old > 4 * base_old
    clean = _backlog(backlog_runs["clean"])
    clean_weekly = [_weekly_backlog(clean, w) for w in range(WEEKS)]
    clean_base_old = sum(old for _, old in clean_weekly[1:WINDOW]) / (WINDOW - 1)
    assert clean_weekly[-1][1] < 2 * clean_base_old


def _contract_violations(
    directory: Path, channels: tuple[str, ...], end: datetime = END
) -> dict[str, int]:
    con = _connect(directory)
    checks = {
        "ticket key": "select count(*) - count(distinct ticket_id) from tickets",
        "event key": "select count(*) - count(distinct event_id) from ticket_events",
        "survey key": "select count(*) - count(distinct survey_id) from csat_responses",
        "ticket enums": f"""select count(*) from tickets where channel not in ({_quote(channels)})
            or priority not in ({_quote(c.PRIORITIES)}) or customer_tier not in
            ({_quote(c.TIERS)}) or region not in ({_quote(c.REGIONS)})""",
        "event enums": f"""select count(*) from ticket_events where event_type not in
            ({_quote(c.EVENT_TYPES)}) or author_type not in ({_quote(c.AUTHOR_TYPES)})
            or (event_type = 'status_change' and (old_value not in ({_quote(c.STATUSES)})
                or new_value not in ({_quote(c.STATUSES)})))""",
        "orphan events": "select count(*) from ticket_events anti join tickets using (ticket_id)",
        "orphan surveys": "select count(*) from csat_responses anti join tickets using (ticket_id)",
        "event before created": """select count(*) from ticket_events e join tickets t
            using (ticket_id) where e.occurred_at < t.created_at""",
        "event after end": f"select count(*) from ticket_events where occurred_at >= '{end}'",
        "updated_at": """select count(*) from tickets t join (select ticket_id, max(occurred_at) m
            from ticket_events group by 1) e using (ticket_id) where t.updated_at <> e.m""",
        "message rules": """select count(*) from ticket_events where (event_type = 'message'
            and (is_public is null or is_auto_response is null or body_chars is null
                 or body_chars <= 0 or old_value is not null or new_value is not null))
            or (event_type <> 'message' and (is_public is not null or is_auto_response is not null
                 or macro_id is not null or body_chars is not null or new_value is null))
            or ((author_type = 'agent') <> (author_id is not null))""",
        "author branch": """select count(*) from ticket_events e join tickets t using (ticket_id)
            left join agents a on a.agent_id = e.author_id where e.author_type = 'agent'
            and (a.agent_id is null or a.branch <> t.branch)""",
        "status timeline": """select count(*) from (select old_value, coalesce(lag(new_value)
            over (partition by ticket_id order by occurred_at, event_id), 'new') as previous
            from ticket_events where event_type = 'status_change') where old_value <> previous""",
        "surveys": """select count(*) from csat_responses where rating not between 1 and 5
            or (rating is null) <> (responded_at is null) or responded_at < sent_at
            or not exists (select 1 from ticket_events e where e.ticket_id =
              csat_responses.ticket_id and e.new_value = 'solved' and e.occurred_at <= sent_at)""",
        "merged": """select count(*) from tickets where merged_into_ticket_id is not null
            and merged_into_ticket_id not in (select ticket_id from tickets)""",
    }
    found = {name: int(_one(con, sql)) for name, sql in checks.items()}
    return {name: n for name, n in found.items() if n}


@pytest.mark.parametrize(
    "scenarios",
    [
        [
            "macro_gaming",
            "reopen_inflation",
            "severity_downgrade",
            "response_rate_collapse",
            "backlog_aging",
            "definition_change",
        ],
        ["mix_shift", "macro_gaming", "severity_downgrade", "backlog_aging"],
        ["branch_simpson", "macro_gaming", "severity_downgrade", "backlog_aging", "coverage_gap"],
    ],
)
def test_new_scenarios_combine_deterministically_and_keep_the_contract(
    tmp_path: Path, scenarios: list[str]
) -> None:
    for run in ("a", "b"):
        generate(tmp_path / run, tickets=3000, seed=13, scenarios=scenarios)
    for name in TABLE_NAMES:
        a = (tmp_path / "a" / f"{name}.parquet").read_bytes()
        assert a == (tmp_path / "b" / f"{name}.parquet").read_bytes(), name
    channels = (
        (*c.CONTRACT_CHANNELS, "messaging") if "coverage_gap" in scenarios else c.CONTRACT_CHANNELS
    )
    assert _contract_violations(tmp_path / "a", channels) == {}


def test_each_new_scenario_keeps_the_contract(new_runs: dict[str, Path]) -> None:
    for name, directory in new_runs.items():
        assert _contract_violations(directory, c.CONTRACT_CHANNELS) == {}, name


@pytest.mark.parametrize(
    "pair",
    [
        ("mix_shift", "branch_simpson"),
        ("mix_shift", "response_rate_collapse"),
        ("reopen_inflation", "branch_simpson"),
    ],
)
def test_conflicting_scenarios_are_rejected(tmp_path: Path, pair: tuple[str, str]) -> None:
    with pytest.raises(SynthArgumentError, match="cannot be combined"):
        generate(tmp_path, tickets=100, scenarios=list(pair))


def test_window_follows_the_period() -> None:
    from metric_ledger.synth.plan import Plan
    from metric_ledger.synth.scenarios import week_start

    def monday(weeks: int, index: int, start: date = START) -> datetime:
        first = week_start(Plan(tickets=10, seed=0, start=start, weeks=weeks), index)
        return datetime.fromtimestamp(first, tz=UTC).replace(tzinfo=None)

    assert monday(6, 2) == datetime(2026, 1, 19)
    assert monday(6, -3) == datetime(2026, 1, 5)  # clipped to the start
    assert monday(6, 2, date(2026, 1, 7)) == datetime(2026, 1, 26)  # next Monday
    assert monday(2, 9) == datetime(2026, 1, 19)  # at most the export end


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


def test_python_dash_m_runs_the_same_generate_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "metric_ledger",
            "generate",
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
        [sys.executable, "-m", "metric_ledger", "generate", str(tmp_path), "--tickets", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


# --- edge exports ---------------------------------------------------------------------------------

EDGE_SEED = 9
#: the one contract check each edge export breaks by design (everything else must hold)
EDGE_EXPECTED_BREAKS: dict[str, set[str]] = {
    # invalid on purpose: unknown priority, tier and region; an empty branch is not the agents'
    "all_quarantined": {"ticket enums", "author branch"},
    "empty_agents": {"author branch"},  # agent authors with no agents table row
    "empty_ticket_events": {"surveys"},  # surveys kept, the solves they follow are gone
}


def _edge_end(name: str) -> datetime:
    _, shape = resolve_edge(name)
    first = datetime(shape.start.year, shape.start.month, shape.start.day)
    return first + timedelta(days=7 * shape.weeks + shape.extra_days)


@pytest.fixture(scope="module")
def edge_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    runs = {}
    for name in edge_names():
        runs[name] = tmp_path_factory.mktemp(f"edge_{name}")
        generate_edge(runs[name], name, seed=EDGE_SEED)
    return runs


def _rows(directory: Path) -> dict[str, int]:
    return {name: pq.read_metadata(directory / f"{name}.parquet").num_rows for name in TABLE_NAMES}


def test_registry_lists_the_edges_of_the_design() -> None:
    assert set(edge_names()) == {
        "one_ticket",
        "one_week",
        "week_without_surveys",
        "shiftless_and_idle_agents",
        "single_channel",
        "outbound_only",
        "nothing_solved",
        "all_quarantined",
        "empty_tickets",
        "empty_ticket_events",
        "empty_csat_responses",
        "empty_agents",
        "empty_agent_shifts",
        "dst_change",
        "mid_week_end",
    }
    assert all(cls.summary and cls.__doc__ for cls in EDGES.values())


def test_edge_exports_have_the_contract_columns_and_keep_the_contract(
    edge_runs: dict[str, Path],
) -> None:
    for name, directory in edge_runs.items():
        for table, expected in EXPECTED_SCHEMAS.items():
            schema = pq.read_schema(directory / f"{table}.parquet")
            assert [(f.name, f.type) for f in schema] == expected, (name, table)
        found = _contract_violations(directory, c.CONTRACT_CHANNELS, _edge_end(name))
        assert set(found) == EDGE_EXPECTED_BREAKS.get(name, set()), (name, found)


def test_edge_exports_are_deterministic(tmp_path: Path) -> None:
    for run in ("a", "b"):
        generate_edge(tmp_path / run, "shiftless_and_idle_agents", seed=3)
    for name in TABLE_NAMES:
        a = (tmp_path / "a" / f"{name}.parquet").read_bytes()
        assert a == (tmp_path / "b" / f"{name}.parquet").read_bytes(), name


def test_one_ticket_is_a_single_included_customer_ticket(edge_runs: dict[str, Path]) -> None:
    con = _connect(edge_runs["one_ticket"])
    assert con.execute(
        "select count(*), bool_or(is_internal_requester), count(merged_into_ticket_id) from tickets"
    ).fetchall() == [(1, False, 0)]
    assert _one(con, "select max(occurred_at) from ticket_events") < datetime(2026, 1, 12)
    assert _one(con, "select count(*) from ticket_events where event_type = 'message'") >= 1


def test_one_week_spans_exactly_one_week(edge_runs: dict[str, Path]) -> None:
    con = _connect(edge_runs["one_week"])
    first, last = con.execute(
        "select min(created_at), max(created_at) from tickets"
    ).fetchone() or (
        None,
        None,
    )
    assert first >= datetime(2026, 1, 5) and last < datetime(2026, 1, 12)
    assert _one(con, "select max(shift_date) from agent_shifts") < date(2026, 1, 12)


def test_week_without_surveys_has_none_sent_or_answered_in_the_middle_week(
    edge_runs: dict[str, Path],
) -> None:
    con = _connect(edge_runs["week_without_surveys"])
    weekly = dict(
        con.execute(
            """select date_trunc('week', sent_at)::date, count(*) from csat_responses group by 1"""
        ).fetchall()
    )
    assert date(2026, 1, 12) not in weekly and weekly.get(date(2026, 1, 5), 0) > 0
    assert weekly.get(date(2026, 1, 19), 0) > 0
    answered_in_week = """select count(*) from csat_responses
        where responded_at >= '2026-01-12' and responded_at < '2026-01-19'"""
    assert _one(con, answered_in_week) == 0
    # tickets are still solved that week: only the surveys are missing
    solved = """select count(*) from ticket_events where new_value = 'solved'
        and occurred_at >= '2026-01-12' and occurred_at < '2026-01-19'"""
    assert _one(con, solved) > 0


def test_shiftless_and_idle_agents(edge_runs: dict[str, Path], tmp_path: Path) -> None:
    con = _connect(edge_runs["shiftless_and_idle_agents"])
    authors = "select distinct author_id from ticket_events where author_type = 'agent'"
    shifted = "select distinct agent_id from agent_shifts"
    working_without_shift = con.execute(f"{authors} except {shifted}").fetchall()
    shifts_without_work = con.execute(f"{shifted} except {authors}").fetchall()
    assert len(working_without_shift) == 1
    # the added agent (the next id) works shifts and authors nothing; a leaver may too
    idle = _one(con, "select max(agent_id) from agents")
    assert (idle,) in shifts_without_work
    assert _one(con, f"select count(*) from agent_shifts where agent_id = '{idle}'") > 0
    assert _one(con, "select count(*) - count(distinct agent_id) from agents") == 0
    # the shifts moved: the busy agent's days are the idle agent's
    busy = working_without_shift[0][0]
    assert _one(con, f"select count(*) from agents where agent_id = '{busy}'") == 1
    generate(tmp_path, tickets=300, seed=EDGE_SEED, start=START, weeks=2)  # the same draws
    clean = _connect(tmp_path)
    moved = "select shift_date from agent_shifts where agent_id = '{}' order by 1"
    assert (
        con.execute(moved.format(idle)).fetchall() == clean.execute(moved.format(busy)).fetchall()
    )


def test_single_channel_is_all_email(edge_runs: dict[str, Path]) -> None:
    con = _connect(edge_runs["single_channel"])
    assert con.execute("select distinct channel from tickets").fetchall() == [("email",)]


def test_outbound_only_tickets_start_with_an_agent_message(edge_runs: dict[str, Path]) -> None:
    con = _connect(edge_runs["outbound_only"])
    first_public = """select ticket_id, arg_min(author_type, (occurred_at, event_id)) as author
        from ticket_events where event_type = 'message' and is_public group by ticket_id"""
    assert con.execute(f"select distinct author from ({first_public})").fetchall() == [("agent",)]
    assert _one(con, "select count(*) from tickets") == _one(
        con, f"select count(*) from ({first_public})"
    )
    assert _one(con, "select count(merged_into_ticket_id) from tickets") == 0


def test_nothing_solved_has_no_solve_close_or_survey(edge_runs: dict[str, Path]) -> None:
    con = _connect(edge_runs["nothing_solved"])
    assert (
        _one(con, "select count(*) from ticket_events where new_value in ('solved', 'closed')") == 0
    )
    assert _one(con, "select count(*) from csat_responses") == 0
    assert _one(con, "select count(*) from ticket_events where event_type = 'message'") > 0


def test_all_quarantined_breaks_every_ticket_row(edge_runs: dict[str, Path]) -> None:
    con = _connect(edge_runs["all_quarantined"])
    broken = f"""select count(*) from tickets where priority not in ({_quote(c.PRIORITIES)})
        or customer_tier not in ({_quote(c.TIERS)}) or region not in ({_quote(c.REGIONS)})
        or coalesce(trim(queue), '') = '' or coalesce(trim(contact_reason), '') = ''
        or coalesce(trim(branch), '') = ''"""
    assert _one(con, broken) == _one(con, "select count(*) from tickets") > 0
    # every break of the rotation occurs; keys stay valid, so events keep their tickets
    assert _one(con, "select count(*) - count(distinct ticket_id) from tickets") == 0
    assert _one(con, "select count(*) from tickets where priority = 'urgent'") > 0
    assert _one(con, "select count(*) from tickets where contact_reason is null") > 0
    assert len(AllQuarantined.REASONS) == 6


@pytest.mark.parametrize(
    ("edge", "emptied"),
    [
        ("empty_tickets", {"tickets", "ticket_events", "csat_responses"}),
        ("empty_ticket_events", {"ticket_events"}),
        ("empty_csat_responses", {"csat_responses"}),
        ("empty_agents", {"agents", "agent_shifts"}),
        ("empty_agent_shifts", {"agent_shifts"}),
    ],
)
def test_empty_table_edges_empty_exactly_their_tables(
    edge_runs: dict[str, Path], edge: str, emptied: set[str]
) -> None:
    rows = _rows(edge_runs[edge])
    assert {name for name, count in rows.items() if count == 0} == emptied, rows


def test_dst_change_spans_the_us_daylight_saving_start(edge_runs: dict[str, Path]) -> None:
    con = _connect(edge_runs["dst_change"])
    first, last = con.execute(
        "select min(created_at), max(created_at) from tickets"
    ).fetchone() or (
        None,
        None,
    )
    assert first >= datetime(2026, 3, 2) and last < datetime(2026, 3, 16)
    change = "'2026-03-08 07:00'"  # 02:00 EST
    sides = con.execute(
        f"""select count(*) filter (where created_at < {change}),
            count(*) filter (where created_at >= {change}) from tickets where region = 'NA'"""
    ).fetchone()
    assert sides is not None and min(sides) > 0


def test_mid_week_end_ends_on_a_wednesday(edge_runs: dict[str, Path]) -> None:
    con = _connect(edge_runs["mid_week_end"])
    last = _one(con, "select max(created_at) from tickets")
    assert last.date() == date(2026, 1, 21) and last.date().isoweekday() == 3
    assert _one(con, "select max(occurred_at) from ticket_events") < datetime(2026, 1, 22)
    assert _one(con, "select max(shift_date) from agent_shifts") <= date(2026, 1, 21)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"edge": "bogus"}, "unknown edge 'bogus'"),
        ({"edge": "one_ticket", "tickets": 5}, "fixes --tickets to 1"),
        ({"edge": "one_week", "weeks": 2}, "fixes --weeks to 1"),
        ({"edge": "dst_change", "start": date(2026, 1, 5)}, "fixes --start"),
        ({"edge": "single_channel", "tickets": 0}, "--tickets"),
    ],
)
def test_generate_edge_rejects_bad_arguments(
    tmp_path: Path, kwargs: dict[str, Any], needle: str
) -> None:
    with pytest.raises(SynthArgumentError, match=needle):
        generate_edge(tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_generate_edge_takes_overrides_it_does_not_fix(tmp_path: Path) -> None:
    summary = generate_edge(tmp_path, "single_channel", tickets=120, weeks=1)
    assert summary.tickets == 120 and summary.edge == "single_channel"
    assert _one(_connect(tmp_path), "select max(created_at) from tickets") < datetime(2026, 1, 12)


def test_cli_edge_generates_and_lists_the_edges(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "e"), "--edge", "one_ticket"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "tickets=1 " in lines[0] and "edge=one_ticket" in lines[0]
    helped = CliRunner().invoke(main, ["generate", "--help"])
    assert all(name in helped.output for name in edge_names())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--edge", "bogus"], "bogus"),
        (["--edge", "one_ticket", "--tickets", "4"], "--tickets"),
        (["--edge", "one_week", "--scenario", "macro_gaming"], "--scenario"),
    ],
)
def test_cli_bad_edge_arguments_exit_2_with_one_line(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "out"), *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert not (tmp_path / "out").exists()
