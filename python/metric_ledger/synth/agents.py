"""Agents (per branch) and their daily shifts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from metric_ledger.synth import constants as c
from metric_ledger.synth.plan import I8, I32, I64, Bool, Plan
from metric_ledger.synth.tickets import conditional_choice

TICKETS_PER_AGENT_WEEK = 150
MIN_AGENTS = 20
LEAD_SHARE = 0.10
INACTIVE_SHARE = 0.04
ABSENCE_SHARE = 0.06


@dataclass
class Agents:
    """Agents ordered by branch, active agents first within a branch."""

    branch: I8
    team: I8
    region: I8
    is_lead: Bool
    hired_at: I64  # epoch seconds
    is_active: Bool
    leave_day: I64  # first day index without shifts (period length when active)
    branch_start: I64  # per branch: index of its first agent
    branch_active: I64  # per branch: number of active agents (authors are drawn from them)

    @property
    def n(self) -> int:
        return int(self.branch.shape[0])


@dataclass
class Shifts:
    agent: I64
    day: I64  # day index from the start of the period
    scheduled: I32
    adherent: I32
    logged_in: I32


def agent_count(plan: Plan) -> int:
    """About one agent per 150 tickets a week, at least 20."""
    return max(MIN_AGENTS, round(plan.tickets / plan.weeks / TICKETS_PER_AGENT_WEEK))


def draw_agents(plan: Plan, rng: np.random.Generator) -> Agents:
    n = agent_count(plan)
    nb = len(c.BRANCHES)
    share = plan.region_weights @ plan.branch_given_region
    share = share / share.sum()
    # largest remainder allocation with at least two agents per branch
    want = share * (n - 2 * nb)
    counts = 2 + np.floor(want).astype(np.int64)
    order = np.argsort(-(want - np.floor(want)), kind="stable")
    counts[order[: n - int(counts.sum())]] += 1
    branch = np.repeat(np.arange(nb, dtype=np.int8), counts)

    u = rng.random((6, n))
    first_of_branch = np.zeros(n, dtype=np.bool_)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    first_of_branch[starts] = True
    is_active = first_of_branch | (u[0] >= INACTIVE_SHARE)
    # order within branch: active agents first
    order2 = np.lexsort((~is_active, branch))
    branch, is_active = branch[order2], is_active[order2]
    u = u[:, order2]
    is_lead = np.zeros(n, dtype=np.bool_)
    is_lead[starts] = True
    is_lead |= u[1] < LEAD_SHARE

    team_given_branch = plan.reason_given_branch @ plan.queue_given_reason
    team = conditional_choice(u[2], branch, team_given_branch).astype(np.int8)
    region_given_branch = (plan.region_weights[:, None] * plan.branch_given_region).T
    region = conditional_choice(u[3], branch, region_given_branch).astype(np.int8)
    hired_days = 60 + (u[4] * 2400).astype(np.int64)
    hired_at = plan.start_epoch - hired_days * 86_400 + 9 * 3600 + (u[5] * 3600).astype(np.int64)
    leave_day = np.where(is_active, plan.days, (u[5] * plan.days).astype(np.int64))
    active_counts = np.bincount(branch[is_active], minlength=nb).astype(np.int64)
    return Agents(
        branch=branch,
        team=team,
        region=region,
        is_lead=is_lead,
        hired_at=hired_at,
        is_active=is_active,
        leave_day=leave_day,
        branch_start=starts.astype(np.int64),
        branch_active=active_counts,
    )


def draw_shifts(plan: Plan, agents: Agents, rng: np.random.Generator) -> Shifts:
    """One row per agent per worked weekday; absences and leavers have no row."""
    weekday = np.array(
        [(plan.start + timedelta(days=d)).weekday() < 5 for d in range(plan.days)], dtype=np.bool_
    )
    workdays = np.flatnonzero(weekday).astype(np.int64)
    n = agents.n
    agent = np.repeat(np.arange(n, dtype=np.int64), workdays.size)
    day = np.tile(workdays, n)
    u = rng.random((3, agent.size))
    part_u = rng.random(n)
    contract = np.where(part_u < 0.85, 480, np.where(part_u < 0.95, 240, 360)).astype(np.int64)
    keep = (u[0] >= ABSENCE_SHARE) & (day < agents.leave_day[agent])
    agent, day, u = agent[keep], day[keep], u[:, keep]
    scheduled = contract[agent]
    adherence = 1.0 - 0.12 * u[1] ** 2
    adherent = np.minimum(np.round(scheduled * adherence), scheduled).astype(np.int64)
    logged = scheduled - 30 + np.round(u[2] * 70).astype(np.int64)
    return Shifts(
        agent=agent,
        day=day,
        scheduled=scheduled.astype(np.int32),
        adherent=adherent.astype(np.int32),
        logged_in=np.maximum(logged, 0).astype(np.int32),
    )


__all__ = ["Agents", "Shifts", "agent_count", "draw_agents", "draw_shifts"]
