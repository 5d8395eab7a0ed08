"""Ticket attributes: who, what, when (vectorised)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from metric_ledger.synth import constants as c
from metric_ledger.synth.plan import F64, I8, I64, Plan, Tickets


def conditional_choice(u: F64, given: I8 | I64, table: F64) -> I64:
    """Draw a category per row of `table` (rows: condition, columns: outcome) from uniforms."""
    rows, k = table.shape
    probs = table / table.sum(axis=1, keepdims=True)
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(rows)[:, None]).ravel()
    g = given.astype(np.int64)
    idx = np.searchsorted(flat, u + g, side="right") - g * k
    out: I64 = np.clip(idx, 0, k - 1).astype(np.int64)
    return out


def choice(u: F64, weights: F64) -> I64:
    """Draw a category from uniforms and a weight vector."""
    return conditional_choice(u, np.zeros(u.shape[0], dtype=np.int8), weights[None, :])


def utc_offsets(plan: Plan) -> I64:
    """UTC offset in seconds per (region, local day, local hour) over the period."""
    out = np.empty((len(c.REGIONS), plan.days, 24), dtype=np.int64)
    for r, name in enumerate(c.REGIONS):
        tz = ZoneInfo(c.REGION_TIMEZONES[name])
        for d in range(plan.days):
            day = plan.start + timedelta(days=d)
            first = _offset(tz, day, 0)
            last = _offset(tz, day, 23)
            if first == last:
                out[r, d, :] = first
            else:  # a daylight-saving change happens that day
                out[r, d, :] = [_offset(tz, day, h) for h in range(24)]
    return out


def _offset(tz: ZoneInfo, day: date, hour: int) -> int:
    moment = datetime.combine(day, time(hour), tzinfo=tz)
    delta = moment.utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def draw_tickets(plan: Plan, rng: np.random.Generator) -> Tickets:
    """Draw ticket attributes with realistic mix, seasonality, repeats and duplicates.

    Every random array has the full ticket length so scenarios that change values do not
    shift the random streams of later draws.
    """
    n = plan.tickets
    u = rng.random((17, n))

    # requesters: a customer pool with a frequent core, their region and tier fixed
    pool = max(50, int(n * 0.55))
    frequent = max(10, pool // 25)
    requester = np.where(
        u[0] < 0.25, (u[1] * frequent).astype(np.int64), (u[1] * pool).astype(np.int64)
    )
    req_u = rng.random((2, pool))
    req_region = choice(req_u[0], plan.region_weights).astype(np.int8)
    req_tier = choice(req_u[1], plan.tier_weights).astype(np.int8)
    is_internal = u[2] < c.INTERNAL_SHARE
    internal_pool = 40
    requester = np.where(is_internal, (u[3] * internal_pool).astype(np.int64), requester)
    internal_region = choice(u[16], plan.region_weights).astype(np.int8)
    region = np.where(is_internal, internal_region, req_region[requester % pool]).astype(np.int8)
    tier = np.where(is_internal, np.int8(1), req_tier[requester % pool]).astype(np.int8)

    branch = conditional_choice(u[4], region, plan.branch_given_region).astype(np.int8)
    reason = conditional_choice(u[5], branch, plan.reason_given_branch).astype(np.int8)
    channel = choice(u[6], plan.channel_weights).astype(np.int8)

    # created_at: local weekday / hour seasonality per region, converted to UTC
    days = plan.days
    day_w = np.array(
        [c.WEEKDAY_WEIGHTS[(plan.start + timedelta(days=d)).weekday()] for d in range(days)]
    )
    day_w = day_w * (1.0 + c.WEEKLY_GROWTH * np.arange(days) / 7.0)
    day = choice(u[7], day_w)
    hour = choice(u[8], np.array(c.HOUR_WEIGHTS))
    sec = (u[9] * 3600).astype(np.int64)
    offsets = utc_offsets(plan)
    rel = day * 86_400 + hour * 3600 + sec - offsets[region, day, hour]
    created = plan.start_epoch + np.mod(rel, days * 86_400)
    # a scheduled change of the contact-reason mix (same uniforms, so the stream is unchanged)
    for since, table in plan.reason_schedule:
        later = created >= since
        reason[later] = conditional_choice(u[5][later], branch[later], table).astype(np.int8)

    # repeat contacts: same requester and reason some hours or days after an earlier ticket
    role = np.where(u[10] < c.REPEAT_SHARE, 1, np.where(u[10] > 1 - c.MERGED_SHARE, 2, 0))
    base = np.flatnonzero(role == 0)
    end = plan.end_epoch
    child = np.flatnonzero(role == 1)
    if base.size == 0:  # a tiny export (one ticket): nothing to repeat
        child = child[:0]
    parent = base[(u[11][child] * base.size).astype(np.int64)]
    gap = 3600 + (-np.log1p(-u[12][child]) * 60 * 3600).astype(np.int64)
    new_created = created[parent] + gap
    ok = new_created < end
    child, parent, new_created = child[ok], parent[ok], new_created[ok]
    created[child] = new_created
    for arr in (requester, is_internal, region, tier, reason, branch):
        arr[child] = arr[parent]
    same_channel = u[13][child] < 0.6
    channel[child[same_channel]] = channel[parent[same_channel]]

    # merged duplicates: the same contact again minutes later, merged into the earlier ticket
    merged_into = np.full(n, -1, dtype=np.int64)
    dup = np.flatnonzero(role == 2)
    non_dup = np.flatnonzero(role != 2)
    if non_dup.size == 0:  # a tiny export (one ticket): nothing to duplicate
        dup = dup[:0]
    target = non_dup[(u[11][dup] * non_dup.size).astype(np.int64)]
    new_created = created[target] + 60 + (u[12][dup] * 7140).astype(np.int64)
    ok = new_created < end
    dup, target, new_created = dup[ok], target[ok], new_created[ok]
    created[dup] = new_created
    for arr in (requester, is_internal, region, tier, reason, branch):
        arr[dup] = arr[target]
    same_channel = u[13][dup] < 0.7
    channel[dup[same_channel]] = channel[target[same_channel]]
    merged_into[dup] = target

    priority = conditional_choice(u[14], tier, plan.priority_given_tier).astype(np.int8)
    queue = conditional_choice(u[15], reason, plan.queue_given_reason).astype(np.int8)

    # ticket order = creation order (ids are assigned in this order)
    order = np.argsort(created, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    merged = merged_into[order]
    merged = np.where(merged >= 0, rank[np.maximum(merged, 0)], -1)
    return Tickets(
        created=created[order],
        channel=channel[order],
        queue=queue[order],
        priority=priority[order],
        region=region[order],
        tier=tier[order],
        reason=reason[order],
        branch=branch[order],
        requester=requester[order],
        is_internal=is_internal[order],
        merged_into=merged,
        vanish=np.zeros(n, dtype=np.bool_),
    )
