"""Scenario injection: named failure modes layered onto otherwise clean data.

A scenario is a `Scenario` subclass registered with `@register`. The generator calls its
hooks at fixed stages, in registry order (the order of this module), whatever order the
user named them in:

1. `adjust_plan(plan)`: change the mix/behaviour tables before any ticket is drawn;
2. `adjust_tickets(plan, tickets, rng)`: change ticket attributes (channel, created_at, ...)
   or flag tickets `vanish` (left out of the export with their events and surveys);
3. `adjust_behaviour(plan, tickets, behaviour, rng)`: change lifecycle parameters before
   the event timelines are built (e.g. `Behaviour.make_simple` to fix resolution times);
4. `adjust_tables(plan, tables, rng)`: edit the final Arrow tables (e.g. to inject rows
   that break the contract).

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
from metric_ledger.synth.plan import Behaviour, Plan, Tickets


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
