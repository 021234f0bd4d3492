"""Clients as the front desk sees them: find, look up, add, grant, book, cancel.

The staff-side use cases around one client. Each one is one transaction that commits
the change and its audit line together. The booking rules are the booking core's
(``app.booking``); this module never writes booking state any other way. Services
that commit by themselves (``book``, ``cancel``, ``grant_credits``) get their audit
line through ``_audited``: it joins their transaction and names the row they wrote.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.booking import booking as booking_svc
from app.booking import credits, privacy, spots, waitlist
from app.booking.errors import InvalidRequest, NotFound
from app.booking.policies import CancelTerms, load_policy
from app.models import (
    ACTIVE_BOOKING,
    OPEN_WAITLIST,
    Booking,
    ClassSession,
    Client,
    ClientPackage,
    CreditEntry,
    Message,
    Package,
    Staff,
    Studio,
    WaitlistEntry,
)
from app.phones import InvalidPhone, studio_region, to_e164

PER_PAGE = 25
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class ClientError(ValueError):
    """Bad input for a client action, in words for the form. Nothing was written."""


# ----------------------------------------------------------------------- phones


def normalise_phone(raw: str, region: str | None) -> str:
    """E.164, or ``InvalidPhone`` with the reason."""
    return to_e164(raw, region)


# ----------------------------------------------------------------------- search


@dataclass(frozen=True)
class ClientRow:
    client: Client
    last_activity: datetime


@dataclass(frozen=True)
class Page:
    rows: list[ClientRow]
    total: int
    page: int
    pages: int


def search(session: Session, query: str, *, region: str | None, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Clients whose name contains ``query`` or whose phone contains its digits (or
    equals it read as a local number), most recent activity first."""
    # by phone: the thread index (studio_id, phone, created_at) answers it
    last_message = (
        select(func.max(Message.created_at)).where(Message.phone == Client.phone).correlate(Client).scalar_subquery()
    )
    last_booking = (
        select(func.max(Booking.booked_at)).where(Booking.client_id == Client.id).correlate(Client).scalar_subquery()
    )
    activity = _greatest(session, Client.created_at, last_message, last_booking)
    stmt = select(Client, activity.label("activity"))
    text = (query or "").strip()
    if text:
        terms = [
            func.lower(Client.name).contains(text.lower(), autoescape=True),
            func.lower(Client.email).contains(text.lower(), autoescape=True),
        ]
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 3 and not re.search(r"[A-Za-z]", text):
            terms.append(Client.phone.contains(digits, autoescape=True))
            try:
                terms.append(Client.phone == normalise_phone(text, region))
            except InvalidPhone:
                pass
        stmt = stmt.where(or_(*terms))
    total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Client.id).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = session.execute(
        stmt.order_by(activity.desc(), Client.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page([ClientRow(c, when) for c, when in rows], total, page, pages)


def _greatest(session: Session, base, *others):
    """The latest of several instants, NULLs ignored (GREATEST on PostgreSQL, MAX(a, b) on SQLite)."""
    values = [base] + [func.coalesce(o, base) for o in others]
    if session.get_bind().dialect.name == "postgresql":
        return func.greatest(*values)
    return func.max(*values)


# ---------------------------------------------------------------------- profile


@dataclass(frozen=True)
class Profile:
    client: Client
    balance: credits.Balance
    packs: list[credits.PackBalance]
    upcoming: list[Booking]
    past: list[Booking]
    waitlist: list[WaitlistEntry]
    ledger: list[CreditEntry]
    messages: list[Message]
    message_count: int
    ledger_bookings: dict[int, Booking]  # the bookings ledger lines are about, by id
    ledger_by: dict[int, str] = field(default_factory=dict)  # who made each ledger line, in people's words, by id


def get_client(session: Session, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("client", client_id)
    return client


def profile(session: Session, client_id: int, *, past_limit: int = 20, ledger_limit: int = 50) -> Profile:
    client = get_client(session, client_id)
    now = clock.now()
    bookings = (
        select(Booking).join(ClassSession, ClassSession.id == Booking.session_id).where(Booking.client_id == client_id)
    )
    upcoming = session.scalars(
        bookings.where(ClassSession.starts_at > now, Booking.status == "confirmed").order_by(ClassSession.starts_at)
    ).all()
    past = session.scalars(
        bookings.where(or_(ClassSession.starts_at <= now, Booking.status != "confirmed"))
        .order_by(ClassSession.starts_at.desc())
        .limit(past_limit)
    ).all()
    waiting = session.scalars(
        select(WaitlistEntry)
        .join(ClassSession, ClassSession.id == WaitlistEntry.session_id)
        .where(
            WaitlistEntry.client_id == client_id, WaitlistEntry.status.in_(OPEN_WAITLIST), ClassSession.starts_at > now
        )
        .order_by(ClassSession.starts_at)
    ).all()
    ledger = session.scalars(
        select(CreditEntry)
        .where(CreditEntry.client_id == client_id)
        .order_by(CreditEntry.created_at.desc(), CreditEntry.id.desc())
        .limit(ledger_limit)
    ).all()
    thread = thread_query(client)
    messages = session.scalars(thread.order_by(Message.created_at.desc(), Message.id.desc()).limit(5)).all()
    count = session.scalar(select(func.count()).select_from(thread.subquery())) or 0
    booking_ids = {e.booking_id for e in ledger if e.booking_id}
    about = (
        {b.id: b for b in session.scalars(select(Booking).where(Booking.id.in_(booking_ids)))} if booking_ids else {}
    )
    staff_ids = {int(m["id"]) for m in (STAFF_ID.match(e.actor or "") for e in ledger) if m}
    staff_names = (
        dict(session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids))).tuples().all())
        if staff_ids
        else {}
    )
    by = {e.id: actor_label(e.actor, client, staff_names) for e in ledger}
    return Profile(
        client,
        credits.balance(session, client_id),
        credits.packs(session, client_id),
        list(upcoming),
        list(past),
        list(waiting),
        list(ledger),
        list(messages),
        count,
        about,
        by,
    )


