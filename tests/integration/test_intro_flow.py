"""The intro-offer flow by text, scripted through ``frontdesk simulate``: a lead pays, tells us
what suits them, the owner matches, an instructor declines, another accepts, the client is
booked with the intro credit. Plus free-form owner instructions, instructor time-outs,
owner reminders at N working hours and 24h, and the next-session offer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.booking import attendance, credits
from app.cli import cli
from app.conversation import lead_desk
from app.models import Booking, BookingRequest, ClassSession, Client, Lead, LeadMatch, OutboxMessage, Staff, Studio
from app.payments.errors import PaymentError
from app.simulate import Simulator, parse_instant

INTRO = Path(__file__).parents[1] / "data" / "intro.toml"
SMS = "+447700900100"
JANE, ALEX = "+447700900401", "+447700900402"
MAYA, TOM, SARA, JESS, OLA = "+447700900201", "+447700900202", "+447700900203", "+447700900204", "+447700900205"
START = "2026-11-23T09:00:00+00:00"  # Monday, 09:00 London


def text(at: str, who: str, body: str) -> str:
    return json.dumps({"at": f"2026-11-{at}+00:00", "from": who, "to": SMS, "body": body})


def pay(at: str, phone: str, name: str, **extra) -> str:
    return json.dumps(
        {
            "pay": {"studio": "lotus", "phone": phone, "name": name, "offer": "intro-pt", **extra},
            "at": f"2026-11-{at}+00:00",
        }
    )


class Run:
    """A simulator kept open after the script, so the test can read the database too."""

    def __init__(self, lines: list[str], now: str = START) -> None:
        self.out: list[dict] = []
        self.sim = Simulator(INTRO, parse_instant(now, "now"), self.out.append)
        self.feed(lines)

    def feed(self, lines: list[str]) -> None:
        for raw in lines:
            line = json.loads(raw)
            if "tick" in line:
                self.sim.tick(parse_instant(line["tick"], "tick"))
            elif "pay" in line:
                self.sim.pay(line)
            else:
                self.sim.message(line)

    def said(self, to: str | None = None, kind: str | None = None) -> list[str]:
        return [
            x["body"]
            for x in self.out
            if x["kind"] not in ("inbound", "daily_digest")
            and (to is None or x["to"] == to)
            and (kind is None or x["kind"] == kind)
        ]

    def studio(self):
        with self.sim.db.unscoped() as s:
            studio_id = s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()
        return self.sim.db.studio(studio_id)

    def close(self) -> None:
        self.sim.close()


@pytest.fixture
def runs():
    made: list[Run] = []

    def start(lines, now=START):
        run = Run(lines, now)
        made.append(run)
        return run

    yield start
    for run in made:
        run.close()


PREFERENCES = [
    pay("23T09:00:00", "07700 900401", "Jane Doe", email="jane@example.com"),
    text("23T09:05:00", JANE, "Clapham please"),
    text("23T09:06:00", JANE, "weekday mornings before 9"),
    text("23T09:07:00", JANE, "lower back pain"),
]
OPTIONS = (
    "New intro client: Jane Doe. Clapham, weekday mornings before 9. Goals: lower back pain. Top matches:\n"
    "1) Jess Tue 24 Nov 07:00 Clapham\n2) Tom Wed 25 Nov 08:00 Clapham\n3) Jess Tue 24 Nov 08:00 Clapham\n"
    "Reply 1-3, or e.g. 'Tom thu 8am'."
)


def test_the_whole_flow_by_text(runs):
    run = runs(
        PREFERENCES
        + [
            text("23T09:20:00", MAYA, "2"),
            text("23T09:30:00", TOM, "N"),
            text("23T09:40:00", MAYA, "1"),
            text("23T09:50:00", JESS, "Y"),
        ]
    )
    assert run.said(JANE) == [
        "Hi Jane, thanks for buying Intro: 3 PT sessions at Lotus Yoga & Movement! To match you with the right "
        "instructor: which location suits you (Shoreditch or Clapham), which days and times work, and any goals or "
        "injuries we should know about?",
        "Which days and times suit you? E.g. 'weekday mornings before 9' or 'any evening except Fri'.",
        "Any goals or injuries your instructor should know about? Reply 'none' if not.",
        "Got it: Clapham, weekday mornings before 9, goal: lower back pain. We'll text you your instructor shortly.",
        "You're booked: your first session with Jess Moreau, Tue 24 Nov 07:00 at Clapham, 4 Venn St, London SW4 0AT. "
        "You have 2 more intro sessions to book after this. See you there!",
    ]
    assert run.said(MAYA, "intro_options")[0] == OPTIONS
    assert run.said(OLA, "intro_options")[0] == OPTIONS  # managers are asked too
    assert run.said(MAYA)[1:] == [
        "Asked Tom to take Jane D., Wed 25 Nov 08:00, Clapham. I'll text you when they answer.",
        "Tom can't take Jane Doe. Clapham, weekday mornings before 9. Goals: lower back pain. Next best:\n"
        "1) Jess Tue 24 Nov 07:00 Clapham\n2) Jess Tue 24 Nov 08:00 Clapham\n3) Jess Thu 26 Nov 07:00 Clapham\n"
        "Reply 1-3, or e.g. 'Tom thu 8am'.",
        "Asked Jess to take Jane D., Tue 24 Nov 07:00, Clapham. I'll text you when they answer.",
        "Jess accepted: Jane D. is booked Tue 24 Nov 07:00, Clapham.",
    ]
    assert run.said(TOM) == [
        "New intro client Jane D., Wed 25 Nov 08:00, Clapham. Reply Y to accept, N to decline.",
        "No problem, I'll ask the owner to choose someone else.",
    ]
    assert run.said(JESS) == [
        "New intro client Jane D., Tue 24 Nov 07:00, Clapham. Reply Y to accept, N to decline.",
        "Thanks! Jane D. is booked with you Tue 24 Nov 07:00, Clapham.",
    ]
    assert all(len(body) <= 306 for body in run.said())

    state = run.sim.state()["state"]
    assert state["leads"] == [
        {
            "studio": "lotus",
            "phone": JANE,
            "name": "Jane Doe",
            "status": "booked",
            "instructor": "Jess Moreau",
            "preferences": {
                "location": "Clapham",
                "days": [0, 1, 2, 3, 4],
                "windows": [[360, 540]],
                "goals": "lower back pain",
            },
        }
    ]
    assert [b for b in state["bookings"] if b["phone"] == JANE] == [
        {
            "studio": "lotus",
            "phone": JANE,
            "class": "Personal Training",
            "start": "2026-11-24T07:00:00+00:00",
            "location": "Clapham",
            "status": "confirmed",
        }
    ]
    assert state["credits"][f"lotus:{JANE}"] == 2  # three granted, one spent
    with run.studio() as s:
        requests = s.scalars(select(BookingRequest).order_by(BookingRequest.id)).all()
        jess = s.scalars(select(Staff).where(Staff.key == "jess")).one()
        assert [r.status for r in requests] == ["declined", "booked"]
        appointment = s.get(ClassSession, requests[1].session_id)
        assert (appointment.instructor_id, appointment.kind) == (jess.id, "appointment")  # in her schedule
        booking = s.scalars(select(Booking).where(Booking.session_id == appointment.id)).one()
        assert (booking.credits_spent, booking.client_package.kind) == (1, "intro")
        assert [m.status for m in s.scalars(select(LeadMatch).order_by(LeadMatch.id))] == ["answered", "answered"]


def test_simulate_cli_takes_pay_lines():
    script = "\n".join(PREFERENCES)
    result = CliRunner().invoke(
        cli, ["simulate", "--fixture", str(INTRO), "--now", START], input=script, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    welcome = next(x for x in out if x.get("kind") == "intro_welcome")
    assert (welcome["to"], welcome["from"], welcome["at"]) == (JANE, SMS, START)
    assert out[-1]["state"]["leads"][0]["status"] == "preferences"
    assert out[-1]["state"]["credits"][f"lotus:{JANE}"] == 3


def test_a_bad_pay_line_is_refused():
    bad = json.dumps({"pay": {"studio": "lotus", "phone": "12", "name": "X", "offer": "intro-pt"}})
    result = CliRunner().invoke(cli, ["simulate", "--fixture", str(INTRO), "--now", START], input=bad)
    assert result.exit_code != 0 and "is not a possible phone number" in result.output
    nope = json.dumps({"pay": {"studio": "lotus", "phone": JANE, "name": "X", "offer": "nope"}})
    result = CliRunner().invoke(cli, ["simulate", "--fixture", str(INTRO), "--now", START], input=nope)
    assert result.exit_code != 0 and "no active offer 'nope'" in result.output


def test_everything_in_one_reply_and_a_free_form_owner_pick(runs):
    run = runs(
        [
            pay("23T09:00:00", JANE, "Jane Doe"),
            text("23T09:05:00", JANE, "clapham, weekday mornings before 9, lower back pain"),
            text("23T09:10:00", MAYA, "Tom tue 6am"),  # Tom takes no 1:1s before 7
            text("23T09:11:00", MAYA, "Tom fri 8am"),
        ]
    )
    assert run.said(JANE)[1] == (
        "Got it: Clapham, weekday mornings before 9, goal: lower back pain. We'll text you your instructor shortly."
    )
    assert run.said(MAYA)[1:] == [
        "That slot doesn't work: Tom isn't free for a 1:1 then. Try another time, or reply 1-3.",
        "Asked Tom to take Jane D., Fri 27 Nov 08:00, Clapham. I'll text you when they answer.",
    ]
    assert run.said(TOM) == ["New intro client Jane D., Fri 27 Nov 08:00, Clapham. Reply Y to accept, N to decline."]


def test_match_names_the_lead_when_several_wait(runs):
    run = runs(
        [
            pay("23T09:00:00", JANE, "Jane Doe"),
            text("23T09:01:00", JANE, "clapham, any time, none"),
            pay("23T09:02:00", ALEX, "Alex Kim"),
            text("23T09:03:00", ALEX, "shoreditch, any time, none"),
            text("23T09:10:00", MAYA, "match Jane with Sara monday 10"),  # today, 10:00
            text("23T09:11:00", MAYA, "match Zed with Sara monday 11"),
        ]
    )
    assert run.said(MAYA)[2:] == [
        "Asked Sara to take Jane D., Mon 23 Nov 10:00, Clapham. I'll text you when they answer.",
        "I can't find an open intro client called zed.",
    ]
    with run.studio() as s:
        statuses = dict(s.execute(select(Lead.name, Lead.status)).all())
    assert statuses == {"Jane Doe": "matched", "Alex Kim": "preferences"}
    # a bare number answers the newest open question: Alex's
    run.feed([text("23T09:12:00", MAYA, "1")])
    assert run.said(MAYA)[-1].startswith("Asked Tom to take Alex K., Tue 24 Nov")


def test_instructor_with_two_requests_answers_by_number(runs):
    run = runs(
        [
            pay("23T09:00:00", JANE, "Jane Doe"),
            text("23T09:01:00", JANE, "clapham, any time, none"),
            pay("23T09:02:00", ALEX, "Alex Kim"),
            text("23T09:03:00", ALEX, "clapham, any time, none"),
            text("23T09:10:00", MAYA, "match Jane with Jess tue 8am"),
            text("23T09:11:00", MAYA, "match Alex with Jess tue 9am"),
            text("23T09:20:00", JESS, "Y 2"),
            text("23T09:21:00", JESS, "N"),
        ]
    )
    assert run.said(JESS)[2:] == [
        "Thanks! Alex K. is booked with you Tue 24 Nov 09:00, Clapham.",
        "No problem, I'll ask the owner to choose someone else.",
    ]
    with run.studio() as s:
        assert dict(s.execute(select(Lead.name, Lead.status)).all()) == {
            "Jane Doe": "preferences",
            "Alex Kim": "booked",
        }


def test_no_answer_within_working_hours_sends_the_next_options(runs):
    # Tom is asked at 19:30 on Monday; the studio works 07:00-20:00, so his 2 hours end Tue 08:30.
    run = runs(PREFERENCES + [text("23T19:30:00", MAYA, "2"), json.dumps({"tick": "2026-11-24T08:29:00+00:00"})])
    assert len(run.said(MAYA, "intro_options")) == 1
    run.feed([json.dumps({"tick": "2026-11-24T12:00:00+00:00"})])
    nxt = [x for x in run.out if x["kind"] == "intro_options" and x["to"] == MAYA][1]
    assert nxt["at"] == "2026-11-24T08:30:00+00:00"
    assert nxt["body"].startswith("Tom didn't answer in time about Jane Doe. Clapham, weekday mornings before 9.")
    options = [line for line in nxt["body"].splitlines() if line[:1].isdigit()]
    assert len(options) == 3 and not any("Tom" in line for line in options)
    run.feed([text("24T12:01:00", TOM, "Y")])  # too late: nothing is pending for Tom any more
    assert run.said(TOM)[-1] != "Thanks! Jane D. is booked with you Wed 25 Nov 08:00, Clapham."
    with run.studio() as s:
        assert s.scalars(select(BookingRequest.status)).all() == ["expired"]
        assert s.scalars(select(Lead.status)).one() == "preferences"


def test_owner_reminded_after_4_working_hours_and_24h_exactly_once(runs):
    # Paid Monday 18:00: working hours 07:00-20:00, so 4 working hours pass Tuesday 09:00.
    run = runs(
        [
            pay("23T18:00:00", JANE, "Jane Doe"),
            text("23T18:05:00", JANE, "clapham, any time, none"),
            json.dumps({"tick": "2026-11-24T08:59:00+00:00"}),
        ]
    )
    assert run.said(MAYA, "intro_reminder") == []
    run.feed([json.dumps({"tick": "2026-11-24T17:59:00+00:00"})])
    reminders = [x for x in run.out if x["kind"] == "intro_reminder"]
    assert [(x["to"], x["at"]) for x in reminders] == [
        (MAYA, "2026-11-24T09:00:00+00:00"),
        (OLA, "2026-11-24T09:00:00+00:00"),
    ]
    assert reminders[0]["body"].startswith(
        "Reminder: Jane Doe paid for an intro 15h ago and has no instructor yet.\n1) "
    )
    run.feed([json.dumps({"tick": "2026-11-26T12:00:00+00:00"})])
    reminders = [x for x in run.out if x["kind"] == "intro_reminder" and x["to"] == MAYA]
    assert [x["at"] for x in reminders] == ["2026-11-24T09:00:00+00:00", "2026-11-24T18:00:00+00:00"]
    assert reminders[1]["body"].startswith("Reminder: Jane Doe paid for an intro 24h ago")
    with run.studio() as s:
        keys = s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "intro_reminder")).all()
    assert len(keys) == len(set(keys)) == 4


def test_a_matched_lead_is_not_reminded(runs):
    run = runs(
        PREFERENCES
        + [
            text("23T09:20:00", MAYA, "1"),
            text("23T09:25:00", JESS, "Y"),
            json.dumps({"tick": "2026-11-24T20:00:00+00:00"}),
        ]
    )
    assert run.said(MAYA, "intro_reminder") == []


def test_after_the_first_session_the_client_books_the_next_with_the_same_instructor(runs):
    run = runs(
        PREFERENCES
        + [
            text("23T09:20:00", MAYA, "1"),
            text("23T09:25:00", JESS, "Y"),
            json.dumps({"tick": "2026-11-24T07:30:00+00:00"}),
        ]
    )
    with run.studio() as s:
        booking = s.scalars(select(Booking).where(Booking.source == "intro")).one()
        attendance.check_in(s, booking.id, actor="test")
    run.feed([json.dumps({"tick": "2026-11-24T08:05:00+00:00"})])
    offer = [x for x in run.out if x["kind"] == "intro_next"]
    assert [(x["to"], x["at"], x["body"]) for x in offer] == [
        (
            JANE,
            "2026-11-24T08:05:00+00:00",
            (
                "We hope you enjoyed your first session with Jess! Want to book the next one with Jess? "
                "Reply YES and I'll send some times."
            ),
        )
    ]
    run.feed([text("24T09:00:00", JANE, "yes")])
    assert run.said(JANE)[-1] == (
        "Jess's next free times at Clapham:\n1) Tue 1 Dec 07:00\n2) Tue 24 Nov 10:00\n"
        "3) Thu 26 Nov 07:00\nReply with the number to book."
    )
    run.feed([text("24T09:01:00", JANE, "1")])
    assert run.said(JANE)[-1] == (
        "Booked: your next session with Jess, Tue 1 Dec 07:00 at Clapham. 1 intro session left."
    )
    with run.studio() as s:
        lead = s.scalars(select(Lead)).one()
        assert lead.status == "attended"
        assert credits.balance(s, lead.client_id).credits == 1
    run.feed([json.dumps({"tick": "2026-11-25T09:00:00+00:00"})])
    assert len([x for x in run.out if x["kind"] == "intro_next"]) == 1  # offered once


def test_a_stranger_texting_intro_gets_the_offer_and_a_link(runs):
    run = runs([text("23T09:00:00", ALEX, "Hi, first time here - how do I start?"), text("23T09:01:00", ALEX, "Alex")])
    said = run.said(ALEX)
    assert said[0] == "Hi! Welcome to Lotus Yoga & Movement. I don't think we've met: what's your first name?"
    assert said[1] == "Nice to meet you, Alex!"
    assert said[2].startswith("Welcome! Our intro offer is Intro: 3 PT sessions, £39. Book and pay here: http")
    assert said[2].endswith("Then tell us what suits you and we'll match you with an instructor.")
    with run.studio() as s:
        lead = s.scalars(select(Lead)).one()
        assert (lead.name, lead.phone, lead.status) == ("Alex", ALEX, "new")
    run.feed([text("23T09:02:00", ALEX, "intro")])  # asking again reuses the lead
    with run.studio() as s:
        assert len(s.scalars(select(Lead)).all()) == 1


def test_a_waitlist_yes_is_not_taken_for_the_next_session(runs):
    run = runs(
        PREFERENCES
        + [
            text("23T09:20:00", MAYA, "1"),
            text("23T09:25:00", JESS, "Y"),
            json.dumps({"tick": "2026-11-24T07:30:00+00:00"}),
        ]
    )
    with run.studio() as s:
        booking = s.scalars(select(Booking).where(Booking.source == "intro")).one()
        attendance.check_in(s, booking.id, actor="test")
    run.feed([json.dumps({"tick": "2026-11-28T09:00:00+00:00"})])  # the offer went Tue; it's Sat now
    run.feed([text("28T09:00:30", JANE, "yes")])
    assert run.said(JANE)[-1] == "There's nothing waiting for a yes right now. Text 'my bookings' or 'book ...'."


def test_no_checkout_no_lead_but_the_rest_of_the_turn_stands(runs, monkeypatch):
    """Payments down when a stranger asks for the intro: the reply says so, no lead is kept
    (the links are all or none), and the name they gave in the same turn is still saved."""

    def down(*_args, **_kwargs):
        raise PaymentError("payments are down")

    monkeypatch.setattr(lead_desk, "start_checkout", down)
    run = runs([text("23T09:00:00", ALEX, "Hi, first time here - how do I start?"), text("23T09:01:00", ALEX, "Alex")])
    assert run.said(ALEX)[-1] == "Sorry, paying by text isn't available right now. You can pay at the desk."
    with run.studio() as s:
        assert s.scalars(select(Lead)).all() == []
        assert s.scalars(select(Client.name).where(Client.phone == ALEX)).all() == ["Alex"]
