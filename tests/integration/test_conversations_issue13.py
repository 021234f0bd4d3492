"""Issue 13 as scripted ``frontdesk simulate`` conversations, on SQLite and PostgreSQL:
each asserts the replies and the final state (bookings, waitlist, credits, other texts).

Lotus (tests/data/lotus.toml), Monday 23 Nov 2026 09:00 London. Timetable: Flow Mon/Wed/
Fri 18:00 and Sat 09:30, Yin Tue/Thu 19:30, Reformer Tue/Thu 07:00 and Thu 18:30, HIIT
Mon/Wed 06:30. Tom takes 1:1s Tue/Thu 07:00-12:00 at Shoreditch.
"""

from __future__ import annotations

from pathlib import Path

from tests.simulation import replies_to, simulate

LOTUS = Path(__file__).parents[1] / "data" / "lotus.toml"
STUDIO = "+447700900100"
SAM, JON, NEW = "+447700900301", "+447700900303", "+447700900999"
MAYA, TOM = "+447700900201", "+447700900203"
NOW = "2026-11-23T09:00:00+00:00"


def text(phone: str, body: str, at: str) -> dict:
    return {"at": at, "from": phone, "to": STUDIO, "body": body}


def mine(out: list[dict], phone: str) -> list[tuple[str, str, str]]:
    """The phone's bookings still on (cancelled ones left out)."""
    return [
        (b["class"], b["start"], b["status"])
        for b in out[-1]["state"]["bookings"]
        if b["phone"] == phone and "cancel" not in b["status"]
    ]


def test_move_a_booking_in_one_text_keeps_one_booking_and_one_credit(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(SAM, "book flow wed", "2026-11-23T09:00:00+00:00"),
            text(SAM, "can I move my flow to saturday", "2026-11-23T09:01:00+00:00"),
        ],
    )
    said = replies_to(out, SAM)
    assert said[0].startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert said[1] == "Moved: Vinyasa Flow Sat 28 Nov 09:30 at Clapham (was Wed 18:00)."
    assert mine(out, SAM) == [("Vinyasa Flow", "2026-11-28T09:30:00+00:00", "confirmed")]
    assert out[-1]["state"]["credits"][f"lotus:{SAM}"] == 9


def test_actually_make_it_friday_moves_what_was_just_booked(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(SAM, "book flow wed 6pm", "2026-11-23T09:00:00+00:00"),
            text(SAM, "actually make it friday", "2026-11-23T09:02:00+00:00"),
        ],
    )
    assert replies_to(out, SAM)[1] == "Moved: Vinyasa Flow Fri 27 Nov 18:00 (was Wed 18:00)."
    assert mine(out, SAM) == [("Vinyasa Flow", "2026-11-27T18:00:00+00:00", "confirmed")]


def test_a_follow_up_day_narrows_the_list_to_the_class_first_asked(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(SAM, "book reformer", "2026-11-23T09:00:00+00:00"),
            text(SAM, "thursday", "2026-11-23T09:01:00+00:00"),
            text(SAM, "the later one", "2026-11-23T09:02:00+00:00"),
        ],
    )
    said = replies_to(out, SAM)
    assert "Reformer Pilates Thu 26 Nov 07:00" in said[1] and "HIIT" not in said[1] and "Tue" not in said[1]
    assert said[2].startswith("Booked: Reformer Pilates, Thu 26 Nov 18:30")
    assert mine(out, SAM) == [("Reformer Pilates", "2026-11-26T18:30:00+00:00", "confirmed")]


def test_two_requests_in_one_text_are_both_done(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(SAM, "book reformer thu 7am", "2026-11-23T09:00:00+00:00"),
            text(SAM, "book flow fri and cancel my reformer thu", "2026-11-23T09:01:00+00:00"),
        ],
    )
    said = replies_to(out, SAM)
    assert said[1].startswith("Booked: Vinyasa Flow, Fri 27 Nov 18:00")
    assert said[2].startswith("Cancelled: Reformer Pilates, Thu 26 Nov 07:00")
    assert [b for b in mine(out, SAM) if b[2] == "confirmed"] == [
        ("Vinyasa Flow", "2026-11-27T18:00:00+00:00", "confirmed")
    ]


def test_asking_ones_place_when_on_no_waitlist(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(SAM, "book reformer thu 7am", "2026-11-23T09:00:00+00:00"),
            text(SAM, "where am i on the waitlist", "2026-11-23T09:01:00+00:00"),
        ],
    )
    assert replies_to(out, SAM)[1] == "You're not on any waitlist right now."


def test_running_late_tells_the_instructor_and_keeps_the_spot(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(SAM, "book flow tonight", "2026-11-23T09:00:00+00:00"),
            text(SAM, "running 10 late sorry", "2026-11-23T17:55:00+00:00"),
        ],
    )
    said = replies_to(out, SAM)
    assert said[-1] == "Thanks for letting us know. I've told Maya; your spot in Vinyasa Flow Mon 18:00 is kept."
    assert any("running ~10 min late" in body or "10 min late" in body for body in replies_to(out, MAYA))
    assert mine(out, SAM) == [("Vinyasa Flow", "2026-11-23T18:00:00+00:00", "confirmed")]


def test_short_of_credits_the_pack_menu_then_a_number_sends_a_payment_link(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(JON, "book reformer thu 7am", "2026-11-23T09:00:00+00:00"),
            text(JON, "2", "2026-11-23T09:01:00+00:00"),
        ],
    )
    said = replies_to(out, JON)
    assert said[0].startswith("Reformer Pilates takes 2 credits; you have 1. Buy a pack to book it?")
    assert "Pay securely here:" in said[1]
    assert mine(out, JON) == []


