"""Scenario injection: named failure modes layered onto otherwise clean data.

A scenario is a `Scenario` subclass registered with `@register`. The generator calls its
hooks at fixed stages, in registry order (the order of this module), whatever order the
user named them in:

1. `adjust_plan(plan)`: change the mix/behaviour tables before any ticket is drawn (e.g.
   `plan.reason_schedule` for a contact-reason mix that changes on a date);
2. `adjust_tickets(plan, tickets, rng)`: change ticket attributes (channel, created_at, ...)
   or flag tickets `vanish` (left out of the export with their events and surveys);
3. `adjust_behaviour(plan, tickets, behaviour, rng)`: change lifecycle parameters before
   the event timelines are built (e.g. `Behaviour.make_simple` to fix resolution times,
   `solve_floor_s` to hold the solve back, `ack_offset_s` to time an acknowledgement);
4. `adjust_surveys(plan, tickets, surveys, rng)`: change the drawn CSAT surveys (ratings,
   answers) in place;
5. `adjust_tables(plan, tables, rng)`: edit the final Arrow tables (e.g. to inject rows
   that break the contract).

Scenarios acting "from a week on" start at `week_start(plan, index)`: the first Monday on or
after `start + 7 * index` days (with the default Monday start, exactly week `index`, 0-based).
Their default is a number of weeks before the end (`WEEKS_FROM_END`), clipped to the period,
so the effect always lands at the end of the export whatever `--weeks` is.

Each scenario gets its own random generator (seeded from the run seed and its name), so
adding a scenario never changes the random draws of the clean data or of other scenarios.
To add one: subclass `Scenario`, set `name` (and `conflicts` if it cannot be combined with
another), document what the data shows in the class docstring, and decorate with `@register`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import timedelta
from typing import ClassVar

import numpy as np
import pyarrow as pa

from metric_ledger.synth import constants as c
from metric_ledger.synth.plan import F64, I32, I64, Behaviour, Bool, Plan, Tickets
from metric_ledger.synth.surveys import RESPONSE_SHARE, Surveys


class Scenario:
    """Base class: every hook is a no-op."""

    name: ClassVar[str] = ""
    conflicts: ClassVar[tuple[str, ...]] = ()

    def adjust_plan(self, plan: Plan) -> None:
        """Change the plan before tickets are drawn."""

    def adjust_tickets(self, plan: Plan, tickets: Tickets, rng: np.random.Generator) -> None:
        """Change ticket attributes in place."""

    def adjust_behaviour(
        self, plan: Plan, tickets: Tickets, behaviour: Behaviour, rng: np.random.Generator
    ) -> None:
        """Change lifecycle parameters in place."""

    def adjust_surveys(
        self, plan: Plan, tickets: Tickets, surveys: Surveys, rng: np.random.Generator
    ) -> None:
        """Change the drawn surveys in place."""

    def adjust_tables(
        self, plan: Plan, tables: dict[str, pa.Table], rng: np.random.Generator
    ) -> dict[str, pa.Table]:
        """Return the (possibly edited) output tables."""
        return tables


SCENARIOS: dict[str, type[Scenario]] = {}


def register(cls: type[Scenario]) -> type[Scenario]:
    """Class decorator: make a scenario available under `cls.name`."""
    if not cls.name or cls.name in SCENARIOS:
        raise ValueError(f"scenario name missing or already registered: {cls.name!r}")
    SCENARIOS[cls.name] = cls
    return cls


def scenario_names() -> tuple[str, ...]:
    return tuple(SCENARIOS)


def resolve(names: Sequence[str]) -> list[Scenario]:
    """Instances of the named scenarios in registry order; ValueError on unknown or conflicting."""
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise ValueError(f"unknown scenario {unknown[0]!r} (known: {', '.join(scenario_names())})")
    chosen = [name for name in SCENARIOS if name in set(names)]
    for name in chosen:
        for other in SCENARIOS[name].conflicts:
            if other in chosen:
                raise ValueError(f"scenarios {name!r} and {other!r} cannot be combined")
    return [SCENARIOS[name]() for name in chosen]


def scenario_rng(seed: int, name: str) -> np.random.Generator:
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))
    )


DAY = 86_400


def week_start(plan: Plan, index: int) -> int:
    """Epoch seconds of the first Monday on or after `start + 7 * index` days (`index` clipped
    to `0..weeks`), at most the export end."""
    index = min(max(index, 0), plan.weeks)
    day = plan.start + timedelta(days=7 * index)
    monday = day + timedelta(days=(7 - day.weekday()) % 7)
    return min(plan.day_epoch(monday), plan.end_epoch)


def _satisfy(rating: I32, pick: Bool, group: I64, share: F64, key: F64) -> None:
    """In place: in each `group` of the `pick` ratings, make `share[group]` of them satisfied
    (>= 4) and the others not (<= 3).

    The ratings with the highest `key` (the rating plus a random tie-break) become the
    satisfied ones, so the link between service and rating survives: a satisfied rating
    below 4 becomes 4, an unsatisfied one above 3 becomes 3."""
    idx = np.flatnonzero(pick)
    order = idx[np.lexsort((-key[idx], group[idx]))]  # by group, best first
    g = group[order]
    counts = np.bincount(g, minlength=share.shape[0])
    rank = np.arange(order.size) - (np.cumsum(counts) - counts)[g]
    top = rank < np.round(share[g] * counts[g])
    rating[order[top]] = np.maximum(rating[order[top]], 4)
    rating[order[~top]] = np.minimum(rating[order[~top]], 3)


def _response_week(plan: Plan, surveys: Surveys) -> I64:
    """Week index (0-based, clipped to the period) of each survey's answer."""
    week = (surveys.responded_at - plan.start_epoch) // (7 * DAY)
    return np.clip(week, 0, plan.weeks - 1).astype(np.int64)


