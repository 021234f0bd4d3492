"""A client's data: export it, erase it (GDPR articles 15, 17 and 20; CCPA's right to know
and to delete), and the suppression list that keeps an erased number untexted.

Use cases take the caller's session and never commit. Everything here runs in the studio's
scope: a client of another studio with the same phone is another data subject of another
controller and is never read or touched (the scope makes that structural).

Erasure (``erase_client``) is one use case, all or nothing:
1. the client's open waitlist entries are left (``waitlist.leave``: an offer they held
   passes on) and their future bookings cancelled through the booking core (``cancellable``,
   ``terms_now``, ``release``, ``waitlist.spot_freed``: the freed place goes to the
   waitlist as usual). Refunds follow the studio's policy, except that an erasure never
   raises a late-cancel fee (a fee becomes "credit back, no fee").
2. the client row is anonymised in place (name "Erased client", phone ``erased:<id>``,
   email and notes cleared, opted out of every channel, ``erased_at`` set), so bookings,
   the credit ledger and payments keep their amounts, dates and references.
3. everything else that holds the person's words or number is scrubbed: message bodies and
   replies, the conversation's state, outbox texts (pending ones are skipped), intro leads,
   1:1 requests, "client:+44..." actor strings, audit snapshots, CSV import rows.
4. the number goes on the studio's suppression list (``SuppressedPhone``, a hash).
5. one audit line says what was done, in counts, never the data itself.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.booking import booking as booking_svc
from app.booking import credits, waitlist
from app.booking.atomic import use_case
from app.booking.errors import BookingError, NotFound
from app.booking.events import Event, record
from app.booking.policies import CancelTerms, load_policy
from app.models import (
    OPEN_WAITLIST,
    AuditLog,
    Booking,
    BookingRequest,
    ClassSession,
    Client,
    ClientImport,
    ClientPackage,
    Conversation,
    CreditEntry,
    DataRequest,
    Lead,
    Message,
    OutboxMessage,
    Payment,
    Studio,
    SuppressedPhone,
    WaitlistEntry,
)
from app.phones import InvalidPhone, to_e164
from app.tenancy import SCOPE

EXPORT_FORMAT = "frontdesk.client-export/1"
EXPORT_LINK_TTL = timedelta(hours=24)  # a texted export link works once, within a day
ERASED_NAME = "Erased client"
ERASED_TEXT = "[erased]"
ERASED_ACTOR = "client:erased"
ERASE_WORD = "ERASE"
PERSONAL_KEYS = frozenset({"name", "phone", "email", "notes", "goals", "preferences", "body", "to_addr", "from_addr"})


class PrivacyError(BookingError):
    """Base of the refusals of this module."""


class ConfirmationMismatch(PrivacyError):
    """The typed confirmation was neither the client's name nor ERASE: nothing was changed."""

    def __init__(self) -> None:
        super().__init__("the typed confirmation does not match the client's name or ERASE")


class AlreadyErased(PrivacyError):
    def __init__(self, client_id: int) -> None:
        super().__init__(f"client {client_id}'s data was erased already")
        self.client_id = client_id


class ExportLinkInvalid(PrivacyError):
    """``reason``: ``unknown`` (no such link in this studio), ``used`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the export link is {reason}")
        self.reason = reason


# --------------------------------------------------------------------- hashing


def _studio_id(session: Session) -> int:
    studio_id = session.info.get(SCOPE)
    if studio_id is None:
        raise RuntimeError("privacy use cases run in one studio's scope")
    return int(studio_id)


def phone_hash(studio_id: int, phone: str) -> str:
    """SHA-256 hex of ``"<studio_id>:<E.164>"``: the suppression list's key.

    Deterministic, so an inbound or outbound number can be checked against the list; salted
    by studio, so the lists of two studios can't be joined on it. A phone number has few
    possible values, so this is pseudonymisation, not anonymisation: the list holds only
    what is needed to honour the erasure (never to text first again) and nothing else."""
    return hashlib.sha256(f"{studio_id}:{phone}".encode()).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def placeholder(client_id: int) -> str:
    """The phone an erased client row keeps: unique in the studio, never a number."""
    return f"erased:{client_id}"


# ------------------------------------------------------------------ suppression


def suppression(session: Session, phone: str) -> SuppressedPhone | None:
    """The studio's active suppression of ``phone`` (E.164), or None."""
    return session.scalars(
        select(SuppressedPhone).where(
            SuppressedPhone.phone_hash == phone_hash(_studio_id(session), phone), SuppressedPhone.lifted_at.is_(None)
        )
    ).first()


