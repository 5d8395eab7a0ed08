"""The source contract (shared/design/source-contract.md) as the raw suite reads it.

The closed enumerations mirror the dbt macro ``helpdesk_enum`` (macros/definitions/
helpdesk_enums.sql), which staging checks every row against; ``tests/test_check.py`` fails when
the two differ. Regions are not listed: the contract's regions are the ``business_hours`` seed's,
read from the warehouse.
"""

from __future__ import annotations

from typing import Final

#: The raw tables, in the contract's order.
TABLES: Final = ("tickets", "ticket_events", "csat_responses", "agents", "agent_shifts")

ENUMS: Final[dict[str, tuple[str, ...]]] = {
    "channel": ("email", "web_form", "chat", "phone", "social", "api"),
    "priority": ("p1", "p2", "p3", "p4"),
    "customer_tier": ("enterprise", "mid_market", "smb", "free"),
    "event_type": ("message", "status_change", "queue_change", "priority_change", "escalation"),
    "author_type": ("customer", "agent", "system", "bot"),
    "status": ("new", "open", "pending", "on_hold", "solved", "closed"),
    "agent_role": ("agent", "lead"),
}

#: Columns every row must carry (keys, the row's time, closed enumerations, open fields the
#: contract requires non-empty), per table.
KEY_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "tickets": (
        "ticket_id",
        "created_at",
        "channel",
        "queue",
        "priority",
        "region",
        "customer_tier",
        "contact_reason",
        "branch",
        "requester_id",
        "is_internal_requester",
    ),
    "ticket_events": ("event_id", "ticket_id", "occurred_at", "event_type", "author_type"),
    "csat_responses": ("survey_id", "ticket_id", "sent_at"),
    "agents": ("agent_id", "role"),
    "agent_shifts": ("agent_id", "shift_date"),
}

#: The time columns of each table whose range the suite bounds.
TIME_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "tickets": ("created_at",),
    "ticket_events": ("occurred_at",),
    "csat_responses": ("sent_at", "responded_at"),
    "agent_shifts": ("shift_date",),
}