@register
class CoverageGap(Scenario):
    """`coverage_gap`: chat contacts arrive as `messaging` (a channel the contract does not know)
    for one week after a chat integration change.

    The week is the ISO week (Monday to Sunday, UTC) starting on the first Monday on or after
    `start + 7 * max(weeks - 3, 0)` days: with the default Monday start, the third-to-last week
    of the period (week index `weeks - 3`, 0-based), so two normal weeks follow it. About 23%
    of that week's contacts (`SHARE`; 300 of 1,300 in the seed document) become `messaging`,
    taken from chat contacts first (chat is ~25% of the mix) and from other channels only if
    chat is short. As in the seed document, chat waits are the longest: in this scenario chat
    is understaffed over the whole period (first-reply median `CHAT_FRT_MEDIAN_MIN` minutes)
    and the `messaging` contacts wait longer still (`MESSAGING_FRT_MEDIAN_MIN`); they keep
    chat-like events (bot messages, live exchanges). So in the gap week the counted volume
    drops ~23% and the counted first-response median improves (~15% at the default mix)
    while the true total is unchanged. No other week has `messaging` contacts. Tickets that a
    duplicate is merged into are never picked (so `merged_into_ticket_id` never dangles in
    the vanish variant).
    """

    name: ClassVar[str] = "coverage_gap"
    conflicts: ClassVar[tuple[str, ...]] = ("coverage_gap_vanish",)
    SHARE: ClassVar[float] = 0.23
    CHAT_FRT_MEDIAN_MIN: ClassVar[float] = 480.0
    MESSAGING_FRT_MEDIAN_MIN: ClassVar[float] = 600.0
    vanish: ClassVar[bool] = False

    @staticmethod
    def week_bounds(plan: Plan) -> tuple[int, int]:
        """[first, last) epoch seconds of the gap week (clipped to the export period)."""
        day = plan.start + timedelta(days=7 * max(plan.weeks - 3, 0))
        monday = day + timedelta(days=(7 - day.weekday()) % 7)
        first = plan.day_epoch(monday)
        return first, min(first + 7 * 86_400, plan.end_epoch)

    def adjust_plan(self, plan: Plan) -> None:
        plan.channel_frt_median_min[c.CH_CHAT] = self.CHAT_FRT_MEDIAN_MIN
        plan.channel_frt_median_min[c.CH_MESSAGING] = self.MESSAGING_FRT_MEDIAN_MIN

    def adjust_tickets(self, plan: Plan, tickets: Tickets, rng: np.random.Generator) -> None:
        first, last = self.week_bounds(plan)
        u = rng.random(tickets.n)
        in_week = (tickets.created >= first) & (tickets.created < last)
        merge_target = np.zeros(tickets.n, dtype=np.bool_)
        merge_target[tickets.merged_into[tickets.merged_into >= 0]] = True
        eligible = in_week & ~merge_target
        chat = eligible & (tickets.channel == c.CH_CHAT)
        other = eligible & ~chat
        want = self.SHARE * int(in_week.sum())
        n_chat = int(chat.sum())
        p_chat = min(1.0, want / max(n_chat, 1))
        p_other = max(0.0, (want - n_chat) / max(int(other.sum()), 1))
        pick = (chat & (u < p_chat)) | (other & (u < p_other))
        tickets.channel[pick] = c.CH_MESSAGING
        if self.vanish:
            tickets.vanish |= pick