def start_suppressed(session: Session, client: Client) -> bool:
    """A new client row on a suppressed number (added by staff or an import) starts opted
    out of both channels, so nothing is texted to it first; replies to the person's own
    texts still go, and START lifts it. True when the number was suppressed."""
    if suppression(session, client.phone) is None:
        return False
    now = clock.now()
    client.sms_opted_out_at = client.sms_opted_out_at or now
    client.whatsapp_opted_out_at = client.whatsapp_opted_out_at or now
    return True


def suppress(session: Session, phone: str, kind: str = "erasure") -> SuppressedPhone:
    """Put ``phone`` on the studio's suppression list (again, if it was lifted). Flushes."""
    digest = phone_hash(_studio_id(session), phone)
    row = session.scalars(select(SuppressedPhone).where(SuppressedPhone.phone_hash == digest)).first()
    if row is None:
        row = SuppressedPhone(phone_hash=digest, kind=kind, created_at=clock.now())
        session.add(row)
    else:
        row.kind, row.created_at, row.lifted_at, row.lifted_why = kind, clock.now(), None, None
    session.flush()
    return row


def lift_suppression(session: Session, phone: str, why: str) -> bool:
    """The person opted in anew (START) or out by STOP (the opt-out then governs): the
    suppression of ``phone`` ends. True when there was one."""
    row = suppression(session, phone)
    if row is None:
        return False
    row.lifted_at, row.lifted_why = clock.now(), why[:60]
    session.flush()
    return True


# ------------------------------------------------------------------------ export


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{Decimal(amount):.2f}"


def thread(client: Client):
    """The client's messages: linked to them, or from their number before they were."""
    return select(Message).where(or_(Message.client_id == client.id, Message.phone == client.phone))


