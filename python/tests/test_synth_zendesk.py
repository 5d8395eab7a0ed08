"""`generate --source zendesk`: the same truth as the helpdesk export, as Fivetran's Zendesk
tables, with the awkward parts of a real sync (docs/zendesk_mapping.md).

The reverse mapping below is the spec's rules read back in SQL: if the converter lost or bent a
fact, the helpdesk export of the same seed and the Zendesk export read back would differ.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import DEMO_SCENARIOS

from metric_ledger.cli import main
from metric_ledger.synth import generate
from metric_ledger.synth import zendesk_schema as z

SEED, TICKETS, WEEKS, START = 3, 4000, 6, date(2026, 1, 5)
HELPDESK = ("tickets", "ticket_events", "csat_responses", "agents")


def _export(root: Path, source: str, scenarios: tuple[str, ...]) -> Path:
    out = root / source
    generate(out, tickets=TICKETS, seed=SEED, start=START, weeks=WEEKS, scenarios=scenarios,
             source=source)  # fmt: skip
    return out


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(helpdesk, zendesk) exports of the same seed with the demo's five scenarios."""
    root = tmp_path_factory.mktemp("zendesk_pair")
    return _export(root, "helpdesk", DEMO_SCENARIOS), _export(root, "zendesk", DEMO_SCENARIOS)


