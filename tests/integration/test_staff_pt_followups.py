"""Staff and 1:1 follow-ups a fresh client tester tripped on, as scripted ``frontdesk
simulate`` conversations on SQLite and PostgreSQL: instructors see the 1:1s they teach
(schedule, roster, check-in); a roster asked during a class is that class; PT follows the
studio's overlap rule; slot picks and follow-ups keep what was asked; a 1:1 moves in one
text; PT short of credits gives the pack menu; "do you do PT?" is answered.

Lotus (tests/data/lotus.toml, London, DMY) and Harbour (app/demo/demo.toml, New York,
US 12h times), from Monday 23 Nov 2026 09:00 local.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue import appointments, moving
from tests.simulation import replies_to, simulate

LOTUS = Path(__file__).parents[1] / "data" / "lotus.toml"
HARBOUR = Path(__file__).parents[2] / "app" / "demo" / "demo.toml"
LOTUS_NO, HARBOUR_NO = "+447700900100", "+17182225100"
SAM, PRIYA, JON = "+447700900301", "+447700900302", "+447700900303"
MAYA, TOM = "+447700900201", "+447700900202"
ANA, DEV, KIM = "+17182301234", "+13475550100", "+19175550199"
MARIA, JAMES = "+17185550123", "+17186430100"
LONDON_NOW, NY_NOW = "2026-11-23T09:00:00+00:00", "2026-11-23T09:00:00-05:00"


def lotus(phone: str, body: str, at: str) -> dict:
    return {"at": f"2026-11-{at}:00+00:00", "from": phone, "to": LOTUS_NO, "body": body}


def harbour(phone: str, body: str, at: str) -> dict:
    return {"at": f"2026-11-{at}:00-05:00", "from": phone, "to": HARBOUR_NO, "body": body}


def mine(out: list[dict], phone: str) -> list[tuple[str, str, str]]:
    """The phone's bookings still on (cancelled ones left out)."""
    return [
        (b["class"], b["start"], b["status"])
        for b in out[-1]["state"]["bookings"]
        if b["phone"] == phone and "cancel" not in b["status"]
    ]


@pytest.fixture
def moves_wired(monkeypatch):
    """``moving.plan`` hands a 1:1 booking to ``appointments.move`` (the lead's line in
    bot/dialogue/moving.py); harmless once that line is in."""
    plan = moving.plan

    def delegating(c, booking, target):
        if appointments.is_appointment(c, booking):
            return appointments.move(c, booking, target)
        return plan(c, booking, target)

    monkeypatch.setattr(moving, "plan", delegating)


# --------------------------------------------------------------------------- staff see their 1:1s


def test_an_instructor_sees_checks_in_and_rosters_the_1to1s_they_teach(db):
    out = simulate(
        db,
        LOTUS,
        LONDON_NOW,
        [
            lotus(SAM, "PT with Tom tue 9am", "23T09:00"),
            lotus(TOM, "today", "24T08:00"),
            lotus(TOM, "my week", "24T08:01"),
            lotus(PRIYA, "what's on tuesday?", "24T08:02"),
            lotus(TOM, "Sam is here", "24T08:55"),
        ],
    )
    said = replies_to(out, TOM)
    assert said[0] == "Today:\n09:00 Personal Training (1:1, Sam Lee), Shoreditch"
    assert said[1].startswith("The next 7 days:\nTue 09:00 Personal Training (1:1, Sam Lee), Shoreditch\n")
    assert "Wed 06:30 HIIT 45, Shoreditch (0/12)" in said[1]
    assert said[2] == "Checked in (Personal Training 09:00): Sam."
    assert "Personal Training" not in replies_to(out, PRIYA)[0]  # nobody else's 1:1 on the timetable
    assert mine(out, SAM) == [("Personal Training", "2026-11-24T09:00:00+00:00", "attended")]


# --------------------------------------------------------------------------- the class under way


def test_a_roster_asked_during_a_class_is_that_class(db):
    out = simulate(
        db,
        HARBOUR,
        NY_NOW,
        [
            harbour(MARIA, "book bootcamp tue 6:30am", "23T09:00"),
            harbour(DEV, "who's in my 6:30", "24T06:35"),
            harbour(DEV, "check in 1", "24T06:36"),
            harbour(ANA, "roster", "25T07:10"),
        ],
    )
    dev = replies_to(out, DEV)
    assert dev[0] == "Harbour Bootcamp 6:30am, 1/16: 1 Maria Lopez\nReply e.g. 'check in 1 3' or 'no show 2'."
    assert dev[1] == "Checked in: Maria."
    assert replies_to(out, ANA)[-1] == "Reformer Pilates 7am, 0/10: nobody booked yet."
    assert mine(out, MARIA) == [("Harbour Bootcamp", "2026-11-24T06:30:00-05:00", "attended")]


def test_an_owner_with_no_class_of_her_own_today_gets_the_one_under_way(db):
    out = simulate(db, HARBOUR, NY_NOW, [harbour(ANA, "roster", "28T06:40")])
    assert replies_to(out, ANA)[-1] == "Harbour Bootcamp 6:30am, 0/16: nobody booked yet."


# --------------------------------------------------------------------------- booking PT