STAFF_NAMED = re.compile(r"^(?P<name>.+) \(staff \d+(?:, [\w ]+)?\)$")  # audit.staff_actor and the admin's own
STAFF_ID = re.compile(r"^staff:(?P<id>\d+)$")  # the lead desk's
SERVICE_ACTORS = {"payment": "Online payment", "import": "Client import"}


def actor_label(actor: str | None, client: Client, staff_names: dict[int, str]) -> str:
    """Who made a ledger line, in people's words instead of the log's strings.

    ``client:+44…`` is the client (by name, or "Client (by text)"); ``Ana Reyes (staff 1, owner)``
    is "Ana Reyes"; ``staff:3`` is that staff member's name (``staff_names``); a payment is
    "Online payment" and jobs, sweeps and anything else unattributed are "System".
    """
    text = (actor or "").strip()
    if not text:
        return ""
    if text.startswith("client:"):
        own = text.removeprefix("client:").removeprefix("whatsapp:") == client.phone
        return client.name if own and client.name else "Client (by text)"
    if named := STAFF_NAMED.match(text):
        return named["name"]
    if by_id := STAFF_ID.match(text):
        return staff_names.get(int(by_id["id"]), "Staff")
    return SERVICE_ACTORS.get(text.split(":", 1)[0], "System")


def thread_query(client: Client):
    """A client's messages: those linked to them, and those from their number before they were."""
    return select(Message).where(or_(Message.client_id == client.id, Message.phone == client.phone))


