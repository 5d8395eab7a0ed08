"""The generator's truth as Fivetran's Zendesk tables (`generate --source zendesk`).

`to_zendesk(tables)` converts the five contract tables the generator built (the same seed and
scenarios give the same tickets, events and surveys) into the Zendesk tables of
`zendesk_schema.SCHEMAS`, with the awkward parts of a real sync: bigint ids, a former agent now
an end-user (one with an `audit_log` row, one without), merges as `merged_ticket_ids`, trigger
auto-responses, `_fivetran_deleted` rows, and `native_messaging`, a channel the mapping seed
does not map. The business hours are Zendesk schedules (one per region, from the
`business_hours`/`holidays` seeds the generator mirrors in `constants`), each ticket's schedule
in `ticket_schedule`. The rules are in `docs/zendesk_mapping.md`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from metric_ledger.synth import constants as c
from metric_ledger.synth import zendesk_schema as z
from metric_ledger.zendesk_schedules import opening_to_week_interval, standard_offset_minutes

#: one deleted ticket (and one deleted comment on a live ticket) per this many tickets
DELETED_EVERY: Final = 1000
_FILLER: Final = "Thanks for getting in touch. " * 8


def _case(column: str, mapping: Mapping[str, str]) -> str:
    """A SQL CASE mapping `column`'s values; a value not in `mapping` passes through."""
    whens = " ".join(f"when '{k}' then '{v}'" for k, v in mapping.items())
    return f"(case {column} {whens} else {column} end)"


def _macros(con: duckdb.DuckDBPyConnection, tb: int) -> None:
    """SQL macros: our string ids to Zendesk bigints (zendesk_schema.ID_RULES)."""
    con.execute("create macro num(x) as cast(substr(x, 2) as bigint)")
    con.execute(f"create macro tid(x) as {tb} + num(x)")
    whens = " ".join(
        f"when '{prefix}' then {base} + num(x)"
        for prefix, (_, base, _) in z.ID_RULES.items()
        if prefix in "CUA"
    )
    con.execute(f"create macro uid(x) as case left(x, 1) {whens} end")
    con.execute(f"create macro zst(x) as {_case('x', z.STATUSES)}")
    con.execute(f"create macro zpr(x) as {_case('x', z.PRIORITIES)}")
    con.execute(f"create macro zvia(x) as {_case('x', z.VIA_CHANNELS)}")


def _moments(con: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime]:
    """(role change of the former agents, `_fivetran_synced`): the day after the export."""
    row = con.execute(
        "select greatest((select max(greatest(created_at, updated_at)) from t),"
        " (select max(occurred_at) from e), (select max(greatest(sent_at, responded_at)) from s))"
    ).fetchall()[0]
    end = row[0] if row and row[0] is not None else datetime(2026, 1, 1)
    day = datetime(end.year, end.month, end.day) + timedelta(days=1)
    return day + timedelta(hours=2), day + timedelta(hours=6)


def _period(con: duckdb.DuckDBPyConnection, fallback: datetime) -> tuple[datetime, list[int]]:
    """(creation of the configuration: 30 days before the first ticket's day, the years the
    tickets span); without tickets, 30 days before `fallback` and the holidays' years."""
    row = con.execute("select min(created_at), max(created_at) from t").fetchall()[0]
    if row[0] is None:
        years = sorted({int(d[:4]) for days in c.HOLIDAYS.values() for d in days}) or [
            fallback.year
        ]
        return fallback - timedelta(days=30), years
    first = datetime(row[0].year, row[0].month, row[0].day) - timedelta(days=30)
    return first, list(range(row[0].year, row[1].year + 1))


def _former_agents(con: duckdb.DuckDBPyConnection) -> tuple[str | None, str | None]:
    """(audited, unaudited): the last and second-to-last agent ids that wrote a message."""
    authors = [
        r[0]
        for r in con.execute(
            "select distinct author_id from e where event_type = 'message' "
            "and author_type = 'agent' and author_id is not null order by num(author_id) desc"
        ).fetchall()
    ]
    return (authors[0] if authors else None, authors[1] if len(authors) > 1 else None)