def test_stop_with_classes_still_booked_says_which_and_how_to_cancel(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(SAM, "book flow wed", "2026-11-23T09:00:00+00:00"),
            text(SAM, "CANCEL", "2026-11-23T09:01:00+00:00"),
        ],
    )
    assert replies_to(out, SAM)[1] == (
        "You're unsubscribed from Lotus Yoga & Movement texts. You're still booked into Vinyasa Flow Wed 18:00. "
        "To cancel a class, reply START, then text e.g. 'cancel vinyasa wed'."
    )
    assert mine(out, SAM) == [("Vinyasa Flow", "2026-11-25T18:00:00+00:00", "confirmed")]


def test_a_new_number_gets_the_timetable_first_and_its_name_asked_when_it_books(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(NEW, "what's on saturday?", "2026-11-23T09:00:00+00:00"),
            text(NEW, "1", "2026-11-23T09:01:00+00:00"),
            text(NEW, "Robin", "2026-11-23T09:02:00+00:00"),
        ],
    )
    said = replies_to(out, NEW)
    assert said[0].startswith("Sat 28 Nov:\n1) 09:30 Vinyasa Flow, Clapham")
    assert said[1].endswith("what's your first name?")
    assert said[2].startswith("Nice to meet you, Robin!")


def test_personal_training_by_text_inside_the_instructors_hours(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [text(SAM, "PT with Tom thursday 10am", "2026-11-23T09:00:00+00:00")],
    )
    said = replies_to(out, SAM)
    assert "Tom" in said[0] and "Thu 26 Nov" in said[0] and "10:00" in said[0]
    assert mine(out, SAM) == [("Personal Training", "2026-11-26T10:00:00+00:00", "confirmed")]


def test_staff_check_in_by_number_from_the_roster(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(SAM, "book flow tonight", "2026-11-23T09:00:00+00:00"),
            text(MAYA, "roster", "2026-11-23T17:50:00+00:00"),
            text(MAYA, "check in 1", "2026-11-23T17:55:00+00:00"),
        ],
    )
    said = replies_to(out, MAYA)
    assert "1 Sam" in said[-2]
    assert said[-1].startswith("Checked in: Sam")
    assert mine(out, SAM) == [("Vinyasa Flow", "2026-11-23T18:00:00+00:00", "attended")]


def test_when_do_i_have_to_cancel_by_answers_the_rule_and_books_nothing(db):
    out = simulate(
        db,
        LOTUS,
        NOW,
        [
            text(SAM, "book flow wed", "2026-11-23T09:00:00+00:00"),
            text(SAM, "when do i have to cancel by?", "2026-11-23T09:01:00+00:00"),
        ],
    )
    said = replies_to(out, SAM)[1]
    assert said.startswith("Cancel free up to 12h before class; after that you lose the class's credit.")
    assert "by Wed 25 Nov 06:00" in said


def test_running_late_before_quiet_hours_end_still_reaches_the_instructor_at_once(db):
    """Quiet hours (21:00-08:00) hold proactive texts to clients; a client's own "running
    late" to the instructor of a 07:00 class is not one of them, so "I've told Sara" is true."""
    out = simulate(
        db,
        LOTUS,
        "2026-11-23T22:00:00+00:00",
        [
            text(SAM, "book reformer tue 7am", "2026-11-23T22:00:00+00:00"),
            text(SAM, "running 10 mins late sorry!!", "2026-11-24T06:55:00+00:00"),
        ],
    )
    assert replies_to(out, SAM)[-1].startswith("Thanks for letting us know. I've told Sara")
    sara = [line for line in out if line.get("to") == "+447700900203" and "late" in line.get("body", "")]
    assert sara and sara[0]["at"] <= "2026-11-24T06:56:00+00:00"


def _small_reformer(tmp_path: Path) -> Path:
    """Lotus with one place in each Reformer class, so a second client waits."""
    text = LOTUS.read_text().replace("capacity = 8\n", "capacity = 1\n", 1)  # the Reformer class type
    path = tmp_path / "lotus_small.toml"
    path.write_text(text)
    return path


def test_leave_the_waitlist_by_text_and_the_freed_spot_is_never_offered(db, tmp_path):
    priya = "+447700900302"
    out = simulate(
        db,
        _small_reformer(tmp_path),
        NOW,
        [
            text(SAM, "book reformer thu 6:30pm", "2026-11-23T09:00:00+00:00"),
            text(priya, "book reformer thu 6:30pm", "2026-11-23T09:01:00+00:00"),
            text(priya, "yes", "2026-11-23T09:02:00+00:00"),
            text(priya, "where am i on the waitlist", "2026-11-23T09:03:00+00:00"),
            text(priya, "take me off the waitlist for thursday", "2026-11-23T09:04:00+00:00"),
            text(SAM, "cancel my reformer thu", "2026-11-23T09:05:00+00:00"),
        ],
    )
    said = replies_to(out, priya)
    assert said[0].startswith("Reformer Pilates, Thu 26 Nov 18:30 is full.")
    assert said[1].startswith("You're on the waitlist for Reformer Pilates, Thu 26 Nov 18:30: number 1.")
    assert said[2] == "Reformer Pilates Thu 18:30: number 1 on the waitlist."
    assert said[3].startswith("Done: you're off the waitlist for Reformer Pilates Thu 18:30.")
    assert len(said) == 4  # no offer when Sam's place freed
    assert [w["status"] for w in out[-1]["state"]["waitlist"]] in ([], ["left"], ["removed"], ["cancelled"])
