"""Onboarding: what a new studio's country implies, and the dashboard's first-steps checklist.

- ``COUNTRIES``: for each country offered at sign-up, its currency, how it writes dates
  (DMY or MDY) and its timezones (the first is the default). Sign-up fills the studio's
  currency and date order from the country; the owner may change either.
- ``checklist``: the steps from an empty studio to one clients can text, each ticked from
  the studio's own rows (nothing to remember or dismiss): a location, a class type, a
  weekly schedule, generated sessions, a Twilio number, Stripe, a try in the playground.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import ClassSession, ClassType, Location, Message, Schedule, Studio
from app.phones import studio_region


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    currency: str
    date_order: str  # DMY | MDY
    timezones: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country("GB", "United Kingdom", "GBP", "DMY", ("Europe/London",)),
    Country("IE", "Ireland", "EUR", "DMY", ("Europe/Dublin",)),
    Country(
        "US",
        "United States",
        "USD",
        "MDY",
        (
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Phoenix",
            "America/Los_Angeles",
            "America/Anchorage",
            "Pacific/Honolulu",
        ),
    ),
    Country(
        "CA",
        "Canada",
        "CAD",
        "DMY",
        (
            "America/Toronto",
            "America/Vancouver",
            "America/Edmonton",
            "America/Winnipeg",
            "America/Halifax",
            "America/St_Johns",
        ),
    ),
    Country(
        "AU",
        "Australia",
        "AUD",
        "DMY",
        (
            "Australia/Sydney",
            "Australia/Melbourne",
            "Australia/Brisbane",
            "Australia/Adelaide",
            "Australia/Perth",
            "Australia/Hobart",
            "Australia/Darwin",
        ),
    ),
    Country("NZ", "New Zealand", "NZD", "DMY", ("Pacific/Auckland",)),
    Country("FR", "France", "EUR", "DMY", ("Europe/Paris",)),
    Country("DE", "Germany", "EUR", "DMY", ("Europe/Berlin",)),
    Country("ES", "Spain", "EUR", "DMY", ("Europe/Madrid", "Atlantic/Canary")),
    Country("IT", "Italy", "EUR", "DMY", ("Europe/Rome",)),
    Country("NL", "Netherlands", "EUR", "DMY", ("Europe/Amsterdam",)),
    Country("PT", "Portugal", "EUR", "DMY", ("Europe/Lisbon",)),
    Country("SE", "Sweden", "SEK", "DMY", ("Europe/Stockholm",)),
    Country("DK", "Denmark", "DKK", "DMY", ("Europe/Copenhagen",)),
    Country("NO", "Norway", "NOK", "DMY", ("Europe/Oslo",)),
    Country("CH", "Switzerland", "CHF", "DMY", ("Europe/Zurich",)),
    Country("ZA", "South Africa", "ZAR", "DMY", ("Africa/Johannesburg",)),
    Country("AE", "United Arab Emirates", "AED", "DMY", ("Asia/Dubai",)),
    Country("SG", "Singapore", "SGD", "DMY", ("Asia/Singapore",)),
    Country("IN", "India", "INR", "DMY", ("Asia/Kolkata",)),
)
BY_CODE = {c.code: c for c in COUNTRIES}
CURRENCIES = tuple(sorted({c.currency for c in COUNTRIES}))
DATE_ORDERS = (("DMY", "Day first (25/11, 18:00)"), ("MDY", "Month first (11/25, 6pm)"))


def country_for_timezone(timezone: str) -> Country | None:
    return next((c for c in COUNTRIES if timezone in c.timezones), None)


def suggest_key(name: str) -> str:
    """A studio's short name for links, from its name: ``"Harbour Pilates & Barre"`` -> ``harbour-pilates-barre``."""
    return re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")[:40].strip("-")


def example_phone(studio: Studio) -> str:
    """A mobile number in the studio's country, as a placeholder (``+1 201-555-0123``)."""
    region = studio_region(studio) or "GB"
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return "+44 7700 900301"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --------------------------------------------------------------------------- the checklist


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    hint: str
    url: str
    done: bool


def _some(session: Session, query) -> bool:
    return (session.scalar(select(func.count()).select_from(query.limit(1).subquery())) or 0) > 0


def checklist(session: Session, studio: Studio) -> list[Step]:
    """The first steps, in order, each linking to its page and ticked from the studio's rows."""
    played = _some(session, select(Message.id).where(Message.provider_sid.like("PG%")))
    return [
        Step(
            "location",
            "Add a location",
            "Where classes happen; it takes your studio's timezone.",
            url_for("setup_locations.create_view"),
            _some(session, select(Location.id)),
        ),
        Step(
            "class_type",
            "Add a class type",
            "What you teach: name, length, capacity, credits.",
            url_for("setup_class_types.create_view"),
            _some(session, select(ClassType.id)),
        ),
        Step(
            "schedule",
            "Set a weekly schedule",
            "Which class runs when, every week.",
            url_for("setup_schedules.create_view"),
            _some(session, select(Schedule.id)),
        ),
        Step(
            "sessions",
            "Generate sessions",
            "Turn the weekly schedule into dated classes clients can book.",
            url_for("setup_schedules.index_view"),
            _some(session, select(ClassSession.id)),
        ),
        Step(
            "twilio",
            "Connect your Twilio numbers",
            "The SMS (and WhatsApp) number clients text.",
            url_for("setup_studio.index") + "#numbers",
            bool(studio.sms_number or studio.whatsapp_number),
        ),
        Step(
            "stripe",
            "Connect Stripe",
            "So clients can pay for packs and intro offers by link.",
            url_for("admin_payments.index"),
            bool(studio.stripe_account_id),
        ),
        Step(
            "playground",
            "Try the bot in the playground",
            "Text it as a client would: \u201cbook yoga tomorrow 6pm\u201d.",
            url_for("admin_playground.index"),
            played,
        ),
    ]