@register
class CoverageGapVanish(CoverageGap):
    """`coverage_gap_vanish`: as `coverage_gap`, but the `messaging` contacts (and their
    events and surveys) are absent from the export altogether: the week's raw volume drops
    ~23% and only the volume drop can reveal the gap."""

    name: ClassVar[str] = "coverage_gap_vanish"
    conflicts: ClassVar[tuple[str, ...]] = ("coverage_gap",)
    vanish: ClassVar[bool] = True


@register
class BranchSimpson(Scenario):
    """`branch_simpson`: East looks slower than West overall only because of its mix.

    Branch choice is reweighted so East and West split their joint volume 1,000 : 600
    (`EAST_SHARE_OF_PAIR`); East gets 40% billing disputes, West 10%, with the same
    distribution over the other reasons (reason overlap 0.1 + 0.6 = 70%). East and West
    tickets (not merged duplicates) follow a plain path with no pending, on-hold or reopen,
    solved after a gamma(shape 4) resolution time with mean (`MEAN_HOURS`): billing East 30 h,
    West 32 h; other reasons East 10 h, West 12 h. Expected averages: East 0.4*30 + 0.6*10 =
    18 h, West 0.1*32 + 0.9*12 = 14 h, so East is faster within every reason but slower
    overall.
    """

    name: ClassVar[str] = "branch_simpson"
    EAST_SHARE_OF_PAIR: ClassVar[float] = 1000 / 1600
    BILLING_SHARE: ClassVar[dict[int, float]] = {c.BR_EAST: 0.40, c.BR_WEST: 0.10}
    #: (branch, is billing_dispute) -> mean resolution hours
    MEAN_HOURS: ClassVar[dict[tuple[int, bool], float]] = {
        (c.BR_EAST, True): 30.0,
        (c.BR_EAST, False): 10.0,
        (c.BR_WEST, True): 32.0,
        (c.BR_WEST, False): 12.0,
    }
    GAMMA_SHAPE: ClassVar[float] = 4.0

    def adjust_plan(self, plan: Plan) -> None:
        bgr = plan.branch_given_region
        pair = bgr[:, c.BR_EAST] + bgr[:, c.BR_WEST]
        bgr[:, c.BR_EAST] = pair * self.EAST_SHARE_OF_PAIR
        bgr[:, c.BR_WEST] = pair * (1 - self.EAST_SHARE_OF_PAIR)
        rgb = plan.reason_given_branch
        others = (rgb[c.BR_EAST] + rgb[c.BR_WEST]) / 2
        others[c.RS_BILLING_DISPUTE] = 0.0
        others = others / others.sum()
        for branch, billing in self.BILLING_SHARE.items():
            rgb[branch] = others * (1 - billing)
            rgb[branch, c.RS_BILLING_DISPUTE] = billing

    def adjust_behaviour(
        self, plan: Plan, tickets: Tickets, behaviour: Behaviour, rng: np.random.Generator
    ) -> None:
        draw = rng.standard_gamma(self.GAMMA_SHAPE, tickets.n) / self.GAMMA_SHAPE
        billing = tickets.reason == c.RS_BILLING_DISPUTE
        mean_h = np.full(tickets.n, np.nan)
        for (branch, is_billing), hours in self.MEAN_HOURS.items():
            mask = (tickets.branch == branch) & (billing == is_billing)
            mean_h[mask] = hours
        mask = ~np.isnan(mean_h) & (tickets.merged_into < 0)
        behaviour.make_simple(mask, np.where(mask, draw * mean_h * 3600.0, np.nan))