_SETUP: Final = """
create temp table grp as
select branch, queue, {group_base} + row_number() over (order by branch, queue) as id
from (
    select branch, queue from t
    union
    select t.branch, v.q from e join t using (ticket_id),
        unnest([e.old_value, e.new_value]) as v(q)
    where e.event_type = 'queue_change' and v.q is not null
);
create temp table org as
select is_internal_requester, customer_tier,
    {org_base} + row_number() over (order by is_internal_requester, customer_tier) as id
from (select distinct is_internal_requester, customer_tier from t);
create temp table tk as
select t.*, num(t.ticket_id) as tn, tid(t.ticket_id) as zid, uid(t.requester_id) as req,
    g.id as group0, o.id as org_id
from t
left join grp g on g.branch is not distinct from t.branch and g.queue is not distinct from t.queue
left join org o on o.is_internal_requester is not distinct from t.is_internal_requester
    and o.customer_tier is not distinct from t.customer_tier;
create temp table mac as
select macro_id, {macro_base} + row_number() over (order by macro_id) as id
from (select distinct macro_id from e where macro_id is not null);
create temp table ev as
select e.*, num(e.event_id) as en, tk.zid, tk.branch, tk.channel,
    case e.author_type when 'agent' then uid(e.author_id) when 'customer' then tk.req
        when 'system' then {system} when 'bot' then {bot} end as zuser
from e join tk using (ticket_id);
create temp table opener as
select ticket_id, zuser from ev where event_type = 'message'
qualify row_number() over (partition by ticket_id order by occurred_at, en) = 1;
create temp table chg as
select *, row_number() over (partition by ticket_id, event_type order by occurred_at, en) as k,
    count(*) over (partition by ticket_id, event_type) as n
from ev
where event_type in ('status_change', 'priority_change', 'queue_change', 'escalation')
    and old_value is distinct from new_value;
create temp table deleted as
select *, row_number() over (order by tn) as i from tk where tn % {every} = 1;
"""


def _ticket(con: duckdb.DuckDBPyConnection, synced: str) -> pa.Table:
    return con.sql(f"""
        with cur as (
            select ticket_id,
                max(new_value) filter (where event_type = 'status_change') as status,
                max(new_value) filter (where event_type = 'priority_change') as priority,
                max(new_value) filter (where event_type = 'queue_change') as queue,
                max(new_value) filter (where event_type = 'escalation') as level
            from chg where k = n group by ticket_id
        ),
        merges as (
            select merged_into_ticket_id as ticket_id,
                '[' || string_agg(cast(tid(ticket_id) as varchar), ',' order by num(ticket_id))
                || ']' as ids
            from t where merged_into_ticket_id is not null group by 1
        ),
        live as (
            select tk.zid as id, tk.created_at, tk.updated_at, zvia(tk.channel) as via_channel,
                zst(coalesce(cur.status, 'new')) as status,
                zpr(coalesce(cur.priority, tk.priority)) as priority,
                coalesce(g.id, tk.group0) as group_id, tk.org_id as organization_id,
                tk.req as requester_id, coalesce(opener.zuser, tk.req) as submitter_id,
                merges.ids as merged_ticket_ids, tk.contact_reason as custom_contact_reason,
                cur.level as custom_escalation_level, false as _fivetran_deleted
            from tk
            left join cur using (ticket_id)
            left join grp g on cur.queue is not null and g.branch is not distinct from tk.branch
                and g.queue = cur.queue
            left join merges using (ticket_id)
            left join opener using (ticket_id)
        ),
        gone as (
            select (select max(zid) from tk) + i, created_at + interval 1 minute,
                created_at + interval 1 hour, 'email', 'deleted', 'normal', group0, org_id,
                req, req, null, contact_reason, null, true
            from deleted
        )
        select *, timestamp '{synced}' as _fivetran_synced
        from (select * from live union all select * from gone)
        order by id
    """).to_arrow_table()


