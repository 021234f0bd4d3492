"""Fair waitlist follow-ups, scripted through the simulator on SQLite and PostgreSQL.

- auto mode: a client booked by the waitlist overnight is told when quiet hours end, and
  may cancel free of charge until the studio's offer minutes after that text went (and
  while it has not gone); the text says so, and what a cancel costs after that;
- an offer that ran out with nobody else waiting: "the spot is still open: reply YES to
  book it", and YES books it (or says truthfully that it was taken meanwhile).
"""

from __future__ import annotations

from bot.replies import SMS_LIMIT, gsm7, gsm7_length
from tests.integration.test_fair_waitlist import (
    JON,
    PRIYA,
    SAM,
    entries,
    outbox_rows,
    say,
    studio_file,
    texts,
    utc,
)
from tests.simulation import replies_to, simulate

START = "2026-11-23T09:00:00+00:00"


def overnight_enrolment(db, tmp_path, *later: dict, **policy) -> list[dict]:
    """Vinyasa Wed 25 Nov 18:00 for one (free cancel until Wed 06:00, quiet hours 21:00-08:00):
    Priya is booked, Sam waits; Priya cancels at 22:30 on Tuesday, so Sam is auto-enrolled and
    his text is held until 08:00 Wednesday, after the free-cancel deadline."""
    fixture = studio_file(tmp_path, waitlist_mode='"auto"', vinyasa_capacity=1, **policy)
    return simulate(
        db,
        fixture,
        START,
        [
            say("2026-11-23T09:00:00+00:00", PRIYA, "book yoga wed 6pm"),
            say("2026-11-23T09:02:00+00:00", SAM, "book yoga wed 6pm"),
            say("2026-11-23T09:02:30+00:00", SAM, "yes"),
            say("2026-11-24T22:30:00+00:00", PRIYA, "cancel yoga"),
            *later,
        ],
    )


def sams_booking(out: list[dict]) -> list[str]:
    return [b["status"] for b in out[-1]["state"]["bookings"] if b["phone"] == SAM]


# --------------------------------------------------------------------------- B: auto-enrolment grace


def test_an_overnight_auto_enrolment_is_free_to_cancel_within_30_minutes_of_its_text(db, tmp_path):
    out = overnight_enrolment(
        db,
        tmp_path,
        say("2026-11-25T08:05:00+00:00", SAM, "cancel yoga"),
        say("2026-11-25T08:06:00+00:00", SAM, "credits"),
    )
    (enrolled,) = texts(out, "waitlist_enrolled", SAM)
    assert enrolled["at"] == "2026-11-25T08:00:00+00:00"
    assert enrolled["body"] == (
        "Good news! A spot opened and you're booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya. "
        "9 credits left. Can't make it? Cancel within 30 min and it's free; after that it costs the credit."
    )
    assert "CANCEL" not in enrolled["body"] and gsm7_length(gsm7(enrolled["body"])) <= SMS_LIMIT
    assert replies_to(out, SAM)[-2:] == [
        "Cancelled: Vinyasa Flow, Wed 25 Nov 18:00. 1 credit back. You have 10.",
        "You have 10 credits (first expire Tue 23 Mar).",
    ]
    assert sams_booking(out) == ["cancelled"]  # not late_cancelled
    (entry,) = entries(db, SAM)
    assert entry.status == "claimed" and entry.offer_sent_at == utc("2026-11-25T08:00:00+00:00")
    (row,) = outbox_rows(db, "waitlist_enrolled")
    assert row.status == "sent" and row.about == f"waitlist_entry:{entry.id}"


def test_after_the_grace_a_cancel_is_late_and_costs_the_fee_the_text_named(db, tmp_path):
    out = overnight_enrolment(
        db,
        tmp_path,
        say("2026-11-25T08:31:00+00:00", SAM, "cancel yoga"),
        late_cancel='"fee"',
        late_cancel_fee="5.00",
    )
    (enrolled,) = texts(out, "waitlist_enrolled", SAM)
    assert enrolled["body"].endswith(
        "Can't make it? Cancel within 30 min and it's free; after that there's a £5 late-cancel fee."
    )
    assert gsm7_length(gsm7(enrolled["body"])) <= SMS_LIMIT
    question = replies_to(out, SAM)[-1]
    assert "£5 late-cancel fee" in question and "Reply YES to cancel anyway" in question
    assert sams_booking(out) == ["confirmed"]


