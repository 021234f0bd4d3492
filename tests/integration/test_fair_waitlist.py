"""Fair waitlist offers (issue 11), scripted through the simulator on SQLite and PostgreSQL.

- an offer's claim window starts when its text actually goes (quiet hours hold it back);
- a client is told an offer lapsed only if it was sent, "passed to the next person" only
  when there is a next person;
- inside the waitlist cutoff no offers go out and the freed spot is open to anyone;
- a client who cannot be texted, or is booked at the same time, is skipped at once;
- auto mode: enrolment drops the client's other waitlist entries at the same time;
- a spot claimed inside the late-cancel window says so and prints no past deadline.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from app.booking import booking as svc
from app.booking import credits, waitlist
from app.booking.events import WaitlistOffered, WaitlistSkipped
from app.models import Booking, Client, Conversation, OutboxMessage, Studio, WaitlistEntry
from tests.factories import grant_pack, local, make_client, make_session, make_studio
from tests.simulation import replies_to, simulate

LOTUS = Path(__file__).parents[1] / "data" / "lotus.toml"
STUDIO = "+447700900100"
SAM, PRIYA, JON = "+447700900301", "+447700900302", "+447700900303"


def studio_file(tmp_path: Path, *, extra_policy: str = "", vinyasa_capacity: int | None = None, **policy) -> Path:
    """lotus.toml with Yin Yoga (Tue/Thu 19:30) for one, and the policy edited."""
    text = LOTUS.read_text().replace(
        'key = "yin"\nname = "Yin Yoga"\ncategory = "Yoga"\nduration_min = 75\ncapacity = 14',
        'key = "yin"\nname = "Yin Yoga"\ncategory = "Yoga"\nduration_min = 75\ncapacity = 1',
    )
    for key, value in policy.items():
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
        if not n:
            extra_policy += f"\n{key} = {value}"
    text = text.replace("[studio.policy]\n", f"[studio.policy]{extra_policy}\n", 1)
    if vinyasa_capacity is not None:
        text = text.replace(
            'days = ["mon", "wed", "fri"]\ntime = "18:00"\nstarts_on = "2026-11-02"',
            f'days = ["mon", "wed", "fri"]\ntime = "18:00"\nstarts_on = "2026-11-02"\ncapacity = {vinyasa_capacity}',
        )
    path = tmp_path / "lotus.toml"
    path.write_text(text)
    return path


def say(at: str, who: str, body: str) -> dict:
    return {"at": at, "from": who, "to": STUDIO, "body": body}


def texts(out: list[dict], kind: str, to: str | None = None) -> list[dict]:
    return [x for x in out if x.get("kind") == kind and (to is None or x["to"] == to)]


def entries(db, phone: str) -> list[WaitlistEntry]:
    with db.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()
    with db.studio(studio_id) as s:
        client_id = s.scalars(select(Client.id).where(Client.phone == phone)).one()
        rows = s.scalars(select(WaitlistEntry).where(WaitlistEntry.client_id == client_id).order_by(WaitlistEntry.id))
        found = rows.all()
        s.expunge_all()
        return found


def outbox_rows(db, kind: str) -> list[OutboxMessage]:
    with db.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()
    with db.studio(studio_id) as s:
        found = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()
        s.expunge_all()
        return found


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --------------------------------------------------------------------------- quiet hours


def test_a_spot_freed_in_quiet_hours_is_offered_at_8_and_claimed_at_8_05(db, tmp_path):
    """UK studio, quiet hours 21:00-08:00: a spot frees at 22:15; the offer text goes at 08:00
    with 30 minutes from then, and the first in line claims it at 08:05."""
    fixture = studio_file(tmp_path)
    out = simulate(
        db,
        fixture,
        "2026-11-23T09:00:00+00:00",
        [
            say("2026-11-23T09:00:00+00:00", SAM, "book yin tomorrow"),
            say("2026-11-23T09:01:00+00:00", PRIYA, "book yin tomorrow"),
            say("2026-11-23T09:01:30+00:00", PRIYA, "yes"),
            say("2026-11-23T22:15:00+00:00", SAM, "cancel yin"),
            say("2026-11-24T08:05:00+00:00", PRIYA, "YES"),
        ],
    )
    offers = texts(out, "waitlist_offer", PRIYA)
    assert [(o["at"], o["body"]) for o in offers] == [
        (
            "2026-11-24T08:00:00+00:00",
            "A spot opened in Yin Yoga, Tue 24 Nov 19:30 at Shoreditch! Reply YES by 08:30 to claim it, or NO to pass.",
        )
    ]
    assert texts(out, "offer_expired") == []
    assert replies_to(out, PRIYA)[-1].startswith("Booked: Yin Yoga, Tue 24 Nov 19:30 at Shoreditch")
    bookings = {(b["phone"], b["status"]) for b in out[-1]["state"]["bookings"]}
    assert (PRIYA, "confirmed") in bookings and (SAM, "cancelled") in bookings
    (entry,) = entries(db, PRIYA)
    assert entry.status == "claimed"
    assert entry.offered_at == utc("2026-11-23T22:15:00+00:00")
    assert entry.offer_sent_at == utc("2026-11-24T08:00:00+00:00")
    assert entry.offer_expires_at == utc("2026-11-24T08:30:00+00:00")


def test_an_offer_held_by_quiet_hours_holds_the_spot_and_lapses_from_its_send_time(db, tmp_path):
    """Unanswered, the offer lapses 30 minutes after its text went (not after the spot freed),
    and is passed on to the next in line, whose own window starts when their text goes."""
    fixture = studio_file(tmp_path)
    out = simulate(
        db,
        fixture,
        "2026-11-23T09:00:00+00:00",
        [
            say("2026-11-23T09:00:00+00:00", SAM, "book yin tomorrow"),
            say("2026-11-23T09:01:00+00:00", PRIYA, "book yin tomorrow"),
            say("2026-11-23T09:01:30+00:00", PRIYA, "yes"),
            say("2026-11-23T09:02:00+00:00", JON, "book yin tomorrow"),
            say("2026-11-23T09:02:30+00:00", JON, "yes"),
            say("2026-11-23T22:15:00+00:00", SAM, "cancel yin"),
            # the spot is held for Priya overnight: nobody can book it past her
            say("2026-11-23T23:00:00+00:00", SAM, "book yin tomorrow"),
            {"tick": "2026-11-24T09:30:00+00:00"},
        ],
    )
    assert replies_to(out, SAM)[-1].startswith("Yin Yoga, Tue 24 Nov 19:30 is full")
    sent = [(x["kind"], x["to"], x["at"]) for x in out if x.get("kind") in ("waitlist_offer", "offer_expired")]
    assert sent == [
        ("waitlist_offer", PRIYA, "2026-11-24T08:00:00+00:00"),
        ("offer_expired", PRIYA, "2026-11-24T08:30:00+00:00"),
        ("waitlist_offer", JON, "2026-11-24T08:30:00+00:00"),
        ("offer_expired", JON, "2026-11-24T09:00:00+00:00"),
    ]
    assert "has passed to the next person" in texts(out, "offer_expired", PRIYA)[0]["body"]
    assert "Reply YES by 09:00" in texts(out, "waitlist_offer", JON)[0]["body"]
    assert "has ended, but the spot is still open" in texts(out, "offer_expired", JON)[0]["body"]  # nobody after Jon
    (jon,) = entries(db, JON)
    assert jon.status == "expired" and jon.offer_expires_at == utc("2026-11-24T09:00:00+00:00")


# --------------------------------------------------------------------------- who is told what


def test_a_head_of_the_list_who_texted_stop_is_skipped_and_never_texted(db, tmp_path):
    fixture = studio_file(tmp_path)
    out = simulate(
        db,
        fixture,
        "2026-11-23T09:00:00+00:00",
        [
            say("2026-11-23T09:00:00+00:00", SAM, "book yin tomorrow"),
            say("2026-11-23T09:01:00+00:00", JON, "book yin tomorrow"),
            say("2026-11-23T09:01:30+00:00", JON, "yes"),
            say("2026-11-23T09:02:00+00:00", PRIYA, "book yin tomorrow"),
            say("2026-11-23T09:02:30+00:00", PRIYA, "yes"),
            say("2026-11-23T09:03:00+00:00", JON, "STOP"),
            say("2026-11-23T09:05:00+00:00", SAM, "cancel yin"),
        ],
    )
    offers = [(o["to"], o["at"]) for o in texts(out, "waitlist_offer")]
    assert offers == [(PRIYA, "2026-11-23T09:05:00+00:00")]  # at once, not after Jon's window
    jon_texts = [x for x in out if x.get("to") == JON and x.get("kind") not in ("inbound", "reply")]
    assert jon_texts == []
    (jon,) = entries(db, JON)
    assert jon.status == "skipped" and jon.note == f"skipped: {waitlist.UNREACHABLE}"
    assert [r.to_addr for r in outbox_rows(db, "waitlist_skipped")] == []


def test_an_offer_nobody_else_wants_ends_with_the_spot_open(db, tmp_path):
    """Nobody next: no "passed to the next person"; the client is told the spot is still
    open and to reply YES to book it, and booking it by name works too."""
    fixture = studio_file(tmp_path)
    out = simulate(
        db,
        fixture,
        "2026-11-23T09:00:00+00:00",
        [
            say("2026-11-23T09:00:00+00:00", SAM, "book yin tomorrow"),
            say("2026-11-23T09:01:00+00:00", PRIYA, "book yin tomorrow"),
            say("2026-11-23T09:01:30+00:00", PRIYA, "yes"),
            say("2026-11-23T09:05:00+00:00", SAM, "cancel yin"),
            say("2026-11-23T10:00:00+00:00", PRIYA, "book Yin Yoga Tue 19:30"),
        ],
    )
    (ended,) = texts(out, "offer_expired", PRIYA)
    assert ended["at"] == "2026-11-23T09:35:00+00:00"
    assert ended["body"] == (
        "Your offer for Yin Yoga, Tue 24 Nov 19:30 has ended, but the spot is still open: reply YES to book it."
    )
    assert not any("next person" in x.get("body", "") for x in out)
    assert replies_to(out, PRIYA)[-1].startswith("Booked: Yin Yoga, Tue 24 Nov 19:30")


def test_inside_the_cutoff_no_offer_goes_and_the_spot_is_open_to_anyone(db, tmp_path):
    fixture = studio_file(tmp_path, waitlist_cutoff_minutes=60)
    out = simulate(
        db,
        fixture,
        "2026-11-23T09:00:00+00:00",
        [
            say("2026-11-23T09:00:00+00:00", SAM, "book yin tomorrow"),
            say("2026-11-23T09:01:00+00:00", PRIYA, "book yin tomorrow"),
            say("2026-11-23T09:01:30+00:00", PRIYA, "yes"),
            say("2026-11-24T18:45:00+00:00", SAM, "cancel yin"),  # 45 minutes before: late
            say("2026-11-24T18:45:30+00:00", SAM, "yes"),
            say("2026-11-24T18:50:00+00:00", JON, "book yin today"),
            say("2026-11-24T18:55:00+00:00", SAM, "book yin today"),
            say("2026-11-24T18:55:30+00:00", SAM, "yes"),
        ],
    )
    assert texts(out, "waitlist_offer") == []
    assert replies_to(out, JON)[-1].startswith("Booked: Yin Yoga, Tue 24 Nov 19:30")
    assert replies_to(out, SAM)[-1] == (
        "The waitlist for Yin Yoga, Tue 24 Nov 19:30 has closed: it's less than 60 minutes to the class. "
        "If a spot frees up, anyone can book it."
    )
    assert [e.status for e in entries(db, PRIYA)] == ["waiting"]


def test_an_offer_still_held_by_quiet_hours_at_the_cutoff_is_withdrawn(db, tmp_path):
    """The class is at 07:00 (Reformer): a spot freed at 23:00 is held for the first in line,
    but at the cutoff (06:00, before quiet hours end) the offer is withdrawn unsent and the
    spot opens to anyone."""
    fixture = studio_file(tmp_path, waitlist_cutoff_minutes=60)
    fixture.write_text(
        fixture.read_text().replace(
            'name = "Reformer Pilates"\ncategory = "Pilates"\nduration_min = 50\ncapacity = 8\ncredits = 2',
            'name = "Reformer Pilates"\ncategory = "Pilates"\nduration_min = 50\ncapacity = 1\ncredits = 1',
        )
    )
    out = simulate(
        db,
        fixture,
        "2026-11-23T09:00:00+00:00",
        [
            say("2026-11-23T09:00:00+00:00", SAM, "book reformer tomorrow 7am"),
            say("2026-11-23T09:01:00+00:00", PRIYA, "book reformer tomorrow 7am"),
            say("2026-11-23T09:01:30+00:00", PRIYA, "yes"),
            say("2026-11-23T23:00:00+00:00", SAM, "cancel reformer"),
            say("2026-11-23T23:00:30+00:00", SAM, "yes"),
            {"tick": "2026-11-24T06:05:00+00:00"},
            say("2026-11-24T06:10:00+00:00", JON, "book reformer today"),
            {"tick": "2026-11-24T08:10:00+00:00"},
        ],
    )
    assert texts(out, "waitlist_offer") == [] and texts(out, "offer_expired") == []
    (priya,) = entries(db, PRIYA)
    assert priya.status == "waiting" and priya.offer_sent_at is None
    assert "cutoff" in (priya.note or "")
    (offer,) = outbox_rows(db, "waitlist_offer")
    assert offer.status == "skipped" and offer.about == f"waitlist_entry:{priya.id}"
    assert replies_to(out, JON)[-1].startswith("Booked: Reformer Pilates, Tue 24 Nov 07:00")


# --------------------------------------------------------------------------- late-cancel window


def test_a_claim_inside_the_late_cancel_window_says_late_rules_apply(db, tmp_path):
    """A claim at 15:00 for an 18:00 class with a 6 h cancel window: no past deadline."""
    fixture = studio_file(tmp_path, cancel_window_hours=6, vinyasa_capacity=1)
    out = simulate(
        db,
        fixture,
        "2026-11-23T09:00:00+00:00",
        [
            say("2026-11-23T09:00:00+00:00", SAM, "book yoga wed 6pm"),
            say("2026-11-23T09:01:00+00:00", JON, "book yoga wed 6pm"),
            say("2026-11-23T09:01:30+00:00", JON, "yes"),
            say("2026-11-25T14:50:00+00:00", SAM, "cancel yoga"),
            say("2026-11-25T14:50:30+00:00", SAM, "yes"),
            say("2026-11-25T15:00:00+00:00", JON, "yes"),
        ],
    )
    (offer,) = texts(out, "waitlist_offer", JON)
    assert offer["at"] == "2026-11-25T14:50:30+00:00" and "Reply YES by 15:20" in offer["body"]
    claimed = replies_to(out, JON)[-1]
    assert claimed.startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya.")
    assert "Late-cancel rules apply now: cancelling costs the credit." in claimed
    assert "Free to cancel" not in claimed and "12:00" not in claimed


# --------------------------------------------------------------------------- auto mode overlaps


def test_auto_enrolment_drops_an_overlapping_waitlist_entry_and_says_so(db, tmp_path):
    """Vinyasa Wed 18:00-19:00 and a Yin class Wed 18:30 are both full; Priya waits on both.
    Auto-enrolled into Vinyasa, she comes off Yin's list with one text, and when a Yin spot
    frees up later it is not given to her."""
    fixture = studio_file(tmp_path, waitlist_mode='"auto"', vinyasa_capacity=1)
    text = fixture.read_text().replace(
        "[[studio.availability]]",
        '[[studio.schedule]]\nclass_type = "yin"\nlocation = "clapham"\ninstructor = "maya"\n'
        'days = ["wed"]\ntime = "18:30"\nstarts_on = "2026-11-02"\n\n[[studio.availability]]',
        1,
    )
    fixture.write_text(text)
    out = simulate(
        db,
        fixture,
        "2026-11-23T09:00:00+00:00",
        [
            say("2026-11-23T09:00:00+00:00", SAM, "book yoga wed 6pm"),
            say("2026-11-23T09:01:00+00:00", JON, "book yin wed"),
            say("2026-11-23T09:02:00+00:00", PRIYA, "book yoga wed 6pm"),
            say("2026-11-23T09:02:30+00:00", PRIYA, "yes"),
            say("2026-11-23T09:03:00+00:00", PRIYA, "book yin wed"),
            say("2026-11-23T09:03:30+00:00", PRIYA, "yes"),
            say("2026-11-23T10:00:00+00:00", SAM, "cancel yoga"),
            say("2026-11-23T11:00:00+00:00", JON, "cancel yin"),
        ],
    )
    assert [x["body"] for x in texts(out, "waitlist_enrolled", PRIYA)] == [
        "Good news! A spot opened and you're booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya. "
        "Your membership covers it. Free to cancel until Wed 06:00."
    ]
    assert [x["body"] for x in texts(out, "waitlist_dropped", PRIYA)] == [
        "As you're now booked into Vinyasa Flow, Wed 25 Nov 18:00, I've taken you off the waitlist for "
        "Yin Yoga, Wed 25 Nov 18:30 (same time)."
    ]
    statuses = sorted((e.status, e.note or "") for e in entries(db, PRIYA))
    assert statuses[0][0] == "claimed" and statuses[1][0] == "closed" and "same time" in statuses[1][1]
    priya_bookings = [b["class"] for b in out[-1]["state"]["bookings"] if b["phone"] == PRIYA]
    assert priya_bookings == ["Vinyasa Flow"]


# --------------------------------------------------------------------------- core rules


def full_class(db, clock, *, mode="offer", waiting=2):
    world = make_studio(db, waitlist_mode=mode, waitlist_offer_minutes=30, cancel_window_hours=12)
    sid = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=1)
    phones = ["+447700900311", "+447700900312", "+447700900313", "+447700900314"]
    clients = [make_client(db, world, phones[i], f"Client {i}") for i in range(waiting + 1)]
    for cid in clients:
        grant_pack(db, world, cid, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, clients[0], sid).booking.id
    for cid in clients[1:]:
        with db.studio(world.studio_id) as s:
            waitlist.join(s, cid, sid)
    return world, sid, clients, booking_id


def test_a_client_booked_into_an_overlapping_class_is_skipped(db, clock):
    world, sid, (a, b, c), booking_id = full_class(db, clock)
    other = make_session(db, world, local(world, 2026, 11, 25, 18, 30), capacity=5)
    with db.studio(world.studio_id) as s:
        svc.book(s, b, other, allow_overlap=True)
    with db.studio(world.studio_id) as s:
        events = svc.cancel(s, booking_id).events
    assert [(type(e), e.client_id) for e in events] == [(WaitlistSkipped, b), (WaitlistOffered, c)]
    assert events[0].reason == waitlist.OVERLAP
    with db.studio(world.studio_id) as s:
        skipped = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "waitlist_skipped")).one()
        assert "booked into another class at that time" in skipped.body
        assert skipped.about == f"waitlist_entry:{events[0].entry_id}"


def test_an_unsent_offer_holds_the_spot_and_a_sent_one_expires_from_its_send_time(db, clock):
    world, sid, (a, b), booking_id = full_class(db, clock, waiting=1)
    with db.studio(world.studio_id) as s:
        entry_id = svc.cancel(s, booking_id).events[0].entry_id
    clock.set(local(world, 2026, 11, 24, 9))  # a day later, still unsent: still held, nothing lapses
    with db.studio(world.studio_id) as s:
        assert waitlist.expire_offers(s) == []
        entry = s.get(WaitlistEntry, entry_id)
        assert (entry.status, entry.offer_sent_at, entry.offer_expires_at) == ("offered", None, None)
        assert waitlist.offer_delivered(s, entry_id, clock.now()) == local(world, 2026, 11, 24, 9, 30)
    clock.set(local(world, 2026, 11, 24, 9, 31))
    with db.studio(world.studio_id) as s:
        (lapsed,) = waitlist.expire_offers(s)
    assert lapsed.passed_on is False
    with db.studio(world.studio_id) as s:
        assert s.get(WaitlistEntry, entry_id).status == "expired"
        body = s.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "offer_expired")).one()
        assert "spot is still open" in body and "next person" not in body
        assert s.scalars(select(Booking).where(Booking.session_id == sid, Booking.status == "confirmed")).all() == []


def test_a_client_who_stopped_whatsapp_only_is_offered_the_spot_by_sms(db, clock):
    """A STOP on WhatsApp is not a STOP on SMS: the offer goes by SMS instead of being dropped
    (which would hold the spot for someone who never sees it)."""
    world, sid, (a, b), booking_id = full_class(db, clock, waiting=1)
    with db.studio(world.studio_id) as s:
        client = s.get(Client, b)
        client.last_whatsapp_inbound_at = client.whatsapp_opted_out_at = clock.now()
        s.add(Conversation(phone=client.phone, channel="whatsapp", client_id=b, updated_at=clock.now()))
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id)
    with db.studio(world.studio_id) as s:
        offer = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "waitlist_offer")).one()
        assert (offer.channel, offer.to_addr) == ("sms", "+447700900312")


def test_an_offer_never_runs_into_the_cutoff(db, clock):
    """A long claim window ends at the cutoff, when the spot opens to anyone, not at the class start."""
    world = make_studio(db, waitlist_mode="offer", waitlist_offer_minutes=120, waitlist_cutoff_minutes=60)
    sid = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=1)
    a, b = (make_client(db, world, phone, name) for phone, name in (("+447700900321", "Ann"), ("+447700900322", "Bo")))
    for cid in (a, b):
        grant_pack(db, world, cid, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, a, sid).booking.id
    with db.studio(world.studio_id) as s:
        entry_id = waitlist.join(s, b, sid).entry.id
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id)
    with db.studio(world.studio_id) as s:
        deadline = waitlist.offer_delivered(s, entry_id, local(world, 2026, 11, 25, 16, 15))
    assert deadline == local(world, 2026, 11, 25, 17)  # 16:15 + 2 h would be 18:15; the cutoff is 17:00


def test_a_lapsed_waitlister_who_books_the_spot_forgives_the_late_cancel(db, clock):
    """Fill-to-forgive counts a refill by someone from the waitlist however they book it: a
    client whose offer lapsed and who then books the still-open spot forgives the late cancel."""
    world = make_studio(
        db, waitlist_mode="offer", waitlist_offer_minutes=30, cancel_window_hours=12, fill_to_forgive=True
    )
    sid = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=1)
    a, b = (make_client(db, world, phone, name) for phone, name in (("+447700900331", "Ann"), ("+447700900332", "Bo")))
    for cid in (a, b):
        grant_pack(db, world, cid, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, a, sid).booking.id
    with db.studio(world.studio_id) as s:
        entry_id = waitlist.join(s, b, sid).entry.id
    clock.set(local(world, 2026, 11, 25, 9))  # inside the 12 h window: a late cancel
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id, accept_late=True)
    with db.studio(world.studio_id) as s:
        waitlist.offer_delivered(s, entry_id, clock.now())
    clock.set(local(world, 2026, 11, 25, 9, 31))
    with db.studio(world.studio_id) as s:
        waitlist.expire_offers(s)
    with db.studio(world.studio_id) as s:
        assert credits.balance(s, a).credits == 4  # the late cancel still costs Ann the credit
        svc.book(s, b, sid)  # Bo books the spot that is still open
    with db.studio(world.studio_id) as s:
        assert credits.balance(s, a).credits == 5  # refilled from the waitlist: forgiven
        forgiven = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "late_cancel_forgiven")).one()
        assert forgiven.to_addr == "+447700900331"
