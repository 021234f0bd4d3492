"""Issue 11, "No-shows and fees": attendance before fees.

A client nobody checked in is an unconfirmed no-show until the studio's review window
(class end + ``no_show_review_hours``) closes: nothing is charged and nothing is texted
before then. Staff can check in or waive during it (core use cases and the admin roster);
the owner's digest lists who is pending. When it closes the rule applies once and the
client gets one text saying what happened and how to dispute it. Confirmations and
reminders name the studio's fees; a client disputing a charge is handed to a person.
Every test runs on SQLite and PostgreSQL (the ``db`` fixture).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app import simulate as sim
from app.booking import attendance, changes, credits
from app.booking import booking as svc
from app.booking.errors import NotCancellable
from app.models import AuditLog, Booking, Client, CreditEntry, OutboxMessage, Payment
from bot.replies import SMS_LIMIT, gsm7, gsm7_length
from jobs.digest import queue_digest
from tests.factories import grant_pack, local, make_client, make_session, make_studio
from tests.integration.test_admin_calendar import app, post, sign_in  # noqa: F401 (fixture)

LOTUS = Path(__file__).parents[1] / "data" / "lotus.toml"
SAM, PRIYA, JON, STUDIO, MAYA = "+447700900301", "+447700900302", "+447700900303", "+447700900100", "+447700900201"
LONDON = "Europe/London"


def sms_ok(body: str) -> bool:
    return gsm7(body) == body and gsm7_length(body) <= SMS_LIMIT


def fee_lotus(tmp_path: Path, **policy) -> Path:
    """lotus.toml with a no-show fee of £15, a late-cancel fee of £10 and a 13 h review window
    (a Wednesday 18:00 class ends 19:00: its window closes Thursday 08:00, after the digest)."""
    settings = {
        "late_cancel": '"fee"',
        "late_cancel_fee": "10",
        "no_show": '"fee"',
        "no_show_fee": "15",
        "no_show_review_hours": "13",
        **policy,
    }
    text = LOTUS.read_text()
    for key, value in settings.items():
        text, n = re.subn(rf"(?m)^{key} = [^#\n]*", f"{key} = {value}  ", text)
        if n == 0:
            text = text.replace("[studio.policy]\n", f"[studio.policy]\n{key} = {value}\n", 1)
    path = tmp_path / "lotus.toml"
    path.write_text(text)
    return path


def at(*args) -> datetime:
    return local(LONDON, *args)


def outbox(db, studio_id, kind=None, to=None):
    with db.studio(studio_id) as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind is not None:
            q = q.where(OutboxMessage.kind == kind)
        rows = s.scalars(q).all()
        return [(r.kind, r.to_addr, r.body) for r in rows if to is None or r.to_addr.removeprefix("whatsapp:") == to]


class Script:
    """The simulator on the test's database, with the admin's hands in between texts."""

    def __init__(self, db, fixture: Path, now: datetime) -> None:
        self.out: list[dict] = []
        self.sim = sim.Simulator(fixture, now, self.out.append, database=db)
        self.db = db
        self.studio_id = next(iter(self.sim.studios))

    def text(self, when: datetime, who: str, body: str) -> list[str]:
        before = len(self.out)
        self.sim.message({"at": when.isoformat(), "from": who, "to": STUDIO, "body": body})
        return [line["body"] for line in self.out[before:] if line.get("kind") == "reply"]

    def tick(self, when: datetime) -> None:
        self.sim.tick(when)

    def sent_to(self, phone: str, kind: str | None = None) -> list[str]:
        return [
            line["body"]
            for line in self.out
            if line.get("to", "").removeprefix("whatsapp:") == phone
            and line.get("kind") not in ("reply", "inbound")
            and (kind is None or line.get("kind") == kind)
        ]

    def booking(self, phone: str) -> Booking:
        with self.db.studio(self.studio_id) as s:
            client = s.scalars(select(Client).where(Client.phone == phone)).one()
            booking = s.scalars(select(Booking).where(Booking.client_id == client.id)).one()
            s.expunge(booking)
            return booking

    def owed(self, phone: str) -> Decimal:
        with self.db.studio(self.studio_id) as s:
            client = s.scalars(select(Client).where(Client.phone == phone)).one()
            return credits.balance(s, client.id).owed


@pytest.fixture
def script(db, tmp_path):
    made: list[Script] = []

    def start(now: datetime = at(2026, 11, 23, 9), **policy) -> Script:
        made.append(Script(db, fee_lotus(tmp_path, **policy), now))
        return made[-1]

    yield start
    for each in made:
        each.sim.close()


# ------------------------------------------------------------------------ the scripted day


def test_the_fee_comes_only_after_the_review_window_and_only_to_the_client_nobody_checked_in(script, db):
    day = script()
    booked = day.text(at(2026, 11, 23, 9), SAM, "book yoga wed 6pm")
    assert booked[0].startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert booked[0].endswith("Late cancels: £10. No-shows: £15.") and sms_ok(booked[0])
    assert day.text(at(2026, 11, 23, 9, 5), JON, "book yoga wed 6pm")[0].endswith("No-shows: £15.")

    day.tick(at(2026, 11, 24, 18, 30))  # the 24 h reminder names the fees too
    [reminder] = day.sent_to(SAM, "reminder_24h")
    assert reminder.startswith("Reminder: Vinyasa Flow tomorrow at 18:00")
    assert reminder.endswith("Reply C to cancel. Late cancels: £10. No-shows: £15.") and sms_ok(reminder)

    day.tick(at(2026, 11, 25, 18, 5))  # staff check Sam in at the desk; Jon never comes
    sam, jon = day.booking(SAM), day.booking(JON)
    with db.studio(day.studio_id) as s:
        changes.mark_attendance(s, sam.session_id, sam.id, present=True, actor="staff:maya")

    day.tick(at(2026, 11, 25, 19, 30))  # the class ended 19:00: an unconfirmed no-show, not a fee
    assert day.booking(JON).status == "confirmed" and day.owed(JON) == 0
    assert day.sent_to(JON, "fee_link") == [] and day.sent_to(JON, "no_show_settled") == []

    day.tick(at(2026, 11, 26, 7, 30))  # the owner's digest lists Jon, pending until 08:00
    digest = day.sent_to(MAYA, "daily_digest")[-1]  # Thursday's
    assert "To review: 1 no-show. Check in or waive from the roster by the time shown:" in digest
    assert "Jon Byrne, Vinyasa Flow Wed 18:00 - 08:00" in digest and "Sam Lee" not in digest
    assert day.owed(JON) == 0

    day.tick(at(2026, 11, 26, 8, 30))  # the window closed at 08:00: the rule applies, once
    jon = day.booking(JON)
    assert (jon.status, jon.no_show_settled_at is not None) == ("no_show", True)
    assert day.owed(JON) == Decimal("15.00") and day.owed(SAM) == 0
    assert day.booking(SAM).status == "attended"
    [text] = day.sent_to(JON, "fee_link")  # one text: what happened, the link, how to dispute it
    assert text.startswith("You were marked as a no-show for Vinyasa Flow Wed 25 Nov 18:00, so a £15 fee is due.")
    assert "Pay here: http" in text and text.endswith("Were you there? Reply and a person will check.")
    assert sms_ok(text) and "CANCEL" not in text and "STOP" not in text
    assert day.sent_to(JON, "no_show_settled") == []
    assert [b for b in day.sent_to(SAM) if "no-show" in b] == []

    day.tick(at(2026, 11, 27, 9))  # a later sweep changes nothing
    assert day.owed(JON) == Decimal("15.00") and len(day.sent_to(JON, "fee_link")) == 1

    # Jon disputes it: a person is asked, he is told so, and nobody quotes him a balance
    [reply] = day.text(at(2026, 11, 27, 9, 5), JON, "Why was I charged?? I was there!")
    assert reply == "Sorry about that. I've passed it to the team and a person will check and reply to you."
    handoffs = outbox(db, day.studio_id, "handoff", MAYA)
    assert len(handoffs) == 1 and "Why was I charged?? I was there!" in handoffs[0][2]


def test_a_credit_studio_keeps_the_credit_after_the_window_and_says_so_once(script, db):
    day = script(late_cancel='"forfeit_credit"', no_show='"forfeit_credit"', no_show_review_hours="12")
    assert day.text(at(2026, 11, 23, 9), SAM, "book yoga wed 6pm")[0].endswith("Free to cancel until Wed 06:00.")
    day.tick(at(2026, 11, 26, 6, 30))
    assert day.booking(SAM).status == "confirmed" and day.sent_to(SAM, "no_show_settled") == []
    day.tick(at(2026, 11, 26, 9))  # closed 07:00 (quiet hours until 08:00): told at 08:00
    assert day.booking(SAM).status == "no_show"
    [text] = day.sent_to(SAM, "no_show_settled")
    assert text == (
        "You were marked as a no-show for Vinyasa Flow Wed 25 Nov 18:00, so the credit is used. "
        "Were you there? Reply and a person will check."
    )
    with db.studio(day.studio_id) as s:
        kinds = [e.kind for e in s.scalars(select(CreditEntry).where(CreditEntry.booking_id == day.booking(SAM).id))]
    assert kinds == ["spend", "forfeit"]


# ------------------------------------------------------------------------ the core use cases


@pytest.fixture
def wednesday(db, clock):
    """A fee studio (£15, 12 h review), Sam and Priya booked into Wed 25 Nov 18:00."""
    world = make_studio(db, no_show="fee", no_show_fee=Decimal("15"), no_show_review_hours=12)
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    ids = []
    for phone, name in ((SAM, "Sam Lee"), (PRIYA, "Priya Shah")):
        cid = make_client(db, world, phone, name)
        grant_pack(db, world, cid, 5, starts_at=clock.now())
        with db.studio(world.studio_id) as s:
            ids.append((cid, svc.book(s, cid, sid).booking.id))
    return world, sid, ids


def test_a_waive_during_the_window_charges_nothing_and_gives_the_credit_back(db, clock, wednesday):
    world, sid, [(sam, sam_booking), (priya, priya_booking)] = wednesday
    clock.set(local(world, 2026, 11, 25, 18, 30))
    with db.studio(world.studio_id) as s:
        changes.mark_attendance(s, sid, sam_booking, present=False, actor="staff:maya")  # recorded, not charged
    with db.studio(world.studio_id) as s:
        booking = s.get(Booking, sam_booking)
        assert (booking.status, booking.no_show_settled_at, credits.balance(s, sam).owed) == ("no_show", None, 0)
    clock.set(local(world, 2026, 11, 25, 21))
    with db.studio(world.studio_id) as s:
        assert [b.id for b, _ in attendance.pending_no_shows(s)] == [sam_booking, priya_booking]
        changes.waive_no_show(s, sid, sam_booking, actor="staff:maya")
    with db.studio(world.studio_id) as s, pytest.raises(NotCancellable):
        attendance.waive_no_show(s, sam_booking)  # once
    clock.set(local(world, 2026, 11, 26, 8))  # the window closed 07:00
    with db.studio(world.studio_id) as s:
        assert attendance.sweep_no_shows(s) == [priya_booking]
    with db.studio(world.studio_id) as s:
        waived = s.get(Booking, sam_booking)
        assert (waived.status, waived.penalty_waived) == ("no_show", True)
        assert credits.balance(s, sam).owed == 0 and credits.balance(s, sam).credits == 5  # the credit is back
        # the fee instead of the credit (as for a late cancel): never both
        assert credits.balance(s, priya).owed == Decimal("15.00") and credits.balance(s, priya).credits == 5
        assert s.scalars(select(Payment.booking_id).where(Payment.kind == "fee")).all() == [priya_booking]
        audit = [(a.action, a.after["status"]) for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert audit == [("no_show", "no_show"), ("waive_no_show", "no_show")]
    texted = [(kind, to) for kind, to, _ in outbox(db, world.studio_id) if kind != "handoff"]
    assert texted == [("fee_link", PRIYA)]


def test_check_in_during_the_window_reverses_a_staff_no_show_and_after_it_waives_the_fee(db, clock, wednesday):
    world, sid, [(sam, sam_booking), (priya, priya_booking)] = wednesday
    clock.set(local(world, 2026, 11, 25, 18, 30))
    with db.studio(world.studio_id) as s:
        attendance.mark_no_show(s, sam_booking, actor="desk")
    clock.set(local(world, 2026, 11, 25, 20))
    with db.studio(world.studio_id) as s:
        attendance.check_in(s, sam_booking, actor="desk")
    clock.set(local(world, 2026, 11, 26, 7, 1))
    with db.studio(world.studio_id) as s:
        assert attendance.sweep_no_shows(s) == [priya_booking]
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, sam_booking).status == "attended" and credits.balance(s, sam).owed == 0
        attendance.check_in(s, priya_booking, actor="desk")  # she was there after all: the fee is waived
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, priya_booking).status == "attended" and credits.balance(s, priya).owed == 0


def test_waiving_after_the_window_undoes_the_fee_and_tells_the_client(db, clock, wednesday):
    world, sid, [(sam, sam_booking), _] = wednesday
    clock.set(local(world, 2026, 11, 26, 9))
    with db.studio(world.studio_id) as s:
        attendance.sweep_no_shows(s)
    with db.studio(world.studio_id) as s:
        assert credits.balance(s, sam).owed == Decimal("15.00")
        key = f"fee:booking:{sam_booking}"
        s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one().status = "sent"  # delivered
        changes.waive_no_show(s, sid, sam_booking, actor="staff:maya")
    with db.studio(world.studio_id) as s:
        assert (credits.balance(s, sam).owed, credits.balance(s, sam).credits) == (0, 5)
    [(_, _, body)] = outbox(db, world.studio_id, "no_show_waived")
    assert body == (
        "Good news: your no-show for Vinyasa Flow Wed 25 Nov 18:00 is waived. Nothing to pay, and the credit is back."
    )


def test_a_class_not_yet_ended_cannot_be_waived(db, clock, wednesday):
    world, sid, [(_, sam_booking), _] = wednesday
    clock.set(local(world, 2026, 11, 25, 18, 30))
    with db.studio(world.studio_id) as s, pytest.raises(Exception, match="hasn't ended"):
        changes.waive_no_show(s, sid, sam_booking, actor="staff:maya")


def test_the_digest_lists_pending_no_shows_with_how_to_waive(db, clock):
    world = make_studio(db, no_show="fee", no_show_fee=Decimal("15"), no_show_review_hours=24)
    with db.studio(world.studio_id) as s:
        from app.models import Staff

        s.add(Staff(key="owner", name="Maya Owner", phone="+447700900209", role="owner"))
        s.commit()
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    cid = make_client(db, world, SAM, "Sam Lee")
    grant_pack(db, world, cid, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        svc.book(s, cid, sid)
    clock.set(local(world, 2026, 11, 26, 7))
    with db.studio(world.studio_id) as s:
        assert attendance.sweep_no_shows(s) == []
        assert queue_digest(s) == 1
        [body] = s.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "daily_digest")).all()
    assert body == (
        "Good morning! No classes today.\n"
        "To review: 1 no-show. Check in or waive from the roster by the time shown:\n"
        "Sam Lee, Vinyasa Flow Wed 18:00 - 19:00\n"
        "Yesterday: 0 no-shows."
    )


# ------------------------------------------------------------------------ the admin roster


def test_waive_from_the_roster_is_scoped_audited_and_charges_nothing(db, app, clock):  # noqa: F811
    world = make_studio(db, "lotus", no_show="fee", no_show_fee=Decimal("15"))
    other = make_studio(db, "harbour", tz="America/New_York", no_show="fee", no_show_fee=Decimal("15"))
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    theirs = make_session(db, other, local(other, 2026, 11, 25, 18))
    cid = make_client(db, world, SAM, "Sam Lee")
    grant_pack(db, world, cid, 5, starts_at=clock.now())
    dana = make_client(db, other, "+12125550101", "Dana Cruz")
    grant_pack(db, other, dana, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, cid, sid).booking.id
    with db.studio(other.studio_id) as s:
        their_booking = svc.book(s, dana, theirs).booking.id
    browser = sign_in(app, "lotus", "front_desk")
    page = f"/admin/calendar/session/{sid}"
    clock.set(local(world, 2026, 11, 25, 18, 30))
    early = post(browser, f"{page}/booking/{booking_id}/waive")
    assert early.status_code == 409 and "hasn&#39;t ended yet" in early.get_data(as_text=True)

    clock.set(local(world, 2026, 11, 25, 20))
    roster = browser.get(page).get_data(as_text=True)
    assert "not checked in, pending until Thu 07:00" in roster and ">Waive</button>" in roster
    assert "no fee or credit is taken until Thu 26 Nov 07:00" in roster
    assert post(browser, f"/admin/calendar/session/{theirs}/booking/{their_booking}/waive").status_code == 404
    assert post(browser, f"{page}/booking/{their_booking}/waive").status_code == 404
    no_csrf = browser.post(f"{page}/booking/{booking_id}/waive")
    assert no_csrf.status_code == 400
    assert post(browser, f"{page}/booking/{booking_id}/waive").status_code == 302
    roster = browser.get(page).get_data(as_text=True)
    assert "no-show waived" in roster and "Sam Lee&#39;s no-show waived" in roster and ">Waive</button>" not in roster

    clock.set(local(world, 2026, 11, 26, 8))
    with db.studio(world.studio_id) as s:
        assert attendance.sweep_no_shows(s) == []
        assert credits.balance(s, cid).owed == 0 and credits.balance(s, cid).credits == 5
        [line] = s.scalars(select(AuditLog)).all()
        assert (line.action, str(line.entity_id), "front_desk" in line.actor) == (
            "waive_no_show",
            str(booking_id),
            True,
        )
    with db.studio(other.studio_id) as s:
        assert s.get(Booking, their_booking).penalty_waived is False


def test_a_no_show_text_held_by_quiet_hours_is_dropped_when_staff_waive_first(script, db):
    day = script(late_cancel='"forfeit_credit"', no_show='"forfeit_credit"', no_show_review_hours="12")
    day.text(at(2026, 11, 23, 9), SAM, "book yoga wed 6pm")
    day.tick(at(2026, 11, 26, 7, 10))  # settled at 07:00; the text waits for quiet hours to end at 08:00
    sam = day.booking(SAM)
    assert sam.status == "no_show" and day.sent_to(SAM, "no_show_settled") == []
    with db.studio(day.studio_id) as s:
        changes.waive_no_show(s, sam.session_id, sam.id, actor="staff:maya")
    day.tick(at(2026, 11, 26, 9))
    assert day.sent_to(SAM, "no_show_settled") == [] and day.sent_to(SAM, "no_show_waived") == []
    with db.studio(day.studio_id) as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "no_show_settled")).one()
        assert row.status != "sent" and "waived" in (row.error_message or "")
