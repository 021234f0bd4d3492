"""Issue 13, money in conversation: short of credits -> the pack menu -> a payment link ->
once paid, the confirmation offers the class again and YES books it. Both backends."""

from __future__ import annotations

from sqlalchemy import select

from app.booking.schedules import generate_for_studios
from app.fixtures import load_fixture
from app.models import Booking, OutboxMessage, Payment, Studio
from app.payments.fulfil import complete_payment
from tests.conversation import LOTUS, Texter, make_app

JON = "+447700900303"  # one drop-in credit; Reformer takes 2


def test_paying_for_a_pack_from_the_menu_offers_the_class_again_and_yes_books_it(db, clock):
    load_fixture(db, LOTUS)
    generate_for_studios(db)
    with db.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()
    jon = Texter(make_app(db).test_client(), JON)
    menu = jon.says("book reformer thu 7am")
    assert menu.startswith("Reformer Pilates takes 2 credits; you have 1. Buy a pack to book it?\n1) Unlimited Monthly")
    assert "Pay securely here:" in jon.says("1")
    with db.studio(studio_id) as s:
        payment_id = s.scalars(select(Payment.id).where(Payment.kind == "package")).one()
        complete_payment(s, payment_id, provider_ref="pi_test")
    with db.studio(studio_id) as s:
        paid_text = s.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "payment_received")).one()
    assert paid_text.startswith("Thank you! Payment received: Unlimited Monthly")
    assert paid_text.endswith("Shall I book Reformer Pilates Thu 07:00 for you now? Reply YES.")
    assert jon.says("YES").startswith("Booked: Reformer Pilates, Thu 26 Nov 07:00")
    with db.studio(studio_id) as s:
        assert [b.status for b in s.scalars(select(Booking))] == ["confirmed"]


def test_a_payment_made_after_the_class_filled_offers_nothing_untrue(db, clock):
    load_fixture(db, LOTUS)
    generate_for_studios(db)
    with db.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()
    jon = Texter(make_app(db).test_client(), JON)
    jon.says("book reformer thu 7am")
    jon.says("1")
    clock.set(clock.now().replace(year=2026, month=11, day=27))  # the class is over by the time they pay
    with db.studio(studio_id) as s:
        payment_id = s.scalars(select(Payment.id).where(Payment.kind == "package")).one()
        complete_payment(s, payment_id, provider_ref="pi_test")
    with db.studio(studio_id) as s:
        paid_text = s.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "payment_received")).one()
    assert "Shall I book" not in paid_text
