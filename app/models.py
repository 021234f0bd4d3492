"""The data model. Every studio-owned table inherits ``StudioScoped``.

References between studio-owned tables are composite foreign keys
``(studio_id, x_id) -> x(studio_id, id)``: the database itself refuses a row of
studio A that points at a row of studio B, whatever the code did.
Instants are ``UTCDateTime``; wall-clock times (a schedule's 18:00) are ``Time`` and
are read in the location's timezone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.db import Base, UTCDateTime
from app.tenancy import StudioScoped

CATEGORIES = (
    "Yoga",
    "Pilates",
    "HIIT",
    "Strength",
    "Barre",
    "Cycling",
    "Dance",
    "Meditation",
    "Personal Training",
    "Other",
)
STAFF_ROLES = ("owner", "manager", "instructor", "front_desk")
CLASS_KINDS = ("class", "appointment")
PACKAGE_KINDS = ("drop_in", "class_pack", "membership")
LATE_CANCEL_RULES = ("forfeit_credit", "fee", "none")
WAITLIST_MODES = ("offer", "auto", "broadcast")
OVERLAP_RULES = ("allow", "ask", "refuse")
CHANNELS = ("sms", "whatsapp")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ACTIVE_BOOKING = ("confirmed", "attended", "no_show")
OPEN_LEADS = "status IN ('paid', 'preferences', 'booked', 'attended')"  # leads the tick may still act on
OPEN_WAITLIST = ("waiting", "offered")


def _now() -> datetime:
    return clock.now()


def same_studio(column: str, table: str) -> ForeignKeyConstraint:
    """``(studio_id, column) -> table(studio_id, id)``: a reference that cannot cross studios."""
    return ForeignKeyConstraint(["studio_id", column], [f"{table}.studio_id", f"{table}.id"])


# --------------------------------------------------------------------------- global


class Studio(Base):
    __tablename__ = "studios"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    date_order: Mapped[str] = mapped_column(String(3), default="DMY")
    sms_number: Mapped[str | None] = mapped_column(String(32))
    whatsapp_number: Mapped[str | None] = mapped_column(String(32))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # Outside WhatsApp's 24-hour window free text is refused: use this approved template
    # (its one variable is the message), or fall back to SMS ("sms") or hold ("none").
    whatsapp_template_sid: Mapped[str | None] = mapped_column(String(64))
    whatsapp_fallback: Mapped[str] = mapped_column(String(16), default="sms", server_default="sms")
    stripe_account_id: Mapped[str | None] = mapped_column(String(255))  # Stripe Connect (issue 6)
    stripe_charges_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    # the due-work tick finds the studios whose 07:00 digest falls due by their timezone (issue 15)
    __table_args__ = (Index("ix_studios_timezone", "timezone"),)


class DueMark(Base):
    """How far the due-work tick has handled one kind of time-triggered work (issue 15).

    Global, holds no studio data: the tick looks only at what fell due after ``done_until``
    (a reminder's moment, a class's review closing, a pack's expiry), so a tick costs what
    is due, not what is booked. No row (or a mark ahead of the clock) means "look at
    everything", which is also how a first run and a run after an outage catch up once."""

    __tablename__ = "due_marks"

    work: Mapped[str] = mapped_column(String(40), primary_key=True)
    done_until: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundAddress(Base):
    """Which studio a message sent to ``address`` on ``channel`` belongs to."""

    __tablename__ = "inbound_addresses"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(32))
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"), index=True)

    studio: Mapped[Studio] = relationship()


class PlatformUser(Base):
    """Operators of the platform itself (not studio staff)."""

    __tablename__ = "platform_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


# --------------------------------------------------------------------- studio setup


