"""What the demo build produced: volumes, coverage, first response by channel, quarantine.

Every number is computed by the warehouse (SQL over the governed marts); this module only reads
and presents them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb


class WarehouseError(Exception):
    """The warehouse file cannot be read, or lacks the tables a build makes."""


@dataclass(frozen=True)
class ChannelResponse:
    channel: str
    included_contacts: int
    coverage_rate: float
    first_response_minutes_p50: float | None
    first_meaningful_response_minutes_p50: float | None


@dataclass(frozen=True)
class QuarantineCount:
    source_table: str
    quarantine_reason: str
    rows: int


@dataclass(frozen=True)
class BuildSummary:
    first_week: str
    last_week: str
    all_contacts: int
    included_contacts: int
    coverage_rate: float
    quarantined_tickets: int
    channels: list[ChannelResponse] = field(default_factory=list)
    quarantine: list[QuarantineCount] = field(default_factory=list)


_TOTALS_SQL = """
select
    cast(min(created_week) as varchar),
    cast(max(created_week) as varchar),
    count(*),
    count(*) filter (where is_included),
    count(*) filter (where is_quarantined)
from fct_tickets
"""

# Coverage per channel comes from the weekly facts (included / all contacts); medians are
# computed by the warehouse over the included tickets of fct_tickets.
_CHANNELS_SQL = """
with coverage as (
    select channel, sum(included_contacts) as included, sum(all_contacts) as total
    from fct_support_weekly
    group by channel
),
responses as (
    select
        channel,
        median(first_response_minutes) as frt_p50,
        median(first_meaningful_response_minutes) as fmrt_p50
    from fct_tickets
    where is_included
    group by channel
)
select
    coalesce(coverage.channel, '(null)'),
    cast(coverage.included as bigint),
    coverage.included / coverage.total,
    responses.frt_p50,
    responses.fmrt_p50
from coverage
left join responses on coverage.channel = responses.channel
where coverage.total > 0
order by coverage.total desc
"""

_QUARANTINE_SQL = """
select source_table, quarantine_reason, count(*)
from stg_helpdesk__quarantined_rows
group by source_table, quarantine_reason
order by count(*) desc, source_table, quarantine_reason
"""


def read_summary(database: Path) -> BuildSummary:
    """Read the summary of a built warehouse (DuckDB file), read-only."""
    if not database.exists():
        raise WarehouseError(f"{database}: warehouse file not found (run the build first)")
    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as error:
        raise WarehouseError(f"{database}: cannot open: {error}".splitlines()[0]) from error
    try:
        totals = connection.execute(_TOTALS_SQL).fetchone()
        channel_rows = connection.execute(_CHANNELS_SQL).fetchall()
        quarantine_rows = connection.execute(_QUARANTINE_SQL).fetchall()
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        raise WarehouseError(
            f"{database}: not a complete metric_ledger build: {message}"
        ) from error
    finally:
        connection.close()
    assert totals is not None
    first_week, last_week, all_contacts, included, quarantined = totals
    return BuildSummary(
        first_week=str(first_week),
        last_week=str(last_week),
        all_contacts=int(all_contacts),
        included_contacts=int(included),
        coverage_rate=(included / all_contacts) if all_contacts else 0.0,
        quarantined_tickets=int(quarantined),
        channels=[
            ChannelResponse(
                channel=str(row[0]),
                included_contacts=int(row[1]),
                coverage_rate=float(row[2]),
                first_response_minutes_p50=None if row[3] is None else float(row[3]),
                first_meaningful_response_minutes_p50=None if row[4] is None else float(row[4]),
            )
            for row in channel_rows
        ],
        quarantine=[
            QuarantineCount(
                source_table=str(row[0]), quarantine_reason=str(row[1]), rows=int(row[2])
            )
            for row in quarantine_rows
        ],
    )
