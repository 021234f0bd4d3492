"""The leads board's figures: leads by stage and the funnel from each stage to the next.

Read-only; ``funnel`` is pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.booking.leads import STAGES
from app.models import Lead

STAGE_LABELS = {
    "new": "New",
    "paid": "Paid",
    "preferences": "Preferences in",
    "matched": "Matched",
    "booked": "Booked",
    "attended": "First session attended",
    "converted": "Converted",
}


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    label: str
    reached: int  # leads at this stage or further
    rate: float | None  # percent of the previous stage's leads that got here


def funnel(statuses: Sequence[str]) -> list[FunnelStep]:
    """Counts per stage reached and the conversion from each stage to the next (pure)."""
    order = {stage: i for i, stage in enumerate(STAGES)}
    ranks = [order[s] for s in statuses if s in order]
    steps: list[FunnelStep] = []
    previous = None
    for i, stage in enumerate(STAGES):
        reached = sum(1 for r in ranks if r >= i)
        rate = None if previous is None else (round(100 * reached / previous, 1) if previous else None)
        steps.append(FunnelStep(stage, STAGE_LABELS[stage], reached, rate))
        previous = reached
    return steps


def board(session: Session) -> tuple[dict[str, list[Lead]], list[FunnelStep]]:
    """Leads by stage (newest first) and the funnel figures, for the studio in scope."""
    rows = session.scalars(select(Lead).order_by(Lead.created_at.desc(), Lead.id.desc())).all()
    columns: dict[str, list[Lead]] = {stage: [] for stage in STAGES}
    for lead in rows:
        if lead.status in columns:
            columns[lead.status].append(lead)
    return columns, funnel([lead.status for lead in rows])
