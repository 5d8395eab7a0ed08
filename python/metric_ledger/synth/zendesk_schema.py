"""Fivetran's Zendesk tables as the generator writes them: columns, types, ids and value maps.

The mapping rules are specified in `docs/zendesk_mapping.md`; this module is their single
source in code (the converter in `zendesk.py` and the tests read it). Column names follow the
staged columns of Fivetran's `dbt_zendesk` package; columns marked *extension* in the spec are
ours (Zendesk has the fact, Fivetran's documented tables do not carry it).
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

TS: Final = pa.timestamp("us")
I64: Final = pa.int64()
STR: Final = pa.string()
BOOL: Final = pa.bool_()

#: ticket_metric's durations (each `_in_minutes_calendar` and `_in_minutes_business`)
METRICS: Final = (
    "reply_time",
    "first_resolution_time",
    "full_resolution_time",
    "agent_wait_time",
    "requester_wait_time",
    "on_hold_time",
)

#: Every Zendesk table, columns in order, with their Arrow types.
SCHEMAS: Final[dict[str, pa.Schema]] = {
    "ticket": pa.schema(
        [
            ("id", I64),
            ("created_at", TS),
            ("updated_at", TS),
            ("via_channel", STR),
            ("status", STR),
            ("priority", STR),
            ("group_id", I64),
            ("organization_id", I64),
            ("requester_id", I64),
            ("submitter_id", I64),
            ("merged_ticket_ids", STR),
            ("custom_contact_reason", STR),
            ("custom_escalation_level", STR),
            ("_fivetran_deleted", BOOL),
            ("_fivetran_synced", TS),
        ]
    ),
    "ticket_comment": pa.schema(
        [
            ("id", I64),
            ("ticket_id", I64),
            ("user_id", I64),
            ("created", TS),
            ("public", BOOL),
            ("body", STR),
            ("via_channel", STR),  # extension
            ("macro_id", I64),  # extension
            ("_fivetran_deleted", BOOL),
            ("_fivetran_synced", TS),
        ]
    ),
    "ticket_field_history": pa.schema(
        [
            ("ticket_id", I64),
            ("field_name", STR),
            ("updated", TS),
            ("value", STR),
            ("user_id", I64),
            ("_fivetran_synced", TS),
        ]
    ),
    "ticket_tag": pa.schema([("ticket_id", I64), ("tag", STR), ("_fivetran_synced", TS)]),
    "ticket_field": pa.schema(
        [
            ("id", I64),
            ("title", STR),
            ("type", STR),
            ("active", BOOL),
            ("_fivetran_deleted", BOOL),
            ("_fivetran_synced", TS),
        ]
    ),
    "user": pa.schema(
        [
            ("id", I64),
            ("external_id", STR),
            ("name", STR),
            ("email", STR),
            ("role", STR),
            ("active", BOOL),
            ("organization_id", I64),
            ("created_at", TS),
            ("updated_at", TS),
            ("_fivetran_deleted", BOOL),
            ("_fivetran_synced", TS),
        ]
    ),
    "group": pa.schema(
        [
            ("id", I64),
            ("name", STR),
            ("created_at", TS),
            ("updated_at", TS),
            ("_fivetran_deleted", BOOL),
            ("_fivetran_synced", TS),
        ]
    ),
    "organization": pa.schema(
        [
            ("id", I64),
            ("name", STR),
            ("custom_customer_tier", STR),
            ("custom_internal", BOOL),
            ("created_at", TS),
            ("updated_at", TS),
            ("_fivetran_synced", TS),
        ]
    ),
    "satisfaction_rating": pa.schema(
        [
            ("id", I64),
            ("ticket_id", I64),
            ("requester_id", I64),
            ("group_id", I64),
            ("score", STR),
            ("csat_rating", pa.int32()),  # extension
            ("created_at", TS),
            ("updated_at", TS),
            ("_fivetran_synced", TS),
        ]
    ),
    "macro": pa.schema([("id", I64), ("title", STR), ("active", BOOL), ("_fivetran_synced", TS)]),
    "audit_log": pa.schema(
        [
            ("id", I64),
            ("action", STR),
            ("actor_id", I64),
            ("source_id", I64),
            ("source_type", STR),
            ("source_label", STR),
            ("change_description", STR),
            ("created_at", TS),
            ("_fivetran_synced", TS),
        ]
    ),
    # business hours: one schedule per region (seeds/business_hours.csv, seeds/holidays.csv)
    "schedule": pa.schema(
        [
            ("id", I64),
            ("name", STR),
            ("time_zone", STR),
            ("start_time", I64),  # minutes from Sunday 00:00, local time
            ("end_time", I64),
            ("start_time_utc", I64),  # the same at the zone's standard offset
            ("end_time_utc", I64),
            ("created_at", TS),
            ("_fivetran_deleted", BOOL),
            ("_fivetran_synced", TS),
        ]
    ),
    "schedule_holiday": pa.schema(
        [
            ("id", I64),
            ("schedule_id", I64),
            ("name", STR),
            ("start_date", STR),  # YYYY-MM-DD, local, inclusive
            ("end_date", STR),
            ("_fivetran_deleted", BOOL),
            ("_fivetran_synced", TS),
        ]
    ),
    "time_zone": pa.schema(
        [("time_zone", STR), ("standard_offset", STR), ("_fivetran_synced", TS)]
    ),
    "daylight_time": pa.schema(
        [
            ("time_zone", STR),
            ("year", I64),
            ("daylight_start_utc", TS),
            ("daylight_end_utc", TS),
            ("daylight_offset", I64),  # hours added to the standard offset
            ("_fivetran_synced", TS),
        ]
    ),
    "ticket_schedule": pa.schema(
        [("ticket_id", I64), ("schedule_id", I64), ("created_at", TS), ("_fivetran_synced", TS)]
    ),
    # Zendesk's own numbers per ticket (the Ticket Metrics API, flattened as Fivetran syncs it:
    # `reply_time_in_minutes: {calendar, business}` -> two columns); whole minutes
    "ticket_metric": pa.schema(
        [
            ("id", I64),
            ("ticket_id", I64),
            ("created_at", TS),
            ("updated_at", TS),
            ("group_stations", I64),
            ("replies", I64),
            ("reopens", I64),
            ("status_updated_at", TS),
            ("latest_comment_added_at", TS),
            ("solved_at", TS),
            *(
                (f"{metric}_in_minutes_{clock}", I64)
                for metric in METRICS
                for clock in ("calendar", "business")
            ),
            ("_fivetran_synced", TS),
        ]
    ),
}
ZENDESK_TABLES: Final = tuple(SCHEMAS)

# --- ids: Zendesk ids are bigints; ours are a prefix and a number --------------------------
#: Zendesk id = base + the number of our id (T0000123 -> 100123). Reverse: prefix + the
#: difference, zero-padded to the width (the generator's minimum; wider only past it).
ID_RULES: Final[dict[str, tuple[str, int, int]]] = {
    # our prefix: (Zendesk table.column, base, minimum width of the number)
    "T": ("ticket.id", 100_000, 7),
    "E": ("ticket_comment.id", 10_000_000_000, 9),
    "S": ("satisfaction_rating.id", 50_000_000_000, 7),
    "C": ("user.id (customer)", 360_000_000_000, 7),
    "U": ("user.id (internal requester)", 361_000_000_000, 4),
    "A": ("user.id (agent)", 362_000_000_000, 5),
}
#: Zendesk's own actor for automations (triggers, automations, the survey offer): no user row.
SYSTEM_USER_ID: Final = -1
BOT_USER_ID: Final = 363_000_000_001
GROUP_BASE: Final = 20_000_000_000
ORGANIZATION_BASE: Final = 30_000_000_000
MACRO_BASE: Final = 40_000_000_000
AUDIT_BASE: Final = 70_000_000_000
#: schedule id = base + the region's position in constants.REGIONS (1 = NA); holidays likewise
SCHEDULE_BASE: Final = 360_000_200_000
HOLIDAY_BASE: Final = 360_000_300_000
#: ticket_metric.id = base + the ticket's number
METRIC_BASE: Final = 90_000_000_000
#: ticket_metric rows of tickets created this close to the export's last ticket are not synced
#: yet (Fivetran syncs ticket metrics on a slower cycle than tickets)
METRIC_SYNC_LAG_HOURS: Final = 12
CONTACT_REASON_FIELD_ID: Final = 360_000_100_001
ESCALATION_FIELD_ID: Final = 360_000_100_002

# --- value maps (ours -> Zendesk's); a value not listed passes through unchanged -------------
VIA_CHANNELS: Final = {
    "email": "email",
    "web_form": "web",
    "chat": "chat",
    "phone": "voice",
    "social": "facebook",
    "api": "api",
    "messaging": "native_messaging",
}
STATUSES: Final = {
    "new": "new",
    "open": "open",
    "pending": "pending",
    "on_hold": "hold",
    "solved": "solved",
    "closed": "closed",
}
PRIORITIES: Final = {"p1": "urgent", "p2": "high", "p3": "normal", "p4": "low"}
#: schedule.time_zone: Zendesk names a zone as Rails does ("Eastern Time (US & Canada)"), not by
#: its IANA name; `metric_ledger.zendesk_schedules.ZENDESK_TIME_ZONES` maps them back.
TIME_ZONES: Final = {
    "America/New_York": "Eastern Time (US & Canada)",
    "Europe/Berlin": "Berlin",
    "Asia/Singapore": "Singapore",
    "America/Sao_Paulo": "Brasilia",
}
#: ticket_field_history.field_name of each change event type (escalation: the custom field id)
FIELD_NAMES: Final = {
    "status_change": "status",
    "priority_change": "priority",
    "queue_change": "group_id",
    "escalation": str(ESCALATION_FIELD_ID),
}
#: ticket_comment.via_channel (extension) of a comment by its author type; auto-responses
#: are `rule` (a trigger), a customer's comment has its ticket's via_channel.
COMMENT_VIA: Final = {"agent": "web", "bot": "api", "system": "rule"}
AUTO_RESPONSE_VIA: Final = "rule"
#: satisfaction_rating.score from our 1..5 rating (int_tickets_csat: satisfied = rating >= 4)
GOOD_FROM_RATING: Final = 4
ROLE_CHANGE: Final = "Support role changed from agent to end-user"
REGION_TAG_PREFIX: Final = "region_"
MERGED_TAG: Final = "closed_by_merge"
AGENT_EMAIL_DOMAIN: Final = "support.acme.example"
STAFF_EMAIL_DOMAIN: Final = "acme.example"
CUSTOMER_EMAIL_DOMAIN: Final = "customer.example"
#: Columns with few distinct values: dictionary-encoded in Parquet.
DICTIONARY_COLUMNS: Final = [
    "via_channel",
    "status",
    "priority",
    "field_name",
    "value",
    "tag",
    "role",
    "score",
    "custom_contact_reason",
    "custom_escalation_level",
    "body",
]

__all__ = [
    "BOT_USER_ID",
    "DICTIONARY_COLUMNS",
    "ID_RULES",
    "SCHEMAS",
    "SYSTEM_USER_ID",
    "ZENDESK_TABLES",
]
