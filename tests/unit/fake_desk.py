"""An in-memory studio and the ``Desk`` port over it, for driving the dialogue without a database.

``FakeStudio`` is the world: class types, staff, locations, sessions, clients (with a
simple credit balance), bookings, a waitlist with offers, packages, and a fixed clock.
``FakeDesk`` is what one texter sees of it during one turn, as ``app.conversation.desk.SqlDesk``
is: the same ``Outcome`` kinds and data keys, refusals in the same order as the booking core.
``Phone`` drives parse + respond the way ``app.conversation.engine._turn`` does, carrying
the conversation's state, context and expiry between texts.

The timetable mirrors the Lotus example: the clock starts at Monday 23 Nov 2026, 09:00 London.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

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
    StudioView,
    WaitlistView,
)
from bot.dialogue import State, Turn, respond
from bot.nlu.catalog import Catalog, ClassEntry, NamedEntry
from bot.nlu.parse import ParseContext, parse
from bot.replies import Words

TZ = "Europe/London"
LONDON = ZoneInfo(TZ)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)  # Monday 23 Nov 2026, 09:00 London

ACTIVE_BOOKING = ("confirmed", "attended", "no_show")
OPEN_WAITLIST = ("waiting", "offered")

SAM, PRIYA, JON, ALEX = "+447700900301", "+447700900302", "+447700900303", "+447700900304"
MAYA, SARA, TOM = "+447700900201", "+447700900202", "+447700900203"
STRANGER = "+447700900999"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@dataclass
class FakePolicy:
    booking_window_days: int = 14
    cancel_window_hours: int = 12
    late_cancel: str = "forfeit_credit"  # forfeit_credit | fee | none
    late_cancel_fee: Decimal = Decimal(5)
    waitlist_offer_minutes: int = 30
    no_show: str = "forfeit_credit"
    no_show_fee: Decimal = Decimal(0)
    late_arrival_minutes: int | None = None  # doors close N minutes after the start
    self_check_in: bool = False
    check_in_opens_minutes: int = 30


@dataclass
class FakeClassType:
    id: int
    name: str
    category: str
    aliases: tuple[str, ...] = ()
    credits: int = 1
    kind: str = "class"  # class | appointment
    duration_min: int = 60


@dataclass
class FakeStaff:
    id: int
    name: str
    phone: str | None
    role: str = "instructor"  # owner | manager | instructor
    active: bool = True


@dataclass
class FakeSession:
    id: int
    class_type_id: int
    starts_at: datetime  # aware
    location_id: int
    instructor_id: int | None
    capacity: int
    status: str = "scheduled"
    moved_at: datetime | None = None
    kind: str = "class"  # class | appointment
    minutes: int = 60

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass
class FakeClient:
    id: int
    phone: str
    name: str | None
    credits: int = 0  # one pack's credits, valid until ``expires_at``
    unlimited: bool = False  # a membership, valid until ``expires_at``
    expires_at: datetime | None = None
    owed: Decimal = Decimal(0)
    sms_opted_out: bool = False
    whatsapp_opted_out: bool = False

    def opted_out(self, channel: str) -> bool:
        return self.whatsapp_opted_out if channel == "whatsapp" else self.sms_opted_out


@dataclass
class FakeBooking:
    id: int
    client_id: int
    session_id: int
    booked_at: datetime
    status: str = "confirmed"  # confirmed | cancelled | late_cancelled | attended | no_show
    credits_spent: int = 0
    penalty_waived: bool = False
    settled: bool = False  # a no-show whose review window closed (its rule applied)


@dataclass
class FakeEntry:
    id: int
    client_id: int
    session_id: int
    joined_at: datetime
    status: str = "waiting"  # waiting | offered | claimed | declined | expired | skipped | left
    offered_at: datetime | None = None
    offer_expires_at: datetime | None = None
    resolved_at: datetime | None = None
    booking_id: int | None = None


@dataclass
class FakeAvailability:
    """Hours an instructor takes 1:1s at a location, weekly (0 = Monday), local time."""

    staff_id: int
    location_id: int
    weekday: int
    start: time
    end: time


@dataclass
class FakePackage:
    id: int
    name: str
    price: Decimal
    credits: int | None  # None: a membership
    valid_days: int | None
    active: bool = True


class FakeStudio:
    """The studio's whole state, in memory, and a clock that only moves when told."""

    def __init__(self, now: datetime = NOW, policy: FakePolicy | None = None) -> None:
        self.clock = now
        self.policy = policy or FakePolicy()
        self.view = StudioView("Lotus Yoga & Movement", TZ, "GBP", "DMY", "+442079460000", "hello@lotus.example")
        self.payments_enabled = True
        self.class_types = {
            c.id: c
            for c in (
                FakeClassType(1, "Vinyasa Flow", "Yoga", ("vinyasa", "flow")),
                FakeClassType(2, "Yin Yoga", "Yoga", ("yin",)),
                FakeClassType(3, "Reformer Pilates", "Pilates", ("reformer",)),
                FakeClassType(4, "HIIT 45", "HIIT", ("hiit",)),
                FakeClassType(5, "Barre", "Barre"),
            )
        }
        self.staff = {
            s.id: s
            for s in (
                FakeStaff(1, "Maya Patel", MAYA, "owner"),
                FakeStaff(2, "Sara Lee", SARA),
                FakeStaff(3, "Tom Hart", TOM),
            )
        }
        self.locations = {1: "Shoreditch", 2: "Clapham"}
        self.sessions: dict[int, FakeSession] = {}
        for class_type, start, location, instructor, capacity in (
            (1, local(2026, 11, 25, 18), 1, 1, 12),  # Vinyasa Flow, Wed 18:00 Shoreditch, Maya
            (2, local(2026, 11, 24, 19, 30), 1, 1, 10),  # Yin Yoga, Tue 19:30
            (3, local(2026, 11, 26, 7), 2, 2, 8),  # Reformer Pilates, Thu 07:00 Clapham, Sara
            (3, local(2026, 11, 26, 18, 30), 2, 2, 8),  # Reformer Pilates, Thu 18:30 Clapham, Sara
            (4, local(2026, 11, 25, 6, 30), 1, 3, 12),  # HIIT 45, Wed 06:30 Shoreditch, Tom
            (5, local(2026, 11, 23, 18), 1, 1, 10),  # Barre, today 18:00: inside the 12h window
            (1, local(2026, 12, 16, 18), 1, 1, 12),  # Vinyasa Flow, 23 days out: booking not open yet
        ):
            self.add_session(class_type, start, location, instructor, capacity)
        self.clients: dict[int, FakeClient] = {}
        self.add_client(SAM, "Sam Green", credits=10, expires_at=now + timedelta(days=60))
        self.add_client(PRIYA, "Priya Shah", unlimited=True, expires_at=now + timedelta(days=20))
        self.add_client(JON, "Jon Bell")
        self.add_client(ALEX, "Alex Kim", credits=5, expires_at=now + timedelta(days=60))
        self.packages = {
            p.id: p
            for p in (
                FakePackage(1, "Drop-in", Decimal(18), 1, 30),
                FakePackage(2, "10 Class Pack", Decimal(150), 10, 90),
                FakePackage(3, "Unlimited Monthly", Decimal(120), None, 30),
            )
        }
        self.bookings: dict[int, FakeBooking] = {}
        self.waitlist: dict[int, FakeEntry] = {}
        self.notices: list[tuple[str, str, int]] = []  # (kind, phone, session id): texts to someone else
        self.forwarded: list[str] = []  # questions passed to the team
        # a client's data (issue 17): links texted, erasure requests for staff, erasures done
        self.erasure_by_text = "staff"  # staff | auto, as Policy.erasure_by_text
        self.export_links: list[tuple[int, str]] = []  # (client id, url)
        self.erasure_requests: list[int] = []  # client ids
        self.erased: list[int] = []  # client ids
        self.checkouts: list[tuple[int, int]] = []  # (client id, package id)
        self.availability: list[FakeAvailability] = []  # 1:1 hours (none until a test adds some)
        self.late_told: set[int] = set()  # bookings whose instructor heard "running late" (one text each)

    # ------------------------------------------------------------------ set-up helpers
    def now(self) -> datetime:
        return self.clock

    def advance(self, delta: timedelta) -> None:
        self.clock += delta

    def add_session(
        self,
        class_type_id: int,
        starts_at: datetime,
        location_id: int = 1,
        instructor_id: int | None = 1,
        capacity: int = 10,
    ) -> FakeSession:
        s = FakeSession(len(self.sessions) + 1, class_type_id, starts_at, location_id, instructor_id, capacity)
        self.sessions[s.id] = s
        return s

    def add_client(
        self,
        phone: str,
        name: str | None,
        *,
        credits: int = 0,
        unlimited: bool = False,
        expires_at: datetime | None = None,
    ) -> FakeClient:
        c = FakeClient(len(self.clients) + 1, phone, name, credits, unlimited, expires_at)
        self.clients[c.id] = c
        return c

    def add_appointment_type(self, name: str, credits: int = 1, duration_min: int = 60) -> FakeClassType:
        """A 1:1 appointment type (``kind="appointment"``), as a studio's PT would be."""
        c = FakeClassType(
            max(self.class_types) + 1, name, "Personal Training", (), credits, "appointment", duration_min
        )
        self.class_types[c.id] = c
        return c

    def add_availability(self, staff_id: int, weekday: int, start: time, end: time, location_id: int = 1) -> None:
        self.availability.append(FakeAvailability(staff_id, location_id, weekday, start, end))

    def client(self, phone: str) -> FakeClient | None:
        return next((c for c in self.clients.values() if c.phone == phone), None)

    def session_at(self, class_name: str, at: datetime) -> FakeSession:
        return next(
            s
            for s in self.sessions.values()
            if self.class_types[s.class_type_id].name == class_name and s.starts_at == at
        )

    def book_directly(self, phone: str, session_id: int) -> FakeBooking:
        """A booking made elsewhere (the desk, the app): rules are not checked, the credit is spent."""
        client = self.client(phone)
        assert client is not None
        return self._enrol(client, self.sessions[session_id])

    def fill(self, session_id: int) -> None:
        """Make the class full by shrinking its capacity to the places already taken."""
        s = self.sessions[session_id]
        s.capacity = self.booked_count(session_id)

    def offer_to(self, phone: str, session_id: int) -> FakeEntry:
        """Put ``phone`` on the waitlist and offer them a spot now, as a freed place would."""
        client = self.client(phone)
        assert client is not None
        entry = self._add_entry(client.id, session_id)
        self._offer(entry, self.sessions[session_id])
        return entry

    # ------------------------------------------------------------------ reading for assertions
    def bookings_of(self, phone: str) -> list[tuple[str, str, str]]:
        """(class name, "Wed 18:00", status) for each of the client's bookings, oldest first."""
        client = self.client(phone)
        if client is None:
            return []
        return [
            (
                self.class_types[self.sessions[b.session_id].class_type_id].name,
                self.sessions[b.session_id].starts_at.astimezone(LONDON).strftime("%a %H:%M"),
                b.status,
            )
            for b in self.bookings.values()
            if b.client_id == client.id
        ]

    def waitlist_of(self, phone: str) -> list[tuple[str, str, str]]:
        client = self.client(phone)
        if client is None:
            return []
        return [
            (
                self.class_types[self.sessions[e.session_id].class_type_id].name,
                self.sessions[e.session_id].starts_at.astimezone(LONDON).strftime("%a %H:%M"),
                e.status,
            )
            for e in self.waitlist.values()
            if e.client_id == client.id
        ]

    def credits_of(self, phone: str) -> int:
        client = self.client(phone)
        assert client is not None
        return client.credits

    def booked_count(self, session_id: int) -> int:
        return sum(1 for b in self.bookings.values() if b.session_id == session_id and b.status in ACTIVE_BOOKING)

    def waiting_count(self, session_id: int) -> int:
        return sum(1 for e in self.waitlist.values() if e.session_id == session_id and e.status in OPEN_WAITLIST)

    def held_offers(self, session_id: int, except_client: int | None = None) -> int:
        return sum(
            1
            for e in self.waitlist.values()
            if e.session_id == session_id
            and e.status == "offered"
            and e.offer_expires_at > self.clock
            and e.client_id != except_client
        )

    def catalog(self) -> Catalog:
        """As ``app.conversation.desk.build_catalog`` makes it from the studio's rows."""
        return Catalog(
            [ClassEntry(c.id, c.name, c.category, c.aliases, c.kind, c.credits) for c in self.class_types.values()],
            [
                NamedEntry(s.id, s.name)
                for s in self.staff.values()
                if s.active and s.role in ("instructor", "owner", "manager")
            ],
            [NamedEntry(i, name) for i, name in self.locations.items()],
        )

    def session_view(self, s: FakeSession) -> SessionView:
        instructor = self.staff[s.instructor_id].name if s.instructor_id else None
        return SessionView(
            s.id,
            self.class_types[s.class_type_id].name,
            s.class_type_id,
            s.starts_at.astimezone(LONDON),
            self.locations[s.location_id],
            instructor,
            s.capacity,
            self.booked_count(s.id),
            self.waiting_count(s.id),
            s.status,
            s.ends_at.astimezone(LONDON),
        )

    # ------------------------------------------------------------------ the core's rules, in memory
    def free_cancel_deadline(self, s: FakeSession) -> datetime:
        return s.starts_at - timedelta(hours=self.policy.cancel_window_hours)

    def terms(self, booking: FakeBooking) -> dict:
        """``app.booking.policies.cancel_terms`` for this booking, now."""
        s = self.sessions[booking.session_id]
        deadline = self.free_cancel_deadline(s)
        if s.moved_at is not None and booking.booked_at <= s.moved_at:
            deadline = s.starts_at
        if self.clock <= deadline:
            late, consequence, back, fee = False, "refund", booking.credits_spent, Decimal(0)
        else:
            late, consequence = True, self.policy.late_cancel
            fee = Decimal(self.policy.late_cancel_fee) if consequence == "fee" else Decimal(0)
            back = 0 if consequence == "forfeit_credit" else booking.credits_spent
        return {"late": late, "consequence": consequence, "fee": fee, "credits_back": back, "free_until": deadline}

    def can_pay(self, client: FakeClient, s: FakeSession) -> str | None:
        """None when the client can pay for ``s``; else "no credits" or "package expired"."""
        valid = client.expires_at is None or (client.expires_at > self.clock and client.expires_at > s.starts_at)
        cost = self.class_types[s.class_type_id].credits
        if valid and (client.unlimited or client.credits >= cost):
            return None
        expired = (
            (client.unlimited or client.credits > 0)
            and client.expires_at is not None
            and client.expires_at <= s.starts_at
        )
        return "package expired" if expired else "no credits"

    def balance(self, client: FakeClient | None) -> BalanceView:
        if client is None:
            return BalanceView(0, False, None, Decimal(0))
        valid = client.expires_at is None or client.expires_at > self.clock
        credits = client.credits if valid else 0
        unlimited = client.unlimited and valid
        expires = client.expires_at if valid and (unlimited or credits > 0) else None
        return BalanceView(credits, unlimited, expires.astimezone(LONDON) if expires else None, client.owed)

    def _enrol(self, client: FakeClient, s: FakeSession) -> FakeBooking:
        spent = 0 if client.unlimited else self.class_types[s.class_type_id].credits
        client.credits -= spent
        b = FakeBooking(len(self.bookings) + 1, client.id, s.id, self.clock, "confirmed", spent)
        self.bookings[b.id] = b
        return b

    def _add_entry(self, client_id: int, session_id: int) -> FakeEntry:
        e = FakeEntry(len(self.waitlist) + 1, client_id, session_id, self.clock)
        self.waitlist[e.id] = e
        return e

    def position(self, entry: FakeEntry) -> int:
        return 1 + sum(
            1
            for e in self.waitlist.values()
            if e.session_id == entry.session_id and e.status in OPEN_WAITLIST and e.id < entry.id
        )

    def open_entry(self, client_id: int, session_id: int) -> FakeEntry | None:
        return next(
            (
                e
                for e in self.waitlist.values()
                if e.client_id == client_id and e.session_id == session_id and e.status in OPEN_WAITLIST
            ),
            None,
        )

    def current_offer(self, client_id: int, session_id: int | None = None) -> FakeEntry | None:
        offers = [
            e
            for e in self.waitlist.values()
            if e.client_id == client_id
            and e.offered_at is not None
            and e.status in ("offered", "expired")
            and (session_id is None or e.session_id == session_id)
        ]
        return max(offers, key=lambda e: (e.offered_at, e.id), default=None)

    def _offer(self, entry: FakeEntry, s: FakeSession) -> None:
        entry.status, entry.offered_at = "offered", self.clock
        entry.offer_expires_at = min(self.clock + timedelta(minutes=self.policy.waitlist_offer_minutes), s.starts_at)
        self.notices.append(("waitlist_offer", self.clients[entry.client_id].phone, s.id))

    def spot_freed(self, s: FakeSession) -> None:
        """A place opened: offer it to the next waiting client who can pay (offer mode)."""
        if s.status != "scheduled" or s.starts_at <= self.clock:
            return
        while s.capacity - self.booked_count(s.id) - self.held_offers(s.id) > 0:
            waiting = sorted(
                (e for e in self.waitlist.values() if e.session_id == s.id and e.status == "waiting"),
                key=lambda e: e.id,
            )
            entry = None
            for e in waiting:
                reason = self.can_pay(self.clients[e.client_id], s)
                if reason is None:
                    entry = e
                    break
                e.status, e.resolved_at = "skipped", self.clock
                self.notices.append(("waitlist_skipped", self.clients[e.client_id].phone, s.id))
            if entry is None:
                return
            self._offer(entry, s)

    def expire_offers(self) -> None:
        """The sweep: offers past their time lapse and each spot passes on."""
        for e in list(self.waitlist.values()):
            if e.status == "offered" and e.offer_expires_at <= self.clock:
                e.status, e.resolved_at = "expired", self.clock
                self.spot_freed(self.sessions[e.session_id])

    def desk(self, phone: str, channel: str = "sms") -> FakeDesk:
        return FakeDesk(self, phone, channel)


