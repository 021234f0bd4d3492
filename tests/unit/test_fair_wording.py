"""Fair rules (issue 11) in words, without a database: confirmations never print a passed
deadline, a late cancel says what happens, and the overlap question is asked and answered."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.desk import BalanceView, Outcome, SessionView
from bot.dialogue import State
from bot.replies import Words

from . import fake_desk
from .fake_desk import SAM, FakeStudio, Phone, local

STUDIO = FakeStudio().view
YOGA = SessionView(1, "Vinyasa Flow", 1, local(2026, 11, 25, 18), "Shoreditch", "Maya Patel", 12, 3, 0)
YIN = SessionView(2, "Yin Yoga", 2, local(2026, 11, 24, 19, 30), "Shoreditch", "Maya Patel", 10, 1, 0)
REFORMER = SessionView(9, "Reformer Pilates", 3, local(2026, 11, 24, 19), "Clapham", "Sara Lee", 8, 1, 0)
PACK = BalanceView(9, False, None, Decimal("0"))
MEMBER = BalanceView(0, True, None, Decimal("0"))
DEADLINE = local(2026, 11, 25, 12)  # 6 h before the class
BOOKED = "Booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya."


@pytest.fixture
def words() -> Words:
    return Words(STUDIO)


def test_a_deadline_still_ahead_is_printed(words):
    before = DEADLINE - timedelta(hours=3)
    assert words.booked(YOGA, PACK, DEADLINE, now=before, consequence="forfeit_credit") == (
        f"{BOOKED} 9 credits left. Free to cancel until Wed 12:00."
    )


def test_without_the_time_now_the_deadline_is_printed_as_before(words):
    assert words.booked(YOGA, PACK, DEADLINE).endswith("Free to cancel until Wed 12:00.")


@pytest.mark.parametrize(
    ("balance", "consequence", "fee", "tail"),
    [
        (
            PACK,
            "forfeit_credit",
            Decimal("0"),
            "9 credits left. Late-cancel rules apply now: cancelling costs the credit.",
        ),
        (
            MEMBER,
            "forfeit_credit",
            Decimal("0"),
            "Your membership covers it. Late-cancel rules apply now: cancelling counts as a late cancel.",
        ),
        (PACK, "fee", Decimal("10"), "9 credits left. Late-cancel rules apply now: cancelling costs a £10 fee."),
        (PACK, "none", Decimal("0"), "9 credits left."),
    ],
)
def test_a_deadline_that_has_passed_is_never_printed(words, balance, consequence, fee, tail):
    for now in (DEADLINE, DEADLINE + timedelta(hours=3)):  # at the deadline it has passed too
        said = words.booked(YOGA, balance, DEADLINE, now=now, consequence=consequence, fee=fee)
        assert said == f"{BOOKED} {tail}"
        assert "Free to cancel" not in said and "12:00" not in said


@pytest.mark.parametrize(
    ("consequence", "fee", "spent", "forgive", "said"),
    [
        ("forfeit_credit", Decimal("0"), 1, False, "The credit is used."),
        (
            "forfeit_credit",
            Decimal("0"),
            1,
            True,
            "The credit is used. If someone takes your spot from the waitlist, it's forgiven and we'll let you know.",
        ),
        ("forfeit_credit", Decimal("0"), 0, False, ""),
        ("fee", Decimal("5"), 1, False, "A £5 late-cancel fee applies."),
        (
            "fee",
            Decimal("5"),
            1,
            True,
            "A £5 late-cancel fee applies. If someone takes your spot from the waitlist, it's forgiven and "
            "we'll let you know.",
        ),
        ("none", Decimal("0"), 1, True, "No charge this time."),
    ],
)
def test_a_late_cancel_says_what_happens_and_promises_only_what_the_studio_does(
    words, consequence, fee, spent, forgive, said
):
    text = words.late_cancelled(YOGA, consequence, fee, spent, forgive_if_filled=forgive)
    assert text == f"Cancelled late: Vinyasa Flow, Wed 25 Nov 18:00. {said}".rstrip()
    assert "kept" not in text


def test_the_overlap_question_names_both_classes(words):
    assert words.overlap_question(REFORMER, YIN) == (
        "You're already booked into Yin Yoga Tue 19:30 at that time. "
        "Book Reformer Pilates Tue 19:00 too? Reply YES or NO."
    )
    assert words.overlap_refused(REFORMER, YIN).startswith("You're booked into Yin Yoga Tue 19:30 at that time")


# ---------------------------------------------------------------- the overlap question in a conversation


@pytest.fixture
def overlapping(monkeypatch) -> FakeStudio:
    """The in-memory studio with a Reformer Tue 19:00 (50 min) that overlaps Yin Tue 19:30, and a
    desk that refuses an overlap the way ``SqlDesk.book`` does under ``overlap_rule``."""
    studio = FakeStudio()
    studio.add_session(3, local(2026, 11, 24, 19), 2, 2, 8)
    plain = fake_desk.FakeDesk.book
    calls: list[tuple[int, bool]] = []

    def book(self, session_id: int, allow_overlap: bool = False) -> Outcome:
        calls.append((session_id, allow_overlap))
        target = self.world.sessions[session_id]
        mine = [
            b
            for b in self.world.bookings.values()
            if b.client_id == self.person.client_id and b.status == "confirmed" and b.session_id != session_id
        ]
        for b in mine:
            other = self.world.sessions[b.session_id]
            clash = abs(other.starts_at - target.starts_at) < timedelta(minutes=50)
            rule = getattr(studio, "overlap_rule", "ask")
            if clash and (rule == "refuse" or (rule == "ask" and not allow_overlap)):
                kind = "overlap_refused" if rule == "refuse" else "overlap"
                return Outcome(False, kind, {"session": self.session(session_id), "clash": self.session(other.id)})
        return plain(self, session_id)

    monkeypatch.setattr(fake_desk.FakeDesk, "book", book)
    studio.calls = calls  # type: ignore[attr-defined]
    return studio


def test_yes_to_the_overlap_question_books_both(overlapping):
    sam = Phone(overlapping, SAM)
    assert sam.says("book yin tue").startswith("Booked: Yin Yoga, Tue 24 Nov 19:30")
    assert sam.says("book reformer tue 7pm") == (
        "You're already booked into Yin Yoga Tue 19:30 at that time. "
        "Book Reformer Pilates Tue 19:00 too? Reply YES or NO."
    )
    assert sam.state == State.CONFIRM_OVERLAP.value
    assert sam.says("yes").startswith("Booked: Reformer Pilates, Tue 24 Nov 19:00")
    assert sorted(overlapping.bookings_of(SAM)) == [
        ("Reformer Pilates", "Tue 19:00", "confirmed"),
        ("Yin Yoga", "Tue 19:30", "confirmed"),
    ]
    assert overlapping.calls[-1][1] is True  # type: ignore[attr-defined]
    assert sam.state == State.IDLE.value


def test_no_to_the_overlap_question_books_nothing(overlapping):
    sam = Phone(overlapping, SAM)
    sam.says("book yin tue")
    sam.says("book reformer tue 7pm")
    assert sam.says("no") == "OK, I haven't booked it."
    assert overlapping.bookings_of(SAM) == [("Yin Yoga", "Tue 19:30", "confirmed")]
    assert sam.state == State.IDLE.value


def test_a_refused_overlap_says_why_and_asks_nothing(overlapping):
    overlapping.overlap_rule = "refuse"  # type: ignore[attr-defined]
    sam = Phone(overlapping, SAM)
    sam.says("book yin tue")
    assert sam.says("book reformer tue 7pm").startswith(
        "You're booked into Yin Yoga Tue 19:30 at that time, so I can't book Reformer Pilates Tue 19:00 too."
    )
    assert sam.state == State.IDLE.value
    assert overlapping.bookings_of(SAM) == [("Yin Yoga", "Tue 19:30", "confirmed")]
