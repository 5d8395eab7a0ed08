"""Vocabularies of the raw export contract and the generator's default behaviour tables.

Enumerations mirror `/work/shared/design/source-contract.md`; regions, time zones and holidays
mirror `seeds/business_hours.csv` and `seeds/holidays.csv` and the acknowledgement macros mirror
`seeds/acknowledgement_macros.csv` (a test keeps them in step with the seeds).
Every list is ordered: codes in the generator are indexes into these tuples.
"""

from __future__ import annotations

from typing import Final

# --- closed enumerations of the contract -------------------------------------------------------
CONTRACT_CHANNELS: Final = ("email", "web_form", "chat", "phone", "social", "api")
#: Channels the generator can emit; index 6 (`messaging`) is unknown to the contract and only
#: appears when a scenario injects it.
CHANNELS: Final = (*CONTRACT_CHANNELS, "messaging")
CH_EMAIL, CH_WEB_FORM, CH_CHAT, CH_PHONE, CH_SOCIAL, CH_API, CH_MESSAGING = range(7)

PRIORITIES: Final = ("p1", "p2", "p3", "p4")
TIERS: Final = ("enterprise", "mid_market", "smb", "free")
EVENT_TYPES: Final = ("message", "status_change", "queue_change", "priority_change", "escalation")
ET_MESSAGE, ET_STATUS, ET_QUEUE, ET_PRIORITY, ET_ESCALATION = range(5)
AUTHOR_TYPES: Final = ("customer", "agent", "system", "bot")
AT_CUSTOMER, AT_AGENT, AT_SYSTEM, AT_BOT = range(4)
STATUSES: Final = ("new", "open", "pending", "on_hold", "solved", "closed")
ROLES: Final = ("agent", "lead")

# --- regions (seeds/business_hours.csv) ----------------------------------------------------------
REGIONS: Final = ("NA", "EMEA", "APAC", "LATAM")
REGION_TIMEZONES: Final = {
    "NA": "America/New_York",
    "EMEA": "Europe/Berlin",
    "APAC": "Asia/Singapore",
    "LATAM": "America/Sao_Paulo",
}

#: business hours per region: (ISO weekday, opens hour, closes hour), local time
BUSINESS_HOURS: Final = {
    "NA": (*((d, 8, 20) for d in range(1, 6)), (6, 10, 16)),
    "EMEA": tuple((d, 8, 18) for d in range(1, 6)),
    "APAC": tuple((d, 9, 18) for d in range(1, 6)),
    "LATAM": tuple((d, 9, 18) for d in range(1, 6)),
}
#: public holidays per region (local dates; seeds/holidays.csv): no business minutes on them
HOLIDAYS: Final = {
    "NA": (
        "2026-01-01",
        "2026-01-19",
        "2026-02-16",
        "2026-05-25",
        "2026-07-03",
        "2026-09-07",
        "2026-11-26",
        "2026-12-25",
    ),
    "EMEA": (
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-01",
        "2026-05-14",
        "2026-05-25",
        "2026-10-03",
        "2026-12-25",
        "2026-12-26",
    ),
    "APAC": (
        "2026-01-01",
        "2026-02-17",
        "2026-02-18",
        "2026-04-03",
        "2026-05-01",
        "2026-08-10",
        "2026-12-25",
    ),
    "LATAM": (
        "2026-01-01",
        "2026-02-16",
        "2026-02-17",
        "2026-04-03",
        "2026-04-21",
        "2026-05-01",
        "2026-09-07",
        "2026-11-02",
        "2026-12-25",
    ),
}
#: channels whose agents only work inside business hours (the first reply waits for opening)
CH_BUSINESS_HOURS_ONLY: Final = (True, True, False, False, True, True, False)

# --- acknowledgement-only macros (seeds/acknowledgement_macros.csv) ---------------------------
ACK_MACROS: Final = (
    "mac_ack_received",
    "mac_ack_looking_into_it",
    "mac_ack_high_volume",
    "mac_ack_forwarded",
)

# --- open vocabularies (any non-empty value is valid in the contract) ---------------------------
QUEUES: Final = ("billing", "tier1", "technical", "accounts")
BRANCHES: Final = ("east", "west", "central", "south")
BR_EAST, BR_WEST, BR_CENTRAL, BR_SOUTH = range(4)
REASONS: Final = (
    "password_reset",
    "billing_dispute",
    "how_to",
    "bug_report",
    "integration",
    "account_access",
    "refund",
)
RS_BILLING_DISPUTE: Final = 1
#: Solution macros (not acknowledgements), one per contact reason, used on some real replies.
SOLUTION_MACROS: Final = (
    "mac_password_reset_steps",
    "mac_billing_explainer",
    "mac_howto_article",
    "mac_bug_workaround",
    "mac_integration_docs",
    "mac_access_recovery",
    "mac_refund_policy",
)
MACROS: Final = ACK_MACROS + SOLUTION_MACROS
ESCALATION_LEVELS: Final = ("l1", "l2")

#: Vocabulary of `old_value` / `new_value` codes: statuses, then queues, priorities, levels.
VALUES: Final = STATUSES + QUEUES + PRIORITIES + ESCALATION_LEVELS
V_NEW, V_OPEN, V_PENDING, V_ON_HOLD, V_SOLVED, V_CLOSED = range(6)
V_QUEUE0: Final = len(STATUSES)
V_PRIORITY0: Final = V_QUEUE0 + len(QUEUES)
V_LEVEL0: Final = V_PRIORITY0 + len(PRIORITIES)

