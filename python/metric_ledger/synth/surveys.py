"""CSAT surveys: sent after a solve for most tickets, answered by some, rating tied to service."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metric_ledger.synth.plan import I32, I64, Bool, Plan, Tickets
from metric_ledger.synth.timeline import Outcome

SEND_SHARE = 0.70
RESPONSE_SHARE = 0.30


@dataclass
class Surveys:
    ticket: I64
    sent_at: I64
    responded_at: I64  # -1 = no answer
    rating: I32  # -1 = no answer

    @property
    def n(self) -> int:
        return int(self.ticket.shape[0])


def draw_surveys(plan: Plan, t: Tickets, o: Outcome, rng: np.random.Generator) -> Surveys:
    """A survey for ~70% of solved customer tickets; ~30% answer; slow or reopened -> lower."""
    n = t.n
    u = rng.random((2, n))
    z = rng.standard_normal((3, n))
    end = plan.end_epoch
    solved = (o.first_solved_at >= 0) & ~t.is_internal & (t.merged_into < 0)
    sent_at = o.first_solved_at + np.maximum(np.round(3600 * np.exp(z[0])), 60).astype(np.int64)
    sent: Bool = solved & (u[0] < SEND_SHARE) & (sent_at < end)
    responded_at = sent_at + np.maximum(np.round(4 * 3600 * np.exp(1.3 * z[1])), 30).astype(
        np.int64
    )
    answered = sent & (u[1] < RESPONSE_SHARE) & (responded_at < end)
    hours = np.maximum(o.first_solved_at - t.created, 0) / 3600.0
    score = (
        4.7
        - 0.45 * np.log1p(hours / 12.0)
        - 1.1 * o.reopened
        - 0.3 * o.escalated
        - 0.2 * o.n_pending
        + 0.8 * z[2]
    )
    rating = np.clip(np.round(score), 1, 5).astype(np.int32)
    idx = np.flatnonzero(sent)
    idx = idx[np.argsort(sent_at[idx], kind="stable")]
    return Surveys(
        ticket=idx.astype(np.int64),
        sent_at=sent_at[idx],
        responded_at=np.where(answered[idx], responded_at[idx], -1),
        rating=np.where(answered[idx], rating[idx], -1).astype(np.int32),
    )