def test_pt_at_the_time_of_a_class_already_booked_is_asked_about_first(db):
    out = simulate(
        db,
        LOTUS,
        LONDON_NOW,
        [
            lotus(SAM, "book reformer tue 7am", "23T09:00"),
            lotus(SAM, "also PT with Tom tue 7am", "23T09:01"),
            lotus(SAM, "yes", "23T09:02"),
        ],
    )
    said = replies_to(out, SAM)
    assert said[1] == (
        "You're already booked into Reformer Pilates Tue 07:00 at that time. "
        "Book Personal Training with Tom Tue 07:00 too? Reply YES or NO."
    )
    assert said[2].startswith("Booked: Personal Training with Tom, Tue 24 Nov 07:00 at Shoreditch.")
    assert mine(out, SAM) == [
        ("Reformer Pilates", "2026-11-24T07:00:00+00:00", "confirmed"),
        ("Personal Training", "2026-11-24T07:00:00+00:00", "confirmed"),
    ]


def test_the_later_one_picks_from_the_slots(db):
    out = simulate(
        db,
        LOTUS,
        LONDON_NOW,
        [
            lotus(SAM, "any pt slots with tom thursday?", "23T09:00"),
            lotus(SAM, "the later one", "23T09:01"),
        ],
    )
    said = replies_to(out, SAM)
    assert said[0].startswith("Free Personal Training with Tom slots on Thu 26 Nov:\n1) 07:00 Tom, Shoreditch\n")
    assert said[1].startswith("Booked: Personal Training with Tom, Thu 26 Nov 11:00 at Shoreditch.")
    assert mine(out, SAM) == [("Personal Training", "2026-11-26T11:00:00+00:00", "confirmed")]


def test_what_about_another_instructor_then_a_time_keeps_the_day(db):
    out = simulate(
        db,
        LOTUS,
        LONDON_NOW,
        [
            lotus(SAM, "PT with Tom friday", "23T09:00"),
            lotus(SAM, "ok what about with sara then", "23T09:01"),
            lotus(SAM, "what about 3pm", "23T09:02"),
            lotus(SAM, "yes", "23T09:03"),
        ],
    )
    said = replies_to(out, SAM)
    assert said[0].startswith("Nothing is free on Fri 27 Nov.")
    assert said[1].startswith("Free Personal Training with Sara slots on Fri 27 Nov:\n1) 10:00 Sara, Clapham\n")
    assert said[2] == (
        "Sara is free Fri 27 Nov 15:00 at Clapham for Personal Training (1 credit). Reply YES to book it."
    )
    assert said[3].startswith("Booked: Personal Training with Sara, Fri 27 Nov 15:00 at Clapham.")
    assert mine(out, SAM) == [("Personal Training", "2026-11-27T15:00:00+00:00", "confirmed")]


def test_pt_short_of_credits_gives_the_pack_menu_and_a_number_sends_a_link(db):
    out = simulate(
        db,
        LOTUS,
        LONDON_NOW,
        [
            lotus(JON, "book flow wed", "23T09:00"),
            lotus(JON, "PT with Tom thu 10am", "23T09:01"),
            lotus(JON, "1", "23T09:02"),
        ],
    )
    said = replies_to(out, JON)
    assert said[1].startswith("Personal Training takes 1 credit; you have 0. Buy a pack to book it?\n1) Drop-in")
    assert "Pay securely here:" in said[2]
    assert [b[0] for b in mine(out, JON)] == ["Vinyasa Flow"]


def test_do_you_do_personal_training_is_answered(db):
    out = simulate(db, HARBOUR, NY_NOW, [harbour(MARIA, "hey do you guys do personal training?", "23T09:00")])
    assert replies_to(out, MARIA)[0] == (
        "Yes! Personal Training is 1:1 with Dev or Kim: 60 min, 1 credit. To book, text e.g. 'PT with Dev mon 10am'."
    )


# --------------------------------------------------------------------------- moving a 1:1


def test_a_1to1_moves_to_another_time_then_another_day(db, moves_wired):
    out = simulate(
        db,
        HARBOUR,
        NY_NOW,
        [
            harbour(MARIA, "PT with Kim tue 3pm", "23T09:00"),
            harbour(MARIA, "actually make it 4pm", "23T09:01"),
            harbour(MARIA, "actually can i move it to thursday with kim", "23T09:02"),
            harbour(MARIA, "1pm", "23T09:03"),
            harbour(JAMES, "PT with Kim tue 3pm", "23T09:04"),  # Kim's hours Maria left are free again
        ],
    )
    said = replies_to(out, MARIA)
    assert said[0].startswith("Booked: Personal Training with Kim, Tue Nov 24 3pm at Park Slope.")
    assert said[1] == "Moved: Personal Training with Kim, Tue Nov 24 4pm at Park Slope (was 3pm). 9 credits left."
    assert said[2].startswith("Free Personal Training with Kim slots on Thu Nov 26:\n1) 11am Kim, Park Slope\n")
    assert said[2].endswith("Reply a number to move it there.")
    assert said[3] == ("Moved: Personal Training with Kim, Thu Nov 26 1pm at Park Slope (was Tue 4pm). 9 credits left.")
    assert mine(out, MARIA) == [("Personal Training", "2026-11-26T13:00:00-05:00", "confirmed")]
    assert out[-1]["state"]["credits"][f"harbour:{MARIA}"] == 9
    assert replies_to(out, JAMES)[0].startswith("Booked: Personal Training with Kim, Tue Nov 24 3pm at Park Slope.")