def export_data(session: Session, client_id: int) -> dict[str, Any]:
    """Everything this studio holds about one client, as JSON-ready data (times ISO 8601
    UTC, money as decimal strings in the studio's currency).

    Keys: ``format``, ``exported_at``, ``studio``, ``client``, ``balance``, ``packages``,
    ``bookings``, ``waitlist``, ``credit_ledger``, ``payments`` (amounts and dates only: no
    card data is ever held, and no payment-provider ids are given), ``appointment_requests``,
    ``intro_leads``, ``messages``, ``data_requests``. Raises ``NotFound``."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("client", client_id)
    studio = session.get(Studio, _studio_id(session))
    assert studio is not None
    bookings = session.execute(
        select(Booking, ClassSession)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .where(Booking.client_id == client_id)
        .order_by(ClassSession.starts_at, Booking.id)
    ).all()
    waiting = session.execute(
        select(WaitlistEntry, ClassSession)
        .join(ClassSession, ClassSession.id == WaitlistEntry.session_id)
        .where(WaitlistEntry.client_id == client_id)
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
    ).all()
    packs = session.scalars(
        select(ClientPackage).where(ClientPackage.client_id == client_id).order_by(ClientPackage.id)
    ).all()
    ledger = session.scalars(
        select(CreditEntry).where(CreditEntry.client_id == client_id).order_by(CreditEntry.created_at, CreditEntry.id)
    ).all()
    payments = session.scalars(select(Payment).where(Payment.client_id == client_id).order_by(Payment.id)).all()
    requests = session.scalars(
        select(BookingRequest).where(BookingRequest.client_id == client_id).order_by(BookingRequest.id)
    ).all()
    leads = session.scalars(
        select(Lead).where(or_(Lead.client_id == client_id, Lead.phone == client.phone)).order_by(Lead.id)
    ).all()
    messages = session.scalars(thread(client).order_by(Message.created_at, Message.id)).all()
    asked = session.scalars(
        select(DataRequest).where(DataRequest.client_id == client_id).order_by(DataRequest.id)
    ).all()
    balance = credits.balance(session, client_id)

    def when(cs: ClassSession) -> dict[str, Any]:
        return {
            "class": cs.class_type.name,
            "starts_at": _iso(cs.starts_at),
            "location": cs.location.name,
            "instructor": cs.instructor.name if cs.instructor else None,
        }

    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(clock.now()),
        "studio": {
            "name": studio.name,
            "contact_phone": studio.contact_phone,
            "contact_email": studio.contact_email,
            "timezone": studio.timezone,
            "currency": studio.currency,
        },
        "client": {
            "id": client.id,
            "name": client.name,
            "phone": client.phone,
            "email": client.email,
            "notes": client.notes,
            "created_at": _iso(client.created_at),
            "sms_opted_out_at": _iso(client.sms_opted_out_at),
            "whatsapp_opted_out_at": _iso(client.whatsapp_opted_out_at),
            "erased_at": _iso(client.erased_at),
        },
        "balance": {"credits": balance.credits, "unlimited": balance.unlimited, "owed": _money(balance.owed)},
        "packages": [
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "unlimited": p.unlimited,
                "starts_at": _iso(p.starts_at),
                "expires_at": _iso(p.expires_at),
                "status": p.status,
                "source": p.source,
            }
            for p in packs
        ],
        "bookings": [
            {
                "id": b.id,
                **when(cs),
                "status": b.status,
                "credits_spent": b.credits_spent,
                "booked_at": _iso(b.booked_at),
                "booked_by": b.source,
                "cancelled_at": _iso(b.cancelled_at),
                "checked_in_at": _iso(b.checked_in_at),
            }
            for b, cs in bookings
        ],
        "waitlist": [
            {
                "id": w.id,
                **when(cs),
                "status": w.status,
                "joined_at": _iso(w.joined_at),
                "offered_at": _iso(w.offered_at),
                "resolved_at": _iso(w.resolved_at),
            }
            for w, cs in waiting
        ],
        "credit_ledger": [
            {
                "id": e.id,
                "at": _iso(e.created_at),
                "kind": e.kind,
                "credits": e.credits,
                "amount": _money(e.amount),
                "note": e.note,
                "booking_id": e.booking_id,
                "package_id": e.client_package_id,
            }
            for e in ledger
        ],
        "payments": [
            {
                "id": p.id,
                "kind": p.kind,
                "item": p.item_name,
                "amount": _money(p.amount),
                "currency": p.currency,
                "amount_refunded": _money(p.amount_refunded),
                "status": p.status,
                "created_at": _iso(p.created_at),
                "paid_at": _iso(p.paid_at),
                "refunded_at": _iso(p.refunded_at),
            }
            for p in payments
        ],
        "appointment_requests": [
            {
                "id": r.id,
                "status": r.status,
                "proposed_start": _iso(r.proposed_start),
                "preferences": r.preferences or {},
                "notes": r.notes,
                "created_at": _iso(r.created_at),
            }
            for r in requests
        ],
        "intro_leads": [
            {
                "id": lead.id,
                "name": lead.name,
                "phone": lead.phone,
                "email": lead.email,
                "goals": lead.goals,
                "preferences": lead.preferences or {},
                "status": lead.status,
                "created_at": _iso(lead.created_at),
                "paid_at": _iso(lead.paid_at),
            }
            for lead in leads
        ],
        "messages": [
            {"at": _iso(m.created_at), "direction": m.direction, "channel": m.channel, "body": m.body} for m in messages
        ],
        "data_requests": [
            {"kind": r.kind, "source": r.source, "status": r.status, "at": _iso(r.created_at)} for r in asked
        ],
    }


@use_case
def record_export(session: Session, client_id: int, *, actor: str, source: str, fmt: str) -> DataRequest:
    """Use case: staff exported the client's data (``fmt``: json | html). The request row and
    its audit line, in the caller's transaction. Raises ``NotFound``."""
    if session.get(Client, client_id) is None:
        raise NotFound("client", client_id)
    now = clock.now()
    row = DataRequest(
        client_id=client_id, kind="export", status="done", source=source, actor=actor[:200], created_at=now, done_at=now
    )
    session.add(row)
    after = {"source": source, "format": fmt}
    audit.record(session, actor=actor, action="export", entity="client", entity_id=client_id, after=after)
    session.flush()
    return row


