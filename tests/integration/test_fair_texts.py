"""Fair rules (issue 11): texts still true when they go, confirmations that never print a
passed deadline, late-cancel wording, and overlapping bookings (allow / ask / refuse).

Each test runs on SQLite and PostgreSQL (the ``db`` fixture); the conversations run through
the simulator on the test's own database, with clocks that cross quiet hours."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.booking import booking as svc
from app.booking import credits
from app.booking.changes import move_session
from app.messaging.delivery import deliver_studio
from app.models import Booking, OutboxMessage, Payment, Policy
from tests.factories import grant_pack, local, make_client, make_session, make_studio
from tests.simulation import replies_to, simulate

LOTUS = Path(__file__).parents[1] / "data" / "lotus.toml"
SAM, STUDIO = "+447700900301", "+447700900100"
START = "2026-11-23T09:00:00+00:00"  # Monday; London is on UTC in November


def fixture(tmp_path: Path, *, policy: dict | None = None, extra: str = "") -> Path:
    """A copy of lotus.toml with ``policy`` keys set (replaced, or added) and ``extra`` appended."""
    lines = LOTUS.read_text().splitlines()
    for key, value in (policy or {}).items():
        rendered = (
            f"{key} = {value!r}".replace("'", '"') if not isinstance(value, bool) else f"{key} = {str(value).lower()}"
        )
        at = next((i for i, line in enumerate(lines) if line.startswith(f"{key} =")), None)
        if at is None:
            lines.insert(lines.index("[studio.policy]") + 1, rendered)
        else:
            lines[at] = rendered
    path = tmp_path / "studio.toml"
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def outbox(db, kind: str) -> list[OutboxMessage]:
    with db.system("test: read the outbox") as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def at(day: int, hh: int, mm: int = 0) -> str:
    return datetime(2026, 11, day, hh, mm).isoformat() + "+00:00"


def say(when: str, body: str) -> dict:
    return {"at": when, "from": SAM, "to": STUDIO, "body": body}


def final_bookings(out: list[dict]) -> list[tuple[str, str, str]]:
    return [(b["class"], b["start"][:16], b["status"]) for b in out[-1]["state"]["bookings"] if b["phone"] == SAM]


# ---------------------------------------------------------------- texts still true when they go


def test_a_reminder_held_by_quiet_hours_is_not_sent_once_the_booking_was_cancelled(db, tmp_path):
    """Quiet hours 21:00-08:00: the 2 h reminder for a 09:30 class falls due at 07:30 and is
    held to 08:00; the client cancels at 07:45, so at 08:00 it is dropped, with the reason."""
    out = simulate(
        db,
        fixture(tmp_path),
        START,
        [
            say(at(23, 9), "book yoga sat 9:30am"),
            say(at(28, 7, 45), "cancel yoga"),
            say(at(28, 7, 46), "yes"),
            {"tick": at(28, 9)},
        ],
    )
    texts = replies_to(out, SAM)
    assert texts[0].startswith("Booked: Vinyasa Flow, Sat 28 Nov 09:30 at Clapham")
    assert texts[-1].startswith("Cancelled late: Vinyasa Flow, Sat 28 Nov 09:30.")
    assert [t for t in texts if t.startswith("Reminder:")] == [
        "Reminder: Vinyasa Flow tomorrow at 09:30, Clapham with Maya. Can't make it? Reply C to cancel."
    ]  # the 24 h one, on Friday; the 2 h one never went
    [held] = outbox(db, "reminder_2h")
    assert held.status == "skipped" and held.error_message == "the booking is late cancelled"
    assert held.send_after == datetime.fromisoformat(at(28, 8)) and held.about.startswith("booking:")
    assert final_bookings(out) == [("Vinyasa Flow", "2026-11-28T09:30", "late_cancelled")]


def test_a_reminder_held_by_quiet_hours_still_goes_at_eight_when_still_true(db, tmp_path):
    out = simulate(db, fixture(tmp_path), START, [say(at(23, 9), "book yoga sat 9:30am"), {"tick": at(28, 9)}])
    sent = [line for line in out if line.get("kind") == "reminder_2h"]
    assert [(line["at"][:16], line["body"]) for line in sent] == [
        (
            "2026-11-28T08:00",
            "Reminder: Vinyasa Flow today at 09:30, Clapham with Maya. Can't make it? Reply C to cancel.",
        )
    ]
    [row] = outbox(db, "reminder_2h")
    assert row.status == "sent"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []

    def send(self, message: OutboxMessage, status_callback: str | None = None) -> str:
        self.sent.append(message)
        return f"SM{len(self.sent):032d}"


def deliver(db, world, transport: Recorder) -> list[int]:
    with db.studio(world.studio_id) as s:
        return deliver_studio(s, transport)


@pytest.fixture
def quiet_world(db, clock):
    world = make_studio(
        db,
        cancel_window_hours=12,
        late_cancel="fee",
        late_cancel_fee=Decimal("5"),
        quiet_start=time(21),
        quiet_end=time(8),
    )
    world.client_id = make_client(db, world, SAM)
    grant_pack(db, world, world.client_id, 5, starts_at=clock.now())
    return world


def test_a_move_text_is_dropped_when_the_class_moved_again_before_it_went(db, quiet_world, clock):
    world = quiet_world
    sid = make_session(db, world, local(world, 2026, 11, 26, 18))
    with db.studio(world.studio_id) as s:
        svc.book(s, world.client_id, sid)
    clock.set(local(world, 2026, 11, 24, 22))
    with db.studio(world.studio_id) as s:
        move_session(s, sid, starts_at=local(world, 2026, 11, 26, 19), actor="Ana (owner)")
    transport = Recorder()
    assert deliver(db, world, transport) == []  # quiet hours: held to 08:00
    clock.set(local(world, 2026, 11, 24, 23))
    with db.studio(world.studio_id) as s:
        move_session(s, sid, starts_at=local(world, 2026, 11, 26, 20), actor="Ana (owner)")
    clock.set(local(world, 2026, 11, 25, 8, 5))
    deliver(db, world, transport)
    first, second = outbox(db, "session_moved")
    assert first.status == "skipped" and first.error_message == "the class moved again since this was written"
    assert second.status == "sent"
    assert [m.body for m in transport.sent] == [second.body]
    assert "has moved to Thu 26 Nov 20:00" in second.body


def test_a_move_text_is_dropped_when_the_class_was_cancelled_before_it_went(db, quiet_world, clock):
    from app.booking.changes import cancel_by_studio

    world = quiet_world
    sid = make_session(db, world, local(world, 2026, 11, 26, 18))
    with db.studio(world.studio_id) as s:
        svc.book(s, world.client_id, sid)
    clock.set(local(world, 2026, 11, 24, 22))
    with db.studio(world.studio_id) as s:
        move_session(s, sid, starts_at=local(world, 2026, 11, 26, 19), actor="Ana (owner)")
    with db.studio(world.studio_id) as s:
        cancel_by_studio(s, sid, reason="teacher ill", actor="Ana (owner)")
    clock.set(local(world, 2026, 11, 25, 8, 5))
    transport = Recorder()
    deliver(db, world, transport)
    [moved] = outbox(db, "session_moved")
    assert moved.status == "skipped" and moved.error_message == "the class was cancelled"
    assert [m.kind for m in transport.sent] == ["session_cancelled"]


def test_a_fee_link_for_a_fee_waived_before_it_went_is_not_sent(db, quiet_world, clock):
    world = quiet_world
    sid = make_session(db, world, local(world, 2026, 11, 25, 9))
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, world.client_id, sid).booking.id
    clock.set(local(world, 2026, 11, 24, 22))  # 11 h before: late, a £5 fee
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id, accept_late=True)
    transport = Recorder()
    deliver(db, world, transport)
    [link] = outbox(db, "fee_link")
    with db.studio(world.studio_id) as s:
        payment = s.scalars(select(Payment).where(Payment.booking_id == booking_id)).one()
        assert link.status == "pending" and link.about == f"payment:{payment.id}"  # held by quiet hours
        credits.record_fee_waived(s, s.get(Booking, booking_id), Decimal("5"), "waived by the desk", "desk")
        s.commit()
    clock.set(local(world, 2026, 11, 25, 8, 5))
    deliver(db, world, transport)
    [link] = outbox(db, "fee_link")
    assert link.status == "skipped" and link.error_message == "nothing is owed any more (the fee was waived or settled)"
    assert transport.sent == []


def test_a_fee_link_still_owed_goes_at_the_end_of_quiet_hours(db, quiet_world, clock):
    world = quiet_world
    sid = make_session(db, world, local(world, 2026, 11, 25, 9))
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, world.client_id, sid).booking.id
    clock.set(local(world, 2026, 11, 24, 22))
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id, accept_late=True)
    clock.set(local(world, 2026, 11, 25, 8, 5))
    transport = Recorder()
    deliver(db, world, transport)
    [link] = outbox(db, "fee_link")
    assert link.status == "sent" and [m.kind for m in transport.sent] == ["fee_link"]


# ---------------------------------------------------------------- confirmations: no deadline in the past


@pytest.mark.parametrize(
    ("policy", "tail"),
    [
        ({}, "9 credits left. Late-cancel rules apply now: cancelling costs the credit."),
        (
            {"late_cancel": "fee", "late_cancel_fee": 10.0},
            "9 credits left. Late-cancel rules apply now: cancelling costs a £10 fee.",
        ),
        ({"late_cancel": "none"}, "9 credits left."),
    ],
)
def test_a_booking_made_inside_the_cancel_window_prints_no_past_deadline(db, tmp_path, policy, tail):
    """A 6 h window: booked at 15:00 for an 18:00 class, the free-cancel deadline (12:00) has
    passed, so the confirmation says what a cancel costs instead."""
    out = simulate(
        db,
        fixture(tmp_path, policy={"cancel_window_hours": 6, **policy}),
        START,
        [say(at(25, 15), "book yoga today 6pm")],
    )
    [reply] = replies_to(out, SAM)
    # (a studio that charges fees also has them named after this: "Late cancels: £10.")
    assert reply.startswith(f"Booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya. {tail}")
    assert "Free to cancel" not in reply


def test_a_booking_made_before_the_window_still_gives_the_deadline(db, tmp_path):
    out = simulate(
        db, fixture(tmp_path, policy={"cancel_window_hours": 6}), START, [say(at(25, 9), "book yoga today 6pm")]
    )
    assert replies_to(out, SAM) == [
        "Booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya. 9 credits left. "
        "Free to cancel until Wed 12:00."
    ]


# ---------------------------------------------------------------- late-cancel wording


@pytest.mark.parametrize(
    ("policy", "said"),
    [
        ({"fill_to_forgive": False}, "Cancelled late: Vinyasa Flow, Wed 25 Nov 18:00. The credit is used."),
        (  # nobody is waiting: no refill to forgive, so nothing is promised
            {"fill_to_forgive": True},
            "Cancelled late: Vinyasa Flow, Wed 25 Nov 18:00. The credit is used.",
        ),
        (
            {"fill_to_forgive": False, "late_cancel": "fee", "late_cancel_fee": 5.0},
            "Cancelled late: Vinyasa Flow, Wed 25 Nov 18:00. A £5 late-cancel fee applies.",
        ),
        (
            {"fill_to_forgive": True, "late_cancel": "none"},
            "Cancelled late: Vinyasa Flow, Wed 25 Nov 18:00. No charge this time.",
        ),
    ],
)
def test_a_late_cancel_says_what_actually_happens(db, tmp_path, policy, said):
    out = simulate(
        db,
        fixture(tmp_path, policy=policy),
        START,
        [say(at(23, 9), "book yoga wed 6pm"), say(at(25, 9), "cancel yoga"), say(at(25, 9, 1), "yes")],
    )
    replies = [line["body"] for line in out if line.get("kind") == "reply" and line["to"] == SAM]
    assert replies[-1] == said
    assert final_bookings(out) == [("Vinyasa Flow", "2026-11-25T18:00", "late_cancelled")]


# ---------------------------------------------------------------- overlaps

REFORMER_TUE_7PM = """
[[studio.schedule]]
class_type = "reformer"
location = "clapham"
instructor = "sara"
days = ["tue"]
time = "19:00"
starts_on = "2026-11-02"
"""
YIN = ("Yin Yoga", "2026-11-24T19:30", "confirmed")
REFORMER = ("Reformer Pilates", "2026-11-24T19:00", "confirmed")


def overlap_script(answer: str | None = None) -> list[dict]:
    lines = [say(at(23, 9), "book yin tue 7:30pm"), say(at(23, 9, 1), "book reformer tue 7pm")]
    return lines + ([say(at(23, 9, 2), answer)] if answer else [])


def test_overlap_ask_then_yes_books_both(db, tmp_path):
    out = simulate(db, fixture(tmp_path, extra=REFORMER_TUE_7PM), START, overlap_script("yes"))
    texts = replies_to(out, SAM)
    assert texts[1] == (
        "You're already booked into Yin Yoga Tue 19:30 at that time. "
        "Book Reformer Pilates Tue 19:00 too? Reply YES or NO."
    )
    assert texts[2].startswith("Booked: Reformer Pilates, Tue 24 Nov 19:00 at Clapham with Sara. 7 credits left.")
    assert sorted(final_bookings(out)) == sorted([YIN, REFORMER])


def test_overlap_ask_then_no_books_nothing(db, tmp_path):
    out = simulate(db, fixture(tmp_path, extra=REFORMER_TUE_7PM), START, overlap_script("no"))
    assert replies_to(out, SAM)[2] == "OK, I haven't booked it."
    assert final_bookings(out) == [YIN]
    assert out[-1]["state"]["credits"][f"lotus:{SAM}"] == 9


def test_overlap_is_asked_by_default(db, tmp_path):
    """lotus.toml has no overlap_rule: the default (ask) applies."""
    out = simulate(db, fixture(tmp_path, extra=REFORMER_TUE_7PM), START, overlap_script())
    assert replies_to(out, SAM)[1].startswith("You're already booked into Yin Yoga Tue 19:30 at that time.")
    assert final_bookings(out) == [YIN]


def test_overlap_refused_by_the_studio(db, tmp_path):
    out = simulate(
        db, fixture(tmp_path, policy={"overlap_rule": "refuse"}, extra=REFORMER_TUE_7PM), START, overlap_script("yes")
    )
    texts = replies_to(out, SAM)
    assert texts[1] == (
        "You're booked into Yin Yoga Tue 19:30 at that time, so I can't book Reformer Pilates Tue 19:00 too. "
        "Cancel that one first if you'd rather."
    )
    assert final_bookings(out) == [YIN]


def test_overlap_allowed_by_the_studio_books_at_once(db, tmp_path):
    out = simulate(
        db, fixture(tmp_path, policy={"overlap_rule": "allow"}, extra=REFORMER_TUE_7PM), START, overlap_script()
    )
    assert replies_to(out, SAM)[1].startswith("Booked: Reformer Pilates, Tue 24 Nov 19:00")
    assert sorted(final_bookings(out)) == sorted([YIN, REFORMER])


def test_back_to_back_classes_do_not_overlap(db, quiet_world, clock):
    world = quiet_world
    first = make_session(db, world, local(world, 2026, 11, 26, 18))  # 18:00-19:00
    second = make_session(db, world, local(world, 2026, 11, 26, 19))  # 19:00-20:00
    with db.studio(world.studio_id) as s:
        svc.book(s, world.client_id, first)
        assert svc.book(s, world.client_id, second).booking.status == "confirmed"


def test_the_core_refuses_an_overlap_until_the_client_agrees(db, quiet_world, clock):
    from app.booking.errors import OverlapsBooking

    world = quiet_world
    first = make_session(db, world, local(world, 2026, 11, 26, 18))
    second = make_session(db, world, local(world, 2026, 11, 26, 18, 30))
    with db.studio(world.studio_id) as s:
        held = svc.book(s, world.client_id, first).booking.id
        s.commit()
    with db.studio(world.studio_id) as s:
        with pytest.raises(OverlapsBooking) as refused:
            svc.book(s, world.client_id, second)
        assert (refused.value.booking_id, refused.value.session_id, refused.value.rule) == (held, first, "ask")
        assert svc.book(s, world.client_id, second, allow_overlap=True).booking.status == "confirmed"
        s.commit()
    with db.studio(world.studio_id) as s:
        s.scalars(select(Policy)).one().overlap_rule = "refuse"
        s.commit()
    third = make_session(db, world, local(world, 2026, 11, 26, 18, 15))
    with db.studio(world.studio_id) as s:
        with pytest.raises(OverlapsBooking):
            svc.book(s, world.client_id, third, allow_overlap=True)


PRIYA = "+447700900302"
PROMISE = "If someone takes your spot from the waitlist, it's forgiven and we'll let you know."


@pytest.mark.parametrize(
    ("cancel_at", "promised"),
    [
        (at(25, 9), True),  # someone waits and an offer can go at once
        (at(25, 17, 20), False),  # inside the 60-minute waitlist cutoff: no offer can go
    ],
)
def test_the_forgive_promise_only_when_a_refill_can_still_happen(db, tmp_path, cancel_at, promised):
    studio = fixture(tmp_path, policy={"fill_to_forgive": True})
    studio.write_text(studio.read_text().replace("capacity = 16", "capacity = 1", 1))
    out = simulate(
        db,
        studio,
        START,
        [
            say(at(23, 9), "book yoga wed 6pm"),
            {"at": at(23, 9, 5), "from": PRIYA, "to": STUDIO, "body": "book yoga wed 6pm"},
            {"at": at(23, 9, 6), "from": PRIYA, "to": STUDIO, "body": "yes"},  # join the waitlist
            say(cancel_at, "cancel yoga"),
            say(cancel_at.replace(":00+", ":01+", 1) if cancel_at.endswith(":00+00:00") else cancel_at, "yes"),
        ],
    )
    replies = [line["body"] for line in out if line.get("kind") == "reply" and line["to"] == SAM]
    assert replies[-1].startswith("Cancelled late: Vinyasa Flow, Wed 25 Nov 18:00. The credit is used.")
    assert (PROMISE in replies[-1]) is promised
