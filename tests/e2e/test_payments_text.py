"""Paying by text: "buy 10 pack" and friends, fee links after a late cancel or a no-show,
and intro offers paid through the same checkout (the Lotus fixture, demo checkout)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import responses
from sqlalchemy import func, select

from app.booking import attendance, credits
from app.booking.schedules import generate_for_studios
from app.fixtures import load_fixture
from app.models import Client, CreditEntry, IntroOffer, Lead, OutboxMessage, Payment, Policy, Studio
from app.payments import checkout, refunds
from bot.replies import SMS_LIMIT, gsm7, gsm7_length
from tests.conversation import BASE, LOTUS, Texter, make_app
from tests.factories import local

SAM = "+447700900301"
LONDON = "Europe/London"
LINK = re.compile(re.escape(BASE) + r"/pay/(\d+-[A-Za-z0-9_-]+)")


@pytest.fixture(autouse=True)
def demo_env(monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)


@pytest.fixture
def lotus(db, clock):
    load_fixture(db, LOTUS)
    generate_for_studios(db)
    with db.unscoped() as s:
        return s.scalars(select(Studio).where(Studio.key == "lotus")).one().id


def quiet_app(db):
    """The app with outbox delivery left to the test: texts are asserted as outbox rows."""
    app = make_app(db)
    app.extensions["frontdesk.deliver"] = lambda studio_id: None
    return app


@pytest.fixture
def app(db, lotus):
    return quiet_app(db)


@pytest.fixture
def web(app):
    return app.test_client()


def sms_ok(text: str) -> bool:
    return text == gsm7(text) and gsm7_length(text) <= SMS_LIMIT


def balance(db, studio_id, phone=SAM):
    with db.studio(studio_id) as s:
        client = s.scalars(select(Client).where(Client.phone == phone)).one()
        return credits.balance(s, client.id)


def outbox(db, studio_id, kind):
    with db.studio(studio_id) as s:
        return [
            (o.dedupe_key, o.to_addr, o.body)
            for o in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
        ]


def payments(db, studio_id):
    with db.studio(studio_id) as s:
        rows = s.scalars(select(Payment).order_by(Payment.id)).all()
        for r in rows:
            s.expunge(r)
        return rows


def test_buy_ten_pack_texts_a_short_link_that_pays_once(db, lotus, web):
    reply = Texter(web, SAM).says("buy 10 pack")
    token = LINK.search(reply).group(1)
    assert reply == (
        f"10 Class Pack, £150. Pay securely here: {BASE}/pay/{token}\nIt's added to your account as soon as it's paid."
    )
    assert sms_ok(reply)
    [payment] = payments(db, lotus)
    assert (payment.kind, payment.status, payment.amount, payment.currency) == (
        "package",
        "open",
        Decimal("150.00"),
        "GBP",
    )
    assert balance(db, lotus).credits == 10
    assert web.post(f"/pay/demo/{token}").status_code == 303
    assert web.post(f"/pay/demo/{token}").status_code == 303
    assert balance(db, lotus).credits == 20
    [(key, to, body)] = outbox(db, lotus, "payment_received")
    assert (key, to) == (f"paid:payment:{payment.id}", SAM)
    assert body == "Thank you! Payment received: 10 Class Pack, £150. 20 credits left."


def test_buy_alone_lists_the_packages_and_a_number_picks(db, lotus, web):
    sam = Texter(web, SAM)
    assert sam.says("buy") == (
        "Which would you like to buy?\n1) Drop-in: £18 (1 class)\n"
        "2) Unlimited Monthly: £129 (unlimited)\n3) 10 Class Pack: £150 (10 classes)\n"
        "Reply with the number."
    )
    reply = sam.says("2")
    assert reply.startswith("Unlimited Monthly, £129. Pay securely here: " + BASE + "/pay/")
    assert [p.item_name for p in payments(db, lotus)] == ["Unlimited Monthly"]


def test_an_unknown_package_is_said_plainly_with_the_list(db, lotus, web):
    sam = Texter(web, SAM)
    reply = sam.says("buy the 5 class pass")
    assert reply == (
        "Sorry, we don't have a '5 class pass'. We have:\n1) Drop-in: £18 (1 class)\n"
        "2) Unlimited Monthly: £129 (unlimited)\n3) 10 Class Pack: £150 (10 classes)\n"
        "Reply with the number."
    )
    assert payments(db, lotus) == []
    assert sam.says("the first one").startswith("Drop-in, £18. Pay securely here:")


def test_asking_twice_gives_the_same_link(db, lotus, web):
    sam = Texter(web, SAM)
    first, second = sam.says("buy 10 pack"), sam.says("I want to buy the ten pack please")
    assert LINK.search(first).group(0) == LINK.search(second).group(0)
    assert len(payments(db, lotus)) == 1


def test_prices_point_to_buying(db, lotus, web):
    reply = Texter(web, SAM).says("prices?")
    assert "10 Class Pack: £150 (10 classes, 120 days)" in reply and reply.endswith(
        "Reply BUY to pay by text, or buy at the desk."
    )


@responses.activate
def test_with_stripe_the_text_still_fits_two_segments(db, lotus, web, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_platform")
    app = quiet_app(db)  # settings read STRIPE_SECRET_KEY now
    responses.post(
        "https://api.stripe.com/v1/checkout/sessions",
        json={
            "id": "cs_test_9",
            "object": "checkout.session",
            "url": "https://checkout.stripe.com/c/pay/cs_test_9#" + "a" * 400,
        },
    )
    reply = Texter(app.test_client(), SAM).says("buy 10 pack")
    assert sms_ok(reply) and LINK.search(reply)
    assert len(responses.calls) == 1


def test_stripe_down_is_said_plainly(db, lotus, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_platform")
    app = quiet_app(db)
    with responses.RequestsMock() as mock:
        mock.post("https://api.stripe.com/v1/checkout/sessions", status=500, json={"error": {"message": "down"}})
        mock.post("https://api.stripe.com/v1/checkout/sessions", status=500, json={"error": {"message": "down"}})
        mock.post("https://api.stripe.com/v1/checkout/sessions", status=500, json={"error": {"message": "down"}})
        reply = Texter(app.test_client(), SAM).says("buy 10 pack")
    assert reply == "Sorry, paying by text isn't available right now. You can pay at the desk."
    assert payments(db, lotus) == []


# ------------------------------------------------------------------------ fees


def _fee_policy(db, studio_id, **values):
    with db.studio(studio_id) as s:
        policy = s.scalars(select(Policy)).one()
        for k, v in values.items():
            setattr(policy, k, v)
        s.commit()


def test_a_late_cancel_fee_is_owed_texted_as_a_link_and_settled_by_paying(db, lotus, web, clock):
    _fee_policy(db, lotus, late_cancel="fee", late_cancel_fee=Decimal("5"))
    sam = Texter(web, SAM)
    sam.says("book yoga wed 6pm")
    clock.set(local(LONDON, 2026, 11, 25, 9))
    assert "there's a £5 late-cancel fee" in sam.says("cancel my booking")
    assert "A £5 late-cancel fee applies." in sam.says("yes")
    assert balance(db, lotus).owed == Decimal("5.00")
    [(key, to, body)] = outbox(db, lotus, "fee_link")
    [fee] = payments(db, lotus)
    assert key == f"fee:booking:{fee.booking_id}" and to == SAM
    assert body == f"A £5 late-cancel fee for Vinyasa Flow, Wed 25 Nov 18:00 is due. Pay here: {fee.checkout_url}"
    assert sms_ok(body) and (fee.kind, fee.amount, fee.status) == ("fee", Decimal("5.00"), "open")
    web.post(f"/pay/demo/{fee.token}")
    assert balance(db, lotus).owed == Decimal("0.00")
    with db.studio(lotus) as s:
        paid = s.scalars(select(CreditEntry).where(CreditEntry.kind == "fee_paid")).one()
        assert (paid.amount, paid.booking_id) == (Decimal("-5.00"), fee.booking_id)
    assert [b for _, _, b in outbox(db, lotus, "payment_received")] == ["Thank you! Your £5 fee is paid."]


def test_a_no_show_fee_links_once_and_paying_after_a_waiver_is_flagged(db, lotus, web, clock):
    _fee_policy(db, lotus, no_show="fee", no_show_fee=Decimal("10"))
    sam = Texter(web, SAM)
    sam.says("book yoga wed 6pm")
    with db.studio(lotus) as s:
        from app.models import Booking

        booking_id = s.scalars(select(Booking.id)).one()
    clock.set(local(LONDON, 2026, 11, 26, 7))  # issue 11: after the review window (class end + 12 h)
    with db.studio(lotus) as s:
        attendance.mark_no_show(s, booking_id, actor="desk")
    assert balance(db, lotus).owed == Decimal("10.00")
    [(key, _, body)] = outbox(db, lotus, "fee_link")  # one text: the no-show, the link, how to dispute it
    assert key == f"fee:booking:{booking_id}"
    assert body.startswith("You were marked as a no-show for Vinyasa Flow Wed 25 Nov 18:00, so a £10 fee is due.")
    with db.studio(lotus) as s:
        attendance.check_in(s, booking_id, actor="desk")  # she was there after all: fee waived
    assert balance(db, lotus).owed == Decimal("0.00")
    [fee] = payments(db, lotus)
    web.post(f"/pay/demo/{fee.token}")
    [fee] = payments(db, lotus)
    assert fee.status == "paid" and fee.needs_attention and "refund the client" in fee.attention_note
    assert balance(db, lotus).owed == Decimal("0.00")
    assert len(outbox(db, lotus, "payment_attention")) >= 1


# ------------------------------------------------------------------------ intro offers


def _lead(db, studio_id, phone="+447700900555", active=True):
    with db.studio(studio_id) as s:
        offer = s.scalars(select(IntroOffer)).one()
        offer.active = active
        lead = Lead(name="Jane Doe", phone=phone, intro_offer_id=offer.id, status="new")
        s.add(lead)
        s.flush()
        payment = checkout.start_checkout(s, item=offer, lead_id=lead.id)
        s.commit()
        return lead.id, payment


def test_an_intro_offer_paid_through_checkout_grants_its_sessions_and_a_refund_takes_them_back(db, lotus, web):
    lead_id, payment = _lead(db, lotus)
    assert (payment.item_name, payment.amount, payment.kind) == (
        "Intro: 3 PT sessions",
        Decimal("39.00"),
        "intro_offer",
    )
    web.post(f"/pay/demo/{payment.token}")
    web.post(f"/pay/demo/{payment.token}")
    with db.studio(lotus) as s:
        lead = s.get(Lead, lead_id)
        paid = s.get(Payment, payment.id)
        assert lead.status == "paid" and lead.client_id is not None and paid.client_id == lead.client_id
        assert credits.balance(s, lead.client_id).credits == 3
        assert paid.client_package_id is not None and not paid.needs_attention
        client_id = lead.client_id
    with db.studio(lotus) as s:
        refunds.refund_payment(s, payment.id, actor="staff:owner")
    with db.studio(lotus) as s:
        assert credits.balance(s, client_id).credits == 0
        assert s.get(Payment, payment.id).status == "refunded"
        kinds = [
            e.kind
            for e in s.scalars(select(CreditEntry).where(CreditEntry.client_id == client_id).order_by(CreditEntry.id))
        ]
        assert kinds == ["grant", "adjust"]


def test_an_intro_offer_withdrawn_before_payment_is_recorded_and_flagged(db, lotus, web):
    lead_id, payment = _lead(db, lotus)
    with db.studio(lotus) as s:
        s.scalars(select(IntroOffer)).one().active = False
        s.commit()
    web.post(f"/pay/demo/{payment.token}")
    with db.studio(lotus) as s:
        paid = s.get(Payment, payment.id)
        assert paid.status == "paid" and paid.needs_attention and "no longer on sale" in paid.attention_note
        assert s.get(Lead, lead_id).status == "paid"
        assert s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "payment_attention")) >= 1