def _comment(con: duckdb.DuckDBPyConnection, synced: str) -> pa.Table:
    via = " ".join(f"when '{k}' then '{v}'" for k, v in z.COMMENT_VIA.items())
    first_agent = con.execute("select min(uid(agent_id)) from a").fetchall()[0]
    agent = first_agent[0] if first_agent and first_agent[0] is not None else z.SYSTEM_USER_ID
    base = z.ID_RULES["E"][1]
    table = con.sql(f"""
        with live as (
            select {base} + en as id, zid as ticket_id, zuser as user_id, occurred_at as created,
                is_public as public, body_chars,
                case when is_auto_response then '{z.AUTO_RESPONSE_VIA}'
                    when author_type = 'customer' then zvia(channel)
                    else (case author_type {via} end) end as via_channel,
                mac.id as macro_id, false as _fivetran_deleted
            from ev left join mac using (macro_id)
            where event_type = 'message'
        ),
        top as (select coalesce(max(en), 0) as m from ev),
        gone as (
            select {base} + top.m + i, zid, {agent}, created_at + interval 1 second, true, 40,
                'web', null, true
            from deleted, top
            union all
            select {base} + top.m + (select count(*) from deleted) + i,
                (select max(zid) from tk) + i, req, created_at + interval 1 minute, true, 60,
                'email', null, true
            from deleted, top
        )
        select *, timestamp '{synced}' as _fivetran_synced
        from (select * from live union all select * from gone)
        order by id
    """).to_arrow_table()
    return _with_body(table)