class FakeDesk:
    """The ``bot.desk.Desk`` port over a ``FakeStudio``, for one texter (as ``SqlDesk`` is)."""

    def __init__(self, world: FakeStudio, phone: str, channel: str = "sms") -> None:
        self.world = world
        self.studio = world.view
        self.phone = phone
        self.channel = channel
        self.person = self._who()
        self.calls: list[str] = []  # the actions taken, in order: "book 3", "cancel 2 late=True", ...

    def _who(self) -> Person:
        client = self.world.client(self.phone)
        staff = next((s for s in self.world.staff.values() if s.phone == self.phone and s.active), None)
        return Person(
            client_id=client.id if client else None,
            client_name=((client.name or "").split(" ")[0] or None) if client else None,
            staff_id=staff.id if staff else None,
            staff_name=staff.name if staff else None,
            staff_role=staff.role if staff else None,
            opted_out=bool(client and client.opted_out(self.channel)),
        )

    def _client(self) -> FakeClient | None:
        return self.world.clients.get(self.person.client_id) if self.person.client_id else None

    def now(self) -> datetime:
        return self.world.now().astimezone(LONDON)

    def catalog(self) -> Catalog:
        return self.world.catalog()

    # ------------------------------------------------------------------ reading
    def session(self, session_id: int) -> SessionView | None:
        s = self.world.sessions.get(session_id)
        return self.world.session_view(s) if s is not None else None

    def find_sessions(self, query: SessionQuery) -> list[SessionView]:
        w = self.world
        now = w.now()
        exact = {t.astimezone(LONDON) for t in query.exact}
        rows = [
            s
            for s in self.world.sessions.values()
            if s.status == "scheduled"
            and (s.ends_at > now if query.include_started and query.start is not None else s.starts_at > now)
            and (s.kind == "class" or (query.include_appointments and w.booked_count(s.id) > 0))
            and (not query.class_type_ids or s.class_type_id in query.class_type_ids)
            and (not query.instructor_ids or s.instructor_id in query.instructor_ids)
            and (query.staff_id is None or s.instructor_id == query.staff_id)
            and (not query.location_ids or s.location_id in query.location_ids)
            and (not query.exact or s.starts_at in exact)
            and (query.start is None or s.starts_at >= query.start)
            and (query.end is None or s.starts_at < query.end)
        ]
        rows.sort(key=lambda s: (s.starts_at, s.id))
        return [self.world.session_view(s) for s in rows[: query.limit]]

    def upcoming_bookings(self) -> list[BookingView]:
        if self.person.client_id is None:
            return []
        now = self.world.now()
        mine = [
            b
            for b in self.world.bookings.values()
            if b.client_id == self.person.client_id
            and b.status == "confirmed"
            and self.world.sessions[b.session_id].starts_at > now
        ]
        mine.sort(key=lambda b: self.world.sessions[b.session_id].starts_at)
        return [BookingView(b.id, self.world.session_view(self.world.sessions[b.session_id]), b.status) for b in mine]

    def balance(self) -> BalanceView:
        return self.world.balance(self._client())

    def packages(self) -> list[PackageView]:
        rows = sorted((p for p in self.world.packages.values() if p.active), key=lambda p: p.price)
        return [PackageView(p.name, p.price, p.credits, p.valid_days, p.id) for p in rows]

    def buy(self, package_id: int) -> Outcome:
        self.calls.append(f"buy {package_id}")
        package = self.world.packages.get(package_id)
        if package is None or not package.active or self.person.client_id is None:
            return Outcome(False, "unknown")
        if not self.world.payments_enabled:
            return Outcome(False, "unavailable", {"reason": "no payment provider"})
        self.world.checkouts.append((self.person.client_id, package_id))
        return Outcome(
            True,
            "checkout",
            {
                "name": package.name,
                "price": package.price,
                "url": f"https://pay.example/c/{self.person.client_id}-{package_id}",
            },
        )

    def roster(self, session_id: int) -> list[str]:
        return [
            self.world.clients[b.client_id].name or self.world.clients[b.client_id].phone
            for b in sorted(self.world.bookings.values(), key=lambda b: b.id)
            if b.session_id == session_id and b.status in ACTIVE_BOOKING
        ]

    # ------------------------------------------------------------------ acting
    def _not_bookable(self, session_id: int) -> Outcome | None:
        s = self.world.sessions.get(session_id)
        if s is None:
            return Outcome(False, "not_bookable", {"reason": "it isn't on the timetable"})
        if s.status != "scheduled":
            return Outcome(False, "not_bookable", {"reason": "the class has been cancelled"})
        if s.starts_at <= self.world.now():
            return Outcome(False, "not_bookable", {"reason": "the class has already started"})
        return None

    def _booked(self, s: FakeSession, client: FakeClient) -> Outcome:
        return Outcome(
            True,
            "booked",
            {
                "session": self.world.session_view(s),
                "balance": self.world.balance(client),
                "free_until": self.world.free_cancel_deadline(s).astimezone(LONDON),
            },
        )

    def _no_credits(self, client: FakeClient, s: FakeSession, reason: str, back: int = 0) -> dict:
        """``no_credits`` data as ``SqlDesk`` gives it: the class's cost, what the client has
        (``back``: credits a move would return first), a pack that expired."""
        expired = reason == "package expired"
        valid = client.expires_at is None or client.expires_at > self.world.now()
        have = 0 if expired or not valid else client.credits + back
        return {"needed": self.world.class_types[s.class_type_id].credits, "have": have, "expired": expired}

    def book(self, session_id: int, allow_overlap: bool = False) -> Outcome:
        self.calls.append(f"book {session_id}")
        w = self.world
        refused = self._not_bookable(session_id)
        if refused is not None:
            return refused
        s = w.sessions[session_id]
        opens_at = s.starts_at - timedelta(days=w.policy.booking_window_days)
        if w.now() < opens_at:
            return Outcome(False, "window", {"opens_at": opens_at})
        client = self._client()
        if client is None:
            return Outcome(False, "not_bookable", {"reason": "it isn't on the timetable"})
        existing = next(
            (
                b
                for b in w.bookings.values()
                if b.client_id == client.id and b.session_id == s.id and b.status in ACTIVE_BOOKING
            ),
            None,
        )
        if existing is not None:
            return Outcome(False, "already_booked", {"session": w.session_view(s)})
        entry = w.open_entry(client.id, s.id)
        if entry is not None and entry.status == "offered" and entry.offer_expires_at > w.now():
            return self.claim_offer(s.id)  # booking a class you hold an offer for claims it
        if w.booked_count(s.id) + w.held_offers(s.id) >= s.capacity:
            return Outcome(False, "full", {"session": w.session_view(s)})
        reason = w.can_pay(client, s)
        if reason is not None:
            return Outcome(False, "no_credits", self._no_credits(client, s, reason))
        booking = w._enrol(client, s)
        if entry is not None:  # they were waiting and a spot is simply free
            entry.status, entry.booking_id, entry.resolved_at = "claimed", booking.id, w.now()
        return self._booked(s, client)

    def _mine(self, booking_id: int) -> FakeBooking | None:
        b = self.world.bookings.get(booking_id)
        return b if b is not None and b.client_id == self.person.client_id else None

    def _cancellable(self, booking_id: int) -> tuple[FakeBooking | None, Outcome | None]:
        booking = self._mine(booking_id)
        if booking is None:
            return None, Outcome(False, "not_cancellable", {"reason": "that booking isn't yours"})
        if booking.status != "confirmed":
            return None, Outcome(
                False, "not_cancellable", {"reason": f"the booking is {booking.status.replace('_', ' ')}"}
            )
        if self.world.sessions[booking.session_id].starts_at <= self.world.now():
            return None, Outcome(False, "not_cancellable", {"reason": "the class has already started"})
        return booking, None

    def _terms(self, booking: FakeBooking) -> dict:
        t = self.world.terms(booking)
        return {
            "session": self.session(booking.session_id),
            "late": t["late"],
            "consequence": t["consequence"],
            "fee": t["fee"],
            "hours": self.world.policy.cancel_window_hours,
            "credits_back": t["credits_back"],
            "spent": booking.credits_spent,
        }

    def preview_cancel(self, booking_id: int) -> Outcome:
        self.calls.append(f"preview_cancel {booking_id}")
        booking, refused = self._cancellable(booking_id)
        if refused is not None:
            return refused
        return Outcome(True, "terms", self._terms(booking))

    def cancel(self, booking_id: int, accept_late: bool) -> Outcome:
        self.calls.append(f"cancel {booking_id} late={accept_late}")
        booking, refused = self._cancellable(booking_id)
        if refused is not None:
            return refused
        data = self._terms(booking)
        if data["late"] and not accept_late:
            return Outcome(False, "late", data)
        client = self.world.clients[booking.client_id]
        booking.status = "late_cancelled" if data["late"] else "cancelled"
        client.credits += data["credits_back"]
        if data["consequence"] == "fee" and data["fee"] > 0:
            client.owed += data["fee"]
        self.world.spot_freed(self.world.sessions[booking.session_id])
        data["session"] = self.session(booking.session_id)  # its counts after the spot was freed
        data["balance"] = self.world.balance(client)
        return Outcome(True, "cancelled", data)

    def join_waitlist(self, session_id: int) -> Outcome:
        self.calls.append(f"join_waitlist {session_id}")
        w = self.world
        refused = self._not_bookable(session_id)
        if refused is not None:
            return refused
        client = self._client()
        if client is None:
            return Outcome(False, "not_bookable", {"reason": "it isn't on the timetable"})
        s = w.sessions[session_id]
        if any(
            b.client_id == client.id and b.session_id == s.id and b.status in ACTIVE_BOOKING
            for b in w.bookings.values()
        ):
            return Outcome(False, "already_booked", {"session": w.session_view(s)})
        existing = w.open_entry(client.id, s.id)
        if existing is not None:
            return Outcome(False, "already_waitlisted", {"position": w.position(existing)})
        if s.capacity - w.booked_count(s.id) - w.held_offers(s.id) > 0:
            return Outcome(False, "not_needed", {"session": w.session_view(s)})
        entry = w._add_entry(client.id, s.id)
        return Outcome(True, "waitlisted", {"session": w.session_view(s), "position": w.position(entry)})

    def live_offer(self) -> Outcome:
        if self.person.client_id is None:
            return Outcome(False, "none")
        offer = self.world.current_offer(self.person.client_id)
        if offer is None:
            return Outcome(False, "none")
        view = self.session(offer.session_id)
        now = self.world.now()
        if offer.status == "offered" and offer.offer_expires_at > now:
            return Outcome(True, "offer", {"session": view, "expires_at": offer.offer_expires_at})
        if offer.resolved_at and now - offer.resolved_at > timedelta(hours=12):
            return Outcome(False, "none")
        return Outcome(False, "expired", {"session": view})

    def claim_offer(self, session_id: int | None = None) -> Outcome:
        self.calls.append(f"claim_offer {session_id}")
        w = self.world
        client = self._client()
        offer = w.current_offer(client.id, session_id) if client else None
        if offer is None:
            return Outcome(False, "none")
        view = self.session(offer.session_id)
        if offer.status == "expired" or (offer.offer_expires_at and offer.offer_expires_at <= w.now()):
            return Outcome(False, "expired", {"session": view, "open": view is not None and view.spots > 0})
        if offer.status != "offered":
            return Outcome(False, "none")
        s = w.sessions[offer.session_id]
        if s.capacity - w.booked_count(s.id) - w.held_offers(s.id, except_client=client.id) <= 0:
            return Outcome(False, "taken", {"session": view})
        reason = w.can_pay(client, s)
        if reason is not None:
            return Outcome(False, "no_credits", {"expired": reason == "package expired"})
        booking = w._enrol(client, s)
        offer.status, offer.booking_id, offer.resolved_at = "claimed", booking.id, w.now()
        return self._booked(s, client)

    def decline_offer(self) -> Outcome:
        self.calls.append("decline_offer")
        offer = self.world.current_offer(self.person.client_id) if self.person.client_id else None
        if offer is None or offer.status != "offered":
            return Outcome(False, "none")
        offer.status, offer.resolved_at = "declined", self.world.now()
        self.world.spot_freed(self.world.sessions[offer.session_id])
        return Outcome(True, "declined")

    # ------------------------------------------------------------------ issue 13: moving
    def move(self, booking_id: int, session_id: int, accept_late: bool = False) -> Outcome:
        """As ``SqlDesk.move``: cancel + book, both or neither; the refusals in the core's order."""
        self.calls.append(f"move {booking_id} to {session_id} late={accept_late}")
        w = self.world
        booking = self._mine(booking_id)
        if booking is None:
            return Outcome(False, "not_yours")
        if booking.status != "confirmed":
            return Outcome(False, "not_cancellable", {"reason": f"the booking is {booking.status.replace('_', ' ')}"})
        if w.sessions[booking.session_id].starts_at <= w.now():
            return Outcome(False, "not_cancellable", {"reason": "the class has already started"})
        client = w.clients[booking.client_id]
        if booking.session_id == session_id:
            return Outcome(False, "already_booked", {"session": self.session(session_id)})
        refused = self._not_bookable(session_id)
        if refused is not None:
            return refused
        s = w.sessions[session_id]
        opens_at = s.starts_at - timedelta(days=w.policy.booking_window_days)
        if w.now() < opens_at:
            return Outcome(False, "window", {"opens_at": opens_at})
        if any(
            b.client_id == client.id and b.session_id == s.id and b.status in ACTIVE_BOOKING
            for b in w.bookings.values()
        ):
            return Outcome(False, "already_booked", {"session": w.session_view(s)})
        entry = w.open_entry(client.id, s.id)
        holds_offer = entry is not None and entry.status == "offered" and entry.offer_expires_at > w.now()
        if not holds_offer and w.booked_count(s.id) + w.held_offers(s.id) >= s.capacity:
            return Outcome(False, "full", {"session": w.session_view(s)})
        terms = w.terms(booking)
        client.credits += terms["credits_back"]  # tried with the credit back, undone if refused
        reason = w.can_pay(client, s)
        client.credits -= terms["credits_back"]
        if reason is not None:
            return Outcome(False, "no_credits", self._no_credits(client, s, reason, terms["credits_back"]))
        if terms["late"] and not accept_late:
            return Outcome(False, "late", {**self._terms(booking), "target": self.session(session_id)})
        old_session = w.sessions[booking.session_id]
        booking.status = "late_cancelled" if terms["late"] else "cancelled"
        client.credits += terms["credits_back"]
        if terms["consequence"] == "fee" and terms["fee"] > 0:
            client.owed += terms["fee"]
        new = w._enrol(client, s)
        if entry is not None:
            entry.status, entry.booking_id, entry.resolved_at = "claimed", new.id, w.now()
        w.spot_freed(old_session)
        return Outcome(
            True,
            "moved",
            {
                "old": w.session_view(old_session),
                "session": w.session_view(s),
                "balance": w.balance(client),
                "free_until": w.free_cancel_deadline(s).astimezone(LONDON),
                "late": terms["late"],
            },
        )

    # ------------------------------------------------------------------ issue 13: the waitlist
    def waitlist_entries(self) -> list[WaitlistView]:
        if self.person.client_id is None:
            return []
        now = self.world.now()
        mine = [
            e
            for e in self.world.waitlist.values()
            if e.client_id == self.person.client_id
            and e.status in OPEN_WAITLIST
            and self.world.sessions[e.session_id].starts_at > now
        ]
        mine.sort(key=lambda e: (self.world.sessions[e.session_id].starts_at, e.id))
        return [
            WaitlistView(
                self.world.session_view(self.world.sessions[e.session_id]),
                self.world.position(e),
                e.status,
                e.offer_expires_at.astimezone(LONDON) if e.offer_expires_at else None,
            )
            for e in mine
        ]

    def leave_waitlist(self, session_id: int) -> Outcome:
        self.calls.append(f"leave_waitlist {session_id}")
        entry = self.world.open_entry(self.person.client_id, session_id) if self.person.client_id else None
        if entry is None:
            return Outcome(False, "not_waitlisted")
        was_offered = entry.status == "offered"
        entry.status, entry.resolved_at = "left", self.world.now()
        if was_offered:  # the offer passes to the next in line, as a decline does
            self.world.spot_freed(self.world.sessions[session_id])
        return Outcome(True, "left", {"session": self.session(session_id)})

    # ------------------------------------------------------------------ issue 13: arrivals
    def running_late(self, booking_id: int, minutes: int | None) -> Outcome:
        self.calls.append(f"running_late {booking_id} {minutes}")
        w = self.world
        booking = self._mine(booking_id)
        if booking is None:
            return Outcome(False, "not_yours")
        s = w.sessions[booking.session_id]
        if booking.status not in ("confirmed", "attended"):
            return Outcome(False, "refused", {"reason": f"the booking is {booking.status.replace('_', ' ')}"})
        if s.status != "scheduled" or s.ends_at <= w.now():
            return Outcome(False, "refused", {"reason": "the class has already ended"})
        teacher = w.staff.get(s.instructor_id) if s.instructor_id else None
        told = booking.id in w.late_told
        if not told and teacher is not None and teacher.active and teacher.phone:
            w.late_told.add(booking.id)
            w.notices.append(("running_late", teacher.phone, s.id))
            told = True
        return Outcome(
            True,
            "told",
            {
                "session": w.session_view(s),
                "instructor_told": told,
                "doors_close_minutes": w.policy.late_arrival_minutes,
            },
        )

    def _check_in_window(self, s: FakeSession) -> tuple[datetime, datetime]:
        p = self.world.policy
        opens = s.starts_at - timedelta(minutes=p.check_in_opens_minutes)
        closes = s.ends_at
        if p.late_arrival_minutes is not None:
            closes = min(s.starts_at + timedelta(minutes=p.late_arrival_minutes), s.ends_at)
        return opens, closes

    def check_in_self(self) -> Outcome:
        self.calls.append("check_in_self")
        w = self.world
        if not w.policy.self_check_in:
            return Outcome(False, "not_allowed")
        now = w.now()
        mine = sorted(
            (
                b
                for b in w.bookings.values()
                if b.client_id == self.person.client_id
                and b.status in ("confirmed", "attended")
                and w.sessions[b.session_id].status == "scheduled"
                and w.sessions[b.session_id].ends_at > now
            ),
            key=lambda b: (w.sessions[b.session_id].starts_at, b.id),
        )
        open_now = [
            b
            for b in mine
            if self._check_in_window(w.sessions[b.session_id])[0]
            <= now
            < self._check_in_window(w.sessions[b.session_id])[1]
        ]
        for b in open_now:
            if b.status == "confirmed":
                b.status = "attended"
                return Outcome(True, "checked_in", {"session": self.session(b.session_id)})
        if open_now:
            return Outcome(False, "already", {"session": self.session(open_now[0].session_id)})
        ahead = [
            b for b in mine if b.status == "confirmed" and self._check_in_window(w.sessions[b.session_id])[0] > now
        ]
        if ahead:
            s = w.sessions[ahead[0].session_id]
            opens = self._check_in_window(s)[0]
            return Outcome(False, "too_early", {"session": w.session_view(s), "opens_at": opens.astimezone(LONDON)})
        return Outcome(False, "no_booking")

    # ------------------------------------------------------------------ issue 13: staff attendance
    def _staff_may(self, session_id: int) -> bool:
        s = self.world.sessions.get(session_id)
        if self.person.staff_id is None or s is None:
            return False
        return self.person.staff_role in ("owner", "manager", "front_desk") or s.instructor_id == self.person.staff_id

    def roster_entries(self, session_id: int) -> list[RosterEntry]:
        if not self._staff_may(session_id):
            return []
        rows = sorted(
            (b for b in self.world.bookings.values() if b.session_id == session_id and b.status in ACTIVE_BOOKING),
            key=lambda b: b.id,
        )
        return [
            RosterEntry(
                n, b.id, self.world.clients[b.client_id].name or self.world.clients[b.client_id].phone, _status(b)
            )
            for n, b in enumerate(rows, 1)
        ]

    def attendance(self, booking_id: int, action: str) -> Outcome:
        self.calls.append(f"attendance {booking_id} {action}")
        w = self.world
        if self.person.staff_id is None:
            return Outcome(False, "not_allowed")
        b = w.bookings.get(booking_id)
        if b is None:
            return Outcome(False, "not_found")
        if not self._staff_may(b.session_id):
            return Outcome(False, "not_allowed")
        refused = self._mark(b, action)
        if refused is not None:
            return Outcome(False, "refused", {"reason": refused})
        entry = next(r for r in self.roster_entries(b.session_id) if r.booking_id == b.id)
        return Outcome(True, "done", {"entry": entry, "action": action})

    def _mark(self, b: FakeBooking, action: str) -> str | None:
        """The core's attendance rules (``app.booking.changes`` / ``attendance``), in memory:
        None when done, else why not."""
        w = self.world
        s, now = w.sessions[b.session_id], w.now()
        if action not in ATTENDANCE_ACTIONS:
            return f"unknown action {action!r}"
        state = f"the booking is {b.status.replace('_', ' ')}"
        if action == "checked_in":
            if now < s.starts_at - timedelta(hours=1):
                return "check-in opens an hour before the class"
            if b.status not in ("confirmed", "no_show") or b.penalty_waived:
                return state
            b.status = "attended"
        elif action == "no_show":
            if now < s.starts_at:
                return "the class hasn't started yet"
            if b.status != "confirmed":
                return state
            b.status = "no_show"
        elif action == "undo":
            if b.status not in ("attended", "no_show"):
                return f"nothing to undo: {state}"
            if b.penalty_waived or b.settled:
                return "the no-show was already settled and the client told: check them in or waive it instead"
            b.status = "confirmed"
        else:
            if b.status not in ("confirmed", "no_show") or b.penalty_waived:
                return state
            if b.status == "confirmed" and s.ends_at > now:
                return "the class hasn't ended yet"
            w.clients[b.client_id].credits += b.credits_spent
            b.status, b.penalty_waived, b.settled = "no_show", True, True
        return None

    # ------------------------------------------------------------------ issue 13: 1:1 slots
    def appointment_types(self) -> list[AppointmentTypeView]:
        rows = sorted((c for c in self.world.class_types.values() if c.kind == "appointment"), key=lambda c: c.name)
        return [AppointmentTypeView(c.id, c.name, c.credits, c.duration_min) for c in rows]

    def free_slots(
        self,
        start: datetime,
        end: datetime,
        class_type_id: int | None = None,
        instructor_id: int | None = None,
        limit: int = 12,
    ) -> list[SlotView]:
        w = self.world
        now = w.now()
        end = min(end, now + timedelta(days=w.policy.booking_window_days))
        found: list[SlotView] = []
        for kind in self.appointment_types():
            if class_type_id is not None and kind.id != class_type_id:
                continue
            length = timedelta(minutes=kind.duration_min)
            for a in w.availability:
                if instructor_id is not None and a.staff_id != instructor_id:
                    continue
                day = start.astimezone(LONDON).date()
                while day <= end.astimezone(LONDON).date():
                    if day.weekday() == a.weekday:
                        at = datetime.combine(day, a.start, LONDON)
                        close = datetime.combine(day, a.end, LONDON)
                        while at + length <= close:
                            if start <= at and at + length <= end and at > now and self._free(a.staff_id, at, length):
                                found.append(self._slot(kind, a, at, length))
                            at += length
                    day += timedelta(days=1)
        found.sort(key=lambda x: (x.starts_at, x.instructor_id, x.class_type_id))
        return found[: max(limit, 0)]

    def _free(self, staff_id: int, at: datetime, length: timedelta) -> bool:
        return not any(
            s.instructor_id == staff_id and s.status == "scheduled" and s.starts_at < at + length and at < s.ends_at
            for s in self.world.sessions.values()
        )

    def _slot(self, kind: AppointmentTypeView, a: FakeAvailability, at: datetime, length: timedelta) -> SlotView:
        return SlotView(
            kind.id,
            kind.name,
            a.staff_id,
            self.world.staff[a.staff_id].name,
            a.location_id,
            self.world.locations[a.location_id],
            at,
            at + length,
            kind.credits,
        )

    def _clash(
        self, client: FakeClient, start: datetime, end: datetime, ignore: int | None = None
    ) -> FakeSession | None:
        """The client's confirmed booking at that time (``spots.overlapping_booking``), earliest first."""
        w = self.world
        clashes = [
            w.sessions[b.session_id]
            for b in w.bookings.values()
            if b.client_id == client.id
            and b.status == "confirmed"
            and b.id != ignore
            and w.sessions[b.session_id].status == "scheduled"
            and w.sessions[b.session_id].starts_at < end
            and w.sessions[b.session_id].ends_at > start
        ]
        return min(clashes, key=lambda x: (x.starts_at, x.id), default=None)

    def _slot_refused(
        self, slot: SlotView, client: FakeClient | None, allow_overlap: bool, ignore: int | None = None
    ) -> Outcome | None:
        """``book_appointment``'s refusals, in its order (None: the slot may be booked)."""
        w = self.world
        now = w.now()
        if slot.starts_at <= now:
            return Outcome(False, "window", {"opens_at": None})
        opens_at = slot.starts_at - timedelta(days=w.policy.booking_window_days)
        if now < opens_at:
            return Outcome(False, "window", {"opens_at": opens_at})
        if slot not in self.free_slots(slot.starts_at, slot.ends_at, slot.class_type_id, slot.instructor_id):
            return Outcome(False, "taken")
        rule = getattr(w.policy, "overlap_rule", "ask")
        if client is not None and (rule == "refuse" or (rule == "ask" and not allow_overlap)):
            clash = self._clash(client, slot.starts_at, slot.ends_at, ignore)
            if clash is not None:
                kind = "overlap_refused" if rule == "refuse" else "overlap"
                return Outcome(False, kind, {"slot": slot, "clash": w.session_view(clash)})
        return None

    def _appointment(self, slot: SlotView) -> FakeSession:
        length = slot.ends_at - slot.starts_at
        s = FakeSession(
            len(self.world.sessions) + 1, slot.class_type_id, slot.starts_at, slot.location_id, slot.instructor_id, 1
        )
        s.kind, s.minutes = "appointment", int(length.total_seconds() // 60)
        return s

    def book_slot(self, slot: SlotView, allow_overlap: bool = False) -> Outcome:
        self.calls.append(f"book_slot {slot.class_type_id} {slot.starts_at:%a %H:%M}")
        w = self.world
        client = self._client()
        refused = self._slot_refused(slot, client, allow_overlap)
        if refused is not None:
            return refused
        s = self._appointment(slot)
        reason = w.can_pay(client, s) if client is not None else "no credits"
        if client is None or reason is not None:
            have = self._no_credits(client, s, reason or "")["have"] if client is not None else 0
            return Outcome(
                False, "no_credits", {"needed": slot.credits, "have": have, "expired": reason == "package expired"}
            )
        w.sessions[s.id] = s
        w._enrol(client, s)
        return Outcome(
            True,
            "booked",
            {
                "slot": slot,
                "session": w.session_view(s),
                "balance": w.balance(client),
                "free_until": w.free_cancel_deadline(s).astimezone(LONDON),
            },
        )

    def move_slot(
        self, booking_id: int, slot: SlotView, accept_late: bool = False, allow_overlap: bool = False
    ) -> Outcome:
        """As ``SqlDesk.move_slot`` (``moves.move_appointment``): both or neither, credits carried."""
        self.calls.append(f"move_slot {booking_id} to {slot.starts_at:%a %H:%M} late={accept_late}")
        w = self.world
        booking = self._mine(booking_id)
        if booking is None:
            return Outcome(False, "not_yours")
        old = w.sessions[booking.session_id]
        if booking.status != "confirmed":
            return Outcome(False, "not_cancellable", {"reason": f"the booking is {booking.status.replace('_', ' ')}"})
        if old.starts_at <= w.now():
            return Outcome(False, "not_cancellable", {"reason": "the class has already started"})
        if old.kind != "appointment":
            return Outcome(False, "taken")
        if (old.instructor_id, old.starts_at, old.class_type_id) == (
            slot.instructor_id,
            slot.starts_at,
            slot.class_type_id,
        ):
            return Outcome(False, "already_booked", {"slot": slot})
        client = w.clients[booking.client_id]
        old.status = "cancelled"  # tried with the instructor's old hour free, undone if refused
        refused = self._slot_refused(slot, client, allow_overlap, ignore=booking.id)
        old.status = "scheduled"
        if refused is not None:
            return refused
        terms = w.terms(booking)
        s = self._appointment(slot)
        client.credits += terms["credits_back"]
        reason = w.can_pay(client, s)
        client.credits -= terms["credits_back"]
        if reason is not None:
            return Outcome(False, "no_credits", self._no_credits(client, s, reason, terms["credits_back"]))
        if terms["late"] and not accept_late:
            return Outcome(False, "late", {**self._terms(booking), "slot": slot})
        booking.status = "late_cancelled" if terms["late"] else "cancelled"
        old.status = "cancelled"
        client.credits += terms["credits_back"]
        if terms["consequence"] == "fee" and terms["fee"] > 0:
            client.owed += terms["fee"]
        w.sessions[s.id] = s
        w._enrol(client, s)
        return Outcome(
            True,
            "moved",
            {
                "old": w.session_view(old),
                "session": w.session_view(s),
                "slot": slot,
                "balance": w.balance(client),
                "free_until": w.free_cancel_deadline(s).astimezone(LONDON),
                "late": terms["late"],
            },
        )

    # ------------------------------------------------------------------ issue 13: the rules in words
    def policy_facts(self) -> dict:
        p = self.world.policy
        return {
            "cancel_window_hours": p.cancel_window_hours,
            "late_cancel": p.late_cancel,
            "late_cancel_fee": Decimal(p.late_cancel_fee),
            "no_show": p.no_show,
            "no_show_fee": Decimal(p.no_show_fee),
            "late_arrival_minutes": p.late_arrival_minutes,
            "booking_window_days": p.booking_window_days,
            "self_check_in": p.self_check_in,
            "check_in_opens_minutes": p.check_in_opens_minutes,
            "currency": self.studio.currency,
        }

    def register(self, name: str) -> None:
        self.calls.append(f"register {name}")
        client = self.world.client(self.phone)
        if client is None:
            self.world.add_client(self.phone, name)
        else:
            client.name = name
        self.person = self._who()

    def set_opt_out(self, opted_out: bool) -> None:
        self.calls.append(f"set_opt_out {opted_out}")
        client = self.world.client(self.phone) or self.world.add_client(self.phone, None)
        if self.channel == "whatsapp":
            client.whatsapp_opted_out = opted_out
        else:
            client.sms_opted_out = opted_out
        self.person = self._who()

    def location_address(self, name: str) -> str | None:
        return {"Shoreditch": "12 Rivington St, London EC2A 3DU", "Clapham": "4 Venn St, London SW4 0AT"}.get(name)

    def request_export(self) -> Outcome:
        self.calls.append("request_export")
        client = self._client()
        if client is None:
            return Outcome(False, "none")
        url = f"https://frontdesk.example/s/lotus/my-data/tok{len(self.world.export_links) + 1}"
        self.world.export_links.append((client.id, url))
        return Outcome(True, "link", {"url": url, "hours": 24})

    def request_erasure(self) -> Outcome:
        self.calls.append("request_erasure")
        client = self._client()
        if client is None:
            return Outcome(False, "none")
        if self.world.erasure_by_text != "auto":
            upcoming = len(self.upcoming_bookings())
            if client.id not in self.world.erasure_requests:
                self.world.erasure_requests.append(client.id)
            self.ask_staff("Asked by text to have their data erased (confirmed YES). See their client profile.")
            return Outcome(True, "requested", {"upcoming": upcoming})
        cancelled = 0
        for b in self.world.bookings.values():
            if (
                b.client_id == client.id
                and b.status == "confirmed"
                and self.world.sessions[b.session_id].starts_at > self.world.now()
            ):
                b.status = "cancelled"
                cancelled += 1
        client.name, client.phone = "Erased client", f"erased:{client.id}"
        client.sms_opted_out = client.whatsapp_opted_out = True
        self.world.erased.append(client.id)
        self.person = self._who()
        return Outcome(True, "erased", {"cancelled": cancelled})

    def ask_staff(self, text: str) -> bool:
        self.calls.append("ask_staff")
        if not any(s.phone and s.active and s.role in ("owner", "manager") for s in self.world.staff.values()):
            return False
        self.world.forwarded.append(text)
        return True


def _status(b: FakeBooking) -> str:
    """The roster's status of a booking, as ``SqlDesk`` gives it."""
    if b.status == "attended":
        return "checked_in"
    if b.status == "no_show" and b.penalty_waived:
        return "waived"
    return b.status


class Phone:
    """One number texting the studio: ``sam.says("book yoga wed 6pm")`` returns the reply text.

    Each text builds a fresh ``FakeDesk`` and runs parse + respond as the engine's ``_turn``
    does (a lapsed question is dropped first; a ``resume`` in the context is answered in the
    same turn), then keeps the turn's state, context and expiry for the next text.
    """

    def __init__(self, world: FakeStudio, phone: str, channel: str = "sms") -> None:
        self.world = world
        self.phone = phone
        self.channel = channel
        self.state: str = State.IDLE.value
        self.context: dict = {}
        self.expires_at: datetime | None = None
        self.turn: Turn | None = None
        self.desk: FakeDesk | None = None

    def says(self, body: str, *, button: str | None = None, profile_name: str | None = None) -> str:
        return "\n".join(self.replies(body, button=button, profile_name=profile_name))

    def replies(self, body: str, *, button: str | None = None, profile_name: str | None = None) -> list[str]:
        desk = self.desk = FakeDesk(self.world, self.phone, self.channel)
        words = Words(desk.studio, self.channel)
        now = self.world.now()
        state, context = self.state, dict(self.context)
        if self.expires_at is not None and self.expires_at <= now:
            state, context = State.IDLE.value, {}
        ctx = ParseContext(desk.now(), desk.studio.timezone, desk.studio.date_order, desk.catalog())
        turn = respond(desk, words, state, context, parse(body, ctx), body, button=button, profile_name=profile_name)
        resume = turn.context.pop("resume", None)
        if resume:
            again = parse(resume, ctx)
            if again.intent not in ("greeting", "unknown", "thanks"):
                follow = respond(desk, words, State.IDLE.value, {}, again, resume)
                turn = Turn(turn.replies + follow.replies, follow.state, follow.context)
            else:
                turn = Turn(turn.replies + [words.greeting(desk.person.client_name)], turn.state, turn.context)
        self.turn = turn
        self.state = turn.state.value
        self.context = turn.context
        self.expires_at = now + turn.expires_in if turn.expires_in else None
        return turn.replies