def test_a_cancel_before_the_enrolment_text_went_is_free_and_the_text_is_dropped(db, tmp_path):
    """Quiet hours still hold the text back (the client learnt of the booking some other way):
    cancelling is free, and the "you're booked" text never goes."""
    out = overnight_enrolment(
        db, tmp_path, say("2026-11-25T07:00:00+00:00", SAM, "cancel yoga"), {"tick": "2026-11-25T08:10:00+00:00"}
    )
    assert replies_to(out, SAM)[-1] == "Cancelled: Vinyasa Flow, Wed 25 Nov 18:00. 1 credit back. You have 10."
    assert texts(out, "waitlist_enrolled") == []
    (row,) = outbox_rows(db, "waitlist_enrolled")
    assert row.status == "skipped" and "no longer confirmed" in (row.error_message or "")
    (entry,) = entries(db, SAM)
    assert entry.offer_sent_at is None


def test_an_enrolment_well_before_the_deadline_names_the_usual_deadline(db, tmp_path):
    """Enrolled on Monday for Wednesday: the usual deadline is later than the text's 30 minutes."""
    fixture = studio_file(tmp_path, waitlist_mode='"auto"', vinyasa_capacity=1)
    out = simulate(
        db,
        fixture,
        START,
        [
            say("2026-11-23T09:00:00+00:00", PRIYA, "book yoga wed 6pm"),
            say("2026-11-23T09:02:00+00:00", SAM, "book yoga wed 6pm"),
            say("2026-11-23T09:02:30+00:00", SAM, "yes"),
            say("2026-11-23T10:00:00+00:00", PRIYA, "cancel yoga"),
        ],
    )
    (enrolled,) = texts(out, "waitlist_enrolled", SAM)
    assert enrolled["at"] == "2026-11-23T10:00:00+00:00"
    assert enrolled["body"].endswith("9 credits left. Free to cancel until Wed 06:00.")


# --------------------------------------------------------------------------- C: an offer that ended


def ended_offer(db, tmp_path, *later: dict) -> list[dict]:
    """Yin Yoga Tue 24 Nov 19:30 for one: Sam is booked, Priya waits; Sam cancels at 09:05,
    Priya's offer runs out unanswered at 09:35 with nobody after her."""
    return simulate(
        db,
        studio_file(tmp_path),
        START,
        [
            say("2026-11-23T09:00:00+00:00", SAM, "book yin tomorrow"),
            say("2026-11-23T09:01:00+00:00", PRIYA, "book yin tomorrow"),
            say("2026-11-23T09:01:30+00:00", PRIYA, "yes"),
            say("2026-11-23T09:05:00+00:00", SAM, "cancel yin"),
            *later,
        ],
    )


ENDED = "Your offer for Yin Yoga, Tue 24 Nov 19:30 has ended, but the spot is still open: reply YES to book it."


def test_yes_to_an_ended_offer_books_the_spot_still_open(db, tmp_path):
    out = ended_offer(db, tmp_path, say("2026-11-23T10:00:00+00:00", PRIYA, "yes"))
    (ended,) = texts(out, "offer_expired", PRIYA)
    assert ended["at"] == "2026-11-23T09:35:00+00:00" and ended["body"] == ENDED
    assert replies_to(out, PRIYA)[-1].startswith("Booked: Yin Yoga, Tue 24 Nov 19:30 at Shoreditch")
    assert ("Yin Yoga", PRIYA, "confirmed") in {
        (b["class"], b["phone"], b["status"]) for b in out[-1]["state"]["bookings"]
    }


def test_yes_to_an_ended_offer_whose_spot_was_taken_meanwhile_says_so(db, tmp_path):
    out = ended_offer(
        db,
        tmp_path,
        say("2026-11-23T09:50:00+00:00", JON, "book yin tomorrow"),
        say("2026-11-23T10:00:00+00:00", PRIYA, "yes"),
    )
    assert replies_to(out, JON)[-1].startswith("Booked: Yin Yoga, Tue 24 Nov 19:30")
    reply = replies_to(out, PRIYA)[-1]
    assert reply.startswith("Yin Yoga, Tue 24 Nov 19:30 is full") and "Booked" not in reply
    assert [b["phone"] for b in out[-1]["state"]["bookings"] if b["status"] == "confirmed"] == [JON]


def test_a_later_yes_to_an_ended_offer_says_it_ended_and_offers_the_open_spot(db, tmp_path):
    """The conversation moved on ("my bookings"), then YES reaches the offer logic: not "the
    spot has gone" while it is free, but the offer ended and YES books it."""
    out = ended_offer(
        db,
        tmp_path,
        say("2026-11-23T10:00:00+00:00", PRIYA, "my bookings"),
        say("2026-11-23T10:01:00+00:00", PRIYA, "yes"),
        say("2026-11-23T10:02:00+00:00", PRIYA, "yes"),
    )
    assert replies_to(out, PRIYA)[-2] == ENDED
    assert replies_to(out, PRIYA)[-1].startswith("Booked: Yin Yoga, Tue 24 Nov 19:30")
    assert not any("has gone" in body for body in replies_to(out, PRIYA))
