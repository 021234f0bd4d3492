"""``frontdesk simulate``: a scripted day at a studio on a throwaway database.

The clock is frozen and moved only by the script. Moving it runs the work that falls
due on the way, in time order (offer expiry, reminders, sweeps, outbox delivery), so a
script sees the same texts a real deployment would send, at the times it would send them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select

from app import clock
from app.booking import credits, leads, waitlist
from app.booking.rows import row
from app.booking.schedules import generate_for_studios
from app.clock import FrozenClock
from app.config import Settings
from app.conversation.engine import Inbound, handle_inbound
from app.db import Database
from app.fixtures import load_fixture
from app.migrate import upgrade
from app.models import (
    OPEN_WAITLIST,
    Booking,
    ClassSession,
    ClassType,
    Client,
    IntroOffer,
    Lead,
    Location,
    OutboxMessage,
    Policy,
    Staff,
    Studio,
    WaitlistEntry,
)
from app.payments.checkout import start_checkout
from app.payments.fulfil import complete_payment
from app.phones import InvalidPhone, studio_region, to_e164
from jobs.due import run_due
from jobs.leads import due_points


class ScriptError(ValueError):
    pass


def parse_instant(value: str, field: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ScriptError(f"{field}: {value!r} is not an ISO time") from exc
    if at.tzinfo is None:
        raise ScriptError(f"{field}: {value!r} has no UTC offset")
    return at


class Simulator:
    def __init__(
        self, fixture: Path, now: datetime, emit: Callable[[dict], None], *, database: Database | None = None
    ) -> None:
        """A throwaway SQLite database, or ``database`` (empty and migrated: the tests run the
        same scripts on PostgreSQL this way; it is left open for the caller)."""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        # a throwaway world: payment links open the labelled demo checkout unless Stripe keys are set
        os.environ.setdefault("FRONTDESK_DEMO_PAYMENTS", "1")
        if has_app_context() and isinstance(current_app.config.get("FRONTDESK"), Settings):
            current_app.config["FRONTDESK"].demo_payments = True  # the CLI's app was made before
        if database is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="frontdesk-sim-")
            url = f"sqlite:///{Path(self._tmp.name) / 'sim.db'}"
            upgrade(url)
            database = Database(url)
        self.db = database
        self.clock = FrozenClock(now)
        self._previous = clock.install(self.clock)
        self.emit = emit
        self.seen_outbox: set[int] = set()
        self.sid = 0
        load_fixture(self.db, fixture)
        generate_for_studios(self.db)
        with self.db.unscoped() as s:
            self.studios = {st.id: (st.key, st.timezone) for st in s.scalars(select(Studio))}

    def close(self) -> None:
        clock.install(self._previous)
        if self._tmp is not None:
            self.db.dispose()
            self._tmp.cleanup()

    # ------------------------------------------------------------------ time
    def tick(self, target: datetime) -> None:
        """Move the clock to ``target``, stopping at every moment work falls due."""
        if target < self.clock.now():
            raise ScriptError(f"time goes backwards: {target.isoformat()} is before {self.clock.now().isoformat()}")
        self.run_due()
        while True:
            nxt = self._next_due(self.clock.now(), target)
            if nxt is None:
                break
            self.clock.set(nxt)
            self.run_due()
        self.clock.set(target)
        self.run_due()

    def _next_due(self, after: datetime, until: datetime) -> datetime | None:
        points: list[datetime] = []
        with self.db.system("simulator: what falls due next") as s:
            expiries = s.scalars(
                select(WaitlistEntry.offer_expires_at).where(
                    WaitlistEntry.status == "offered",
                    WaitlistEntry.offer_expires_at > after,
                    WaitlistEntry.offer_expires_at <= until,
                )
            )
            points += [at for at in expiries if at is not None]  # never None: compared above
            points += s.scalars(
                select(OutboxMessage.send_after).where(
                    OutboxMessage.status.in_(("pending", "deferred")),
                    OutboxMessage.send_after > after,
                    OutboxMessage.send_after <= until,
                )
            ).all()
            booked = (
                select(ClassSession.starts_at, ClassSession.ends_at, ClassSession.studio_id)
                .join(Booking, Booking.session_id == ClassSession.id)
                .where(
                    Booking.status.in_(("confirmed", "no_show")),
                    Booking.no_show_settled_at.is_(None),
                    ClassSession.status == "scheduled",
                    ClassSession.starts_at > after - timedelta(days=8),
                    ClassSession.starts_at <= until + timedelta(days=3),
                )
            )
            hours = _reminder_hours(s)
            review = {p.studio_id: p.no_show_review_hours for p in s.scalars(select(Policy))}
            for starts_at, ends_at, studio_id in s.execute(booked):
                for h in hours.get(studio_id, [24, 2]):
                    points.append(starts_at - timedelta(hours=h))
                points.append(ends_at + timedelta(minutes=15))
                points.append(ends_at + timedelta(hours=review.get(studio_id, 12)))  # the no-show review closes
            points += _lead_points(s, after, until)
        day = after.date()
        while datetime.combine(day, datetime.min.time(), after.tzinfo) <= until:
            for _, tz in self.studios.values():
                local = datetime.combine(day, datetime.min.time()).replace(hour=7, tzinfo=ZoneInfo(tz))
                points.append(local)
            day += timedelta(days=1)
        future = [p for p in points if p is not None and after < p <= until]
        return min(future) if future else None

    def run_due(self) -> None:
        run_due(self.db)
        self._emit_sent()

    def _emit_sent(self) -> None:
        with self.db.system("simulator: report texts sent") as s:
            rows = s.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status.in_(("sent", "delivered")), OutboxMessage.id.not_in(self.seen_outbox or {0})
                )
                .order_by(OutboxMessage.sent_at, OutboxMessage.id)
            ).all()
            for row in rows:
                self.seen_outbox.add(row.id)
                tz = ZoneInfo(self.studios[row.studio_id][1])
                self.emit(
                    {
                        "at": (row.sent_at or self.clock.now()).astimezone(tz).isoformat(),
                        "from": row.from_addr,
                        "to": row.to_addr,
                        "channel": row.channel,
                        "body": row.body,
                        "kind": row.kind,
                    }
                )

    # ------------------------------------------------------------------ messages
    def message(self, line: dict) -> None:
        for key in ("from", "to", "body"):
            if not isinstance(line.get(key), str):
                raise ScriptError(f"message line needs a string {key!r}: {line}")
        channel = line.get("channel", "sms")
        if channel not in ("sms", "whatsapp"):
            raise ScriptError(f"channel must be sms or whatsapp: {line}")
        if "at" in line:
            self.tick(parse_instant(line["at"], "at"))
        self.sid += 1
        prefix = "whatsapp:" if channel == "whatsapp" else ""
        sender = line["from"] if line["from"].startswith(prefix) else prefix + line["from"]
        to = line["to"] if line["to"].startswith(prefix) else prefix + line["to"]
        inbound = Inbound(channel, sender, to, line["body"], f"SM{self.sid:032d}", button_payload=line.get("button"))
        handled = handle_inbound(self.db, inbound)
        tz = ZoneInfo(self.studios[handled.studio_id][1])
        at = self.clock.now().astimezone(tz).isoformat()
        self.emit({"at": at, "from": sender, "to": to, "channel": channel, "body": line["body"], "kind": "inbound"})
        for reply in handled.replies:
            self.emit({"at": at, "from": to, "to": sender, "channel": channel, "body": reply, "kind": "reply"})
        self.run_due()

    # ------------------------------------------------------------------ intro offers (issue 6)
    def pay(self, line: dict) -> None:
        """``{"pay": {"studio", "phone", "name", "offer", "email"?, "goals"?}, "at"?}``: a prospect
        fills the intro page and pays: the lead, its checkout and its completed payment."""

        spec = line["pay"]
        if not isinstance(spec, dict):
            raise ScriptError(f"pay needs an object: {line}")
        for key in ("studio", "phone", "name", "offer"):
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                raise ScriptError(f"pay line needs a string {key!r}: {line}")
        studio_id = next((sid for sid, (key, _) in self.studios.items() if key == spec["studio"]), None)
        if studio_id is None:
            raise ScriptError(f"pay: no studio {spec['studio']!r}")
        if "at" in line:
            self.tick(parse_instant(line["at"], "at"))
        with self.db.studio(studio_id) as s:
            offer = s.scalars(select(IntroOffer).where(IntroOffer.key == spec["offer"])).first()
            if offer is None or not offer.active:
                raise ScriptError(f"pay: studio {spec['studio']!r} has no active offer {spec['offer']!r}")
            try:
                phone = to_e164(spec["phone"], studio_region(row(s, Studio, studio_id)))
            except InvalidPhone as exc:
                raise ScriptError(f"pay: {exc}") from exc
            lead = leads.create_lead(
                s, offer, leads.LeadForm(spec["name"], phone, spec.get("email"), spec.get("goals"))
            )
            payment = start_checkout(s, item=offer, lead_id=lead.id)
            complete_payment(s, payment.id, provider_ref=f"sim_{payment.id}")
        self.run_due()

    # ------------------------------------------------------------------ state
    def state(self) -> dict:
        bookings, entries, balances, leads = [], [], {}, []
        for studio_id, (key, tz_name) in self.studios.items():
            tz = ZoneInfo(tz_name)
            with self.db.studio(studio_id) as s:
                rows = s.execute(
                    select(Booking, Client.phone, ClassType.name, ClassSession.starts_at, Location.name)
                    .join(Client, Client.id == Booking.client_id)
                    .join(ClassSession, ClassSession.id == Booking.session_id)
                    .join(ClassType, ClassType.id == ClassSession.class_type_id)
                    .join(Location, Location.id == ClassSession.location_id)
                    .order_by(ClassSession.starts_at, Booking.id)
                )
                for b, phone, cls, start, loc in rows:
                    bookings.append(
                        {
                            "studio": key,
                            "phone": phone,
                            "class": cls,
                            "start": start.astimezone(tz).isoformat(),
                            "location": loc,
                            "status": b.status,
                        }
                    )
                waiting = s.execute(
                    select(WaitlistEntry, Client.phone, ClassType.name, ClassSession.starts_at)
                    .join(Client, Client.id == WaitlistEntry.client_id)
                    .join(ClassSession, ClassSession.id == WaitlistEntry.session_id)
                    .join(ClassType, ClassType.id == ClassSession.class_type_id)
                    .order_by(ClassSession.starts_at, WaitlistEntry.id)
                )
                for w, phone, cls, start in waiting:
                    open_ = w.status in OPEN_WAITLIST
                    entries.append(
                        {
                            "studio": key,
                            "phone": phone,
                            "class": cls,
                            "start": start.astimezone(tz).isoformat(),
                            "position": waitlist.position(s, w) if open_ else None,
                            "status": w.status,
                        }
                    )
                for client in s.scalars(select(Client).order_by(Client.id)):
                    balances[f"{key}:{client.phone}"] = credits.balance(s, client.id).credits
                leads += _leads_state(s, key)
        return {"state": {"bookings": bookings, "waitlist": entries, "credits": balances, "leads": leads}}


def run(
    fixture: Path,
    now: datetime,
    lines: Iterable[str],
    emit: Callable[[dict], None],
    *,
    database: Database | None = None,
) -> None:
    sim = Simulator(fixture, now, emit, database=database)
    try:
        for number, raw in enumerate(lines, 1):
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            try:
                line = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ScriptError(f"script line {number}: not JSON ({exc.msg})") from exc
            if "tick" in line:
                sim.tick(parse_instant(line["tick"], f"line {number} tick"))
            elif "pay" in line:
                sim.pay(line)
            else:
                sim.message(line)
        emit(sim.state())
    finally:
        sim.close()


def _leads_state(session, studio_key: str) -> list[dict]:
    """Intro leads as the script left them: status, instructor, preferences."""

    rows = session.execute(select(Lead, Staff.name).outerjoin(Staff, Staff.id == Lead.staff_id).order_by(Lead.id))
    return [
        {
            "studio": studio_key,
            "phone": lead.phone,
            "name": lead.name,
            "status": lead.status,
            "instructor": staff,
            "preferences": {
                k: v for k, v in (lead.preferences or {}).items() if k in ("location", "days", "windows", "goals")
            },
        }
        for lead, staff in rows
    ]


def _lead_points(session, after: datetime, until: datetime) -> list[datetime]:

    return due_points(session, after, until)


def _reminder_hours(session) -> dict[int, list[int]]:

    return {p.studio_id: list(p.reminder_hours or []) for p in session.scalars(select(Policy))}


__all__ = ["ScriptError", "Simulator", "run"]