# --- default mix -----------------------------------------------------------------------------
CHANNEL_WEIGHTS: Final = (0.35, 0.20, 0.25, 0.10, 0.05, 0.05, 0.0)
REGION_WEIGHTS: Final = (0.42, 0.30, 0.16, 0.12)
TIER_WEIGHTS: Final = (0.10, 0.22, 0.40, 0.28)
#: rows: region, columns: branch (east, west, central, south)
BRANCH_GIVEN_REGION: Final = (
    (0.45, 0.40, 0.10, 0.05),
    (0.10, 0.05, 0.75, 0.10),
    (0.05, 0.55, 0.30, 0.10),
    (0.10, 0.05, 0.10, 0.75),
)
#: rows: branch, columns: REASONS
REASON_GIVEN_BRANCH: Final = (
    (0.16, 0.16, 0.22, 0.14, 0.08, 0.12, 0.12),
    (0.20, 0.10, 0.24, 0.14, 0.08, 0.14, 0.10),
    (0.18, 0.14, 0.20, 0.16, 0.10, 0.10, 0.12),
    (0.20, 0.14, 0.22, 0.12, 0.06, 0.14, 0.12),
)
#: rows: REASONS, columns: QUEUES (billing, tier1, technical, accounts)
QUEUE_GIVEN_REASON: Final = (
    (0.00, 0.30, 0.00, 0.70),
    (0.90, 0.10, 0.00, 0.00),
    (0.00, 0.85, 0.15, 0.00),
    (0.00, 0.20, 0.80, 0.00),
    (0.00, 0.10, 0.90, 0.00),
    (0.00, 0.25, 0.00, 0.75),
    (0.85, 0.15, 0.00, 0.00),
)
#: rows: TIERS, columns: PRIORITIES (p1 is rare)
PRIORITY_GIVEN_TIER: Final = (
    (0.06, 0.27, 0.52, 0.15),
    (0.03, 0.20, 0.55, 0.22),
    (0.02, 0.15, 0.56, 0.27),
    (0.01, 0.09, 0.55, 0.35),
)
#: local weekday weights, Monday first
WEEKDAY_WEIGHTS: Final = (1.18, 1.12, 1.08, 1.02, 0.92, 0.42, 0.30)
#: local hour-of-day weights
HOUR_WEIGHTS: Final = (
    0.15, 0.10, 0.08, 0.08, 0.10, 0.20, 0.40, 0.80, 1.40, 1.90, 2.00, 1.90,
    1.60, 1.70, 1.80, 1.70, 1.50, 1.10, 0.80, 0.60, 0.50, 0.40, 0.30, 0.20,
)  # fmt: skip
WEEKLY_GROWTH: Final = 0.005

# --- per-channel behaviour (index: CHANNELS) -------------------------------------------------
CH_FRT_MEDIAN_MIN: Final = (240.0, 200.0, 4.0, 1.5, 90.0, 300.0, 600.0)
CH_FRT_SIGMA: Final = (1.0, 1.0, 0.8, 0.6, 1.0, 1.0, 0.7)
CH_AUTO_RESPONSE_P: Final = (0.92, 0.92, 0.0, 0.0, 0.0, 0.0, 0.0)
CH_ACK_P: Final = (0.15, 0.15, 0.03, 0.0, 0.12, 0.10, 0.03)
CH_CHASE_P: Final = (0.08, 0.06, 0.0, 0.0, 0.10, 0.04, 0.05)
CH_OUTBOUND_P: Final = (0.05, 0.0, 0.0, 0.12, 0.03, 0.0, 0.0)
CH_PENDING_MULT: Final = (1.0, 1.0, 0.35, 0.5, 0.8, 1.0, 0.35)
CH_CHAT_LIKE: Final = (False, False, True, False, False, False, True)

# --- per-reason behaviour (index: REASONS) ---------------------------------------------------
RS_FRT_MULT: Final = (0.8, 1.1, 1.0, 1.1, 1.2, 0.9, 1.0)
RS_PENDING_LAMBDA: Final = (0.18, 0.60, 0.30, 0.55, 0.60, 0.30, 0.45)
RS_FOLLOWUP_MEDIAN_MIN: Final = (30.0, 300.0, 60.0, 480.0, 360.0, 60.0, 180.0)
RS_ESCALATION_P: Final = (0.01, 0.08, 0.02, 0.20, 0.15, 0.04, 0.05)
RS_REOPEN_P: Final = (0.03, 0.09, 0.04, 0.10, 0.08, 0.05, 0.07)
RS_HOLD_P: Final = (0.0, 0.03, 0.0, 0.10, 0.12, 0.01, 0.04)

# --- per-priority, tier, branch speed multipliers --------------------------------------------
PR_FRT_MULT: Final = (0.3, 0.6, 1.0, 1.4)
TIER_FRT_MULT: Final = (0.6, 0.8, 1.0, 1.4)
BRANCH_SPEED_MULT: Final = (1.0, 0.85, 1.15, 1.3)

# --- shares of special tickets -------------------------------------------------------------
INTERNAL_SHARE: Final = 0.02
MERGED_SHARE: Final = 0.015
REPEAT_SHARE: Final = 0.05
TIE_SHARE: Final = 0.003
SPAM_SHARE: Final = 0.01
SHORT_REPLY_SHARE: Final = 0.07