@register
class MacroGaming(Scenario):
    """`macro_gaming`: agents game the first-response clock with acknowledgement macros.

    From the start of the last `WEEKS_FROM_END` (4) weeks on (`window_start`), agents of every
    branch (the whole team, not one branch) send an acknowledgement-macro reply (a `macro_id`
    of `seeds/acknowledgement_macros.csv`, 40-79 body characters, public, by the ticket's
    agent, not an auto-response) on `SHARE` (85%) of the new email, web_form, chat and social
    contacts (not outbound, merged or spam), `ACK_MIN_S`-`ACK_MAX_S` (1-5 minutes) after
    creation at any hour (and at most half-way to the real reply), opening the ticket just
    before. The real reply keeps its old time, so the first meaningful response does not
    move (p50 ~150 min), while the first response p50 of those channels falls from ~105 min
    to ~3 min (at the default mix; 50,000 tickets). The rushed tickets come back more often:
    `REOPEN_EXTRA` (6 points) more of them are reopened within 14 days (~5% -> ~9% of the
    first-solved tickets), and one-touch resolutions mostly disappear (~49% -> ~16% of the
    solved; the acknowledgement is a second public reply). Combined with `reopen_inflation`,
    that scenario sets the reopens.
    """

    name: ClassVar[str] = "macro_gaming"
    WEEKS_FROM_END: ClassVar[int] = 4
    CHANNELS: ClassVar[tuple[int, ...]] = (c.CH_EMAIL, c.CH_WEB_FORM, c.CH_CHAT, c.CH_SOCIAL)
    SHARE: ClassVar[float] = 0.85
    ACK_MIN_S: ClassVar[float] = 60.0
    ACK_MAX_S: ClassVar[float] = 300.0
    REOPEN_EXTRA: ClassVar[float] = 0.06

    def window_start(self, plan: Plan) -> int:
        return week_start(plan, plan.weeks - self.WEEKS_FROM_END)

    def adjust_behaviour(
        self, plan: Plan, tickets: Tickets, behaviour: Behaviour, rng: np.random.Generator
    ) -> None:
        b = behaviour
        u = rng.random((3, tickets.n))
        gamed = (
            (tickets.created >= self.window_start(plan))
            & np.isin(tickets.channel, self.CHANNELS)
            & (tickets.merged_into < 0)
            & ~b.spam
            & ~b.outbound
            & (u[0] < self.SHARE)
        )
        offset = np.minimum(
            self.ACK_MIN_S + u[1] * (self.ACK_MAX_S - self.ACK_MIN_S), 0.5 * b.frt_s
        )
        b.ack = b.ack | gamed
        b.ack_offset_s = np.where(gamed, offset, b.ack_offset_s)
        extra = gamed & ~b.reopen & ~b.abandoned & ~b.simple_path & (u[2] < self.REOPEN_EXTRA)
        b.reopen = b.reopen | extra
        b.reopen_late = b.reopen_late & ~extra


@register
class ReopenInflation(Scenario):
    """`reopen_inflation`: tickets are closed faster and come back more often.

    Every ticket that is neither a merged duplicate nor spam takes a plain path (no pending,
    on-hold or abandonment) and is solved no earlier than a lognormal time after creation
    (sigma `SIGMA`; its replies keep their natural times). For tickets created before the
    start of the last `WEEKS_FROM_END` (4) weeks the resolution time (created -> last solve,
    with no pending time to pause it) has a median of ~48 h and `REOPEN_SHARE[0]` (6%) of
    the solved tickets are reopened (solved -> open) within 14 days; from that week on the
    median is ~24 h and `REOPEN_SHARE[1]` (14%) are reopened (the first-solve medians
    `FIRST_SOLVE_MEDIAN_H` are a little lower, since a reopened ticket is resolved again
    later). Reopens happen 10 minutes to 13 days after the solve (median ~1.5 days), so
    tickets solved in the last two weeks have not all come back yet. Cannot be combined with
    `branch_simpson`, which fixes the resolution times of East and West itself.
    """

    name: ClassVar[str] = "reopen_inflation"
    conflicts: ClassVar[tuple[str, ...]] = ("branch_simpson",)
    WEEKS_FROM_END: ClassVar[int] = 4
    #: median created -> first solve, hours: (before, from the window on)
    FIRST_SOLVE_MEDIAN_H: ClassVar[tuple[float, float]] = (45.5, 20.5)
    SIGMA: ClassVar[float] = 0.5
    REOPEN_SHARE: ClassVar[tuple[float, float]] = (0.06, 0.14)

    def window_start(self, plan: Plan) -> int:
        return week_start(plan, plan.weeks - self.WEEKS_FROM_END)

    def adjust_behaviour(
        self, plan: Plan, tickets: Tickets, behaviour: Behaviour, rng: np.random.Generator
    ) -> None:
        b = behaviour
        u = rng.random(tickets.n)
        z = rng.standard_normal(tickets.n)
        mask = (tickets.merged_into < 0) & ~b.spam
        late = tickets.created >= self.window_start(plan)
        median_s = 3600.0 * np.where(
            late, self.FIRST_SOLVE_MEDIAN_H[1], self.FIRST_SOLVE_MEDIAN_H[0]
        )
        b.clear_detours(mask)
        b.solve_floor_s = np.where(mask, median_s * np.exp(self.SIGMA * z), b.solve_floor_s)
        reopen = mask & (u < np.where(late, self.REOPEN_SHARE[1], self.REOPEN_SHARE[0]))
        b.reopen = b.reopen | reopen
        b.reopen_late = b.reopen_late & ~mask