@use_case
def create_export_link(session: Session, client_id: int, *, source: str, actor: str) -> tuple[DataRequest, str]:
    """Use case: a one-time export link for the client who asked by text (and confirmed from
    the same number). Returns the request row and the token to put in the link; only the
    token's hash is stored. Earlier unused links of the client stop working."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("client", client_id)
    if client.erased_at is not None:
        raise AlreadyErased(client_id)
    now = clock.now()
    for old in session.scalars(
        select(DataRequest).where(
            DataRequest.client_id == client_id, DataRequest.kind == "export", DataRequest.status == "pending"
        )
    ):
        old.status, old.done_at = "cancelled", now
    token = secrets.token_urlsafe(18)
    row = DataRequest(
        client_id=client_id,
        kind="export",
        status="pending",
        source=source,
        token_hash=token_hash(token),
        expires_at=now + EXPORT_LINK_TTL,
        actor=actor[:200],
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="export_link",
        entity="client",
        entity_id=client_id,
        after={"request": row.id, "expires_at": _iso(row.expires_at)},
    )
    return row, token


@use_case
def redeem_export_link(session: Session, token: str) -> int:
    """Use case: the client opened their export link. Spends it (once) and returns the
    client id; raises ``ExportLinkInvalid`` (unknown, used, expired) and changes nothing then."""
    row = session.scalars(
        select(DataRequest).where(DataRequest.token_hash == token_hash(token), DataRequest.kind == "export")
    ).first()
    if row is None:
        raise ExportLinkInvalid("unknown")
    now = clock.now()
    if row.used_at is not None or row.status != "pending":
        raise ExportLinkInvalid("used")
    if row.expires_at is None or row.expires_at <= now:
        raise ExportLinkInvalid("expired")
    row.used_at, row.status, row.done_at = now, "done", now
    audit.record(
        session,
        actor=f"client:{row.client_id}",
        action="export",
        entity="client",
        entity_id=row.client_id,
        after={"source": row.source, "request": row.id, "format": "html+json"},
    )
    session.flush()
    return row.client_id


def check_export_link(session: Session, token: str) -> DataRequest:
    """The link's request if it could be redeemed now (for the page that asks to open it);
    raises ``ExportLinkInvalid``. Changes nothing: a link preview never spends a link."""
    row = session.scalars(
        select(DataRequest).where(DataRequest.token_hash == token_hash(token), DataRequest.kind == "export")
    ).first()
    if row is None:
        raise ExportLinkInvalid("unknown")
    if row.used_at is not None or row.status != "pending":
        raise ExportLinkInvalid("used")
    if row.expires_at is None or row.expires_at <= clock.now():
        raise ExportLinkInvalid("expired")
    return row


# ------------------------------------------------------------------------ erasure


def pending_erasure(session: Session, client_id: int) -> DataRequest | None:
    return session.scalars(
        select(DataRequest).where(
            DataRequest.client_id == client_id, DataRequest.kind == "erasure", DataRequest.status == "pending"
        )
    ).first()


@use_case
def request_erasure(session: Session, client_id: int, *, source: str, actor: str) -> DataRequest:
    """Use case: the client asked by text (and confirmed YES) to have their data erased, for
    staff to carry out. Asked twice, it is one request. Audited."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("client", client_id)
    if client.erased_at is not None:
        raise AlreadyErased(client_id)
    existing = pending_erasure(session, client_id)
    if existing is not None:
        return existing
    row = DataRequest(
        client_id=client_id, kind="erasure", status="pending", source=source, actor=actor[:200], created_at=clock.now()
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, action="erasure_request", entity="client", entity_id=client_id, after={"request": row.id}
    )
    return row


def confirmation_matches(client: Client, typed: str) -> bool:
    """The typed confirmation: the client's name (case and spacing aside) or ERASE."""
    said = " ".join((typed or "").split()).casefold()
    if not said:
        return False
    name = " ".join((client.name or "").split()).casefold()
    return said == ERASE_WORD.casefold() or (bool(name) and said == name)


@dataclass
class ErasureResult:
    client_id: int
    bookings_cancelled: list[int] = field(default_factory=list)
    waitlist_left: list[int] = field(default_factory=list)
    messages_scrubbed: int = 0
    events: list[Event] = field(default_factory=list)


