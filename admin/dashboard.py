"""The dashboard: how the studio is doing, from its own rows, in its own timezone.

Every figure is a grouped query over one studio's scope (a handful for the whole page):
today's classes with fill, this week's fill by class type, bookings made per day, no-shows,
waitlist offers claimed, packages and credits sold. Charts are drawn server-side as plain
HTML/CSS bars: no script, no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.onboarding import checklist
from admin.roles import can, require
from admin.today import next_class_day, today_classes
from app import clock
from app.booking.rows import row
from app.db import get_db
from app.models import (
    ACTIVE_BOOKING,
    Booking,
    ClassSession,
    ClassType,
    ClientPackage,
    CreditEntry,
    Payment,
    Studio,
    WaitlistEntry,
)

bp = Blueprint("admin_dashboard", __name__, url_prefix="/admin/dashboard", template_folder="templates")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    total: int = 0  # for rates: value of total
    hint: str = ""  # the full label, where the bar shows a short one
    mark: str = ""  # a one-letter tag above a short label (the weekday's initial over the day number)

    @property
    def percent(self) -> int:
        return round(100 * self.value / self.total) if self.total else 0


@dataclass(frozen=True)
class Figures:
    studio: Studio
    today: date
    classes: list[dict]
    fill_by_type: list[Bar]  # booked of capacity, this week's scheduled classes
    week_booked: int
    week_capacity: int
    bookings_per_day: list[Bar]  # last 14 days, oldest first
    no_shows_7: int
    no_shows_30: int
    attended_30: int
    offers: int
    offers_claimed: int
    credits_sold: int
    packs_sold: int
    memberships_sold: int
    money: Decimal | None  # paid through Frontdesk in the last 30 days, refunds taken off
    currency: str
    week_monday: date  # the week the fill figure is about: this one, or the next holding classes
    next_day: date | None = None  # no classes left today: the next day with classes
    next_classes: list[dict] | None = None

    @property
    def this_week(self) -> bool:
        """The figures are about the current week (not the next one holding classes)."""
        return self.week_monday == self.today - timedelta(days=self.today.weekday())

    @property
    def week_fill(self) -> int:
        return round(100 * self.week_booked / self.week_capacity) if self.week_capacity else 0

    @property
    def busiest_day(self) -> int:
        return max((b.value for b in self.bookings_per_day), default=0)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def figures(s: Session, studio_id: int) -> Figures:
    studio = row(s, Studio, studio_id)
    zone = ZoneInfo(studio.timezone)
    now = clock.now()
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    upcoming = next_class_day(s, zone)
    if upcoming is not None and upcoming - timedelta(days=upcoming.weekday()) > monday:
        monday = upcoming - timedelta(days=upcoming.weekday())  # none left this week: the next week's
    week_start, week_end = _midnight(monday, zone), _midnight(monday + timedelta(days=7), zone)

    # this week's fill by class type (cancelled classes are not capacity)
    booked = (
        select(Booking.session_id, func.count(Booking.id).label("n"))
        .where(Booking.status.in_(ACTIVE_BOOKING))
        .group_by(Booking.session_id)
        .subquery()
    )
    rows = s.execute(
        select(ClassType.name, func.coalesce(func.sum(booked.c.n), 0), func.sum(ClassSession.capacity))
        .join(ClassType, ClassType.id == ClassSession.class_type_id)
        .outerjoin(booked, booked.c.session_id == ClassSession.id)
        .where(
            ClassSession.status == "scheduled",
            ClassSession.kind == "class",
            ClassSession.starts_at >= week_start,
            ClassSession.starts_at < week_end,
        )
        .group_by(ClassType.name)
        .order_by(ClassType.name)
    ).all()
    fill = [Bar(name, int(n or 0), int(cap or 0)) for name, n, cap in rows]

    # bookings made per day, the last 14 days in the studio's calendar
    first = today - timedelta(days=13)
    made = s.scalars(
        select(Booking.booked_at).where(
            Booking.booked_at >= _midnight(first, zone), Booking.booked_at < _midnight(today + timedelta(days=1), zone)
        )
    )
    per_day = {first + timedelta(days=i): 0 for i in range(14)}
    for at in made:
        day = at.astimezone(zone).date()
        if day in per_day:
            per_day[day] += 1
    # two short lines (weekday initial over the day number) fit a bar even 14 abreast on a phone
    bookings_per_day = [Bar(str(d.day), n, hint=f"{d:%a} {d.day}", mark=f"{d:%a}"[0]) for d, n in per_day.items()]

    # no-shows (and attendance) of classes that started in the last 7 / 30 days
    def count_status(status: str, days: int) -> int:
        return (
            s.scalar(
                select(func.count(Booking.id))
                .join(ClassSession, ClassSession.id == Booking.session_id)
                .where(
                    Booking.status == status,
                    ClassSession.starts_at <= now,
                    ClassSession.starts_at > now - timedelta(days=days),
                )
            )
            or 0
        )

    # waitlist offers made in the last 30 days, and how many were claimed
    month_ago = now - timedelta(days=30)
    offers, claimed = s.execute(
        select(
            func.count(WaitlistEntry.id), func.count(WaitlistEntry.id).filter(WaitlistEntry.status == "claimed")
        ).where(WaitlistEntry.offered_at.is_not(None), WaitlistEntry.offered_at > month_ago)
    ).one()

    # packages sold (a studio package given to a client), credits they carried, money paid
    credits_sold = (
        s.scalar(
            select(func.coalesce(func.sum(CreditEntry.credits), 0))
            .join(ClientPackage, ClientPackage.id == CreditEntry.client_package_id)
            .where(
                CreditEntry.kind == "grant",
                ClientPackage.package_id.is_not(None),
                ClientPackage.status == "active",
                CreditEntry.created_at > month_ago,
            )
        )
        or 0
    )
    packs, memberships = s.execute(
        select(
            func.count(ClientPackage.id), func.count(ClientPackage.id).filter(ClientPackage.unlimited.is_(True))
        ).where(
            ClientPackage.package_id.is_not(None),
            ClientPackage.status == "active",
            ClientPackage.created_at > month_ago,
        )
    ).one()
    paid = s.execute(
        select(func.count(Payment.id), func.sum(Payment.amount - Payment.amount_refunded)).where(
            Payment.paid_at.is_not(None), Payment.paid_at > month_ago
        )
    ).one()

    week_booked, week_capacity = sum(b.value for b in fill), sum(b.total for b in fill)
    us = studio.date_order == "MDY"
    classes = today_classes(s, zone, today, us=us)
    next_day = upcoming if upcoming is not None and upcoming > today else None  # nothing left today
    return Figures(
        studio=studio,
        today=today,
        classes=classes,
        fill_by_type=fill,
        week_booked=week_booked,
        week_capacity=week_capacity,
        bookings_per_day=bookings_per_day,
        no_shows_7=count_status("no_show", 7),
        no_shows_30=count_status("no_show", 30),
        attended_30=count_status("attended", 30),
        offers=int(offers or 0),
        offers_claimed=int(claimed or 0),
        credits_sold=int(credits_sold),
        packs_sold=int(packs or 0) - int(memberships or 0),
        memberships_sold=int(memberships or 0),
        money=Decimal(paid[1]) if paid[0] else None,
        currency=studio.currency,
        week_monday=monday,
        next_day=next_day,
        next_classes=today_classes(s, zone, next_day, us=us) if next_day else None,
    )


def money(amount: Decimal, currency: str) -> str:
    symbol = {"GBP": "£", "USD": "$", "EUR": "€", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}.get(currency)
    value = f"{amount:,.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency}"


def render_dashboard():
    with get_db().studio(current_user.studio_id) as s:
        data = figures(s, current_user.studio_id)
        steps = checklist(s, data.studio) if can(current_user.role, "catalog") else []
    # front desk runs the day; what the studio takes in is for managers and the owner
    return render_template(
        "admin/dashboard.html",
        f=data,
        money=money,
        show_money=can(current_user.role, "refunds"),
        steps=steps if steps and not all(step.done for step in steps) else [],
        steps_done=sum(step.done for step in steps),
    )


@bp.get("/")
@require("dashboard")
def index():
    return render_dashboard()