@pytest.fixture(scope="module")
def default_zendesk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Zendesk export with no scenario (the generator's defaults)."""
    return _export(tmp_path_factory.mktemp("zendesk_default"), "zendesk", ())


def _connect(helpdesk: Path | None, zendesk: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in z.ZENDESK_TABLES:
        con.execute(f"create view z_{name} as select * from '{zendesk / name}.parquet'")
    for name in HELPDESK if helpdesk else ():
        con.execute(f"create view h_{name} as select * from '{helpdesk / name}.parquet'")
    _reverse_macros(con)
    return con


def _inverse(column: str, mapping: Mapping[str, str]) -> str:
    whens = " ".join(f"when '{theirs}' then '{ours}'" for ours, theirs in mapping.items())
    return f"(case {column} {whens} else {column} end)"


def _reverse_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The spec's reverse rules: ids, value maps, and an author's role at the time."""
    for prefix, (_, base, width) in z.ID_RULES.items():
        con.execute(
            f"create macro our_{prefix}(x) as "
            f"'{prefix}' || lpad(cast(x - {base} as varchar), {width}, '0')"
        )
    con.execute(f"create macro un_status(x) as {_inverse('x', z.STATUSES)}")
    con.execute(f"create macro un_priority(x) as {_inverse('x', z.PRIORITIES)}")
    con.execute(f"create macro un_via(x) as {_inverse('x', z.VIA_CHANNELS)}")
    # role history: before an audit_log role change the user had the change's "from" role
    con.execute("""
        create view role_change as
        select source_id as user_id, created_at as changed_at,
            trim(split_part(split_part(lower(change_description),
                'support role changed from ', 2), ' to ', 1)) as role_before
        from z_audit_log where source_type = 'user'
            and lower(change_description) like '%support role changed from%'
    """)
    con.execute("""
        create view users as
        select id, external_id, role, email, rc.changed_at, rc.role_before
        from z_user left join role_change rc on rc.user_id = z_user.id
        where not _fivetran_deleted
    """)
    con.execute(f"""
        create macro author_type(user_id, moment, role, changed_at, role_before, email) as
        case when user_id = {z.SYSTEM_USER_ID} then 'system'
            when user_id = {z.BOT_USER_ID} then 'bot'
            when (case when moment < changed_at then role_before else role end)
                in ('agent', 'admin') or email like '%@{z.AGENT_EMAIL_DOMAIN}' then 'agent'
            else 'customer' end
    """)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


_TAG_AT = len(z.REGION_TAG_PREFIX) + 1
TICKETS_BACK = f"""
    with tk as (select * from z_ticket where not _fivetran_deleted),
    grp as (
        select id, split_part(name, '/', 1) as branch, split_part(name, '/', 2) as queue
        from z_group where not _fivetran_deleted
    ),
    first_value as (
        select ticket_id, field_name, value from z_ticket_field_history
        qualify row_number() over (partition by ticket_id, field_name order by updated) = 1
    ),
    merges as (
        select id as target, cast(unnest(string_split(trim(merged_ticket_ids, '[]'), ','))
            as bigint) as source
        from tk where merged_ticket_ids is not null
    ),
    region as (
        select ticket_id, upper(substr(tag, {_TAG_AT})) as region from z_ticket_tag
        where tag like '{z.REGION_TAG_PREFIX}%'
    )
    select our_T(tk.id), tk.created_at, un_via(tk.via_channel), g.queue,
        un_priority(p.value), region.region, o.custom_customer_tier, tk.custom_contact_reason,
        g.branch, u.external_id, o.custom_internal, our_T(m.target), tk.updated_at
    from tk
    join first_value f on f.ticket_id = tk.id and f.field_name = 'group_id'
    join grp g on cast(g.id as varchar) = f.value
    left join first_value p on p.ticket_id = tk.id and p.field_name = 'priority'
    left join region on region.ticket_id = tk.id
    join z_organization o on o.id = tk.organization_id
    join z_user u on u.id = tk.requester_id
    left join merges m on m.source = tk.id
"""

MESSAGES_BACK = """
    select our_E(c.id), our_T(c.ticket_id), c.created, 'message',
        author_type(c.user_id, c.created, u.role, u.changed_at, u.role_before, u.email) as who,
        case when who = 'agent' then u.external_id end, c.public,
        c.via_channel = 'rule', m.title, cast(length(c.body) as integer), null, null
    from z_ticket_comment c
    left join users u on u.id = c.user_id
    left join z_macro m on m.id = c.macro_id
    where not c._fivetran_deleted
"""

FIELD_EVENTS = {
    "status": "status_change",
    "priority": "priority_change",
    "group_id": "queue_change",
    z.FIELD_NAMES["escalation"]: "escalation",
}

CHANGES_BACK = """
    with h as (
        select *, row_number() over w as k, lag(value) over w as previous
        from z_ticket_field_history
        where field_name in ({fields})
        window w as (partition by ticket_id, field_name order by updated)
    ),
    named as (
        select h.*, gp.queue as old_queue, gn.queue as new_queue
        from h
        left join (select id, split_part(name, '/', 2) as queue from z_group) gp
            on h.field_name = 'group_id' and cast(gp.id as varchar) = h.previous
        left join (select id, split_part(name, '/', 2) as queue from z_group) gn
            on h.field_name = 'group_id' and cast(gn.id as varchar) = h.value
    )
    select our_T(ticket_id), updated, {event_type},
        author_type(user_id, updated, u.role, u.changed_at, u.role_before, u.email) as who,
        case when who = 'agent' then u.external_id end,
        case field_name when 'status' then un_status(previous)
            when 'priority' then un_priority(previous) when 'group_id' then old_queue
            else previous end,
        case field_name when 'status' then un_status(value)
            when 'priority' then un_priority(value) when 'group_id' then new_queue
            else value end
    from named left join users u on u.id = named.user_id
    where k > 1
""".format(
    fields=", ".join(f"'{f}'" for f in FIELD_EVENTS),
    event_type="case field_name "
    + " ".join(f"when '{f}' then '{e}'" for f, e in FIELD_EVENTS.items())
    + " end",
)


def test_tickets_read_back_to_the_helpdesk_tickets(pair: tuple[Path, Path]) -> None:
    con = _connect(*pair)
    back = _rows(con, TICKETS_BACK)
    truth = _rows(con, "select * from h_tickets")
    assert len(back) == len(truth) == TICKETS
    assert back == truth


def test_comments_are_the_helpdesk_messages(pair: tuple[Path, Path]) -> None:
    con = _connect(*pair)
    back = _rows(con, MESSAGES_BACK)
    truth = _rows(
        con,
        "select * exclude (old_value, new_value), null, null from h_ticket_events "
        "where event_type = 'message'",
    )
    assert len(back) == len(truth) > 0
    assert back == truth


@pytest.mark.parametrize("event_type", sorted(FIELD_EVENTS.values()))
def test_field_history_is_the_helpdesk_change_events(
    pair: tuple[Path, Path], event_type: str
) -> None:
    """Status (and priority, group, escalation) history from ticket_field_history equals the
    helpdesk change events, less a change to the value a field already has (Zendesk records
    none)."""
    con = _connect(*pair)
    back = [r for r in _rows(con, CHANGES_BACK) if r[2] == event_type]
    truth = _rows(
        con,
        "select ticket_id, occurred_at, event_type, author_type, author_id, old_value, "
        f"new_value from h_ticket_events where event_type = '{event_type}' "
        "and old_value is distinct from new_value",
    )
    assert len(back) == len(truth) > 0
    assert back == truth
    no_ops = con.execute(
        "select distinct event_type from h_ticket_events where event_type <> 'message' "
        "and old_value is not distinct from new_value"
    ).fetchall()
    assert set(no_ops) <= {("queue_change",)}


def test_satisfaction_ratings_are_the_surveys(pair: tuple[Path, Path]) -> None:
    con = _connect(*pair)
    back = _rows(
        con,
        "select our_S(r.id), our_T(r.ticket_id), r.created_at, "
        "case when r.score <> 'offered' then r.updated_at end, r.csat_rating "
        "from z_satisfaction_rating r",
    )
    assert back == _rows(con, "select * from h_csat_responses")
    scores = con.execute(
        "select score, min(csat_rating), max(csat_rating), count(*) - count(csat_rating) "
        "from z_satisfaction_rating group by 1 order by 1"
    ).fetchall()
    assert [s[0] for s in scores] == ["bad", "good", "offered"]
    bad, good, offered = scores
    assert bad[2] < z.GOOD_FROM_RATING <= good[1] and offered[3] == offered[3] > 0
    offers = con.execute(
        "select count(*) from z_ticket_field_history where field_name = 'satisfaction_score' "
        "and value = 'offered'"
    ).fetchall()
    assert offers == [(len(back),)]


def test_zendesk_keys_are_unique(pair: tuple[Path, Path]) -> None:
    con = _connect(None, pair[1])
    for table, key in [
        ("ticket", "id"),
        ("ticket_comment", "id"),
        ("user", "id"),
        ("group", "id"),
        ("organization", "id"),
        ("satisfaction_rating", "id"),
        ("ticket_field_history", "ticket_id, field_name, updated"),
        ("ticket_tag", "ticket_id, tag"),
    ]:
        dupes = con.execute(
            f"select count(*) from (select {key} from z_{table} group by all having count(*) > 1)"
        ).fetchall()
        assert dupes == [(0,)], table


def _awkward(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, int]]:
    queries = {
        "deleted tickets": "select count(*) from z_ticket where _fivetran_deleted",
        "deleted comments on live tickets": "select count(*) from z_ticket_comment c "
        "join z_ticket t on t.id = c.ticket_id where c._fivetran_deleted "
        "and not t._fivetran_deleted",
        "deleted users": "select count(*) from z_user where _fivetran_deleted",
        "deleted groups": "select count(*) from z_group where _fivetran_deleted",
        "merged tickets": "select count(*) from z_ticket where merged_ticket_ids is not null",
        "closed_by_merge tags": f"select count(*) from z_ticket_tag where tag = '{z.MERGED_TAG}'",
        "trigger comments by the system": "select count(*) from z_ticket_comment "
        f"where via_channel = 'rule' and user_id = {z.SYSTEM_USER_ID}",
        "trigger comments on an agent's behalf": "select count(*) from z_ticket_comment c "
        "join z_user u on u.id = c.user_id where c.via_channel = 'rule' "
        "and u.external_id like 'A%'",
        "bot comments": f"select count(*) from z_ticket_comment where user_id = {z.BOT_USER_ID}",
        "a former agent's comments with an audit_log row": "select count(*) "
        "from z_ticket_comment c join users u on u.id = c.user_id "
        "where u.role = 'end-user' and u.external_id like 'A%' and c.created < u.changed_at",
        "a former agent's comments without one": "select count(*) "
        "from z_ticket_comment c join users u on u.id = c.user_id "
        "where u.role = 'end-user' and u.external_id like 'A%' and u.changed_at is null",
        "escalations in a custom field": "select count(*) from z_ticket_field_history "
        f"where field_name = '{z.FIELD_NAMES['escalation']}'",
        "group changes": "select count(*) - (select count(*) from z_ticket) "
        "from z_ticket_field_history where field_name = 'group_id'",
    }
    for name, sql in queries.items():
        yield name, con.execute(sql).fetchall()[0][0]


def test_every_awkward_part_is_in_a_default_export(default_zendesk: Path) -> None:
    con = _connect(None, default_zendesk)
    missing = [name for name, count in _awkward(con) if not count]
    assert missing == []
    # a former agent now an end-user: read by today's role alone, their replies are a customer's
    naive = con.execute(
        "select count(*) from z_ticket_comment c join z_user u on u.id = c.user_id "
        "where u.role = 'end-user' and u.email like '%@" + z.AGENT_EMAIL_DOMAIN + "'"
    ).fetchall()[0][0]
    assert naive > 0


def test_a_channel_the_seed_does_not_map(pair: tuple[Path, Path]) -> None:
    """The truth's `messaging` (a channel outside the contract, injected by coverage_gap) is
    Zendesk's native_messaging. A default export has no such ticket: its truth has none."""
    con = _connect(*pair)
    assert (
        con.execute(
            "select count(*) from z_ticket where via_channel = 'native_messaging' "
            "and not _fivetran_deleted"
        ).fetchall()
        == con.execute("select count(*) from h_tickets where channel = 'messaging'").fetchall()
        != [(0,)]
    )


def test_files_columns_and_types_match_the_spec(default_zendesk: Path) -> None:
    assert sorted(p.name for p in default_zendesk.iterdir()) == sorted(
        f"{name}.parquet" for name in z.ZENDESK_TABLES
    )
    for name, schema in z.SCHEMAS.items():
        read = pq.read_schema(default_zendesk / f"{name}.parquet")
        types = [f.type.value_type if pa.types.is_dictionary(f.type) else f.type for f in read]
        assert read.names == schema.names, name
        assert types == schema.types, name


def test_the_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    runs = []
    for n in (1, 2):
        out = tmp_path / str(n)
        generate(out, tickets=300, seed=7, start=START, weeks=2, source="zendesk")
        runs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert runs[0] == runs[1]


def test_the_cli_writes_the_zendesk_tables(tmp_path: Path) -> None:
    out = tmp_path / "zen"
    result = CliRunner().invoke(
        main, ["generate", str(out), "--tickets", "200", "--weeks", "2", "--source", "zendesk"]
    )
    assert result.exit_code == 0, result.output
    assert "Zendesk" in result.output and "ticket_comment=" in result.output
    assert {p.stem for p in out.iterdir()} == set(z.ZENDESK_TABLES)
    assert pq.read_metadata(out / "ticket.parquet").num_rows >= 200


def test_an_unknown_source_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["generate", str(tmp_path / "x"), "--tickets", "20", "--source", "bogus"]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == ["Error: --source must be one of helpdesk, zendesk, got 'bogus'"]
    assert not (tmp_path / "x").exists()
