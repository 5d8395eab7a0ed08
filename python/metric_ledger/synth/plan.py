"""The generation plan (mix and behaviour tables) and the per-ticket arrays it produces.

Scenarios act on these objects: `Plan` before any ticket is drawn, `Tickets` once ticket
attributes exist, `Behaviour` before the event timelines are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from metric_ledger.synth import constants as c

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
Bool = npt.NDArray[np.bool_]


def _arr(values: tuple[float, ...] | tuple[tuple[float, ...], ...]) -> F64:
    return np.array(values, dtype=np.float64)


@dataclass
class Plan:
    """Tunable mix and behaviour of one generation run (fresh copies of `constants`)."""

    tickets: int
    seed: int
    start: date
    weeks: int
    #: days after the last whole week: the export ends mid-week (0 = it ends on a week boundary)
    extra_days: int = 0
    channel_weights: F64 = field(default_factory=lambda: _arr(c.CHANNEL_WEIGHTS))
    region_weights: F64 = field(default_factory=lambda: _arr(c.REGION_WEIGHTS))
    tier_weights: F64 = field(default_factory=lambda: _arr(c.TIER_WEIGHTS))
    branch_given_region: F64 = field(default_factory=lambda: _arr(c.BRANCH_GIVEN_REGION))
    reason_given_branch: F64 = field(default_factory=lambda: _arr(c.REASON_GIVEN_BRANCH))
    queue_given_reason: F64 = field(default_factory=lambda: _arr(c.QUEUE_GIVEN_REASON))
    priority_given_tier: F64 = field(default_factory=lambda: _arr(c.PRIORITY_GIVEN_TIER))
    channel_frt_median_min: F64 = field(default_factory=lambda: _arr(c.CH_FRT_MEDIAN_MIN))
    branch_speed_mult: F64 = field(default_factory=lambda: _arr(c.BRANCH_SPEED_MULT))
    #: later contact-reason mixes: (epoch seconds, table like `reason_given_branch`); tickets
    #: created at or after the epoch draw their reason from the table (the last match wins)
    reason_schedule: list[tuple[int, F64]] = field(default_factory=list)

    @property
    def days(self) -> int:
        return self.weeks * 7 + self.extra_days

    @property
    def start_epoch(self) -> int:
        """Export start (UTC midnight of `start`) in epoch seconds."""
        return int(
            datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp()
        )

    @property
    def end_epoch(self) -> int:
        """Export end (exclusive) in epoch seconds: start + weeks * 7 + extra_days days."""
        return self.start_epoch + self.days * 86_400

    def day_epoch(self, day: date) -> int:
        """Epoch seconds of UTC midnight of `day`."""
        return self.start_epoch + (day - self.start) // timedelta(days=1) * 86_400


@dataclass
class Tickets:
    """Ticket attributes; codes index the vocabularies in `constants`."""

    created: I64  # epoch seconds, UTC
    channel: I8
    queue: I8
    priority: I8
    region: I8
    tier: I8
    reason: I8
    branch: I8
    requester: I64  # customer index, or internal index when is_internal
    is_internal: Bool
    merged_into: I64  # ticket index or -1
    vanish: Bool  # dropped from the export (with its events and surveys) at the end

    @property
    def n(self) -> int:
        return int(self.created.shape[0])


@dataclass
class Behaviour:
    """Per-ticket lifecycle parameters the event timelines are built from."""

    frt_s: F64  # created (or the customer's answer for outbound) -> first agent reply
    wait_open_s: F64  # part of frt_s spent waiting for business hours to open
    followup_mult: F64  # multiplier of agent follow-up times
    outbound: Bool
    auto_response: Bool
    auto_by_agent: Bool
    bot: Bool
    bot_reply: Bool
    ack: Bool
    chase: Bool
    note1: Bool
    note2: Bool
    queue_change: Bool
    queue_same: Bool
    escalate: Bool
    priority_change: Bool
    chat_exchanges: I8
    n_pending: I8
    abandoned: Bool
    hold: Bool
    spam: Bool
    reopen: Bool
    reopen_late: Bool
    tie: Bool
    short_reply: Bool
    solution_macro: Bool
    assignee: I32
    collaborator: I32
    simple_path: Bool  # no pending/hold/reopen/abandon: resolution = created -> solve
    target_resolution_s: F64  # NaN = natural; else the solve happens this long after created
    #: NaN = natural; else the acknowledgement (`ack`) is sent this long after created, at any
    #: hour, and the ticket is opened just before it
    ack_offset_s: F64
    #: NaN = natural; else the solve (or closure) happens no earlier than this long after
    #: created, the events before it keeping their natural times (unlike `target_resolution_s`,
    #: which rescales the whole path)
    solve_floor_s: F64

    def clear_detours(self, mask: Bool) -> None:
        """No pending, on-hold, reopen, abandonment or spam closure for `mask` tickets."""
        self.n_pending = np.where(mask, 0, self.n_pending).astype(np.int8)
        for name in ("abandoned", "hold", "reopen", "spam"):
            setattr(self, name, getattr(self, name) & ~mask)

    def make_simple(self, mask: Bool, target_resolution_s: F64) -> None:
        """Give `mask` tickets a plain path solved `target_resolution_s` after creation.

        No pending, on-hold, reopen, abandonment or spam closure: the solve event is the
        resolution, so resolution time (created_at -> solve) equals the target.
        Merged duplicates are left alone (they are closed into their original).
        """
        self.simple_path = self.simple_path | mask
        self.target_resolution_s = np.where(mask, target_resolution_s, self.target_resolution_s)
        self.clear_detours(mask)
