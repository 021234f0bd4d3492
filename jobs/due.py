"""Everything due at ``clock.now()``, run synchronously: the simulator, the embedded
default's timer and the cron jobs all come through here.

The tick costs what is due, not how many studios there are. Discovery happens in one
place, under the explicit system construct: for each kind of due work one indexed,
set-based query across studios says which studios have something due now, and only those
studios get a transaction in their own scope, running the same use case as before:

- waitlist offers: live offers past their time, or still waiting for their text
  (``ix_waitlist_offered``: only open offers are in it);
- reminders: queued for every studio at once (``jobs.reminders.queue_due_reminders``);
- no-show reviews: classes whose review window closed since the last tick
  (``ix_class_sessions_due_end``) and that still hold an unsettled booking;
- the 07:00 digest: studios in the timezones where it turned 07:00 since the last tick
  (``ix_studios_timezone``);
- pack expiry: packs that expired since the last tick (``ix_client_packages_expires``);
- intro leads: instructor requests past their reply-by time, paid leads with an owner
  reminder falling due, first sessions attended, packages bought by a lead
  (``ix_booking_requests_proposed``, ``ix_leads_open``).

"Since the last tick" is a ``DueMark`` per kind of time-triggered work, moved on only
after that work is done. A tick after an outage looks at the whole gap once; no mark (or
a mark ahead of the clock) means looking at everything, as the first tick does. Every
step is idempotent, so the database stays the truth for what is due: a tick run late or
twice sends nothing twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.booking import attendance, credits, waitlist
from app.booking.leads import OPEN_FOR_MATCHING, first_session_attended
from app.booking.working_hours import DAY_STAGE, day_of, escalation_points, escalation_stages, match_hours_of
from app.conversation.slow import answer_deferred
from app.db import Database
from app.messaging.delivery import deliver_due
from app.messaging.transports import ConsoleTransport, Transport
from app.models import (
    Booking,
    BookingRequest,
    ClassSession,
    ClientPackage,
    DueMark,
    Lead,
    Policy,
    Studio,
    WaitlistEntry,
)
from app.observability import logs, metrics
from jobs.digest import SEND_AT, STALE_AFTER, queue_digest
from jobs.leads import run_leads
from jobs.reminders import queue_due_reminders

_default_transport: Transport = ConsoleTransport()

DEFAULT_REVIEW_HOURS = 12  # a studio without a policy row (load_policy's defaults)

log = logging.getLogger(__name__)


def set_transport(transport: Transport) -> None:
    global _default_transport
    _default_transport = transport


@dataclass
class DueReport:
    waitlist_events: int = 0
    reminders: int = 0
    no_shows: int = 0
    packs_expired: int = 0
    digests: int = 0
    leads: int = 0
    deferred_answered: int = 0  # messages the slow path lost (Redis down, worker gone), answered now
    studios_visited: int = 0  # studio transactions opened for due work (not counting delivery)
    sent: list[int] = field(default_factory=list)


Discover = Callable[[Session, "datetime | None", datetime], set[int]]


@dataclass(frozen=True)
class Work:
    """One kind of time-triggered per-studio work: how to find the studios, what to run there."""

    name: str
    discover: Discover
    run: Callable[[Session], int]
    counter: str


def run_due(db: Database, transport: Transport | None = None) -> DueReport:
    """One due-work tick, as one turn (its log lines and the rows it writes share an id),
    timed and counted for the operator (``frontdesk_due_tick_seconds``, ``frontdesk_due_rows_total``)."""
    started = time.perf_counter()
    with logs.turn():
        report = _run_due(db, transport)
        found = {
            "offers": report.waitlist_events,
            "reminders": report.reminders,
            "no_shows": report.no_shows,
            "packs_expired": report.packs_expired,
            "digests": report.digests,
            "leads": report.leads,
            "deferred": report.deferred_answered,
            "sent": len(report.sent),
        }
        metrics.tick(time.perf_counter() - started, found)
        if any(found.values()):
            log.info("due work: %s", ", ".join(f"{k} {v}" for k, v in found.items() if v))
    return report


def _run_due(db: Database, transport: Transport | None = None) -> DueReport:
    report = DueReport()
    now = clock.now()
    with db.system("due work: studios with lapsed or unsent waitlist offers") as s:
        offer_studios = sorted(set(s.scalars(_offer_studios(now))))
    for studio_id in offer_studios:
        with db.studio(studio_id) as session:
            report.waitlist_events += len(waitlist.expire_offers(session))
    report.studios_visited += len(offer_studios)
    with db.system("due work: reminders due across studios") as s:
        report.reminders = queue_due_reminders(s, since(s, "reminders", now), now)
        advance(s, "reminders", now)
    with db.system("due work: which studios have reviews, digests, expiries or leads due") as s:
        plan = [(work, _active(s, work.discover(s, since(s, work.name, now), now))) for work in WORK]
    for work, studio_ids in plan:
        done = 0
        for studio_id in studio_ids:
            with db.studio(studio_id) as session:
                done += work.run(session)
        setattr(report, work.counter, getattr(report, work.counter) + done)
        report.studios_visited += len(studio_ids)
    with db.system("due work: marks moved on") as s:
        for work in WORK:
            advance(s, work.name, now)
    report.deferred_answered = answer_deferred(db)
    report.sent = deliver_due(db, transport or _default_transport)
    return report


# ------------------------------------------------------------------------- marks


def since(session: Session, work: str, now: datetime) -> datetime | None:
    """Where ``work`` was handled up to, or None (look at everything): never run, or the
    clock is now behind the mark (a test or the simulator set it back)."""
    mark = session.get(DueMark, work)
    if mark is None or mark.done_until > now:
        return None
    return mark.done_until


def advance(session: Session, work: str, now: datetime) -> None:
    mark = session.get(DueMark, work)
    if mark is None:
        session.add(DueMark(work=work, done_until=now))
    elif mark.done_until < now:
        mark.done_until = now


# -------------------------------------------------------------------- discovery


def _offer_studios(now: datetime) -> Select:
    return (
        select(WaitlistEntry.studio_id)
        .where(
            WaitlistEntry.status == "offered",
            # lapsed, or still waiting for its text (withdrawn at the cutoff: waitlist.expire_offers)
            or_(WaitlistEntry.offer_expires_at <= now, WaitlistEntry.offer_sent_at.is_(None)),
        )
        .distinct()
    )


def _active(session: Session, studio_ids: set[int]) -> list[int]:
    if not studio_ids:
        return []
    return sorted(session.scalars(select(Studio.id).where(Studio.id.in_(studio_ids), Studio.active.is_(True))))


def _no_show_studios(session: Session, since_: datetime | None, now: datetime) -> set[int]:
    """Studios with a class whose review window closed in ``(since, now]`` and that still
    holds a booking neither checked in, settled nor waived."""
    review = func.coalesce(Policy.no_show_review_hours, DEFAULT_REVIEW_HOURS)
    hours = set(session.scalars(select(Policy.no_show_review_hours).distinct())) | {DEFAULT_REVIEW_HOURS}
    bands = []
    for h in sorted(hours):
        window = max(timedelta(hours=h or 0), attendance.NO_SHOW_GRACE)  # attendance.review_window
        closed = [ClassSession.ends_at <= now - window, review == h]
        if since_ is not None:
            closed.append(ClassSession.ends_at > since_ - window)
        bands.append(and_(*closed))
    unsettled = exists().where(
        Booking.session_id == ClassSession.id,
        Booking.status.in_(("confirmed", "no_show")),
        Booking.no_show_settled_at.is_(None),
        Booking.penalty_waived.is_(False),
    )
    return set(
        session.scalars(
            select(ClassSession.studio_id)
            .outerjoin(Policy, Policy.studio_id == ClassSession.studio_id)
            .where(ClassSession.status == "scheduled", or_(*bands), unsettled)
            .distinct()
        )
    )


def _pack_studios(session: Session, since_: datetime | None, now: datetime) -> set[int]:
    expired = [ClientPackage.expires_at.is_not(None), ClientPackage.expires_at <= now]
    if since_ is not None:
        expired.append(ClientPackage.expires_at > since_)
    return set(session.scalars(select(ClientPackage.studio_id).where(*expired).distinct()))


@lru_cache(maxsize=1)
def _zones() -> tuple[ZoneInfo, ...]:
    return tuple(ZoneInfo(name) for name in sorted(available_timezones()))


def digest_zones(since_: datetime | None, now: datetime, zones: Iterable[ZoneInfo] | None = None) -> list[str]:
    """The timezones where the 07:00 digest falls due now: it is 07:00-12:00 there (later is
    stale) and 07:00 came after ``since`` (every such zone when ``since`` is None)."""
    due = []
    for zone in zones if zones is not None else _zones():
        local = now.astimezone(zone)
        if not (SEND_AT <= local.time() < STALE_AFTER):
            continue
        if since_ is None or datetime.combine(local.date(), SEND_AT, zone) > since_:
            due.append(str(zone))
    return due


def _digest_studios(session: Session, since_: datetime | None, now: datetime) -> set[int]:
    zones = digest_zones(since_, now)
    return set(session.scalars(select(Studio.id).where(Studio.timezone.in_(zones)))) if zones else set()


def _lead_studios(session: Session, since_: datetime | None, now: datetime) -> set[int]:
    """Studios where ``jobs.leads.run_leads`` has something to do now."""
    found = set(
        session.scalars(
            select(BookingRequest.studio_id)
            .where(
                BookingRequest.status == "proposed",
                BookingRequest.lead_id.is_not(None),
                BookingRequest.respond_by <= now,
            )
            .distinct()
        )
    )
    waiting = select(Lead.studio_id, Lead.paid_at, Studio.timezone, Policy).join(Studio, Studio.id == Lead.studio_id)
    waiting = waiting.outerjoin(Policy, Policy.studio_id == Lead.studio_id).where(
        Lead.status.in_(OPEN_FOR_MATCHING), Lead.paid_at.is_not(None)
    )
    if since_ is not None:  # a day after payment the last reminder is due: older leads were handled
        waiting = waiting.where(Lead.paid_at > since_ - DAY_STAGE)
    for studio_id, paid_at, tz, policy in session.execute(waiting):
        if paid_at is None:  # the query asks for paid leads
            continue
        day, hours = day_of(policy), match_hours_of(policy)
        if since_ is None:
            due = bool(escalation_stages(paid_at, now, tz, day, hours))
        else:
            due = any(since_ < point <= now for point in escalation_points(paid_at, tz, day, hours))
        if due:
            found.add(studio_id)
    found |= set(session.scalars(first_session_attended(select(Lead.studio_id), now).distinct()))
    bought = [
        ClientPackage.client_id == Lead.client_id,
        ClientPackage.studio_id == Lead.studio_id,
        ClientPackage.kind != "intro",
        ClientPackage.created_at >= Lead.paid_at,
    ]
    if since_ is not None:  # an attended lead converts by a purchase since; a booked one by any
        bought.append(or_(Lead.status == "booked", ClientPackage.created_at >= since_))
    found |= set(
        session.scalars(
            select(Lead.studio_id).where(Lead.status.in_(("booked", "attended")), exists().where(*bought)).distinct()
        )
    )
    return found


def _sweep_no_shows(session: Session) -> int:
    return len(attendance.sweep_no_shows(session))


WORK: tuple[Work, ...] = (
    Work("no_shows", _no_show_studios, _sweep_no_shows, "no_shows"),
    Work("digests", _digest_studios, queue_digest, "digests"),
    Work("packs", _pack_studios, credits.expire_packs, "packs_expired"),
    Work("leads", _lead_studios, run_leads, "leads"),
)