@use_case
def erase_client(session: Session, client_id: int, *, actor: str, confirmation: str) -> ErasureResult:
    """Use case: staff erase a client, with the typed confirmation (their name or ERASE).

    Raises ``NotFound``, ``AlreadyErased``, ``ConfirmationMismatch`` (nothing changed).
    All or nothing; the caller commits. See the module's docstring for what is done."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("client", client_id)
    if client.erased_at is not None:
        raise AlreadyErased(client_id)
    if not confirmation_matches(client, confirmation):
        raise ConfirmationMismatch()
    return _erase(session, client, actor=actor, source="admin")


@use_case
def erase_by_text(session: Session, client_id: int, *, actor: str, source: str) -> ErasureResult:
    """Use case: the client asked by text and confirmed YES from the same number, and the
    studio carries out such requests at once (``Policy.erasure_by_text == "auto"``)."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("client", client_id)
    if client.erased_at is not None:
        raise AlreadyErased(client_id)
    return _erase(session, client, actor=actor, source=source)


def _erasure_terms(terms: CancelTerms, credits_spent: int) -> CancelTerms:
    """The studio's cancel terms, except never a fee: a late cancel under ``fee`` gives the
    credit back and charges nothing (nobody is billed for exercising a legal right)."""
    if terms.late and terms.consequence == "fee":
        return CancelTerms(True, terms.free_until, "none", credits_spent, Decimal("0"))
    return terms


def _cancel_future(session: Session, client_id: int, actor: str, result: ErasureResult) -> None:
    now = clock.now()
    policy = load_policy(session)
    entries = session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.client_id == client_id, WaitlistEntry.status.in_(OPEN_WAITLIST))
    ).all()
    for entry in entries:  # first, so no place freed below is offered to the client being erased
        waitlist.leave(session, client_id, entry.session_id)
        entry.note = "client data erased"
        result.waitlist_left.append(entry.id)
    upcoming = booking_svc.upcoming_bookings(session, client_id)
    for found in upcoming:
        booking, class_session = booking_svc.cancellable(session, found.id)
        terms = _erasure_terms(
            booking_svc.terms_now(session, policy, booking, class_session, now), booking.credits_spent
        )
        events = booking_svc.release(session, booking, terms, actor[:100], now)
        events += waitlist.spot_freed(session, class_session, policy)
        record(session, events)
        result.events += events
        result.bookings_cancelled.append(booking.id)
    for req in session.scalars(
        select(BookingRequest).where(
            BookingRequest.client_id == client_id, BookingRequest.status.in_(("open", "proposed", "accepted"))
        )
    ):
        req.status = "cancelled"


def _addresses(phone: str) -> tuple[str, str]:
    return phone, f"whatsapp:{phone}"


