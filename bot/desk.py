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
    staff_id: int | None = None  # sessions this instructor teaches


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
    def roster(self, session_id: int) -> list[str]: ...