def bookable_sessions(session: Session, *, days: int | None = None, limit: int = 200) -> list[ClassSession]:
    """Upcoming scheduled classes within the booking window, soonest first."""
    now = clock.now()
    window = days if days is not None else load_policy(session).booking_window_days
    return list(
        session.scalars(
            select(ClassSession)
            .where(
                ClassSession.status == "scheduled",
                ClassSession.starts_at > now,
                ClassSession.starts_at <= now + timedelta(days=window),
                ClassSession.kind == "class",
            )
            .order_by(ClassSession.starts_at)
            .limit(limit)
        )
    )


def session_counts(session: Session, session_ids: list[int]) -> dict[int, int]:
    if not session_ids:
        return {}
    return {sid: booked for sid, (booked, _) in spots.counts(session, session_ids).items()}


def client_session_states(session: Session, client_id: int, session_ids: list[int]) -> dict[int, str]:
    """session id -> "booked" or "waiting" for this client, among ``session_ids``."""
    if not session_ids:
        return {}
    states = {
        sid: "waiting"
        for sid in session.scalars(
            select(WaitlistEntry.session_id).where(
                WaitlistEntry.client_id == client_id,
                WaitlistEntry.session_id.in_(session_ids),
                WaitlistEntry.status.in_(OPEN_WAITLIST),
            )
        )
    }
    states.update(
        {
            sid: "booked"
            for sid in session.scalars(
                select(Booking.session_id).where(
                    Booking.client_id == client_id,
                    Booking.session_id.in_(session_ids),
                    Booking.status.in_(ACTIVE_BOOKING),
                )
            )
        }
    )
    return states


# ---------------------------------------------------------------------- audit


@contextmanager
def _audited(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    watch: type,
    before: dict | None = None,
    note: dict | None = None,
) -> Iterator[None]:
    """Audit the core use case run inside the block: the audit row joins the caller's
    transaction and names the first ``watch`` row the use case wrote, as it is after."""
    row = audit.record(session, actor=actor, action=action, entity=entity, before=before)
    touched: list = []

    def after_flush(sess, _context) -> None:
        touched.extend(o for o in (*sess.new, *sess.dirty) if isinstance(o, watch) and o not in touched)

    event.listen(session, "after_flush", after_flush)
    try:
        yield
        session.flush()
    finally:
        event.remove(session, "after_flush", after_flush)
    if touched:
        row.entity_id = str(touched[0].id)
        row.after = {**audit.snapshot(touched[0]), **(note or {})}


# ---------------------------------------------------------------------- actions


def add_client(
    session: Session, *, name: str, phone: str, email: str = "", notes: str = "", region: str | None, actor: str
) -> Client:
    """Use case: add a client by hand, with its audit line. The caller commits."""
    name, email, notes = (name or "").strip(), (email or "").strip(), (notes or "").strip()
    if not name:
        raise ClientError("Please give the client's name.")
    if not (phone or "").strip():
        raise ClientError("Please give the client's mobile number.")
    try:
        e164 = normalise_phone(phone, region)
    except InvalidPhone as exc:
        raise ClientError(f"{phone.strip()!r} doesn't look like a phone number.") from exc
    if email and not EMAIL.fullmatch(email):
        raise ClientError(f"{email!r} doesn't look like an email address.")
    existing = session.scalars(select(Client).where(Client.phone == e164)).first()
    if existing is not None:
        raise ClientError(f"{e164} is already a client: {existing.name or 'no name'}.")
    client = Client(name=name[:200], phone=e164, email=email or None, notes=notes or None)
    privacy.start_suppressed(session, client)  # an erased person added back is not texted first
    session.add(client)
    session.flush()
    audit.record(
        session, actor=actor, action="create", entity="client", entity_id=client.id, after=audit.snapshot(client)
    )
    return client


