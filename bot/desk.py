"""The port between the dialogue and the studio: what the bot may ask and do.

The application implements ``Desk`` over the booking core (``app.conversation.desk``);
tests may implement it with fakes. Views are plain data, in the studio's timezone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class SessionView:
    id: int
    class_name: str
    class_type_id: int
    starts_at: datetime  # studio-local, aware
    location: str
    instructor: str | None
    capacity: int
    booked: int
    waiting: int
    status: str = "scheduled"
    ends_at: datetime | None = None  # studio-local, aware

    @property
    def spots(self) -> int:
        return max(self.capacity - self.booked, 0)


@dataclass(frozen=True)
class BookingView:
    id: int
    session: SessionView
    status: str


@dataclass(frozen=True)
class BalanceView:
    credits: int
    unlimited: bool
    expires_at: datetime | None
    owed: Decimal


@dataclass(frozen=True)
class PackageView:
    name: str
    price: Decimal
    credits: int | None
    valid_days: int | None
    id: int


@dataclass(frozen=True)
class StudioView:
    name: str
    timezone: str
    currency: str
    date_order: str
    contact_phone: str | None
    contact_email: str | None


@dataclass(frozen=True)
class Person:
    """Who is texting: a known client, a staff member, or a stranger (both None)."""

    client_id: int | None = None
    client_name: str | None = None
    staff_id: int | None = None
    staff_name: str | None = None
    staff_role: str | None = None
    opted_out: bool = False


@dataclass(frozen=True)
class SessionQuery:
    class_type_ids: Sequence[int] = ()
    instructor_ids: Sequence[int] = ()
    location_ids: Sequence[int] = ()
    start: datetime | None = None
    end: datetime | None = None
    exact: Sequence[datetime] = ()  # exact start instants (a stated time and its other readings)
    limit: int = 20
    include_full: bool = True
    include_started: bool = False  # staff: classes under way count too (from ``start``, not from now)
    staff_id: int | None = None  # sessions this instructor teaches
    include_appointments: bool = False  # staff: the booked 1:1s they teach too (never for clients' timetables)


@dataclass(frozen=True)
class WaitlistView:
    """One of the client's open waitlist entries."""

    session: SessionView
    position: int
    status: str  # waiting | offered
    offer_expires_at: datetime | None  # studio-local; None while waiting (or an offer not yet texted)


@dataclass(frozen=True)
class RosterEntry:
    """One line of a class's roster as staff see it."""

    number: int  # 1-based, roster order (booking id order)
    booking_id: int
    name: str
    status: str  # confirmed | checked_in | no_show | waived


@dataclass(frozen=True)
class AppointmentTypeView:
    """A 1:1 appointment type the studio offers (``ClassType.kind == "appointment"``)."""

    id: int
    name: str
    credits: int
    duration_min: int


@dataclass(frozen=True)
class SlotView:
    """A free 1:1 slot: an instructor free at a location for one appointment type."""

    class_type_id: int
    class_name: str
    instructor_id: int
    instructor: str
    location_id: int
    location: str
    starts_at: datetime  # studio-local, aware
    ends_at: datetime
    credits: int


ATTENDANCE_ACTIONS = ("checked_in", "no_show", "undo", "waive")


@dataclass
class Outcome:
    """What a desk action did, with words for the reply already decided by the caller."""

    ok: bool
    kind: str
    data: dict = field(default_factory=dict)


class Desk(Protocol):
    studio: StudioView
    person: Person

    def now(self) -> datetime: ...
    def catalog(self): ...  # bot.nlu.catalog.Catalog
    def find_sessions(self, query: SessionQuery) -> list[SessionView]: ...
    def session(self, session_id: int) -> SessionView | None: ...
    def upcoming_bookings(self) -> list[BookingView]: ...
    def book(self, session_id: int, allow_overlap: bool = False) -> Outcome: ...
    def preview_cancel(self, booking_id: int) -> Outcome: ...
    def cancel(self, booking_id: int, accept_late: bool) -> Outcome: ...
    def join_waitlist(self, session_id: int) -> Outcome: ...
    def live_offer(self) -> Outcome: ...
    def claim_offer(self, session_id: int | None = None) -> Outcome: ...
    def decline_offer(self) -> Outcome: ...
    def balance(self) -> BalanceView: ...
    def packages(self) -> list[PackageView]: ...
    def buy(self, package_id: int) -> Outcome: ...  # a payment link: data name, price, url
    def register(self, name: str) -> None: ...
    def set_opt_out(self, opted_out: bool) -> None: ...
    def ask_staff(self, text: str) -> bool: ...
    def location_address(self, name: str) -> str | None: ...  # a location's street address, by its name
    def roster(self, session_id: int) -> list[str]: ...
    # issue 13: moving, the waitlist, arrivals, attendance, 1:1 slots, the rules in words
    def move(self, booking_id: int, session_id: int, accept_late: bool = False) -> Outcome: ...
    def waitlist_entries(self) -> list[WaitlistView]: ...
    def leave_waitlist(self, session_id: int) -> Outcome: ...
    def running_late(self, booking_id: int, minutes: int | None) -> Outcome: ...
    def check_in_self(self) -> Outcome: ...
    def roster_entries(self, session_id: int) -> list[RosterEntry]: ...
    def attendance(self, booking_id: int, action: str) -> Outcome: ...
    def appointment_types(self) -> list[AppointmentTypeView]: ...
    def free_slots(
        self,
        start: datetime,
        end: datetime,
        class_type_id: int | None = None,
        instructor_id: int | None = None,
        limit: int = 12,
    ) -> list[SlotView]: ...
    def book_slot(self, slot: SlotView, allow_overlap: bool = False) -> Outcome: ...
    def move_slot(
        self, booking_id: int, slot: SlotView, accept_late: bool = False, allow_overlap: bool = False
    ) -> Outcome: ...
    def policy_facts(self) -> dict: ...
    # a client's data (issue 17); both are asked only after a YES from the same number
    def request_export(self) -> Outcome: ...  # link {url, hours} | none (no client) | unavailable
    def request_erasure(self) -> Outcome: ...  # requested {upcoming} | erased {cancelled} | none
