"""``SqlDesk``: the bot's ``Desk`` port implemented over the booking core.

Each action is one booking use case inside the turn's one transaction (the engine
commits); a refused use case has undone its own writes (``use_case``), and its domain
error comes back as an ``Outcome`` kind for the dialogue to put into words.
Anything to tell someone else (waitlist offers, a forwarded question) goes into the
outbox in the same transaction as the change that caused it.
"""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.booking import appointments, arrivals, changes, credits, moves, privacy, spots, waitlist
from app.booking import booking as booking_svc
from app.booking import errors as e
from app.booking.attendance import fees_charged
from app.booking.policies import free_cancel_deadline, load_policy
from app.booking.rows import row
from app.conversation.lead_desk import SqlLeadDesk
from app.models import (
    ACTIVE_BOOKING,
    OPEN_WAITLIST,
    Booking,
    ClassSession,
    ClassType,
    Client,
    Location,
    Message,
    OutboxMessage,
    Package,
    Staff,
    Studio,
    WaitlistEntry,
)
from app.notify.staff import forward_to_staff, late_text_key
from app.notify.views import Names, session_view, studio_view
from app.payments.errors import PaymentsUnavailable
from app.payments.settings import base_url, current
from app.payments.texting import checkout_for_client
from bot.desk import (
    ATTENDANCE_ACTIONS,
    AppointmentTypeView,
    BalanceView,
    BookingView,
    Outcome,
    PackageView,
    Person,
    RosterEntry,
    SessionQuery,
    SessionView,
    SlotView,
    WaitlistView,
)
from bot.nlu.catalog import Catalog, ClassEntry, NamedEntry


