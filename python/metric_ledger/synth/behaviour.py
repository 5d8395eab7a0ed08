"""Per-ticket lifecycle parameters: speed, pending periods, reopens, special cases."""

from __future__ import annotations

import numpy as np

from metric_ledger.synth import constants as c
from metric_ledger.synth.agents import Agents
from metric_ledger.synth.plan import F64, I64, Behaviour, Plan, Tickets
from metric_ledger.synth.tickets import utc_offsets


def _t(values: tuple[float, ...] | tuple[bool, ...]) -> F64:
    return np.array(values, dtype=np.float64)


def hours_until_open() -> I64:
    """Per (region, local hour of week, Monday 00:00 = 0): whole hours until business hours."""
    wait = np.zeros((len(c.REGIONS), 168), dtype=np.int64)
    for r, region in enumerate(c.REGIONS):
        is_open = np.zeros(168, dtype=np.bool_)
        for weekday, opens, closes in c.BUSINESS_HOURS[region]:
            is_open[(weekday - 1) * 24 + opens : (weekday - 1) * 24 + closes] = True
        for h in range(168):
            k = 0
            while not is_open[(h + k) % 168]:
                k += 1
            wait[r, h] = k
    return wait


def wait_for_open(plan: Plan, t: Tickets) -> F64:
    """Seconds from created_at until the region's business hours open (0 when open).

    The UTC offset is looked up by the UTC day and hour (off by at most the offset on the
    day of a daylight-saving change, which is good enough for synthetic waits)."""
    offsets = utc_offsets(plan)
    rel = t.created - plan.start_epoch
    day = np.clip(rel // 86_400, 0, plan.days - 1)
    region = t.region.astype(np.int64)
    local = t.created + offsets[region, day, (rel % 86_400) // 3600]
    hour_of_week = ((local // 86_400 + 3) % 7) * 24 + (local % 86_400) // 3600
    wait_h = hours_until_open()[region, hour_of_week]
    return np.where(wait_h > 0, wait_h * 3600 - local % 3600, 0).astype(np.float64)


def draw_behaviour(plan: Plan, t: Tickets, agents: Agents, rng: np.random.Generator) -> Behaviour:
    """Draw lifecycle parameters; every draw has full ticket length (stable random streams)."""
    n = t.n
    u = rng.random((26, n))
    z = rng.standard_normal((2, n))
    ch = t.channel.astype(np.int64)
    reason = t.reason.astype(np.int64)
    chat_like = _t(c.CH_CHAT_LIKE)[ch].astype(np.bool_)

    frt_median_s = (
        60.0
        * plan.channel_frt_median_min[ch]
        * _t(c.RS_FRT_MULT)[reason]
        * _t(c.PR_FRT_MULT)[t.priority]
        * _t(c.TIER_FRT_MULT)[t.tier]
        * plan.branch_speed_mult[t.branch]
    )
    frt_s = np.maximum(frt_median_s * np.exp(_t(c.CH_FRT_SIGMA)[ch] * z[0]), 20.0)
    merged = t.merged_into >= 0
    outbound = ~merged & (u[0] < _t(c.CH_OUTBOUND_P)[ch])
    # agents of office channels reply inside business hours only
    office = _t(c.CH_BUSINESS_HOURS_ONLY)[ch].astype(np.bool_) & ~merged & ~outbound
    wait_open = np.where(office, wait_for_open(plan, t), 0.0)
    frt_s = frt_s + wait_open
    # a merged duplicate is closed into its original minutes to hours later
    frt_s = np.where(merged, 300.0 + u[24] * 10_500.0, frt_s)

    spam = ~merged & ~outbound & (u[1] < c.SPAM_SHARE)
    normal = ~merged & ~spam
    bot = chat_like & ~outbound

    lam = _t(c.RS_PENDING_LAMBDA)[reason] * _t(c.CH_PENDING_MULT)[ch]
    p0 = np.exp(-lam)
    p1 = p0 * lam
    p2 = p1 * lam / 2.0
    n_pending = (u[13] > p0).astype(np.int8) + (u[13] > p0 + p1) + (u[13] > p0 + p1 + p2)
    n_pending = np.where(normal, n_pending, 0).astype(np.int8)
    abandoned = (n_pending > 0) & (u[14] < 0.08)

    escalate = normal & (u[10] < _t(c.RS_ESCALATION_P)[reason])
    branch = t.branch.astype(np.int64)
    start = agents.branch_start[branch]
    active = agents.branch_active[branch]
    return Behaviour(
        frt_s=frt_s,
        wait_open_s=wait_open,
        followup_mult=plan.branch_speed_mult[t.branch] * np.exp(0.3 * z[1]),
        outbound=outbound,
        auto_response=~outbound & (u[2] < _t(c.CH_AUTO_RESPONSE_P)[ch]),
        auto_by_agent=u[3] < 0.15,
        bot=bot,
        bot_reply=bot & ~merged & (u[4] < 0.6),
        ack=normal & ~outbound & (u[5] < _t(c.CH_ACK_P)[ch]),
        chase=normal & (outbound | (u[6] < _t(c.CH_CHASE_P)[ch])),
        note1=(normal & (u[7] < 0.15)) | merged,
        note2=normal & (u[16] < 0.08),
        queue_change=normal & (u[8] < 0.12),
        queue_same=u[9] < 0.12,
        escalate=escalate,
        priority_change=normal & ((u[11] < 0.04) | (escalate & (u[11] < 0.3))),
        chat_exchanges=np.where(normal & chat_like, (u[12] * 2.4).astype(np.int8), 0).astype(
            np.int8
        ),
        n_pending=n_pending,
        abandoned=abandoned,
        hold=normal & ~abandoned & (u[15] < _t(c.RS_HOLD_P)[reason]),
        spam=spam,
        reopen=normal & ~abandoned & (u[17] < _t(c.RS_REOPEN_P)[reason]),
        reopen_late=u[18] < 0.2,
        tie=normal & (u[19] < c.TIE_SHARE),
        short_reply=u[20] < c.SHORT_REPLY_SHARE,
        solution_macro=u[21] < 0.15,
        assignee=(start + (u[22] * active).astype(np.int64)).astype(np.int32),
        collaborator=(start + (u[23] * active).astype(np.int64)).astype(np.int32),
        simple_path=np.zeros(n, dtype=np.bool_),
        target_resolution_s=np.full(n, np.nan),
        ack_offset_s=np.full(n, np.nan),
        solve_floor_s=np.full(n, np.nan),
    )