class Policy(StudioScoped, Base):
    """The studio's rules; exactly one row per studio."""

    __tablename__ = "policies"
    __table_args__ = (UniqueConstraint("studio_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_window_days: Mapped[int] = mapped_column(default=14)
    cancel_window_hours: Mapped[int] = mapped_column(default=12)
    late_cancel: Mapped[str] = mapped_column(String(20), default="forfeit_credit")
    late_cancel_fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    no_show: Mapped[str] = mapped_column(String(20), default="forfeit_credit")
    no_show_fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    waitlist_mode: Mapped[str] = mapped_column(String(20), default="offer")
    waitlist_offer_minutes: Mapped[int] = mapped_column(default=30)
    fill_to_forgive: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_hours: Mapped[list[int]] = mapped_column(JSON, default=lambda: [24, 2])
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    # Fair rules (issue 11): staff may check in or waive a no-show until this many hours after
    # the class; only then is the no-show rule applied and the client told.
    no_show_review_hours: Mapped[int] = mapped_column(default=12)
    # No waitlist offers inside this many minutes before the class: the spot is left open to book.
    waitlist_cutoff_minutes: Mapped[int] = mapped_column(default=60)
    # Booking a class that overlaps one the client holds: allow | ask | refuse.
    overlap_rule: Mapped[str] = mapped_column(String(10), default="ask")
    # Intro leads (issue 6): working hours count the time owners and instructors have to answer.
    lead_match_hours: Mapped[int | None] = mapped_column(default=4)
    instructor_reply_hours: Mapped[int | None] = mapped_column(default=2)
    working_start: Mapped[time | None] = mapped_column(Time, default=time(7))
    working_end: Mapped[time | None] = mapped_column(Time, default=time(20))
    # Arrivals (issue 13): doors close this many minutes after the start (None: no rule);
    # clients may check themselves in by text from ``check_in_opens_minutes`` before the start.
    late_arrival_minutes: Mapped[int | None] = mapped_column(default=None)
    self_check_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    check_in_opens_minutes: Mapped[int] = mapped_column(default=30, server_default="30")
    # Staff inbox (issue 16): a taken-over conversation goes back to the bot after this many
    # minutes without a staff reply.
    human_idle_minutes: Mapped[int] = mapped_column(default=60, server_default="60")
    # Privacy (issue 17): an erasure asked for by text (and confirmed YES) is carried out by
    # "staff" from the client's profile, or "auto" at once by the bot.
    erasure_by_text: Mapped[str] = mapped_column(String(10), default="staff", server_default="staff")


class Location(StudioScoped, Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("studio_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    timezone: Mapped[str] = mapped_column(String(64))


class Staff(StudioScoped, Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("studio_id", "key"), Index("ix_staff_phone", "studio_id", "phone"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # part of every sign-in cookie; bumped by sign-out and password changes, which ends every
    # session signed in before (issue 14)
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")


class Client(StudioScoped, Base):
    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("studio_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    sms_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    whatsapp_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_whatsapp_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    # when this client's data was erased (issue 17): the row stays, anonymised, so the ledger,
    # payments and past bookings still add up; see app.booking.privacy
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def opted_out(self, channel: str) -> bool:
        return (self.whatsapp_opted_out_at if channel == "whatsapp" else self.sms_opted_out_at) is not None


class ClassType(StudioScoped, Base):
    __tablename__ = "class_types"
    __table_args__ = (UniqueConstraint("studio_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20), default="class")
    duration_min: Mapped[int] = mapped_column(default=60)
    capacity: Mapped[int] = mapped_column(default=10)
    credits: Mapped[int] = mapped_column(default=1)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Schedule(StudioScoped, Base):
    """A weekly timetable line: ``class_type`` at ``start_time`` local on ``weekdays``."""

    __tablename__ = "schedules"
    __table_args__ = (
        same_studio("class_type_id", "class_types"),
        same_studio("location_id", "locations"),
        same_studio("instructor_id", "staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200))
    class_type_id: Mapped[int] = mapped_column(index=True)
    location_id: Mapped[int] = mapped_column()
    instructor_id: Mapped[int | None] = mapped_column()
    weekdays: Mapped[str] = mapped_column(String(40))  # "mon,wed,fri"
    start_time: Mapped[time] = mapped_column(Time)
    duration_min: Mapped[int | None] = mapped_column()
    capacity: Mapped[int | None] = mapped_column()
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    class_type: Mapped[ClassType] = relationship(foreign_keys=[class_type_id])
    location: Mapped[Location] = relationship(foreign_keys=[location_id])
    instructor: Mapped[Staff | None] = relationship(foreign_keys=[instructor_id])

    @property
    def days(self) -> list[str]:
        return [d for d in self.weekdays.split(",") if d]


class Availability(StudioScoped, Base):
    """Hours an instructor takes 1:1 appointments at a location, weekly."""

    __tablename__ = "availability"
    __table_args__ = (same_studio("staff_id", "staff"), same_studio("location_id", "locations"))

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(index=True)
    location_id: Mapped[int] = mapped_column()
    weekday: Mapped[int] = mapped_column()  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])
    location: Mapped[Location] = relationship(foreign_keys=[location_id])


class ClassSession(StudioScoped, Base):
    """One dated occurrence of a class, or one 1:1 appointment."""

    __tablename__ = "class_sessions"
    __table_args__ = (
        same_studio("class_type_id", "class_types"),
        same_studio("location_id", "locations"),
        same_studio("instructor_id", "staff"),
        same_studio("schedule_id", "schedules"),
        UniqueConstraint("schedule_id", "occurs_on"),
        Index("ix_class_sessions_start", "studio_id", "starts_at"),
        Index("ix_class_sessions_instructor", "instructor_id", "starts_at"),
        # the due-work tick, across studios: reminders by start, no-show reviews by end, moves
        Index(
            "ix_class_sessions_due_start",
            "starts_at",
            postgresql_where=text("status = 'scheduled'"),
            sqlite_where=text("status = 'scheduled'"),
        ),
        Index(
            "ix_class_sessions_due_end",
            "ends_at",
            postgresql_where=text("status = 'scheduled'"),
            sqlite_where=text("status = 'scheduled'"),
        ),
        Index(
            "ix_class_sessions_moved",
            "moved_at",
            postgresql_where=text("moved_at IS NOT NULL"),
            sqlite_where=text("moved_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_type_id: Mapped[int] = mapped_column()
    location_id: Mapped[int] = mapped_column()
    instructor_id: Mapped[int | None] = mapped_column()
    schedule_id: Mapped[int | None] = mapped_column()
    occurs_on: Mapped[date | None] = mapped_column(Date)  # the schedule's local date
    kind: Mapped[str] = mapped_column(String(20), default="class")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled | cancelled
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    moved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last moved by the studio (issue 5)
    move_count: Mapped[int] = mapped_column(default=0, server_default="0")  # moves so far: a text's version
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    class_type: Mapped[ClassType] = relationship(foreign_keys=[class_type_id])
    location: Mapped[Location] = relationship(foreign_keys=[location_id])
    instructor: Mapped[Staff | None] = relationship(foreign_keys=[instructor_id])
    schedule: Mapped[Schedule | None] = relationship(foreign_keys=[schedule_id])


class Package(StudioScoped, Base):
    __tablename__ = "packages"
    __table_args__ = (UniqueConstraint("studio_id", "key"), same_studio("class_type_id", "class_types"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    credits: Mapped[int | None] = mapped_column()  # None: unlimited while valid
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    valid_days: Mapped[int | None] = mapped_column()
    class_type_id: Mapped[int | None] = mapped_column()  # None: any class
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ClientPackage(StudioScoped, Base):
    """A package a client holds: a pack of credits or a membership, valid for a while."""

    __tablename__ = "client_packages"
    __table_args__ = (
        same_studio("client_id", "clients"),
        same_studio("package_id", "packages"),
        same_studio("class_type_id", "class_types"),
        Index(
            "ix_client_packages_expires",
            "expires_at",
            postgresql_where=text("expires_at IS NOT NULL"),
            sqlite_where=text("expires_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(index=True)
    package_id: Mapped[int | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    unlimited: Mapped[bool] = mapped_column(Boolean, default=False)
    class_type_id: Mapped[int | None] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(40), default="admin")
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | refunded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    client: Mapped[Client] = relationship(foreign_keys=[client_id])
    package: Mapped[Package | None] = relationship(foreign_keys=[package_id])


class Booking(StudioScoped, Base):
    __tablename__ = "bookings"
    __table_args__ = (
        same_studio("client_id", "clients"),
        same_studio("session_id", "class_sessions"),
        same_studio("client_package_id", "client_packages"),
        Index(
            "uq_bookings_active",
            "session_id",
            "client_id",
            unique=True,
            sqlite_where=text("status IN ('confirmed', 'attended', 'no_show')"),
            postgresql_where=text("status IN ('confirmed', 'attended', 'no_show')"),
        ),
        Index("ix_bookings_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(index=True)
    session_id: Mapped[int] = mapped_column()
    client_package_id: Mapped[int | None] = mapped_column()
    # confirmed | cancelled | late_cancelled | attended | no_show
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    credits_spent: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(20), default="sms")
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    penalty_waived: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the no-show review settled this booking (the rule applied, or waived): once.
    no_show_settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship(foreign_keys=[client_id])
    session: Mapped[ClassSession] = relationship(foreign_keys=[session_id])
    client_package: Mapped[ClientPackage | None] = relationship(foreign_keys=[client_package_id])


class WaitlistEntry(StudioScoped, Base):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        same_studio("client_id", "clients"),
        same_studio("session_id", "class_sessions"),
        same_studio("booking_id", "bookings"),
        Index(
            "uq_waitlist_open",
            "session_id",
            "client_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'offered')"),
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
        Index("ix_waitlist_session_status", "session_id", "status"),
        Index(
            "ix_waitlist_offered",
            "offer_expires_at",
            postgresql_where=text("status = 'offered'"),
            sqlite_where=text("status = 'offered'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column()
    client_id: Mapped[int] = mapped_column(index=True)
    # waiting | offered | claimed | expired | left | skipped | closed
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the offer text actually went out: the claim window runs from here (quiet hours may
    # hold it back); None while it waits, and the spot is held meanwhile.
    offer_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booking_id: Mapped[int | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(300))

    client: Mapped[Client] = relationship(foreign_keys=[client_id])
    session: Mapped[ClassSession] = relationship(foreign_keys=[session_id])


class CreditEntry(StudioScoped, Base):
    """One line of the append-only credits ledger; balances are sums of these.

    ``credits`` is signed (grant +10, spend -1, refund +1). ``amount`` is money owed
    (a fee) or waived (negative), in the studio's currency.
    kinds: grant | spend | refund | expire | forfeit | fee | fee_waived | adjust
    """

    __tablename__ = "credit_ledger"
    __table_args__ = (
        same_studio("client_id", "clients"),
        same_studio("client_package_id", "client_packages"),
        same_studio("booking_id", "bookings"),
        Index("ix_credit_ledger_client", "client_id", "client_package_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column()
    client_package_id: Mapped[int | None] = mapped_column()
    booking_id: Mapped[int | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    credits: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    note: Mapped[str | None] = mapped_column(String(300))
    actor: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class BookingRequest(StudioScoped, Base):
    """A request for an instructor-led or 1:1 session, with preferred times."""

    __tablename__ = "booking_requests"
    __table_args__ = (
        same_studio("client_id", "clients"),
        same_studio("class_type_id", "class_types"),
        same_studio("staff_id", "staff"),
        same_studio("location_id", "locations"),
        same_studio("session_id", "class_sessions"),
        same_studio("lead_id", "leads"),
        Index(
            "ix_booking_requests_proposed",
            "respond_by",
            postgresql_where=text("status = 'proposed'"),
            sqlite_where=text("status = 'proposed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(index=True)
    class_type_id: Mapped[int] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column()
    location_id: Mapped[int | None] = mapped_column()
    lead_id: Mapped[int | None] = mapped_column()
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    proposed_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime)  # no answer by then: next options
    # open | proposed | accepted | declined | booked | cancelled
    status: Mapped[str] = mapped_column(String(20), default="open")
    session_id: Mapped[int | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class IntroOffer(StudioScoped, Base):
    __tablename__ = "intro_offers"
    __table_args__ = (UniqueConstraint("studio_id", "key"), same_studio("class_type_id", "class_types"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    class_type_id: Mapped[int] = mapped_column()
    sessions: Mapped[int] = mapped_column(default=1)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Lead(StudioScoped, Base):
    __tablename__ = "leads"
    __table_args__ = (
        same_studio("intro_offer_id", "intro_offers"),
        same_studio("client_id", "clients"),
        same_studio("staff_id", "staff"),
        Index("ix_leads_open", "paid_at", postgresql_where=text(OPEN_LEADS), sqlite_where=text(OPEN_LEADS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    goals: Mapped[str | None] = mapped_column(Text)
    intro_offer_id: Mapped[int | None] = mapped_column()
    client_id: Mapped[int | None] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column()
    # new | paid | preferences | matched | booked | attended | converted | lost
    status: Mapped[str] = mapped_column(String(20), default="new")
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ------------------------------------------------------------------------ messaging


class Conversation(StudioScoped, Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("studio_id", "phone", "channel"), same_studio("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[int | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(40), default="idle")
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    # The staff inbox (issue 16): a text a person should read (a hand-off, a dispute, one the
    # bot could not read, one not in English) sets the flag and why; staff clear it.
    needs_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    flag_reason: Mapped[str | None] = mapped_column(String(120))
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # staff last opened the thread
    # Human takeover: while ``human_until`` is in the future the bot only logs and flags inbound
    # texts; each staff reply moves it on by the studio's idle time; "Hand back" clears it.
    human_by: Mapped[str | None] = mapped_column(String(200))
    human_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(StudioScoped, Base):
    """The message log: every text in or out, per studio."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("studio_id", "provider_sid"),
        same_studio("conversation_id", "conversations"),
        same_studio("client_id", "clients"),
        Index("ix_messages_thread", "studio_id", "phone", "created_at"),
        # the slow path's waiting messages (reply ""), found by the due-work tick across studios
        Index(
            "ix_messages_waiting",
            "created_at",
            postgresql_where=text("direction = 'in' AND reply = ''"),
            sqlite_where=text("direction = 'in' AND reply = ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column()
    client_id: Mapped[int | None] = mapped_column()
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    channel: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(32))  # the other party
    from_addr: Mapped[str] = mapped_column(String(48))
    to_addr: Mapped[str] = mapped_column(String(48))
    body: Mapped[str] = mapped_column(Text)
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    reply: Mapped[str | None] = mapped_column(Text)  # the answer given to an inbound, for replays
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class OutboxMessage(StudioScoped, Base):
    """A message to send later or to someone else: a row first, then a job sends it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("studio_id", "dedupe_key"),
        same_studio("client_id", "clients"),
        same_studio("staff_id", "staff"),
        Index("ix_outbox_due", "status", "send_after"),
        # delivery claims due rows across studios, and one studio's after a turn (issue 15)
        Index(
            "ix_outbox_pending",
            "send_after",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_outbox_studio_pending",
            "studio_id",
            "send_after",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    to_addr: Mapped[str] = mapped_column(String(48))
    from_addr: Mapped[str | None] = mapped_column(String(48))
    body: Mapped[str] = mapped_column(Text)
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    client_id: Mapped[int | None] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column()
    # pending | sending | sent | delivered | undelivered | failed | skipped | expired
    status: Mapped[str] = mapped_column(String(20), default="pending")
    send_after: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_message: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the turn (webhook, request, tick) that wrote the row, so its delivery logs the same id (issue 17)
    turn_id: Mapped[str | None] = mapped_column(String(32))
    # What the text is about, re-checked just before it goes ("booking:12",
    # "waitlist_entry:5", "session:7", "payment:3"): a text no longer true is dropped.
    about: Mapped[str | None] = mapped_column(String(64))


class AuditLog(StudioScoped, Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


# ------------------------------------------------------- admin setup (issue 5)

# (admin setup models go here)


# ----------------------------------------------------- admin clients (issue 5)


class ClientImport(StudioScoped, Base):
    """A CSV import of existing clients, processed in batches by a job.

    ``rows`` holds the parsed file (line, name, phone, email, notes) so a worker needs
    only the id; ``done`` advances with each committed batch, together with the clients
    that batch created, so the progress shown is the truth and a rerun resumes.
    ``errors`` is a list of ``{line, value, reason}`` for the rows that were skipped.
    """

    __tablename__ = "client_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    # queued | running | done | failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(2))  # for national numbers in the file
    actor: Mapped[str | None] = mapped_column(String(200))
    failure: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ---------------------------------------------------- admin calendar (issue 5)

# (admin calendar models go here)


# ---------------------------------------------------------- payments (issue 6)

PAYMENT_KINDS = ("package", "intro_offer", "fee")
PAYMENT_STATUSES = ("open", "paid", "expired", "refunded", "partially_refunded")


class Payment(StudioScoped, Base):
    """Money asked of a client: a package, an intro offer or a fee, paid through Stripe Checkout.

    ``checkout_url`` is the short link on this server that is texted (it redirects to the
    Stripe Checkout page, or the demo page without Stripe keys); ``stripe_url`` is Stripe's own
    long URL. ``item_name`` and ``amount`` are kept as sold, so a payment survives its package.
    """

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("token"),
        UniqueConstraint("stripe_checkout_id"),
        same_studio("package_id", "packages"),
        same_studio("intro_offer_id", "intro_offers"),
        same_studio("client_id", "clients"),
        same_studio("lead_id", "leads"),
        same_studio("booking_id", "bookings"),
        same_studio("client_package_id", "client_packages"),
        Index("ix_payments_intent", "stripe_payment_intent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    package_id: Mapped[int | None] = mapped_column()
    intro_offer_id: Mapped[int | None] = mapped_column()
    client_id: Mapped[int | None] = mapped_column(index=True)
    lead_id: Mapped[int | None] = mapped_column()
    booking_id: Mapped[int | None] = mapped_column()
    client_package_id: Mapped[int | None] = mapped_column()  # what a package payment granted
    item_name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    amount_refunded: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    application_fee: Mapped[int | None] = mapped_column()  # minor units, Connect only
    status: Mapped[str] = mapped_column(String(24), default="open")
    token: Mapped[str] = mapped_column(String(64))
    checkout_url: Mapped[str] = mapped_column(String(500))
    stripe_url: Mapped[str | None] = mapped_column(Text)
    stripe_checkout_id: Mapped[str | None] = mapped_column(String(255))
    stripe_payment_intent: Mapped[str | None] = mapped_column(String(255))
    stripe_account: Mapped[str | None] = mapped_column(String(255))  # the connected account charged
    attempts: Mapped[int] = mapped_column(default=0)  # Checkout Sessions made for it
    needs_attention: Mapped[bool] = mapped_column(Boolean, default=False)
    attention_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client | None] = relationship(foreign_keys=[client_id])


class StripeEvent(StudioScoped, Base):
    """A Stripe event already handled for this studio: the guard that makes webhooks idempotent."""

    __tablename__ = "stripe_events"
    __table_args__ = (UniqueConstraint("studio_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(100))  # the event type
    payment_id: Mapped[int | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


# ------------------------------------------------------- intro leads (issue 6)


class LeadMatch(StudioScoped, Base):
    """One question to the owners and managers: who should take this lead, and when.

    ``options`` are the numbered choices texted (``[{"staff_id", "location_id",
    "starts_at"}]``, UTC ISO); an owner's "2" picks from the newest open question.
    status: open | answered | closed (superseded or the lead was matched elsewhere).
    """

    __tablename__ = "lead_matches"
    __table_args__ = (same_studio("lead_id", "leads"), Index("ix_lead_matches_status", "studio_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(index=True)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")
    answered_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ------------------------------------------------------------------ privacy (issue 17)

DATA_REQUEST_KINDS = ("export", "erasure")
# pending: asked by text, waiting for staff (erasure) | done | cancelled
DATA_REQUEST_STATUSES = ("pending", "done", "cancelled")


class DataRequest(StudioScoped, Base):
    """A client's request to see (export) or erase their data, and its outcome.

    An export asked for by text carries a one-time link: ``token_hash`` is the SHA-256 of
    the random token texted (the token itself is never stored), valid until ``expires_at``
    and spent at ``used_at``. ``client_id`` is kept after an erasure (it points at the
    anonymised row), so the request stays as evidence that it was honoured.
    """

    __tablename__ = "data_requests"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        same_studio("client_id", "clients"),
        Index("ix_data_requests_client", "studio_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    source: Mapped[str] = mapped_column(String(20))  # admin | sms | whatsapp
    token_hash: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SuppressedPhone(StudioScoped, Base):
    """A number this studio must not text first: the phone of an erased client.

    ``phone_hash`` is SHA-256 of ``"<studio id>:<E.164>"`` (``app.booking.privacy.phone_hash``),
    so the list can answer "is this number suppressed?" without holding the number, and the
    same number at two studios gives two unrelated hashes. ``lifted_at`` is set when the
    person opts in anew (START) or opts out by STOP (then the opt-out governs).
    """

    __tablename__ = "suppressed_phones"
    __table_args__ = (UniqueConstraint("studio_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40), default="erasure")  # why it is suppressed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_why: Mapped[str | None] = mapped_column(String(60))


def _add_studio_id_keys() -> None:
    """Every scoped table gets UNIQUE (studio_id, id), the target of ``same_studio`` keys."""
    for mapper in Base.registry.mappers:
        if issubclass(mapper.class_, StudioScoped):
            table = mapper.local_table
            assert isinstance(table, Table), "a declarative model maps one Table"
            table.append_constraint(UniqueConstraint("studio_id", "id", name=f"uq_{table.name}_studio_id_id"))


_add_studio_id_keys()

SCOPED_MODELS: tuple[type, ...] = tuple(
    sorted((m.class_ for m in Base.registry.mappers if issubclass(m.class_, StudioScoped)), key=lambda c: c.__name__)
)