class SqlDesk:
    def __init__(self, session: Session, studio: Studio, phone: str, channel: str) -> None:
        self.db = session
        self.studio_row = studio
        self.studio = studio_view(studio)
        self.tz = ZoneInfo(studio.timezone)
        self.phone = phone
        self.channel = channel
        self.person = self._who()
        self._catalog: Catalog | None = None
        self._names_cache: Names | None = None

    # ------------------------------------------------------------------ identity
    def _who(self) -> Person:
        client = self.db.scalars(select(Client).where(Client.phone == self.phone)).first()
        staff = self.db.scalars(select(Staff).where(Staff.phone == self.phone, Staff.active.is_(True))).first()
        return Person(
            client_id=client.id if client else None,
            client_name=(client.name or "").split(" ")[0] or None if client else None,
            staff_id=staff.id if staff else None,
            staff_name=staff.name if staff else None,
            staff_role=staff.role if staff else None,
            opted_out=bool(client and client.opted_out(self.channel) and not self._suppressed_only(client)),
        )

    def _suppressed_only(self, client: Client) -> bool:
        """A new client on the number of an erased one (issue 17): opted out of every channel so
        that nothing is texted to them first, yet not opted out in the dialogue's eyes (they
        texted us: replies to their own texts go). STOP lifts the suppression (the opt-out then
        governs), START lifts it and opts them in anew. Asked only of an opted-out client."""
        return privacy.suppression(self.db, self.phone) is not None

    def client(self) -> Client | None:
        return self.db.scalars(select(Client).where(Client.phone == self.phone)).first()

    def now(self) -> datetime:
        return clock.now().astimezone(self.tz)

    def _client_id(self) -> int:
        """The texting client's id, for the actions only a client can take; ``NotFound`` for a
        stranger or staff member with no client row (what the booking core says of an unknown client)."""
        if self.person.client_id is None:
            raise e.NotFound("client")
        return self.person.client_id

    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = cached_catalog(self.db, self.studio_row.id)
        return self._catalog

    # ------------------------------------------------------------------ reading
    def _view(self, s: ClassSession, booked: int | None = None, waiting: int | None = None) -> SessionView:
        return session_view(self.db, s, self.tz, booked=booked, waiting=waiting, names=self._names())

    def _names(self) -> Names:
        if self._names_cache is None:
            self._names_cache = Names.of(self.catalog())
        return self._names_cache

    def session(self, session_id: int) -> SessionView | None:
        found = self.db.execute(
            select(ClassSession, spots.booked_column(), spots.waiting_column()).where(ClassSession.id == session_id)
        ).first()
        return self._view(*found) if found is not None else None

    def find_sessions(self, query: SessionQuery) -> list[SessionView]:
        """Upcoming classes matching ``query``, with their booked and waiting counts: one query.
        ``include_appointments`` (staff only): the booked 1:1s too, never an empty one."""
        now = clock.now()
        stmt = select(ClassSession, spots.booked_column(), spots.waiting_column()).where(
            ClassSession.status == "scheduled"
        )
        if query.include_appointments:
            stmt = stmt.where(
                or_(
                    ClassSession.kind == "class",
                    and_(ClassSession.kind == "appointment", spots.booked_column() > 0),
                )
            )
        else:
            stmt = stmt.where(ClassSession.kind == "class")
        if query.include_started and query.start is not None:
            stmt = stmt.where(ClassSession.ends_at > now)  # under way, or still to come
        else:
            stmt = stmt.where(ClassSession.starts_at > now)
        if query.class_type_ids:
            stmt = stmt.where(ClassSession.class_type_id.in_(query.class_type_ids))
        if query.instructor_ids:
            stmt = stmt.where(ClassSession.instructor_id.in_(query.instructor_ids))
        if query.staff_id is not None:
            stmt = stmt.where(ClassSession.instructor_id == query.staff_id)
        if query.location_ids:
            stmt = stmt.where(ClassSession.location_id.in_(query.location_ids))
        if query.exact:
            stmt = stmt.where(ClassSession.starts_at.in_([t.astimezone(ZoneInfo("UTC")) for t in query.exact]))
        if query.start is not None:
            stmt = stmt.where(ClassSession.starts_at >= query.start)
        if query.end is not None:
            stmt = stmt.where(ClassSession.starts_at < query.end)
        rows = self.db.execute(stmt.order_by(ClassSession.starts_at, ClassSession.id).limit(query.limit)).all()
        return [self._view(s, booked, waiting) for s, booked, waiting in rows]

    def upcoming_bookings(self) -> list[BookingView]:
        if self.person.client_id is None:
            return []
        return [
            BookingView(b.id, self._view(row(self.db, ClassSession, b.session_id)), b.status)
            for b in booking_svc.upcoming_bookings(self.db, self.person.client_id)
        ]

    def balance(self) -> BalanceView:
        if self.person.client_id is None:  # no client row: no packs, nothing owed
            return BalanceView(0, False, None, Decimal("0.00"))
        b = credits.balance(self.db, self.person.client_id)
        return BalanceView(b.credits, b.unlimited, b.expires_at.astimezone(self.tz) if b.expires_at else None, b.owed)

    def packages(self) -> list[PackageView]:
        rows = self.db.scalars(select(Package).where(Package.active.is_(True)).order_by(Package.price))
        return [
            PackageView(p.name, p.price, None if p.kind == "membership" else p.credits, p.valid_days, p.id)
            for p in rows
        ]

    def buy(self, package_id: int) -> Outcome:
        """A payment link for one of the studio's packages (``app.payments.texting``)."""

        return checkout_for_client(self.db, self.person.client_id, package_id)

    def roster(self, session_id: int) -> list[str]:
        rows = self.db.execute(
            select(Client.name, Client.phone)
            .join(Booking, Booking.client_id == Client.id)
            .where(Booking.session_id == session_id, Booking.status.in_(ACTIVE_BOOKING))
            .order_by(Booking.id)
        )
        return [name or phone for name, phone in rows]

    # ------------------------------------------------------------------ acting
    def _balance_view(self, b: credits.Balance) -> BalanceView:
        return BalanceView(b.credits, b.unlimited, b.expires_at.astimezone(self.tz) if b.expires_at else None, b.owed)

    def book(self, session_id: int, allow_overlap: bool = False) -> Outcome:
        try:
            result = booking_svc.book(
                self.db,
                self._client_id(),
                session_id,
                source=self.channel,
                actor=f"client:{self.phone}",
                allow_overlap=allow_overlap,
            )
        except e.OverlapsBooking as exc:
            kind = "overlap_refused" if exc.rule == "refuse" else "overlap"
            return Outcome(False, kind, {"session": self.session(session_id), "clash": self.session(exc.session_id)})
        except e.ClassFull:
            return Outcome(False, "full", {"session": self.session(session_id)})
        except e.NoCredits as exc:
            return Outcome(False, "no_credits", self._no_credits(exc))
        except e.AlreadyBooked:
            return Outcome(False, "already_booked", {"session": self.session(session_id)})
        except e.OutsideBookingWindow as exc:
            return Outcome(False, "window", {"opens_at": exc.opens_at})
        except (e.SessionNotBookable, e.NotFound) as exc:
            return Outcome(False, "not_bookable", {"reason": getattr(exc, "reason", "it isn't on the timetable")})
        return Outcome(
            True,
            "booked",
            {
                "session": self.session(session_id),
                "balance": self._balance_view(result.balance),
                "free_until": result.free_cancel_until.astimezone(self.tz),
                **self._late_facts(),
                "fees": fees_charged(load_policy(self.db)),  # issue 11: the confirmation names the fees
            },
        )

    @staticmethod
    def _no_credits(exc: e.NoCredits) -> dict:
        """``no_credits`` data: what the class costs, what the client has, a pack that expired."""
        return {"needed": exc.needed, "have": exc.available, "expired": exc.expired}

    def _late_facts(self) -> dict:
        """What a confirmation needs to say once the free-cancel deadline has passed: now,
        and what a late cancel costs (``consequence``, ``fee``)."""
        policy = load_policy(self.db)
        fee = Decimal(policy.late_cancel_fee or 0) if policy.late_cancel == "fee" else Decimal("0")
        return {"now": self.now(), "consequence": policy.late_cancel, "fee": fee}

    def _terms(self, booking: Booking, terms) -> dict:
        policy = load_policy(self.db)
        return {
            "session": self.session(booking.session_id),
            "late": terms.late,
            "consequence": terms.consequence,
            "fee": terms.fee,
            "hours": policy.cancel_window_hours,
            "credits_back": terms.credits_back,
            "spent": booking.credits_spent,
        }

    def _mine(self, booking_id: int) -> Booking | None:
        b = self.db.get(Booking, booking_id)
        return b if b is not None and b.client_id == self.person.client_id else None

    def preview_cancel(self, booking_id: int) -> Outcome:
        booking = self._mine(booking_id)
        if booking is None:
            return Outcome(False, "not_cancellable", {"reason": "that booking isn't yours"})
        try:
            terms = booking_svc.preview_cancel(self.db, booking_id)
        except e.NotCancellable as exc:
            return Outcome(False, "not_cancellable", {"reason": exc.reason})
        return Outcome(True, "terms", self._terms(booking, terms))

    def cancel(self, booking_id: int, accept_late: bool) -> Outcome:
        booking = self._mine(booking_id)
        if booking is None:
            return Outcome(False, "not_cancellable", {"reason": "that booking isn't yours"})
        try:
            result = booking_svc.cancel(self.db, booking_id, accept_late=accept_late, actor=f"client:{self.phone}")
        except booking_svc.LateCancelNeedsConsent as exc:
            return Outcome(False, "late", self._terms(booking, exc.terms))
        except e.NotCancellable as exc:
            return Outcome(False, "not_cancellable", {"reason": exc.reason})
        data = self._terms(result.booking, result.terms)
        data["balance"] = self._balance_view(result.balance)
        class_session = row(self.db, ClassSession, result.booking.session_id)
        data["forgive_if_filled"] = result.terms.late and waitlist.refill_possible(
            self.db, class_session, load_policy(self.db), self.studio_row.timezone, clock.now()
        )
        return Outcome(True, "cancelled", data)

    def join_waitlist(self, session_id: int) -> Outcome:
        try:
            result = waitlist.join(self.db, self._client_id(), session_id)
        except e.AlreadyWaitlisted as exc:
            return Outcome(False, "already_waitlisted", {"position": exc.position})
        except e.WaitlistNotNeeded:
            return Outcome(False, "not_needed", {"session": self.session(session_id)})
        except waitlist.WaitlistClosed as exc:
            return Outcome(False, "closed", {"session": self.session(session_id), "minutes": exc.minutes})
        except e.AlreadyBooked:
            return Outcome(False, "already_booked", {"session": self.session(session_id)})
        except (e.SessionNotBookable, e.NotFound) as exc:
            return Outcome(False, "not_bookable", {"reason": getattr(exc, "reason", "it isn't on the timetable")})
        return Outcome(True, "waitlisted", {"session": self.session(session_id), "position": result.position})

    def live_offer(self) -> Outcome:
        if self.person.client_id is None:
            return Outcome(False, "none")
        offer = waitlist.current_offer(self.db, self.person.client_id)
        if offer is None:
            return Outcome(False, "none")
        view = self.session(offer.session_id)
        # an offer whose text has not gone yet (quiet hours) has no deadline yet; it is still theirs
        if offer.status == "offered" and (offer.offer_expires_at is None or offer.offer_expires_at > clock.now()):
            return Outcome(True, "offer", {"session": view, "expires_at": offer.offer_expires_at})
        if offer.resolved_at and clock.now() - offer.resolved_at > timedelta(hours=12):
            return Outcome(False, "none")
        return Outcome(False, "expired", {"session": view})

    def _open_to_me(self, offer: WaitlistEntry | None) -> bool:
        """Could this client still book the class of a lapsed offer? Not when its places are
        taken, counting those held for someone else's offer."""
        if offer is None:
            return False
        class_session = row(self.db, ClassSession, offer.session_id)
        held = load_policy(self.db).waitlist_mode != "broadcast"
        taken = spots.taken(self.db, class_session.id, clock.now(), count_held=held, except_client=offer.client_id)
        return class_session.status == "scheduled" and taken < class_session.capacity

    def claim_offer(self, session_id: int | None = None) -> Outcome:
        client_id = self.person.client_id
        if client_id is None:  # no client row, so no offer to claim
            return Outcome(False, "none")
        offer = waitlist.current_offer(self.db, client_id, session_id)
        view = self.session(offer.session_id) if offer else None
        try:
            result = waitlist.claim(self.db, client_id, session_id, source=self.channel, actor=f"client:{self.phone}")
        except e.NoOffer:
            return Outcome(False, "none")
        except e.OfferExpired:
            return Outcome(False, "expired", {"session": view, "open": self._open_to_me(offer)})
        except e.SpotTaken:
            return Outcome(False, "taken", {"session": view})
        except e.NoCredits as exc:
            return Outcome(False, "no_credits", {"expired": exc.expired})
        policy = load_policy(self.db)
        s = row(self.db, ClassSession, result.booking.session_id)
        return Outcome(
            True,
            "booked",
            {
                "session": self.session(s.id),
                "balance": self._balance_view(credits.balance(self.db, client_id)),
                "free_until": free_cancel_deadline(policy, s).astimezone(self.tz),
                **self._late_facts(),  # claimed inside the late-cancel window: say so, no past deadline
                "fees": fees_charged(policy),  # issue 11: the confirmation names the fees
            },
        )

    def decline_offer(self) -> Outcome:
        if self.person.client_id is None:  # no client row, so no offer to decline
            return Outcome(False, "none")
        try:
            waitlist.decline(self.db, self.person.client_id)
        except e.NoOffer:
            return Outcome(False, "none")
        return Outcome(True, "declined")

    # ------------------------------------------------------------------ moving (issue 13)
    def move(self, booking_id: int, session_id: int, accept_late: bool = False) -> Outcome:
        """Move one of the client's bookings to class ``session_id`` (``moves.move_booking``).

        Kinds: ``moved`` {old, session, balance, free_until, late}; ``late`` (needs consent:
        cancel's ``late`` data + ``target``); ``full`` {session}; ``no_credits`` {needed, have,
        expired}; ``already_booked`` {session}; ``window`` {opens_at}; ``not_bookable``
        {reason}; ``overlap``/``overlap_refused`` {session, clash}; ``not_cancellable``
        {reason} (the old booking can't be left: its class started, it isn't confirmed);
        ``not_yours``."""
        booking = self._mine(booking_id)
        if booking is None:
            return Outcome(False, "not_yours")
        old_session_id = booking.session_id
        try:
            result = moves.move_booking(
                self.db,
                booking_id,
                session_id,
                accept_late=accept_late,
                actor=f"client:{self.phone}",
                source=self.channel,
            )
        except moves.LateMoveNeedsConsent as exc:
            return Outcome(False, "late", {**self._terms(booking, exc.terms), "target": self.session(session_id)})
        except e.OverlapsBooking as exc:
            kind = "overlap_refused" if exc.rule == "refuse" else "overlap"
            return Outcome(False, kind, {"session": self.session(session_id), "clash": self.session(exc.session_id)})
        except e.ClassFull:
            return Outcome(False, "full", {"session": self.session(session_id)})
        except e.NoCredits as exc:
            return Outcome(False, "no_credits", self._no_credits(exc))
        except e.AlreadyBooked:
            return Outcome(False, "already_booked", {"session": self.session(session_id)})
        except e.OutsideBookingWindow as exc:
            return Outcome(False, "window", {"opens_at": exc.opens_at})
        except (e.SessionNotBookable, e.NotFound) as exc:
            return Outcome(False, "not_bookable", {"reason": getattr(exc, "reason", "it isn't on the timetable")})
        except e.NotCancellable as exc:
            return Outcome(False, "not_cancellable", {"reason": exc.reason})
        return Outcome(
            True,
            "moved",
            {
                "old": self.session(old_session_id),
                "session": self.session(session_id),
                "balance": self._balance_view(result.balance),
                "free_until": result.free_cancel_until.astimezone(self.tz),
                "late": result.terms.late,
            },
        )

    # ------------------------------------------------------------------ the waitlist (issue 13)
    def waitlist_entries(self) -> list[WaitlistView]:
        """The client's open waitlist entries for classes not yet started, soonest class first."""
        if self.person.client_id is None:
            return []
        entries = self.db.scalars(
            select(WaitlistEntry)
            .join(ClassSession, ClassSession.id == WaitlistEntry.session_id)
            .where(
                WaitlistEntry.client_id == self.person.client_id,
                WaitlistEntry.status.in_(OPEN_WAITLIST),
                ClassSession.starts_at > clock.now(),
            )
            .order_by(ClassSession.starts_at, WaitlistEntry.id)
        ).all()
        views = []
        for entry in entries:
            view = self.session(entry.session_id)
            assert view is not None, "an entry's class exists"
            expires = entry.offer_expires_at.astimezone(self.tz) if entry.offer_expires_at else None
            views.append(WaitlistView(view, waitlist.position(self.db, entry), entry.status, expires))
        return views

    def leave_waitlist(self, session_id: int) -> Outcome:
        """Kinds: ``left`` {session} (an offer held passes to the next in line); ``not_waitlisted``."""
        if self.person.client_id is None:
            return Outcome(False, "not_waitlisted")
        try:
            waitlist.leave(self.db, self.person.client_id, session_id)
        except e.NotFound:
            return Outcome(False, "not_waitlisted")
        return Outcome(True, "left", {"session": self.session(session_id)})

    # ------------------------------------------------------------------ arrivals (issue 13)
    def running_late(self, booking_id: int, minutes: int | None) -> Outcome:
        """Kinds: ``told`` {session, instructor_told, doors_close_minutes}; ``not_yours``;
        ``refused`` {reason} (the booking is cancelled, or its class has ended)."""
        booking = self._mine(booking_id)
        if booking is None:
            return Outcome(False, "not_yours")
        try:
            arrivals.running_late(self.db, booking_id, minutes, actor=f"client:{self.phone}")
        except e.NotCancellable as exc:
            return Outcome(False, "refused", {"reason": exc.reason})
        told = self.db.scalars(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == late_text_key(booking_id))
        ).first()
        return Outcome(
            True,
            "told",
            {
                "session": self.session(booking.session_id),
                "instructor_told": told is not None,
                "doors_close_minutes": load_policy(self.db).late_arrival_minutes,
            },
        )

    def check_in_self(self) -> Outcome:
        """Kinds: ``checked_in`` {session}; ``already`` {session}; ``not_allowed`` (the studio
        checks in at the desk); ``too_early`` {session, opens_at}; ``no_booking``."""
        if self.person.client_id is None:
            return Outcome(False, "no_booking")
        try:
            result = arrivals.check_in_self(self.db, self.person.client_id)
        except e.SelfCheckInOff:
            return Outcome(False, "not_allowed")
        except e.CheckInNotOpen as exc:
            return Outcome(
                False,
                "too_early",
                {"session": self.session(exc.session_id), "opens_at": exc.opens_at.astimezone(self.tz)},
            )
        except e.NotFound:
            return Outcome(False, "no_booking")
        kind = "already" if result.already else "checked_in"
        return Outcome(not result.already, kind, {"session": self.session(result.booking.session_id)})

    # ------------------------------------------------------------------ staff: roster and attendance (issue 13)
    def _staff_may(self, session_id: int) -> bool:
        """Owners, managers and the front desk may see and mark any class; an instructor only
        the classes they teach."""
        if self.person.staff_id is None:
            return False
        if self.person.staff_role in ("owner", "manager", "front_desk"):
            return self.db.get(ClassSession, session_id) is not None
        class_session = self.db.get(ClassSession, session_id)
        return class_session is not None and class_session.instructor_id == self.person.staff_id

    def roster_entries(self, session_id: int) -> list[RosterEntry]:
        """The class's roster, numbered in booking order; empty for anyone not allowed to see it."""
        if not self._staff_may(session_id):
            return []
        rows = self.db.execute(
            select(Booking, Client.name, Client.phone)
            .join(Client, Client.id == Booking.client_id)
            .where(Booking.session_id == session_id, Booking.status.in_(ACTIVE_BOOKING))
            .order_by(Booking.id)
        ).all()
        return [
            RosterEntry(number, b.id, name or phone, _roster_status(b))
            for number, (b, name, phone) in enumerate(rows, 1)
        ]

    def attendance(self, booking_id: int, action: str) -> Outcome:
        """Staff mark one booking: ``checked_in``, ``no_show``, ``undo`` (back to confirmed) or
        ``waive`` (a no-show), by the core's rules (``app.booking.changes``), audited.
        Kinds: ``done`` {entry, action}; ``not_allowed``; ``not_found``; ``refused`` {reason}."""
        if self.person.staff_id is None:
            return Outcome(False, "not_allowed")
        booking = self.db.get(Booking, booking_id)
        if booking is None:
            return Outcome(False, "not_found")
        if not self._staff_may(booking.session_id):
            return Outcome(False, "not_allowed")
        if action not in ATTENDANCE_ACTIONS:
            return Outcome(False, "refused", {"reason": f"unknown action {action!r}"})
        actor = f"staff:{self.person.staff_name} ({self.phone})"
        sid = booking.session_id
        try:
            if action in ("checked_in", "no_show"):
                changes.mark_attendance(self.db, sid, booking_id, present=action == "checked_in", actor=actor)
            elif action == "undo":
                changes.undo_attendance(self.db, sid, booking_id, actor=actor)
            else:
                changes.waive_no_show(self.db, sid, booking_id, actor=actor)
        except e.NotFound:
            return Outcome(False, "not_found")
        except e.NotCancellable as exc:
            return Outcome(False, "refused", {"reason": exc.reason})
        except e.InvalidRequest as exc:
            return Outcome(False, "refused", {"reason": str(exc)})
        entry = next((r for r in self.roster_entries(sid) if r.booking_id == booking_id), None)
        assert entry is not None, "a marked booking stays on the roster"
        return Outcome(True, "done", {"entry": entry, "action": action})

    # ------------------------------------------------------------------ 1:1 appointments (issue 13)
    def appointment_types(self) -> list[AppointmentTypeView]:
        rows = self.db.scalars(
            select(ClassType)
            .where(ClassType.kind == "appointment", ClassType.active.is_(True))
            .order_by(ClassType.name, ClassType.id)
        )
        return [AppointmentTypeView(ct.id, ct.name, ct.credits, ct.duration_min) for ct in rows]

    def free_slots(
        self,
        start: datetime,
        end: datetime,
        class_type_id: int | None = None,
        instructor_id: int | None = None,
        limit: int = 12,
    ) -> list[SlotView]:
        """Free 1:1 slots between ``start`` and ``end`` (of one type, or every appointment
        type; with one instructor, or any), soonest first, inside the booking window."""
        types = {t.id: t for t in self.appointment_types()}
        wanted = [class_type_id] if class_type_id is not None else list(types)
        horizon = clock.now() + timedelta(days=load_policy(self.db).booking_window_days)
        found: list[SlotView] = []
        for type_id in wanted:
            kind = types.get(type_id)
            if kind is None:
                continue
            slots = appointments.free_slots(
                self.db, type_id, start=start, end=min(end, horizon), staff_id=instructor_id
            )
            found += [self._slot(kind, slot) for slot in slots]
        found.sort(key=lambda s: (s.starts_at, s.instructor_id, s.class_type_id))
        return found[: max(limit, 0)]

    def _slot(self, kind: AppointmentTypeView, slot: appointments.Slot) -> SlotView:
        staff = row(self.db, Staff, slot.staff_id)
        location = row(self.db, Location, slot.location_id)
        return SlotView(
            kind.id,
            kind.name,
            staff.id,
            staff.name,
            location.id,
            location.name,
            slot.starts_at.astimezone(self.tz),
            slot.ends_at.astimezone(self.tz),
            kind.credits,
        )

    def book_slot(self, slot: SlotView, allow_overlap: bool = False) -> Outcome:
        """Book a free 1:1 slot (``appointments.book_appointment``). Kinds: ``booked`` {slot,
        session, balance, free_until}; ``taken`` (no longer free); ``no_credits`` {needed,
        have, expired}; ``window`` {opens_at}; ``overlap``/``overlap_refused`` {slot, clash}
        (a booking of theirs at that time, by the studio's overlap rule)."""
        if self.person.client_id is None:
            return Outcome(False, "no_credits", {"needed": slot.credits, "have": 0, "expired": False})
        try:
            booking = appointments.book_appointment(
                self.db,
                self.person.client_id,
                slot.class_type_id,
                slot.instructor_id,
                slot.location_id,
                slot.starts_at.astimezone(ZoneInfo("UTC")),
                source=self.channel,
                actor=f"client:{self.phone}",
                allow_overlap=allow_overlap,
            )
        except e.OverlapsBooking as exc:
            kind = "overlap_refused" if exc.rule == "refuse" else "overlap"
            return Outcome(False, kind, {"slot": slot, "clash": self.session(exc.session_id)})
        except (e.SlotUnavailable, e.NotFound):
            return Outcome(False, "taken")
        except e.NoCredits as exc:
            return Outcome(False, "no_credits", self._no_credits(exc))
        except e.OutsideBookingWindow as exc:
            return Outcome(False, "window", {"opens_at": exc.opens_at})
        appointment = row(self.db, ClassSession, booking.session_id)
        return Outcome(
            True,
            "booked",
            {
                "slot": slot,
                "session": self.session(appointment.id),
                "balance": self.balance(),
                "free_until": free_cancel_deadline(load_policy(self.db), appointment).astimezone(self.tz),
            },
        )

    def move_slot(
        self, booking_id: int, slot: SlotView, accept_late: bool = False, allow_overlap: bool = False
    ) -> Outcome:
        """Move one of the client's 1:1 bookings to a free ``slot`` (``moves.move_appointment``:
        both or neither, credits carried, the late-cancel rule as for a class).

        Kinds: ``moved`` {old, session, slot, balance, free_until, late}; ``late`` (cancel's
        ``late`` data + ``slot``); ``taken``; ``no_credits`` {needed, have, expired};
        ``already_booked``; ``window`` {opens_at}; ``overlap``/``overlap_refused`` {slot,
        clash}; ``not_cancellable`` {reason}; ``not_yours``."""
        booking = self._mine(booking_id)
        if booking is None:
            return Outcome(False, "not_yours")
        old_session_id = booking.session_id
        try:
            result = moves.move_appointment(
                self.db,
                booking_id,
                class_type_id=slot.class_type_id,
                staff_id=slot.instructor_id,
                location_id=slot.location_id,
                starts_at=slot.starts_at.astimezone(ZoneInfo("UTC")),
                accept_late=accept_late,
                actor=f"client:{self.phone}",
                source=self.channel,
                allow_overlap=allow_overlap,
            )
        except moves.LateMoveNeedsConsent as exc:
            return Outcome(False, "late", {**self._terms(booking, exc.terms), "slot": slot})
        except e.OverlapsBooking as exc:
            kind = "overlap_refused" if exc.rule == "refuse" else "overlap"
            return Outcome(False, kind, {"slot": slot, "clash": self.session(exc.session_id)})
        except e.AlreadyBooked:
            return Outcome(False, "already_booked", {"slot": slot})
        except e.NotCancellable as exc:
            return Outcome(False, "not_cancellable", {"reason": exc.reason})
        except (e.SlotUnavailable, e.NotFound):
            return Outcome(False, "taken")
        except e.NoCredits as exc:
            return Outcome(False, "no_credits", self._no_credits(exc))
        except e.OutsideBookingWindow as exc:
            return Outcome(False, "window", {"opens_at": exc.opens_at})
        return Outcome(
            True,
            "moved",
            {
                "old": self.session(old_session_id),
                "session": self.session(result.new.session_id),
                "slot": slot,
                "balance": self._balance_view(result.balance),
                "free_until": result.free_cancel_until.astimezone(self.tz),
                "late": result.terms.late,
            },
        )

    # ------------------------------------------------------------------ the rules in words (issue 13)
    def policy_facts(self) -> dict:
        """The studio's rules a client asks about ("when do I have to cancel by?")."""
        policy = load_policy(self.db)
        return {
            "cancel_window_hours": policy.cancel_window_hours,
            "late_cancel": policy.late_cancel,
            "late_cancel_fee": Decimal(policy.late_cancel_fee or 0),
            "no_show": policy.no_show,
            "no_show_fee": Decimal(policy.no_show_fee or 0),
            "late_arrival_minutes": policy.late_arrival_minutes,
            "booking_window_days": policy.booking_window_days,
            "self_check_in": bool(policy.self_check_in),
            "check_in_opens_minutes": policy.check_in_opens_minutes,
            "currency": self.studio.currency,
        }

    def register(self, name: str) -> None:
        client = self.client()
        if client is None:
            client = Client(phone=self.phone, name=name)
            self._suppress_new(client)
            self.db.add(client)
        else:
            client.name = name
        self.db.flush()
        self.person = self._who()

    def _suppress_new(self, client: Client) -> None:
        """A new client row on a suppressed number starts opted out of texts sent first."""
        if privacy.suppression(self.db, self.phone) is not None:
            client.sms_opted_out_at = client.whatsapp_opted_out_at = clock.now()

    def set_opt_out(self, opted_out: bool) -> None:
        client = self.client()
        if client is None:
            client = Client(phone=self.phone, name=None)
            self.db.add(client)
        stamp = clock.now() if opted_out else None
        if privacy.lift_suppression(self.db, self.phone, "opted out (STOP)" if opted_out else "opted in anew"):
            if not opted_out:  # START after an erasure: texts on both channels again, as a new client
                client.sms_opted_out_at = client.whatsapp_opted_out_at = None
        if self.channel == "whatsapp":
            client.whatsapp_opted_out_at = stamp
        else:
            client.sms_opted_out_at = stamp
        self.db.flush()
        self.person = self._who()

    # ------------------------------------------------------------------ a client's data (issue 17)
    def request_export(self) -> Outcome:
        """A one-time link to the texting client's data (they said YES from this number).
        Kinds: ``link`` {url, hours}; ``none`` (no client row); ``unavailable`` (no public address)."""
        if self.person.client_id is None:
            return Outcome(False, "none")
        try:
            base = base_url(current())
        except PaymentsUnavailable:
            return Outcome(False, "unavailable")
        try:
            _row, token = privacy.create_export_link(
                self.db, self.person.client_id, source=self.channel, actor=f"client:{self.phone}"
            )
        except (e.NotFound, privacy.AlreadyErased):
            return Outcome(False, "none")
        hours = int(privacy.EXPORT_LINK_TTL.total_seconds() // 3600)
        return Outcome(True, "link", {"url": f"{base}/s/{self.studio_row.key}/my-data/{token}", "hours": hours})

    def request_erasure(self) -> Outcome:
        """The texting client asked to be erased and said YES from this number. The studio's
        ``erasure_by_text``: ``staff`` records the request for staff (kind ``requested``
        {upcoming}), flagged in the inbox and texted to desk staff; ``auto`` erases at once
        (kind ``erased`` {cancelled}). ``none``: no client row (or erased already)."""
        client_id = self.person.client_id
        if client_id is None:
            return Outcome(False, "none")
        actor = f"client:{self.phone}"
        try:
            if load_policy(self.db).erasure_by_text != "auto":
                upcoming = len(booking_svc.upcoming_bookings(self.db, client_id))
                privacy.request_erasure(self.db, client_id, source=self.channel, actor=actor)
                self.ask_staff("Asked by text to have their data erased (confirmed YES). See their client profile.")
                return Outcome(True, "requested", {"upcoming": upcoming})
            result = privacy.erase_by_text(self.db, client_id, actor=actor, source=self.channel)
        except (e.NotFound, privacy.AlreadyErased):
            return Outcome(False, "none")
        _scrub_this_turn(self.db, self.phone, client_id)
        self.person = self._who()  # a stranger now
        return Outcome(True, "erased", {"cancelled": len(result.bookings_cancelled)})

    def leads(self):
        """The intro-lead port (``app.conversation.lead_desk``), made on first use."""

        if getattr(self, "_leads", None) is None:
            self._leads = SqlLeadDesk(self)
        return self._leads

    def ask_staff(self, text: str) -> bool:
        return forward_to_staff(self.db, self.studio_row, self.person, self.phone, text)

    def location_address(self, name: str) -> str | None:
        return self.db.scalars(select(Location.address).where(Location.name == name)).first()


def _scrub_this_turn(session: Session, phone: str, client_id: int) -> None:
    """An erasure by text: the turn's own log rows (the YES and the reply, written by the
    engine after the dialogue) get the erased client's placeholder, not the number."""
    gone = privacy.placeholder(client_id)

    def scrub(sess: Session, _context, _instances) -> None:
        for obj in sess.new:
            if isinstance(obj, Message) and obj.phone == phone:
                obj.phone, obj.client_id, obj.body = gone, client_id, privacy.ERASED_TEXT
                if obj.from_addr in (phone, f"whatsapp:{phone}"):
                    obj.from_addr = gone
                if obj.to_addr in (phone, f"whatsapp:{phone}"):
                    obj.to_addr = gone

    event.listen(session, "before_flush", scrub)


def _roster_status(booking: Booking) -> str:
    """A booking's roster status: confirmed | checked_in | no_show | waived (a no-show forgiven)."""
    if booking.status == "attended":
        return "checked_in"
    if booking.status == "no_show" and booking.penalty_waived:
        return "waived"
    return booking.status


CATALOG_TTL = timedelta(seconds=30)
_catalogs: weakref.WeakKeyDictionary[object, dict[int, tuple[datetime, Catalog]]] = weakref.WeakKeyDictionary()


def cached_catalog(session: Session, studio_id: int) -> Catalog:
    """The studio's catalog, rebuilt at most every 30 s per database (class names rarely
    change; ``forget_catalog`` drops it at once after an edit)."""
    now = datetime.now(ZoneInfo("UTC"))  # wall time on purpose: a cache, not business time
    per_engine = _catalogs.setdefault(session.get_bind(), {})
    hit = per_engine.get(studio_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    catalog = build_catalog(session)
    per_engine[studio_id] = (now + CATALOG_TTL, catalog)
    return catalog


def forget_catalog(studio_id: int) -> None:
    for per_engine in list(_catalogs.values()):
        per_engine.pop(studio_id, None)


def build_catalog(session: Session) -> Catalog:
    classes = [
        ClassEntry(ct.id, ct.name, ct.category, tuple(ct.aliases or ()), ct.kind, ct.credits)
        for ct in session.scalars(select(ClassType).where(ClassType.active.is_(True)))
    ]
    instructors = [
        NamedEntry(s.id, s.name)
        for s in session.scalars(
            select(Staff).where(
                Staff.active.is_(True), or_(Staff.role == "instructor", Staff.role == "owner", Staff.role == "manager")
            )
        )
    ]
    locations = [NamedEntry(loc.id, loc.name) for loc in session.scalars(select(Location))]
    return Catalog(classes, instructors, locations)