@register
class MixShift(Scenario):
    """`mix_shift`: CSAT falls only because the contact-reason mix changes ("March vs April").

    The period is split in two halves at `shift_start` (week `weeks // 2`, so weeks 6-11 of
    the default 12 are "April"). Before it `BEFORE` fixes the contact-reason shares of every
    branch (60% password_reset), after it `AFTER` (40% billing_dispute, 30% password_reset),
    the other reasons keeping their relative shares. Answered surveys are re-rated so that
    in every week of `responded_at` the satisfied share (rating >= 4) of each contact reason
    is `SATISFIED` (password_reset 96%, billing_dispute 76%, each other reason 90%), the
    best-rated answers staying the satisfied ones. Per-reason CSAT is therefore flat, while
    overall CSAT is ~92.5% before and ~86.5% after: the drop is explained by mix alone.
    Cannot be
    combined with `branch_simpson` (its own reason mix) or `response_rate_collapse` (its
    own CSAT levels).
    """

    name: ClassVar[str] = "mix_shift"
    conflicts: ClassVar[tuple[str, ...]] = ("branch_simpson", "response_rate_collapse")
    BEFORE: ClassVar[dict[int, float]] = {c.REASONS.index("password_reset"): 0.60}
    AFTER: ClassVar[dict[int, float]] = {
        c.RS_BILLING_DISPUTE: 0.40,
        c.REASONS.index("password_reset"): 0.30,
    }
    SATISFIED: ClassVar[dict[int, float]] = {
        c.REASONS.index("password_reset"): 0.96,
        c.RS_BILLING_DISPUTE: 0.76,
    }
    SATISFIED_OTHER: ClassVar[float] = 0.90

    @staticmethod
    def shift_start(plan: Plan) -> int:
        return week_start(plan, plan.weeks // 2)

    @staticmethod
    def _mix(table: F64, fixed: dict[int, float]) -> F64:
        out = table.copy()
        free = np.ones(table.shape[1], dtype=np.bool_)
        free[list(fixed)] = False
        out[:, free] *= (1.0 - sum(fixed.values())) / out[:, free].sum(axis=1, keepdims=True)
        for reason, share in fixed.items():
            out[:, reason] = share
        return out

    def adjust_plan(self, plan: Plan) -> None:
        base = plan.reason_given_branch.copy()
        plan.reason_given_branch[:] = self._mix(base, self.BEFORE)
        plan.reason_schedule.append((self.shift_start(plan), self._mix(base, self.AFTER)))

    def adjust_surveys(
        self, plan: Plan, tickets: Tickets, surveys: Surveys, rng: np.random.Generator
    ) -> None:
        key = surveys.rating + rng.random(surveys.n)
        reasons = len(c.REASONS)
        share = np.array([self.SATISFIED.get(r, self.SATISFIED_OTHER) for r in range(reasons)])
        group = _response_week(plan, surveys) * reasons + tickets.reason[surveys.ticket]
        _satisfy(surveys.rating, surveys.rating > 0, group, np.tile(share, plan.weeks), key)


@register
class DefinitionChange(Scenario):
    """`definition_change`: normal data; the change is in the definitions, not the export.

    The seed story (the auto-responder exclusion removed from first response in a
    changelog-approved version 2 effective on a date) is driven by the project's changelog
    and approval (`seeds/metric_changelog.csv`, `metric-ledger approve`), which the
    end-to-end test edits; this scenario only names the case and writes exactly the clean
    export (the same bytes as no scenario), so that the effect seen downstream can only come
    from the definition change.
    """

    name: ClassVar[str] = "definition_change"


@register
class SeverityDowngrade(Scenario):
    """`severity_downgrade`: one branch relabels p1 tickets as p2 to protect its p1 target.

    From the start of the last `WEEKS_FROM_END` (4) weeks on, `SHARE` (60%) of the `BRANCH`
    (east) tickets created as p1 are created as p2 instead (their priority at creation; a
    later priority change, if any, goes to p1). East's p1 volume falls by ~60% while its
    total volume, and everything else, is unchanged. p1 is rare (~1-6% by tier): at the
    default mix ~0.55% of all contacts are East p1, ~22 a week at 50,000 tickets.
    """

    name: ClassVar[str] = "severity_downgrade"
    WEEKS_FROM_END: ClassVar[int] = 4
    BRANCH: ClassVar[int] = c.BR_EAST
    SHARE: ClassVar[float] = 0.60

    def window_start(self, plan: Plan) -> int:
        return week_start(plan, plan.weeks - self.WEEKS_FROM_END)

    def adjust_tickets(self, plan: Plan, tickets: Tickets, rng: np.random.Generator) -> None:
        u = rng.random(tickets.n)
        p1, p2 = c.PRIORITIES.index("p1"), c.PRIORITIES.index("p2")
        pick = (
            (tickets.branch == self.BRANCH)
            & (tickets.priority == p1)
            & (tickets.created >= self.window_start(plan))
            & (u < self.SHARE)
        )
        tickets.priority[pick] = p2


@register
class ResponseRateCollapse(Scenario):
    """`response_rate_collapse`: CSAT looks better because unhappy customers stop answering.

    Answered surveys are first re-rated so that `BASE_SATISFIED` (88%) of them are satisfied
    (rating >= 4) in every week of `responded_at`, the best-rated answers staying the
    satisfied ones.
    Then, for surveys sent from the start of the last `WEEKS_FROM_END` (4) weeks on, answers
    are withdrawn (no `responded_at`, no rating) so that the response rate falls from ~30%
    (the generator's `RESPONSE_SHARE`) to `WINDOW_RESPONSE` (12%) while the satisfied share
    of the remaining answers rises to `WINDOW_SATISFIED` (93%): ~42% of the satisfied and
    ~23% of the unsatisfied answers are kept. Survey volume (sent) is unchanged. Cannot be
    combined with `mix_shift` (its own CSAT levels).
    """

    name: ClassVar[str] = "response_rate_collapse"
    conflicts: ClassVar[tuple[str, ...]] = ("mix_shift",)
    WEEKS_FROM_END: ClassVar[int] = 4
    BASE_SATISFIED: ClassVar[float] = 0.88
    WINDOW_SATISFIED: ClassVar[float] = 0.93
    WINDOW_RESPONSE: ClassVar[float] = 0.12

    def window_start(self, plan: Plan) -> int:
        return week_start(plan, plan.weeks - self.WEEKS_FROM_END)

    def adjust_surveys(
        self, plan: Plan, tickets: Tickets, surveys: Surveys, rng: np.random.Generator
    ) -> None:
        u = rng.random((2, surveys.n))
        answered = surveys.rating > 0
        share = np.full(plan.weeks, self.BASE_SATISFIED)
        week = _response_week(plan, surveys)
        _satisfy(surveys.rating, answered, week, share, surveys.rating + u[0])
        keep_satisfied = (self.WINDOW_RESPONSE * self.WINDOW_SATISFIED) / (
            RESPONSE_SHARE * self.BASE_SATISFIED
        )
        keep_other = (self.WINDOW_RESPONSE * (1 - self.WINDOW_SATISFIED)) / (
            RESPONSE_SHARE * (1 - self.BASE_SATISFIED)
        )
        keep = np.where(surveys.rating >= 4, keep_satisfied, keep_other)
        drop = answered & (surveys.sent_at >= self.window_start(plan)) & (u[1] >= keep)
        surveys.responded_at[drop] = -1
        surveys.rating[drop] = -1


@register
class BacklogAging(Scenario):
    """`backlog_aging`: in one slice the backlog stays flat while its old part grows.

    The slice is enterprise tier x EMEA region x email channel (~1% of contacts at the
    default mix; merged duplicates and spam excluded). Its tickets take a plain path (no
    pending, on-hold, reopen or abandonment) and are solved no earlier than a gamma(shape
    `GAMMA_SHAPE`) time with mean `MEAN_DAYS` (1.75 days) after creation, so almost none of
    them is open after 72 h (~1-2% of the slice backlog). From the start of the last
    `WEEKS_FROM_END` (4) weeks on, an evenly spread share p of the slice's new tickets
    (~1%) gets a first reply and is then never solved within the export, while the others
    are solved progressively faster (mean (MEAN_DAYS - p * (days since the window start +
    MEAN_DAYS / 2)) / (1 - p)), which keeps the slice's open backlog roughly flat. The
    never-solved tickets pass 72 h three days after creation, so the bucket older than 72 h
    grows every day over the last three weeks and more, to about `END_OLD_SHARE` (15%) of
    the slice backlog at the end (the seed document's 180 of 1,200): p = END_OLD_SHARE *
    MEAN_DAYS / (window days - 3). The slice is small, and the old bucket can be at most a
    fraction of three days of its arrivals: at 1,000,000 tickets ~120 contacts a day, a
    weekly mean of ~210-240 open at a day's end (~130-300 by weekday) and ~2-4 older than
    72 h before the window, rising to a weekly mean of ~30 (~12%; 33 of 181 at the last
    Sunday's end). At 50,000 tickets the slice has ~11 open tickets, so use a few hundred
    thousand tickets or more to see the effect. Combined with a scenario that also sets
    resolution times (`branch_simpson`, `reopen_inflation`), this one wins on its slice.
    """

    name: ClassVar[str] = "backlog_aging"
    WEEKS_FROM_END: ClassVar[int] = 4
    TIER: ClassVar[int] = c.TIERS.index("enterprise")
    REGION: ClassVar[int] = c.REGIONS.index("EMEA")
    CHANNEL: ClassVar[int] = c.CH_EMAIL
    MEAN_DAYS: ClassVar[float] = 1.75
    GAMMA_SHAPE: ClassVar[float] = 6.0
    END_OLD_SHARE: ClassVar[float] = 0.15
    AGE_DAYS: ClassVar[float] = 3.0

    def window_start(self, plan: Plan) -> int:
        return week_start(plan, plan.weeks - self.WEEKS_FROM_END)

    def stuck_share(self, plan: Plan) -> float:
        window_days = (plan.end_epoch - self.window_start(plan)) / DAY
        return min(self.END_OLD_SHARE * self.MEAN_DAYS / max(window_days - self.AGE_DAYS, 1.0), 0.5)

    def adjust_behaviour(
        self, plan: Plan, tickets: Tickets, behaviour: Behaviour, rng: np.random.Generator
    ) -> None:
        b = behaviour
        phase = rng.random()
        draw = rng.standard_gamma(self.GAMMA_SHAPE, tickets.n) / self.GAMMA_SHAPE
        in_slice = (
            (tickets.tier == self.TIER)
            & (tickets.region == self.REGION)
            & (tickets.channel == self.CHANNEL)
            & (tickets.merged_into < 0)
            & ~b.spam
        )
        start = self.window_start(plan)
        window = in_slice & (tickets.created >= start)
        p = self.stuck_share(plan)
        # evenly spread (tickets are in creation order): every ~1/p-th ticket of the window
        rank = np.cumsum(window) - 1
        stuck = window & (np.floor((rank + 1) * p + phase) > np.floor(rank * p + phase))
        elapsed = np.maximum(tickets.created - start, 0) / DAY
        mean_days = np.where(
            window, (self.MEAN_DAYS - p * (elapsed + self.MEAN_DAYS / 2)) / (1 - p), self.MEAN_DAYS
        )
        never = (plan.end_epoch - tickets.created) + 7 * DAY  # beyond the export end
        floor_s = np.where(stuck, never, draw * mean_days * DAY)
        b.clear_detours(in_slice)
        b.simple_path = b.simple_path & ~in_slice
        b.target_resolution_s = np.where(in_slice, np.nan, b.target_resolution_s)
        b.solve_floor_s = np.where(in_slice, floor_s, b.solve_floor_s)
