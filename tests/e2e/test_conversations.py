"""Conversations through signed Twilio webhooks, asserting replies and database state.

Lotus (the shared example fixture), clock at Mon 23 Nov 2026 09:00 London. Sam has a
10-pack, Priya an unlimited membership, Jon a drop-in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.booking.schedules import generate_for_studios
from app.fixtures import load_fixture
from app.models import Booking, ClassSession, ClassType, Client, Message, OutboxMessage, Studio
from tests.conversation import LOTUS, Texter, make_app, replies_of, signed_post
from tests.factories import local

SAM, PRIYA, JON, MAYA = "+447700900301", "+447700900302", "+447700900303", "+447700900201"
LONDON = "Europe/London"


@pytest.fixture
def lotus(db, clock):
    load_fixture(db, LOTUS)
    generate_for_studios(db)
    with db.unscoped() as s:
        return s.scalars(select(Studio).where(Studio.key == "lotus")).one().id


@pytest.fixture
def client(db, lotus):
    return make_app(db).test_client()


def texter(client, phone, **kw):
    return Texter(client, phone, **kw)


def bookings(db, studio_id, phone):
    with db.studio(studio_id) as s:
        rows = s.execute(
            select(ClassType.name, ClassSession.starts_at, Booking.status)
            .join(ClassSession, ClassSession.id == Booking.session_id)
            .join(ClassType, ClassType.id == ClassSession.class_type_id)
            .join(Client, Client.id == Booking.client_id)
            .where(Client.phone == phone)
            .order_by(Booking.id)
        )
        return [
            (name, start.astimezone(local(LONDON, 2026, 1, 1).tzinfo).strftime("%a %H:%M"), status)
            for name, start, status in rows
        ]


def session_id(db, studio_id, class_name, at):
    with db.studio(studio_id) as s:
        return s.scalars(
            select(ClassSession.id)
            .join(ClassType, ClassType.id == ClassSession.class_type_id)
            .where(ClassType.name == class_name, ClassSession.starts_at == at)
        ).one()


def outbox(db, studio_id):
    with db.studio(studio_id) as s:
        return [(o.kind, o.to_addr, o.body) for o in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


# --------------------------------------------------------------------------- booking


def test_book_in_one_message(db, lotus, client):
    reply = texter(client, SAM).says("book yoga wed 6pm")
    assert reply == (
        "Booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya. 9 credits left. "
        "Free to cancel until Wed 06:00."
    )
    assert bookings(db, lotus, SAM) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]


def test_bare_hour_is_read_against_the_timetable(db, lotus, client):
    reply = texter(client, SAM).says("yoga at 6 on wednesday pls")
    assert reply.startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")


def test_typos_and_sms_spelling(db, lotus, client):
    reply = texter(client, SAM).says("can i get in yogaa tmrw at 7.30")
    assert reply.startswith("Booked: Yin Yoga, Tue 24 Nov 19:30 at Shoreditch")


def test_several_matches_offer_numbered_choices(db, lotus, client):
    sam = texter(client, SAM)
    reply = sam.says("book reformer thursday")
    assert reply.startswith(
        "Which one shall I book?\n1) Reformer Pilates Thu 26 Nov 07:00 Clapham Sara (8 left)\n"
        "2) Reformer Pilates Thu 26 Nov 18:30 Clapham Sara (8 left)"
    )
    assert sam.says("2").startswith("Booked: Reformer Pilates, Thu 26 Nov 18:30 at Clapham with Sara. 8 credits left.")
    assert bookings(db, lotus, SAM) == [("Reformer Pilates", "Thu 18:30", "confirmed")]


def test_pick_by_time(db, lotus, client):
    sam = texter(client, SAM)
    sam.says("book reformer thursday")
    assert sam.says("the 7am one").startswith("Booked: Reformer Pilates, Thu 26 Nov 07:00")


def test_no_such_class_suggests_the_nearest(db, lotus, client):
    reply = texter(client, SAM).says("book hiit tomorrow")
    assert reply == (
        "I couldn't find HIIT 45 on Tue 24 Nov. Nearest:\n1) HIIT 45 Wed 25 Nov 06:30 Shoreditch Tom "
        "(12 left)\nReply with a number to book."
    )


def test_membership_and_no_credits(db, lotus, client):
    assert "Your membership covers it." in texter(client, PRIYA).says("book yoga wed 6pm")
    jon = texter(client, JON)
    assert jon.says("book reformer thu 7am") == (
        "Reformer Pilates takes 2 credits; you have 1. Buy a pack to book it?\n"
        "1) Unlimited Monthly: \u00a3129 (unlimited)\n2) 10 Class Pack: \u00a3150 (10 classes)\nReply with the number."
    )
    assert bookings(db, lotus, JON) == []


def test_booking_twice_says_already_booked(db, lotus, client):
    sam = texter(client, SAM)
    sam.says("book yoga wed 6pm")
    assert sam.says("book yoga wed 6pm").startswith("You're already booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert len(bookings(db, lotus, SAM)) == 1


def test_new_number_is_asked_its_name_once_then_carries_on(db, lotus, client):
    stranger = texter(client, "+447700900999")
    assert stranger.says("book yoga wed 6pm") == (
        "Hi! Welcome to Lotus Yoga & Movement. I don't think we've met: what's your first name?"
    )
    reply = stranger.says("I'm jane")
    assert reply.startswith("Nice to meet you, Jane!")
    assert "Vinyasa Flow takes 1 credit; you have 0. Buy a pack to book it?" in reply
    with db.studio(lotus) as s:
        assert s.scalars(select(Client.name).where(Client.phone == "+447700900999")).one() == "Jane"


# --------------------------------------------------------------------------- waitlist


def fill(db, studio_id, class_name, at, capacity=1):
    with db.studio(studio_id) as s:
        sid = s.scalars(
            select(ClassSession.id)
            .join(ClassType, ClassType.id == ClassSession.class_type_id)
            .where(ClassType.name == class_name, ClassSession.starts_at == at)
        ).one()
        s.get(ClassSession, sid).capacity = capacity
        s.commit()
    return sid


def test_full_then_waitlist_then_offer_then_claim(db, lotus, client, clock):
    fill(db, lotus, "Vinyasa Flow", local(LONDON, 2026, 11, 25, 18))
    sam, priya = texter(client, SAM), texter(client, PRIYA)
    sam.says("book yoga wed 6pm")
    assert priya.says("book yoga wed 6pm") == (
        "Vinyasa Flow, Wed 25 Nov 18:00 is full. Want me to add you to the waitlist? Reply YES or NO."
    )
    assert priya.says("yes") == (
        "You're on the waitlist for Vinyasa Flow, Wed 25 Nov 18:00: number 1. I'll text you if a spot opens."
    )
    assert sam.says("cancel yoga").startswith("Cancelled: Vinyasa Flow, Wed 25 Nov 18:00. 1 credit back. You have 10.")
    offers = [o for o in outbox(db, lotus) if o[0] == "waitlist_offer"]
    assert offers == [
        (
            "waitlist_offer",
            PRIYA,
            "A spot opened in Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch! "
            "Reply YES by 09:30 to claim it, or NO to pass.",
        )
    ]
    clock.advance(timedelta(minutes=10))
    assert priya.says("YES").startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert bookings(db, lotus, PRIYA) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]


def test_yes_after_the_offer_expired_books_the_spot_still_open(db, lotus, client, clock):
    from app.booking import waitlist
    from app.messaging.delivery import deliver_studio
    from app.messaging.transports import ConsoleTransport

    fill(db, lotus, "Vinyasa Flow", local(LONDON, 2026, 11, 25, 18))
    # the test sends the offer itself: no background kick racing it for the row (and its clock)
    client.application.extensions["frontdesk.deliver"] = lambda *_args: None
    sam, priya = texter(client, SAM), texter(client, PRIYA)
    sam.says("book yoga wed 6pm")
    priya.says("book yoga wed 6pm")
    priya.says("yes")
    sam.says("cancel yoga")
    with db.studio(lotus) as s:  # the offer text goes: its 30 minutes start now
        deliver_studio(s, ConsoleTransport())
    clock.advance(timedelta(minutes=31))
    with db.studio(lotus) as s:
        waitlist.expire_offers(s)
    priya.says("my bookings")  # the conversation moves on; a YES then reaches the offer logic
    # the spot is still free: not "the spot has gone", but the offer ended and YES books it
    assert priya.says("yes") == (
        "Your offer for Vinyasa Flow, Wed 25 Nov 18:00 has ended, but the spot is still open: reply YES to book it."
    )
    assert bookings(db, lotus, PRIYA) == []
    assert priya.says("yes").startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert bookings(db, lotus, PRIYA) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]


def test_join_waitlist_in_words(db, lotus, client):
    fill(db, lotus, "Yin Yoga", local(LONDON, 2026, 11, 24, 19, 30))
    texter(client, SAM).says("book yin tomorrow")
    assert (
        texter(client, PRIYA)
        .says("put me on the waitlist for yin tomorrow")
        .startswith("You're on the waitlist for Yin Yoga, Tue 24 Nov 19:30: number 1.")
    )


def test_whatsapp_button_claims_an_offer(db, lotus, client):
    sid = fill(db, lotus, "Vinyasa Flow", local(LONDON, 2026, 11, 25, 18))
    texter(client, SAM).says("book yoga wed 6pm")
    priya = texter(client, PRIYA, channel="whatsapp")
    priya.says("book yoga wed 6pm")
    priya.says("yes")
    texter(client, SAM).says("cancel yoga")
    offer = [o for o in outbox(db, lotus) if o[0] == "waitlist_offer"][0]
    assert offer[1] == "whatsapp:" + PRIYA
    reply = priya.says("", ButtonPayload=f"claim:offer:{sid}")
    assert reply.startswith("Booked: Vinyasa Flow")


# --------------------------------------------------------------------------- cancel


def test_cancel_in_window_refunds(db, lotus, client):
    sam = texter(client, SAM)
    sam.says("book yoga wed 6pm")
    assert sam.says("cancel wed yoga") == "Cancelled: Vinyasa Flow, Wed 25 Nov 18:00. 1 credit back. You have 10."
    assert bookings(db, lotus, SAM) == [("Vinyasa Flow", "Wed 18:00", "cancelled")]


def test_late_cancel_states_the_cost_and_needs_yes(db, lotus, client, clock):
    sam = texter(client, SAM)
    sam.says("book yoga wed 6pm")
    clock.set(local(LONDON, 2026, 11, 25, 9))
    assert sam.says("cancel my booking") == (
        "Vinyasa Flow Wed 25 Nov 18:00 is less than 12h away, so you'll lose the credit. "
        "Reply YES to cancel anyway, or NO to keep your spot."
    )
    assert bookings(db, lotus, SAM) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]
    # nobody waits for the class, so no refill could forgive it: nothing is promised
    assert sam.says("yes") == "Cancelled late: Vinyasa Flow, Wed 25 Nov 18:00. The credit is used."
    assert bookings(db, lotus, SAM) == [("Vinyasa Flow", "Wed 18:00", "late_cancelled")]


def test_late_cancel_no_keeps_the_spot(db, lotus, client, clock):
    sam = texter(client, SAM)
    sam.says("book yoga wed 6pm")
    clock.set(local(LONDON, 2026, 11, 25, 9))
    sam.says("cancel yoga")
    assert sam.says("no") == "OK, your spot is kept. See you there!"
    assert bookings(db, lotus, SAM) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]


def test_cancel_by_number_from_my_bookings(db, lotus, client):
    sam = texter(client, SAM)
    sam.says("book yoga wed 6pm")
    sam.says("book yin thursday")
    listing = sam.says("my bookings")
    assert listing == (
        "Your bookings:\n1) Vinyasa Flow Wed 25 Nov 18:00 Shoreditch\n"
        "2) Yin Yoga Thu 26 Nov 19:30 Shoreditch\nTo cancel one, reply e.g. 'cancel 1'."
    )
    assert sam.says("cancel 2").startswith("Cancelled: Yin Yoga, Thu 26 Nov 19:30.")


# --------------------------------------------------------------------------- info


def test_schedule_with_live_spots(db, lotus, client):
    fill(db, lotus, "Yin Yoga", local(LONDON, 2026, 11, 26, 19, 30))
    texter(client, SAM).says("book yin thursday")
    texter(client, PRIYA).says("book yin thursday")
    texter(client, PRIYA).says("yes")
    reply = texter(client, JON).says("what's on thursday?")
    assert reply == (
        "Thu 26 Nov:\n1) 07:00 Reformer Pilates, Clapham: 8 spots left\n"
        "2) 18:30 Reformer Pilates, Clapham: 8 spots left\n"
        "3) 19:30 Yin Yoga, Shoreditch: full - 1 on the waitlist\nReply a number to book."
    )


def test_credits_and_prices(db, lotus, client):
    assert texter(client, SAM).says("how many credits do I have?").startswith("You have 10 credits")
    prices = texter(client, SAM).says("prices?")
    assert "10 Class Pack: £150 (10 classes, 120 days)" in prices


def test_talk_to_a_person_goes_to_the_owner(db, lotus, client):
    assert texter(client, SAM).says("can I speak to someone about my injury") == (
        "I've passed your message to the team. Someone will get back to you soon."
    )
    handoffs = [o for o in outbox(db, lotus) if o[0] == "handoff"]
    assert handoffs and handoffs[0][1] == MAYA and "Sam" in handoffs[0][2]


def test_staff_roster(db, lotus, client):
    texter(client, SAM).says("book yoga wed 6pm")
    texter(client, PRIYA).says("book yoga wed 6pm")
    assert texter(client, MAYA).says("who's in wed 6pm") == (
        "Vinyasa Flow Wed 18:00, 2/16: 1 Sam Lee 2 Priya Shah\nReply e.g. 'check in 1 3' or 'no show 2'."
    )


# --------------------------------------------------------------------------- compliance


def test_stop_opts_out_and_then_silence_until_start(db, lotus, client):
    sam = texter(client, SAM)
    assert sam.says("STOP") == (
        "You're unsubscribed from Lotus Yoga & Movement texts and won't get any more. Reply START to resubscribe."
    )
    assert sam.says("book yoga wed 6pm") == ""
    assert bookings(db, lotus, SAM) == []
    assert sam.says("start").startswith("Welcome back!")
    assert sam.says("book yoga wed 6pm").startswith("Booked:")


def test_bare_cancel_is_an_opt_out_but_cancel_yoga_is_not(db, lotus, client):
    sam = texter(client, SAM)
    sam.says("book yoga wed 6pm")
    assert sam.says("cancel").startswith("You're unsubscribed")
    with db.studio(lotus) as s:
        assert s.scalars(select(Client).where(Client.phone == SAM)).one().sms_opted_out_at is not None


def test_soft_opt_out_asks_first(db, lotus, client):
    sam = texter(client, SAM)
    assert sam.says("please stop texting me") == (
        "Do you want to stop all texts from Lotus Yoga & Movement? Reply YES to stop, or NO to keep them."
    )
    assert sam.says("yes").startswith("You're unsubscribed")


def test_help_keyword(db, lotus, client):
    assert texter(client, SAM).says("HELP").startswith("Lotus Yoga & Movement: book, cancel and check classes by text.")


def test_replies_are_gsm7_and_fit_two_segments(db, lotus, client):
    from bot.replies import GSM7_BASIC, GSM7_EXTENDED, gsm7_length

    sam = texter(client, SAM)
    for text in ("hi 👋", "what's on this week?", "book reformer thursday", "prices", "my bookings", "HELP"):
        reply = sam.says(text)
        assert all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in reply), reply
        assert gsm7_length(reply) <= 306


# --------------------------------------------------------------------------- the webhook itself


def test_bad_or_missing_signature_is_refused_and_writes_nothing(db, lotus, client):
    sam = Texter(client, SAM)
    form = sam.form("book yoga wed 6pm")
    assert client.post("/twilio/inbound", data=form).status_code == 403
    assert client.post("/twilio/inbound", data=form, headers={"X-Twilio-Signature": "bogus"}).status_code == 403
    assert signed_post(client, form, token="wrong-token").status_code == 403
    with db.studio(lotus) as s:
        assert s.scalar(select(func.count(Message.id))) == 0
    assert bookings(db, lotus, SAM) == []


def test_missing_fields_and_long_bodies_are_4xx(db, lotus, client):
    sam = Texter(client, SAM)
    form = sam.form("hello")
    del form["MessageSid"]
    response = signed_post(client, form)
    assert response.status_code == 400 and b"MessageSid" in response.data
    assert signed_post(client, sam.form("x" * 1601)).status_code == 413
    with db.studio(lotus) as s:
        assert s.scalar(select(func.count(Message.id))) == 0


def test_unknown_studio_number_gets_a_polite_reply(db, lotus, client):
    response = signed_post(client, Texter(client, SAM, to="+447700900999").form("hi"))
    assert response.status_code == 200
    assert replies_of(response) == ["Sorry, this number isn't set up to take messages yet."]


def test_same_message_sid_twice_gets_the_same_reply_and_books_once(db, lotus, client):
    sam = Texter(client, SAM)
    first = replies_of(sam.send("book yoga wed 6pm", sid="SMduplicate0001"))
    second = replies_of(sam.send("book yoga wed 6pm", sid="SMduplicate0001"))
    assert first == second and first[0].startswith("Booked:")
    assert len(bookings(db, lotus, SAM)) == 1
    with db.studio(lotus) as s:
        assert s.scalar(select(func.count(Message.id)).where(Message.direction == "in")) == 1


def test_every_message_is_logged_in_its_studio(db, lotus, client):
    sam = texter(client, SAM)
    sam.says("book yoga wed 6pm")
    with db.studio(lotus) as s:
        log = [(m.direction, m.body[:6]) for m in s.scalars(select(Message).order_by(Message.id))]
    assert log == [("in", "book y"), ("out", "Booked")]


def test_expired_question_is_read_fresh(db, lotus, client, clock):
    sam = texter(client, SAM)
    sam.says("book reformer thursday")
    clock.advance(timedelta(hours=2))
    assert sam.says("2") == (
        "Sorry, I didn't catch that. Try 'book yoga tomorrow 6pm', 'my bookings' or "
        "'cancel thu reformer'. Reply HELP for contact details."
    )


def test_staff_today_lists_their_classes(db, lotus, client, clock):
    clock.set(local(LONDON, 2026, 11, 26, 6))
    reply = texter(client, "+447700900203").says("today")  # Sara teaches reformer on Thursdays
    assert reply == ("Today:\n07:00 Reformer Pilates, Clapham (0/8)\n18:30 Reformer Pilates, Clapham (0/8)")


def test_whatsapp_profile_name_spares_the_question(db, lotus, client):
    stranger = Texter(client, "+447700900777", channel="whatsapp")
    reply = stranger.says("what's on thursday?", ProfileName="Ines Duarte", WaId="447700900777")
    assert reply.startswith("Thu 26 Nov:")
    with db.studio(lotus) as s:
        assert s.scalars(select(Client.name).where(Client.phone == "+447700900777")).one() == "Ines Duarte"


def test_low_confidence_text_goes_to_the_llm_after_the_webhook_returns(db, lotus, client):
    from app.conversation.engine import complete_deferred
    from tests.llm_mock import mocked_llm

    llm = mocked_llm()
    app = client.application
    deferred = []
    app.extensions["frontdesk.llm"] = llm
    app.extensions["frontdesk.defer"] = lambda studio_id, sid: deferred.append((studio_id, sid))
    sam = texter(client, SAM)
    assert sam.says("sort me out with the bendy one midweek after work") == ""
    assert deferred == [(lotus, sam.last_sid)]
    assert sam.send("sort me out with the bendy one midweek after work", sid=sam.last_sid).data.count(b"<Message") == 0
    replies = complete_deferred(db, lotus, sam.last_sid, llm)
    assert replies[0].startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert complete_deferred(db, lotus, sam.last_sid, llm) == []  # a retried job does nothing
    assert [o for o in outbox(db, lotus) if o[0] == "reply"] == [("reply", SAM, replies[0])]