def _scrub_strings(value: Any, needles: tuple[str, ...]) -> Any:
    """``value`` with every string that contains one of ``needles`` replaced by [erased]."""
    if isinstance(value, str):
        return ERASED_TEXT if any(n and n in value for n in needles) else value
    if isinstance(value, list):
        return [_scrub_strings(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_strings(v, needles) for k, v in value.items()}
    return value


def _scrub_personal(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {k: (ERASED_TEXT if k in PERSONAL_KEYS and v not in (None, "") else v) for k, v in value.items()}


def _scrub_imports(session: Session, phone: str) -> None:
    """The CSV import jobs keep their parsed rows: the person's row goes."""

    def same(raw: Any, region: str | None) -> bool:
        try:
            return to_e164(str(raw or ""), region) == phone
        except InvalidPhone:
            return False

    for job in session.scalars(select(ClientImport)):
        rows = [
            {k: (ERASED_TEXT if k in PERSONAL_KEYS else v) for k, v in r.items()}
            if same(r.get("phone"), job.region)
            else r
            for r in job.rows or []
        ]
        errors = [{**e, "value": ERASED_TEXT} if same(e.get("value"), job.region) else e for e in job.errors or []]
        if rows != (job.rows or []) or errors != (job.errors or []):
            job.rows, job.errors = rows, errors


def _erase(session: Session, client: Client, *, actor: str, source: str) -> ErasureResult:
    now = clock.now()
    phone, email, name = client.phone, client.email, client.name
    result = ErasureResult(client.id)
    _cancel_future(session, client.id, actor, result)
    gone = placeholder(client.id)
    addresses = _addresses(phone)

    # the message thread: bodies and the client's address replaced, rows kept (counted, dated)
    for message in session.scalars(thread(client)).all():
        message.body = ERASED_TEXT
        message.reply = ERASED_TEXT if message.reply is not None else None
        message.phone, message.client_id = gone, client.id
        if message.from_addr in addresses:
            message.from_addr = gone
        if message.to_addr in addresses:
            message.to_addr = gone
        result.messages_scrubbed += 1
    for conv in session.scalars(
        select(Conversation).where(or_(Conversation.phone == phone, Conversation.client_id == client.id))
    ):
        conv.phone, conv.client_id, conv.state, conv.context, conv.expires_at = gone, client.id, "idle", {}, None
    for row in session.scalars(
        select(OutboxMessage).where(or_(OutboxMessage.client_id == client.id, OutboxMessage.to_addr.in_(addresses)))
    ):
        if row.status == "pending":
            row.status, row.error_message = "skipped", "the client's data was erased"
        row.body, row.to_addr, row.content_variables, row.client_id = ERASED_TEXT, gone, None, client.id
    for lead in session.scalars(select(Lead).where(or_(Lead.client_id == client.id, Lead.phone == phone))):
        lead.name, lead.phone, lead.email, lead.goals, lead.preferences = ERASED_NAME, gone, None, None, {}
    for req in session.scalars(select(BookingRequest).where(BookingRequest.client_id == client.id)):
        req.notes, req.preferences = None, {}

    # who did what: "client:+44..." names the person; the ledger's amounts and dates stay
    actors = tuple(f"client:{a}" for a in addresses)
    for entry in session.scalars(select(CreditEntry).where(CreditEntry.actor.in_(actors))):
        entry.actor = ERASED_ACTOR
    needles = tuple(n for n in (phone, email) if n)
    for line in session.scalars(
        select(AuditLog).where(
            or_(
                (AuditLog.entity == "client") & (AuditLog.entity_id == str(client.id)),
                AuditLog.actor.in_(actors),
                *[cast(AuditLog.before, Text).contains(n, autoescape=True) for n in needles],
                *[cast(AuditLog.after, Text).contains(n, autoescape=True) for n in needles],
            )
        )
    ):
        if line.actor in actors:
            line.actor = ERASED_ACTOR
        if line.entity == "client" and line.entity_id == str(client.id):
            line.before, line.after = _scrub_personal(line.before), _scrub_personal(line.after)
        line.before, line.after = _scrub_strings(line.before, needles), _scrub_strings(line.after, needles)
    _scrub_imports(session, phone)

    # open requests are settled by this erasure; an unused export link stops working
    for asked in session.scalars(
        select(DataRequest).where(DataRequest.client_id == client.id, DataRequest.status == "pending")
    ):
        asked.status, asked.done_at = ("done" if asked.kind == "erasure" else "cancelled"), now
        asked.token_hash = None
    session.add(
        DataRequest(
            client_id=client.id,
            kind="erasure",
            status="done",
            source=source,
            actor=actor[:200],
            created_at=now,
            done_at=now,
        )
    )

    client.name, client.phone, client.email, client.notes = ERASED_NAME, gone, None, None
    client.sms_opted_out_at = client.sms_opted_out_at or now
    client.whatsapp_opted_out_at = client.whatsapp_opted_out_at or now
    client.last_whatsapp_inbound_at, client.erased_at = None, now
    session.flush()
    suppress(session, phone)
    audit.record(
        session,
        actor=actor,
        action="erase",
        entity="client",
        entity_id=client.id,
        before={"had_name": bool(name), "had_email": bool(email)},
        after={
            "source": source,
            "bookings_cancelled": result.bookings_cancelled,
            "waitlist_left": result.waitlist_left,
            "messages_scrubbed": result.messages_scrubbed,
            "phone_suppressed": True,
        },
    )
    session.flush()
    return result


__all__ = [
    "ERASED_NAME",
    "ERASED_TEXT",
    "ERASE_WORD",
    "EXPORT_FORMAT",
    "EXPORT_LINK_TTL",
    "AlreadyErased",
    "ConfirmationMismatch",
    "ErasureResult",
    "ExportLinkInvalid",
    "PrivacyError",
    "check_export_link",
    "confirmation_matches",
    "create_export_link",
    "erase_by_text",
    "erase_client",
    "export_data",
    "lift_suppression",
    "pending_erasure",
    "phone_hash",
    "placeholder",
    "record_export",
    "redeem_export_link",
    "request_erasure",
    "suppress",
    "suppression",
    "thread",
]