def _with_body(table: pa.Table) -> pa.Table:
    """Replace `body_chars` by a `body` of that many characters (a dictionary array, so a big
    export never holds every text in memory)."""
    chars = table.column("body_chars").combine_chunks()
    lengths = np.asarray(chars.fill_null(0), dtype=np.int32)
    top = int(lengths.max(initial=0))
    filler = (_FILLER * (top // len(_FILLER) + 1))[:top]
    dictionary = pa.array([filler[:k] for k in range(top + 1)], pa.string())
    null = np.asarray(chars.is_null().to_numpy(zero_copy_only=False), dtype=np.bool_)
    body = pa.DictionaryArray.from_arrays(pa.array(lengths, mask=null), dictionary)
    at = table.column_names.index("body_chars")
    return table.set_column(at, "body", body)


def _field_history(con: duckdb.DuckDBPyConnection, synced: str) -> pa.Table:
    field = _case("event_type", z.FIELD_NAMES)
    return con.sql(f"""
        with initial as (
            select zid, 'status', created_at, zst('new'), coalesce(opener.zuser, req)
            from tk left join opener using (ticket_id)
            union all
            select zid, 'priority', created_at, zpr(priority), req from tk
            where priority is not null
            union all
            select zid, 'group_id', created_at, cast(group0 as varchar), req from tk
            where group0 is not null
            union all
            select tk.zid, '{z.FIELD_NAMES["escalation"]}', tk.created_at, chg.old_value, tk.req
            from chg join tk using (ticket_id)
            where event_type = 'escalation' and k = 1 and old_value is not null
        ),
        changes as (
            select chg.zid, {field}, occurred_at,
                case event_type when 'status_change' then zst(new_value)
                    when 'priority_change' then zpr(new_value)
                    when 'queue_change' then cast(g.id as varchar)
                    else new_value end,
                zuser
            from chg
            left join grp g on event_type = 'queue_change'
                and g.branch is not distinct from chg.branch and g.queue = chg.new_value
        ),
        surveys as (
            select tk.zid, 'satisfaction_score', s.sent_at, 'offered', {z.SYSTEM_USER_ID}
            from s join tk using (ticket_id)
            union all
            select tk.zid, 'satisfaction_score', s.responded_at,
                case when s.rating >= {z.GOOD_FROM_RATING} then 'good' else 'bad' end, tk.req
            from s join tk using (ticket_id) where s.responded_at is not null
        )
        select *, timestamp '{synced}'
        from (select * from initial union all select * from changes union all select * from surveys)
        order by 1, 3, 2
    """).to_arrow_table()


def _tags(con: duckdb.DuckDBPyConnection, synced: str) -> pa.Table:
    return con.sql(f"""
        select * from (
            select zid, '{z.REGION_TAG_PREFIX}' || lower(region), timestamp '{synced}' from tk
            where region is not null
            union all
            select zid, '{z.MERGED_TAG}', timestamp '{synced}' from tk
            where merged_into_ticket_id is not null
        ) order by 1, 2
    """).to_arrow_table()


def _users(
    con: duckdb.DuckDBPyConnection,
    synced: str,
    changed: str,
    former: tuple[str | None, str | None],
) -> pa.Table:
    formers = ", ".join(f"'{f}'" for f in former if f) or "null"
    customer_base = z.ID_RULES["C"][1]
    return con.sql(f"""
        with requesters as (
            select requester_id, req, is_internal_requester, min(created_at) as first_at,
                arg_min(org_id, created_at) as org_id
            from tk group by all
        ),
        people as (
            select req, requester_id, 'Customer ' || requester_id,
                lower(requester_id) || '@' || case when is_internal_requester
                    then '{z.STAFF_EMAIL_DOMAIN}' else '{z.CUSTOMER_EMAIL_DOMAIN}' end,
                'end-user', true, org_id, first_at, first_at, false
            from requesters
            union all
            select uid(agent_id), agent_id, 'Agent ' || agent_id,
                lower(agent_id) || '@{z.AGENT_EMAIL_DOMAIN}',
                case when agent_id in ({formers}) then 'end-user'
                    when role = 'lead' then 'admin' else 'agent' end,
                true, null, hired_at,
                case when agent_id in ({formers}) then timestamp '{changed}' else hired_at end,
                false
            from a
            union all
            select {z.BOT_USER_ID}, null, 'AI agent', null, 'agent', true, null,
                (select min(created_at) from t), (select min(created_at) from t), false
            union all
            select (select coalesce(max(req), {customer_base}) from requesters
                    where requester_id like 'C%') + 1,
                null, 'Deleted user', null, 'end-user', false, null,
                (select min(created_at) from t), (select min(created_at) from t), true
        )
        select *, timestamp '{synced}' from people order by 1
    """).to_arrow_table()


def _small_tables(
    con: duckdb.DuckDBPyConnection, synced: str, changed: str, audited: str | None
) -> dict[str, pa.Table]:
    ts = f"timestamp '{synced}'"
    since = "(select date_trunc('day', min(created_at)) - interval 30 day from t)"
    out = {
        "group": con.sql(f"""
            select id, branch || '/' || queue, {since}, {since}, false, {ts} from grp
            union all
            select {z.GROUP_BASE}, 'retired/legacy', {since}, {since}, true, {ts}
            order by 1
        """),
        "organization": con.sql(f"""
            select id, case when is_internal_requester then 'Acme staff ('
                    else '' end || coalesce(customer_tier, 'unknown')
                    || case when is_internal_requester then ')' else ' customers' end,
                customer_tier, is_internal_requester, {since}, {since}, {ts}
            from org order by 1
        """),
        "satisfaction_rating": con.sql(f"""
            select {z.ID_RULES["S"][1]} + num(s.survey_id), tk.zid, tk.req,
                coalesce(g.id, tk.group0),
                case when s.responded_at is null then 'offered'
                    when s.rating >= {z.GOOD_FROM_RATING} then 'good' else 'bad' end,
                s.rating, s.sent_at, coalesce(s.responded_at, s.sent_at), {ts}
            from s join tk using (ticket_id)
            left join (select ticket_id, new_value from chg
                       where event_type = 'queue_change' and k = n) q using (ticket_id)
            left join grp g on g.branch is not distinct from tk.branch and g.queue = q.new_value
            order by 1
        """),
        "macro": con.sql(f"select id, macro_id, true, {ts} from mac order by 1"),
        "audit_log": con.sql(f"""
            select {z.AUDIT_BASE} + 1, 'update',
                coalesce((select min(uid(agent_id)) from a where role = 'lead'),
                    {z.SYSTEM_USER_ID}),
                uid(agent_id), 'user', 'Agent ' || agent_id, '{z.ROLE_CHANGE}',
                timestamp '{changed}', {ts}
            from a where agent_id = {f"'{audited}'" if audited else "null"}
        """),
        "ticket_field": con.sql(f"""
            select * from (values
                ({z.CONTACT_REASON_FIELD_ID}, 'Contact reason', 'tagger', true, false, {ts}),
                ({z.ESCALATION_FIELD_ID}, 'Escalation level', 'tagger', true, false, {ts}))
        """),
    }
    return {name: rel.to_arrow_table() for name, rel in out.items()}


# --- schedules: the business_hours and holidays seeds as Zendesk schedules ------------------


def _offset_text(minutes: int) -> str:
    """`-05:00` for -300 minutes (Zendesk's time_zone.standard_offset)."""
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _dst(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).dst() or timedelta()


def _daylight_periods(zone_name: str, year: int) -> list[tuple[datetime, datetime, int]]:
    """(start, end, offset hours) in UTC of the zone's daylight saving in `year`: the
    transitions found day by day, then to the minute."""
    zone = ZoneInfo(zone_name)
    first = datetime(year, 1, 1, tzinfo=UTC)
    days = [
        first + timedelta(days=k) for k in range((date(year + 1, 1, 1) - first.date()).days + 1)
    ]
    changes = []
    for before, after in pairwise(days):
        if _dst(zone, before) != _dst(zone, after):
            low, high = before, after  # the change is in (low, high]
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if _dst(zone, middle) == _dst(zone, low):
                    low = middle
                else:
                    high = middle
            changes.append((high, _dst(zone, high)))
    starts = [(at, shift) for at, shift in changes if shift]
    ends = [at for at, shift in changes if not shift]
    naive = {at: at.replace(tzinfo=None) for at, _ in changes}
    return [
        (naive[start], naive[end], int(shift.total_seconds() // 3600))
        for (start, shift), end in zip(starts, ends, strict=False)
    ]


def _holiday_ranges(days: Sequence[str]) -> list[tuple[date, date]]:
    """Consecutive dates as one inclusive range (Zendesk holidays span days)."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(date.fromisoformat(d) for d in days):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _schedule_tables(
    since: datetime, synced: datetime, years: Sequence[int]
) -> dict[str, pa.Table]:
    """`schedule`, `schedule_holiday`, `time_zone` and `daylight_time` of the regions."""
    schedule: list[tuple[object, ...]] = []
    holidays: list[tuple[int, date, date]] = []
    zones: dict[str, tuple[str, str]] = {}
    daylight: list[tuple[str, int, datetime, datetime, int, datetime]] = []
    for number, region in enumerate(c.REGIONS, start=1):
        iana = c.REGION_TIMEZONES[region]
        name = z.TIME_ZONES[iana]
        offset = standard_offset_minutes(iana, date(min(years), 1, 1))
        zones[name] = (_offset_text(offset), iana)
        for weekday, opens, closes in c.BUSINESS_HOURS[region]:
            start, end = opening_to_week_interval(weekday, f"{opens:02d}:00", f"{closes:02d}:00")
            schedule.append((z.SCHEDULE_BASE + number, region, name, start, end,
                             start - offset, end - offset, since, False, synced))  # fmt: skip
        for first, last in _holiday_ranges(c.HOLIDAYS.get(region, ())):
            holidays.append((number, first, last))
    schedule.sort(key=lambda row: (row[0], row[3]))
    holiday_rows = [
        (z.HOLIDAY_BASE + k, z.SCHEDULE_BASE + number, "Public holiday", first.isoformat(),
         last.isoformat(), False, synced)
        for k, (number, first, last) in enumerate(holidays, start=1)
    ]  # fmt: skip
    for name, (_, iana) in zones.items():
        for year in years:
            for begins, ends, shift in _daylight_periods(iana, year):
                daylight.append((name, year, begins, ends, shift, synced))
    rows: dict[str, Sequence[tuple[object, ...]]] = {
        "schedule": schedule,
        "schedule_holiday": holiday_rows,
        "time_zone": sorted((name, text, synced) for name, (text, _) in zones.items()),
        "daylight_time": sorted(daylight),
    }
    return {
        name: pa.Table.from_pylist(
            [dict(zip(z.SCHEMAS[name].names, row, strict=True)) for row in table],
            schema=z.SCHEMAS[name],
        )
        for name, table in rows.items()
    }


def _ticket_schedule(con: duckdb.DuckDBPyConnection, synced: str) -> pa.Table:
    """Each live ticket's region schedule from its creation; a transferred ticket's schedule is
    re-set at its first transfer to the next region's (a trigger on the group change), so
    Zendesk's single-event metrics after it use another schedule than the region's."""
    count = len(c.REGIONS)
    number = " ".join(f"when '{r}' then {i}" for i, r in enumerate(c.REGIONS, start=1))
    return con.sql(f"""
        with regions as (
            select ticket_id, zid, created_at, case region {number} end as n from tk
        ),
        first_transfer as (
            select ticket_id, occurred_at from chg where event_type = 'queue_change' and k = 1
        )
        select * from (
            select zid, {z.SCHEDULE_BASE} + n, created_at, timestamp '{synced}'
            from regions where n is not null
            union all
            select zid, {z.SCHEDULE_BASE} + n % {count} + 1, occurred_at, timestamp '{synced}'
            from regions join first_transfer using (ticket_id) where n is not null
        ) order by 1, 3
    """).to_arrow_table()


# --- ticket_metric: Zendesk's own numbers, computed as Zendesk computes them ------------------


def _business_windows(first: date, last: date) -> pa.Table:
    """(schedule_id, window_start_at, window_end_at) in UTC: each region schedule's open
    intervals on every local date of [first, last] that is not one of its holidays."""
    ids: list[int] = []
    starts: list[datetime] = []
    ends: list[datetime] = []
    for number, region in enumerate(c.REGIONS, start=1):
        zone = ZoneInfo(c.REGION_TIMEZONES[region])
        hours = {weekday: (opens, closes) for weekday, opens, closes in c.BUSINESS_HOURS[region]}
        holidays = set(c.HOLIDAYS.get(region, ()))
        for k in range((last - first).days + 1):
            day = first + timedelta(days=k)
            if day.isoweekday() not in hours or day.isoformat() in holidays:
                continue
            midnight = datetime(day.year, day.month, day.day)
            for hour, into in zip(hours[day.isoweekday()], (starts, ends), strict=True):
                local = (midnight + timedelta(hours=hour)).replace(tzinfo=zone)
                into.append(local.astimezone(UTC).replace(tzinfo=None))
            ids.append(z.SCHEDULE_BASE + number)
    return pa.table(
        {"schedule_id": pa.array(ids, pa.int64()), "window_start_at": pa.array(starts, z.TS),
         "window_end_at": pa.array(ends, z.TS)}
    )  # fmt: skip


_TICKET_METRIC: Final = """
-- public comments by an agent (role at the time: a former agent's are), the comments deleted
-- since included (the metric was recorded when they existed); the system user's trigger
-- comments and the AI agent's are not an agent's reply (Zendesk: automated and bot actions do
-- not count), an agent's trigger auto-response is
create temp table zc as
select ticket_id, occurred_at as moment, en as ord from ev
where event_type = 'message' and is_public and author_type = 'agent'
union all
select ticket_id, created_at + interval 1 second, -1 from deleted;
-- created by an agent with a public first comment: the reply is the next public agent comment
create temp table zopen as
select ticket_id from ev where event_type = 'message'
qualify row_number() over (partition by ticket_id order by occurred_at, en) = 1
    and is_public and author_type = 'agent';
create temp table zreplies as
select zc.ticket_id, zc.moment,
    row_number() over (partition by zc.ticket_id order by zc.moment, zc.ord)
        - case when zopen.ticket_id is null then 0 else 1 end as reply_number
from zc join tk using (ticket_id) left join zopen using (ticket_id)
where zc.moment >= tk.created_at;
-- the status timeline: new from creation, then every change
create temp table zstatus as
select ticket_id, moment, status, previous,
    lead(moment) over (partition by ticket_id order by moment, ord) as next_at
from (
    select ticket_id, created_at as moment, 'new' as status, null as previous, -1 as ord from tk
    union all
    select ticket_id, occurred_at, new_value, old_value, en from chg
    where event_type = 'status_change'
);
-- solves: the first and the latest; a ticket closed unsolved by a rule counts its close, one
-- closed by a merge (an agent's action, neither a solve nor a business rule) has none
create temp table zsolves as
select zstatus.ticket_id,
    coalesce(min(moment) filter (where status = 'solved'),
        case when tk.merged_into_ticket_id is null then min(moment) filter (where status = 'closed')
        end) as first_resolved_at,
    coalesce(max(moment) filter (where status = 'solved'),
        case when tk.merged_into_ticket_id is null then max(moment) filter (where status = 'closed')
        end) as full_resolved_at,
    max(moment) filter (where status = 'solved') as solved_at,
    max(moment) as status_updated_at,
    count(*) filter (where previous = 'solved' and status in ('new', 'open', 'pending', 'on_hold'))
        as reopens
from zstatus join tk using (ticket_id)
group by zstatus.ticket_id, tk.merged_into_ticket_id;
-- every duration as a span, with the moment whose schedule counts its business minutes:
-- single-event metrics the schedule at their event, status metrics each status change's
create temp table zspans as
select ticket_id, 'reply_time' as metric, tk.created_at as span_start, moment as span_end,
    moment as schedule_at
from zreplies join tk using (ticket_id) where reply_number = 1
union all
select ticket_id, 'first_resolution_time', tk.created_at, first_resolved_at, first_resolved_at
from zsolves join tk using (ticket_id) where first_resolved_at is not null
union all
select ticket_id, 'full_resolution_time', tk.created_at, full_resolved_at, full_resolved_at
from zsolves join tk using (ticket_id) where full_resolved_at is not null
union all
select ticket_id,
    case status when 'pending' then 'agent_wait_time' when 'on_hold' then 'on_hold_time' end,
    moment, next_at, next_at
from zstatus where status in ('pending', 'on_hold') and next_at is not null
union all
select ticket_id, 'requester_wait_time', moment, next_at, next_at
from zstatus where status in ('new', 'open', 'on_hold') and next_at is not null;
create temp table zscheduled as
select zspans.*, tk.zid, tsched.schedule_id
from zspans join tk using (ticket_id)
asof left join tsched on tk.zid = tsched.ticket_id and zspans.schedule_at >= tsched.created_at;
create temp table zminutes as
select zscheduled.ticket_id, metric,
    sum(epoch(span_end) - epoch(span_start)) / 60.0 as calendar,
    sum(coalesce(business, 0.0)) as business,
    bool_and(schedule_id is not null) as has_schedule
from zscheduled
left join (
    select zscheduled.ticket_id, zscheduled.metric, zscheduled.span_start,
        sum(epoch(least(w.window_end_at, span_end)) - epoch(greatest(w.window_start_at,
            span_start))) / 60.0 as business
    from zscheduled join windows as w on w.schedule_id = zscheduled.schedule_id
        and w.window_start_at < zscheduled.span_end and w.window_end_at > zscheduled.span_start
    group by all
) as window_overlaps using (ticket_id, metric, span_start)
group by zscheduled.ticket_id, metric;
"""


def _ticket_metric(con: duckdb.DuckDBPyConnection, synced: str, schedules: pa.Table) -> pa.Table:
    """`ticket_metric` as Zendesk computes it (its native duration metrics; whole minutes).

    It differs from our definitions for the reasons the reconciliation names: an agent's trigger
    auto-response is a first reply, an outbound ticket's reply is the next agent comment, a
    comment deleted since still counts, the full resolution time does not pause while pending,
    business minutes use the schedule in force at the event, a ticket closed by a merge has no
    resolution time, a reopened ticket keeps its last solve's. Tickets created in the last
    `METRIC_SYNC_LAG_HOURS` hours of the export have no row yet.
    """
    bounds = con.execute(
        "select min(created_at), greatest(max(created_at), (select max(occurred_at) from e)) from t"
    ).fetchall()[0]
    if bounds[0] is None:
        first = last = date(2026, 1, 1)
    else:
        first, last = bounds[0].date() - timedelta(days=2), bounds[1].date() + timedelta(days=2)
    con.register("windows", _business_windows(first, last))
    con.register("tsched", schedules)
    con.execute(_TICKET_METRIC)
    columns = ", ".join(
        f"round(max({clock}) filter (where metric = '{metric}'"
        + (" and has_schedule" if clock == "business" else "")
        + f")) as {metric}_in_minutes_{clock}"
        for metric in z.METRICS
        for clock in ("calendar", "business")
    )
    lag = z.METRIC_SYNC_LAG_HOURS
    return con.sql(f"""
        with minutes as (select ticket_id, {columns} from zminutes group by ticket_id),
        counts as (
            select ticket_id, count(*) filter (where reply_number >= 1) as replies
            from zreplies group by ticket_id
        ),
        latest_comment as (
            select ticket_id, max(occurred_at) as moment from ev where event_type = 'message'
            group by ticket_id
        ),
        stations as (
            select ticket_id, 1 + count(*) as n from chg where event_type = 'queue_change'
            group by ticket_id
        ),
        live as (
            select {z.METRIC_BASE} + tk.tn, tk.zid, tk.created_at, tk.updated_at,
                case when tk.group0 is null then 0 else coalesce(stations.n, 1) end,
                coalesce(counts.replies, 0), coalesce(zsolves.reopens, 0),
                coalesce(zsolves.status_updated_at, tk.created_at), latest_comment.moment,
                zsolves.solved_at, minutes.* exclude (ticket_id)
            from tk
            left join minutes using (ticket_id)
            left join counts using (ticket_id)
            left join zsolves using (ticket_id)
            left join latest_comment using (ticket_id)
            left join stations using (ticket_id)
            where tk.created_at <= (select max(created_at) from t) - interval {lag} hour
        ),
        gone as (
            select {z.METRIC_BASE} + (select max(tn) from tk) + i,
                (select max(zid) from tk) + i, created_at, created_at + interval 1 hour,
                1, 0, 0, created_at, created_at + interval 1 minute, null,
                {", ".join(["null"] * 2 * len(z.METRICS))}
            from deleted
        )
        select *, timestamp '{synced}' from (select * from live union all select * from gone)
        order by 1
    """).to_arrow_table()


def to_zendesk(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The Zendesk tables (zendesk_schema.SCHEMAS) of the five contract tables `tables`."""
    con = duckdb.connect()
    try:
        con.execute("set threads = 2")
        for alias, name in (
            ("t", "tickets"),
            ("e", "ticket_events"),
            ("s", "csat_responses"),
            ("a", "agents"),
        ):
            con.register(alias, tables[name])
        _macros(con, z.ID_RULES["T"][1])
        changed_at, synced_at = _moments(con)
        former = _former_agents(con)
        con.execute(
            _SETUP.format(
                group_base=z.GROUP_BASE,
                org_base=z.ORGANIZATION_BASE,
                macro_base=z.MACRO_BASE,
                system=z.SYSTEM_USER_ID,
                bot=z.BOT_USER_ID,
                every=DELETED_EVERY,
            )
        )
        synced, changed = synced_at.isoformat(sep=" "), changed_at.isoformat(sep=" ")
        since, years = _period(con, changed_at)
        raw = {
            "ticket": _ticket(con, synced),
            "ticket_comment": _comment(con, synced),
            "ticket_field_history": _field_history(con, synced),
            "ticket_tag": _tags(con, synced),
            "user": _users(con, synced, changed, former),
            **_small_tables(con, synced, changed, former[0]),
            **_schedule_tables(since, synced_at, years),
            "ticket_schedule": _ticket_schedule(con, synced),
        }
        schedules = _conform(raw["ticket_schedule"], z.SCHEMAS["ticket_schedule"])
        raw["ticket_metric"] = _ticket_metric(con, synced, schedules)
    finally:
        con.close()
    return {name: _conform(raw[name], z.SCHEMAS[name]) for name in z.ZENDESK_TABLES}


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table`'s columns (in order) renamed and cast to `schema`; a dictionary column keeps
    its encoding (its values are cast)."""
    columns = []
    for column, field in zip(table.columns, schema, strict=True):
        if pa.types.is_dictionary(column.type):
            columns.append(column)
        else:
            columns.append(pc.cast(column, field.type))
    return pa.Table.from_arrays(columns, names=schema.names)


def write_zendesk(out_dir: Path, tables: Mapping[str, pa.Table]) -> dict[str, int]:
    """Write one zstd Parquet file per Zendesk table (named after it); rows per table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name in z.ZENDESK_TABLES:
        table = tables[name]
        dictionary = [col for col in table.column_names if col in z.DICTIONARY_COLUMNS]
        pq.write_table(
            table,
            out_dir / f"{name}.parquet",
            compression="zstd",
            use_dictionary=dictionary,
            row_group_size=1_048_576,
            store_schema=False,
        )
        rows[name] = table.num_rows
    return rows


__all__ = ["to_zendesk", "write_zendesk"]
