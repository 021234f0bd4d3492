"""Everything due at ``clock.now()``, run synchronously: the simulator, the embedded
default's timer and the cron jobs all come through here.

The database is the truth for what is due, so running this late (after Redis or a worker
was down) catches up once: every step is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select

from app import clock
from app.booking import attendance, credits, waitlist
from app.conversation.slow import answer_deferred
from app.db import Database
from app.messaging.delivery import deliver_all
from app.messaging.transports import ConsoleTransport, Transport
from app.models import Studio, WaitlistEntry
from jobs.digest import queue_digest
from jobs.leads import run_leads
from jobs.reminders import queue_reminders

_default_transport: Transport = ConsoleTransport()


def set_transport(transport: Transport) -> None:
    global _default_transport
    _default_transport = transport


@dataclass
class DueReport:
    waitlist_events: int = 0
    no_shows: int = 0
    packs_expired: int = 0
    digests: int = 0
    deferred_answered: int = 0  # messages the slow path lost (Redis down, worker gone), answered now
    sent: list[int] = field(default_factory=list)


def run_due(db: Database, transport: Transport | None = None) -> DueReport:
    report = DueReport()
    with db.system("due work: studios with lapsed waitlist offers") as s:
        studio_ids = s.scalars(
            select(WaitlistEntry.studio_id)
            .where(
                WaitlistEntry.status == "offered",
                # lapsed, or still waiting for its text (withdrawn at the cutoff: waitlist.expire_offers)
                or_(WaitlistEntry.offer_expires_at <= clock.now(), WaitlistEntry.offer_sent_at.is_(None)),
            )
            .distinct()
        ).all()
    for studio_id in studio_ids:
        with db.studio(studio_id) as session:
            report.waitlist_events += len(waitlist.expire_offers(session))
    with db.unscoped() as s:
        ids = s.scalars(select(Studio.id).where(Studio.active.is_(True))).all()
    for studio_id in ids:
        with db.studio(studio_id) as session:
            queue_reminders(session)
            report.no_shows += len(attendance.sweep_no_shows(session))
            report.digests += queue_digest(session)
            report.packs_expired += credits.expire_packs(session)
            run_leads(session)
    report.deferred_answered = answer_deferred(db)
    report.sent = deliver_all(db, transport or _default_transport)
    return report