def grant(
    session: Session,
    client_id: int,
    *,
    actor: str,
    reason: str,
    credits_count: int | None = None,
    package_id: int | None = None,
    valid_days: int | None = None,
) -> ClientPackage:
    """Use case: grant loose credits (with a reason) or one of the studio's packages."""
    reason = (reason or "").strip()
    if not reason:
        raise ClientError("Please say why the credits are granted.")
    get_client(session, client_id)
    if package_id is not None:
        package = session.get(Package, package_id)
        if package is None or not package.active:
            raise ClientError("Please choose one of the studio's packages.")
    else:
        if credits_count is None or credits_count <= 0:
            raise ClientError("Please grant at least one credit.")
        if credits_count > 1000:
            raise ClientError("That is more credits than one grant can hold (1000 at most).")
        if valid_days is not None and valid_days <= 0:
            raise ClientError("Credits must be valid for at least one day.")
    with _audited(
        session,
        actor=actor,
        action="grant_credits",
        entity="client_package",
        watch=ClientPackage,
        note={"reason": reason},
    ):
        try:
            if package_id is not None:
                return credits.grant_package(session, client_id, package_id, source="admin", actor=actor[:100])
            assert credits_count is not None  # checked above: a grant of loose credits says how many
            return credits.grant_credits(
                session, client_id, credits_count, reason=reason[:200], valid_days=valid_days, actor=actor[:100]
            )
        except InvalidRequest as exc:
            raise ClientError(str(exc).capitalize() + ".") from exc


def book(session: Session, client_id: int, session_id: int, *, actor: str) -> booking_svc.BookingResult:
    """Use case: staff book a client into a class, by the same service and rules as a text.
    Staff are asked nothing about an overlapping class (they chose it; a studio that refuses
    overlaps still refuses).

    Raises the core's errors (``ClassFull``, ``NoCredits``, ...) for the page to put in words.
    """
    get_client(session, client_id)
    with _audited(session, actor=actor, action="book", entity="booking", watch=Booking):
        return booking_svc.book(session, client_id, session_id, source="admin", actor=actor[:100], allow_overlap=True)


def join_waitlist(session: Session, client_id: int, session_id: int, *, actor: str) -> waitlist.JoinResult:
    get_client(session, client_id)
    with _audited(session, actor=actor, action="waitlist", entity="waitlist_entry", watch=WaitlistEntry):
        return waitlist.join(session, client_id, session_id)


def client_booking(session: Session, client_id: int, booking_id: int) -> Booking:
    found = session.get(Booking, booking_id)
    if found is None or found.client_id != client_id:
        raise NotFound("booking", booking_id)
    return found


def preview_cancel(session: Session, client_id: int, booking_id: int) -> CancelTerms:
    client_booking(session, client_id, booking_id)
    return booking_svc.preview_cancel(session, booking_id)


def cancel(
    session: Session, client_id: int, booking_id: int, *, accept_late: bool, actor: str
) -> booking_svc.CancelResult:
    """Use case: staff cancel a client's booking; a late cancel needs ``accept_late``."""
    before = audit.snapshot(client_booking(session, client_id, booking_id))
    with _audited(session, actor=actor, action="cancel", entity="booking", watch=Booking, before=before):
        return booking_svc.cancel(session, booking_id, accept_late=accept_late, actor=actor[:100])


# ---------------------------------------------------------------------- display


def active_packages(session: Session) -> list[Package]:
    return list(session.scalars(select(Package).where(Package.active.is_(True)).order_by(Package.name)))


def money(studio: Studio, amount: Decimal) -> str:
    symbol = {"GBP": "£", "USD": "$", "EUR": "€", "AUD": "$", "CAD": "$", "NZD": "$"}.get(studio.currency, "")
    value = f"{amount:,.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {studio.currency}"


__all__ = [
    "ClientError",
    "ClientRow",
    "Page",
    "Profile",
    "active_packages",
    "actor_label",
    "add_client",
    "book",
    "bookable_sessions",
    "cancel",
    "client_booking",
    "client_session_states",
    "get_client",
    "grant",
    "join_waitlist",
    "money",
    "normalise_phone",
    "preview_cancel",
    "profile",
    "search",
    "session_counts",
    "studio_region",
    "thread_query",
]
