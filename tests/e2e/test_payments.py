"""Stripe payments: checkout requests, the signed webhook, fulfilment exactly once, refunds,
out-of-order events, the demo checkout and Connect. Stripe is the real library against
``responses``; webhooks are signed with Stripe's own scheme."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
import stripe
from sqlalchemy import func, select

from app.booking import booking as booking_svc
from app.booking import credits
from app.config import Settings
from app.factory import create_app
from app.models import (
    ClientPackage,
    CreditEntry,
    OutboxMessage,
    Package,
    Payment,
    Staff,
    StripeEvent,
    Studio,
)
from app.payments import checkout, refunds
from app.payments.errors import PaymentsUnavailable
from tests.factories import local, make_client, make_session, make_studio

WHSEC = "whsec_test_secret"
BASE = "https://desk.example"
STRIPE = "https://api.stripe.com"


@pytest.fixture
def stripe_env(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_platform")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WHSEC)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    monkeypatch.setenv("STRIPE_APPLICATION_FEE_PERCENT", "5")


@pytest.fixture
def demo_env(monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WHSEC)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)


@pytest.fixture
def shop(db, clock):
    """Lotus with an owner who has a phone, a 10-class pack at £120 and a client, Sam."""
    world = make_studio(db)
    with db.studio(world.studio_id) as s:
        s.add(Staff(key="olive", name="Olive Owner", phone="+447700900999", role="owner"))
        pack = Package(
            key="ten", name="10 Class Pack", kind="class_pack", credits=10, price=Decimal("120"), valid_days=90
        )
        s.add(pack)
        s.commit()
        world.package_id = pack.id
    world.client_id = make_client(db, world, "+447700900301", "Sam Lee")
    return world


def app_for(db):
    app = create_app(Settings(database_url=db.url, secret_key="test-secret"), database=db)
    app.config["TESTING"] = True
    app.extensions["frontdesk.deliver"] = lambda studio_id: None  # texts are asserted as outbox rows
    return app


def connect(db, world, account="acct_studio1", enabled=True):
    with db.studio(world.studio_id) as s:
        studio = s.get(Studio, world.studio_id)
        studio.stripe_account_id, studio.stripe_charges_enabled = account, enabled
        s.commit()


def mock_session(rsps, session_id="cs_test_1"):
    return rsps.post(
        f"{STRIPE}/v1/checkout/sessions",
        json={
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}#" + "f" * 300,
        },
    )


def buy(db, world, **kw) -> Payment:
    with db.studio(world.studio_id) as s:
        payment = checkout.start_checkout(s, item=s.get(Package, world.package_id), client_id=world.client_id, **kw)
        s.commit()
        return payment


def form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode() if isinstance(body, bytes) else body).items()}


def completed(payment: Payment, event_id="evt_1", **over) -> dict:
    obj = {
        "id": payment.stripe_checkout_id,
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": int(payment.amount * 100),
        "currency": payment.currency.lower(),
        "payment_intent": "pi_1",
        "metadata": {"studio_id": str(payment.studio_id), "payment_id": str(payment.id), "kind": payment.kind},
    }
    obj.update(over)
    return {"id": event_id, "object": "event", "type": "checkout.session.completed", "data": {"object": obj}}


def event(kind: str, obj: dict, event_id: str, account: str | None = None) -> dict:
    out = {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}
    if account:
        out["account"] = account
    return out


def post_event(client, payload: dict, *, secret=WHSEC, timestamp=None, tamper=False):
    body = json.dumps(payload)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    if tamper:
        body = body.replace('"paid"', '"PAID"', 1)
    return client.post(
        "/stripe/webhook", data=body, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )


def ledger(db, world):
    with db.studio(world.studio_id) as s:
        return [(e.kind, e.credits, e.amount) for e in s.scalars(select(CreditEntry).order_by(CreditEntry.id))]


def state(db, world, payment_id):
    with db.studio(world.studio_id) as s:
        p = s.get(Payment, payment_id)
        s.expunge(p)
        return p


def texts(db, world, kind=None):
    with db.studio(world.studio_id) as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            q = q.where(OutboxMessage.kind == kind)
        return [(m.to_addr, m.body) for m in s.scalars(q)]


# ------------------------------------------------------------------------ checkout


@responses.activate
def test_checkout_is_a_direct_charge_on_the_studio_account_with_the_platform_fee(db, shop, stripe_env):
    connect(db, shop)
    call = mock_session(responses)
    payment = buy(db, shop)
    sent = call.calls[0].request
    body = form(sent.body)
    assert body["mode"] == "payment"
    assert body["line_items[0][price_data][currency]"] == "gbp"
    assert body["line_items[0][price_data][unit_amount]"] == "12000"
    assert body["line_items[0][price_data][product_data][name]"] == "10 Class Pack"
    assert body["metadata[studio_id]"] == str(shop.studio_id)
    assert body["metadata[payment_id]"] == str(payment.id)
    assert body["metadata[kind]"] == "package"
    assert body["payment_intent_data[application_fee_amount]"] == "600"  # 5% of £120
    assert body["payment_intent_data[metadata][payment_id]"] == str(payment.id)
    assert body["client_reference_id"] == f"{shop.studio_id}-{payment.id}"
    assert body["success_url"] == f"{BASE}/pay/{payment.token}/done"
    assert sent.headers["Stripe-Account"] == "acct_studio1"
    assert sent.headers["Idempotency-Key"] == f"checkout:payment:{payment.id}"
    assert sent.headers["Authorization"] == "Bearer sk_test_platform"
    row = state(db, shop, payment.id)
    assert (row.status, row.amount, row.currency, row.stripe_checkout_id) == (
        "open",
        Decimal("120.00"),
        "GBP",
        "cs_test_1",
    )
    assert (row.stripe_account, row.application_fee) == ("acct_studio1", 600)
    assert row.checkout_url == f"{BASE}/pay/{row.token}" and len(row.checkout_url) < 60
    assert row.stripe_url.startswith("https://checkout.stripe.com/")


@responses.activate
def test_a_studio_without_connect_is_charged_on_the_platform_without_a_fee(db, shop, stripe_env):
    call = mock_session(responses)
    buy(db, shop)
    sent = call.calls[0].request
    assert "Stripe-Account" not in sent.headers
    assert "payment_intent_data[application_fee_amount]" not in form(sent.body)


@responses.activate
def test_an_unfinished_stripe_account_takes_no_payment_and_writes_nothing(db, shop, stripe_env):
    connect(db, shop, enabled=False)
    with db.studio(shop.studio_id) as s:
        with pytest.raises(PaymentsUnavailable):
            checkout.start_checkout(s, item=s.get(Package, shop.package_id), client_id=shop.client_id)
        s.rollback()
        assert s.scalar(select(func.count(Payment.id))) == 0
    assert len(responses.calls) == 0


@responses.activate
def test_stripe_refusing_the_checkout_leaves_nothing(db, shop, stripe_env):
    responses.post(
        f"{STRIPE}/v1/checkout/sessions",
        status=400,
        json={"error": {"type": "invalid_request_error", "message": "Invalid currency"}},
    )
    from app.payments.errors import StripeFailed

    with db.studio(shop.studio_id) as s:
        with pytest.raises(StripeFailed, match="Invalid currency"):
            checkout.start_checkout(s, item=s.get(Package, shop.package_id), client_id=shop.client_id)
        s.rollback()
        assert s.scalar(select(func.count(Payment.id))) == 0


# ------------------------------------------------------------------------ webhook


@responses.activate
def test_completed_grants_the_package_exactly_once(db, shop, stripe_env):
    mock_session(responses)
    payment = buy(db, shop)
    client = app_for(db).test_client()
    first = post_event(client, completed(payment))
    assert first.status_code == 200 and first.json["result"] == "handled"
    assert post_event(client, completed(payment)).json["result"] == "duplicate"  # Stripe retried the delivery
    assert post_event(client, completed(payment, "evt_2")).json["result"] == "handled"  # a second event id
    assert ledger(db, shop) == [("grant", 10, None)]
    row = state(db, shop, payment.id)
    assert (row.status, row.stripe_payment_intent, row.needs_attention) == ("paid", "pi_1", False)
    with db.studio(shop.studio_id) as s:
        pack = s.get(ClientPackage, row.client_package_id)
        assert (pack.name, pack.source, pack.client_id) == ("10 Class Pack", "payment", shop.client_id)
        assert credits.balance(s, shop.client_id).credits == 10
        assert s.scalar(select(func.count(StripeEvent.id))) == 2
    assert texts(db, shop, "payment_received") == [
        ("+447700900301", "Thank you! Payment received: 10 Class Pack, £120. 10 credits left.")
    ]


@responses.activate
def test_a_tampered_or_stale_signature_is_refused_and_writes_nothing(db, shop, stripe_env):
    mock_session(responses)
    payment = buy(db, shop)
    client = app_for(db).test_client()
    assert post_event(client, completed(payment), tamper=True).status_code == 400
    assert post_event(client, completed(payment), timestamp=int(time.time()) - 3600).status_code == 400
    assert post_event(client, completed(payment), secret="whsec_someone_else").status_code == 400
    assert client.post("/stripe/webhook", data=json.dumps(completed(payment))).status_code == 400  # unsigned
    assert ledger(db, shop) == []
    assert state(db, shop, payment.id).status == "open"
    with db.studio(shop.studio_id) as s:
        assert s.scalar(select(func.count(StripeEvent.id))) == 0


@responses.activate
def test_other_event_types_are_acknowledged_and_ignored(db, shop, stripe_env):
    client = app_for(db).test_client()
    response = post_event(client, event("customer.created", {"id": "cus_1"}, "evt_x"))
    assert response.status_code == 200 and response.json["result"] == "ignored"


@responses.activate
def test_expired_marks_it_and_a_late_expired_never_undoes_a_payment(db, shop, stripe_env):
    mock_session(responses, "cs_a")
    mock_session(responses, "cs_b")
    lapsed, paid = buy(db, shop), buy(db, shop)
    client = app_for(db).test_client()
    session_a = {
        "id": "cs_a",
        "object": "checkout.session",
        "metadata": {"studio_id": str(shop.studio_id), "payment_id": str(lapsed.id)},
    }
    post_event(client, event("checkout.session.expired", session_a, "evt_exp_a"))
    assert state(db, shop, lapsed.id).status == "expired"
    post_event(client, completed(paid, "evt_paid_b"))
    session_b = {
        "id": "cs_b",
        "object": "checkout.session",
        "metadata": {"studio_id": str(shop.studio_id), "payment_id": str(paid.id)},
    }
    post_event(client, event("checkout.session.expired", session_b, "evt_exp_b"))  # out of order
    assert state(db, shop, paid.id).status == "paid"
    assert ledger(db, shop) == [("grant", 10, None)]


@responses.activate
def test_the_short_link_makes_a_fresh_session_after_expiry(db, shop, stripe_env):
    mock_session(responses, "cs_a")
    payment = buy(db, shop)
    client = app_for(db).test_client()
    first = client.get(f"/pay/{payment.token}")
    assert first.status_code == 303 and first.headers["Location"].startswith("https://checkout.stripe.com/c/pay/cs_a")
    post_event(
        client,
        event(
            "checkout.session.expired",
            {"id": "cs_a", "metadata": {"studio_id": str(shop.studio_id), "payment_id": str(payment.id)}},
            "evt_e",
        ),
    )
    responses.replace(
        responses.POST,
        f"{STRIPE}/v1/checkout/sessions",
        json={"id": "cs_b", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_b"},
    )
    again = client.get(f"/pay/{payment.token}")
    assert again.headers["Location"] == "https://checkout.stripe.com/c/pay/cs_b"
    assert responses.calls[-1].request.headers["Idempotency-Key"] == f"checkout:payment:{payment.id}:2"
    row = state(db, shop, payment.id)
    assert (row.status, row.stripe_checkout_id, row.attempts) == ("open", "cs_b", 2)
    stale = post_event(client, completed(row, "evt_old", id="cs_a"))  # the dead session can't pay for it
    assert stale.status_code == 200 and state(db, shop, payment.id).status == "open"


@responses.activate
def test_refund_before_completed_grants_nothing(db, shop, stripe_env):
    mock_session(responses)
    payment = buy(db, shop)
    client = app_for(db).test_client()
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_1",
        "amount": 12000,
        "amount_refunded": 12000,
        "refunded": True,
        "metadata": {"studio_id": str(shop.studio_id), "payment_id": str(payment.id)},
    }
    assert post_event(client, event("charge.refunded", charge, "evt_r")).json["result"] == "handled"
    post_event(client, completed(payment, "evt_c"))
    row = state(db, shop, payment.id)
    assert row.status == "refunded" and row.paid_at is not None and row.needs_attention
    assert ledger(db, shop) == []


@responses.activate
def test_a_refund_takes_back_only_the_unused_credits(db, shop, stripe_env, clock):
    mock_session(responses)
    payment = buy(db, shop)
    client = app_for(db).test_client()
    post_event(client, completed(payment))
    class_id = make_session(db, shop, local(shop, 2026, 11, 25, 18))
    with db.studio(shop.studio_id) as s:
        booking_svc.book(s, shop.client_id, class_id)
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_1",
        "amount": 12000,
        "amount_refunded": 12000,
        "refunded": True,
        "metadata": {},
    }
    assert post_event(client, event("charge.refunded", charge, "evt_r")).json["result"] == "handled"
    assert post_event(client, event("charge.refunded", charge, "evt_r2")).json["result"] == "handled"
    assert ledger(db, shop) == [("grant", 10, None), ("spend", -1, None), ("adjust", -9, None)]
    row = state(db, shop, payment.id)
    assert (row.status, row.amount_refunded) == ("refunded", Decimal("120.00"))
    with db.studio(shop.studio_id) as s:
        assert s.get(ClientPackage, row.client_package_id).status == "refunded"
        assert credits.balance(s, shop.client_id).credits == 0
        assert len(booking_svc.upcoming_bookings(s, shop.client_id)) == 1  # the class already booked stays


@responses.activate
def test_admin_refund_calls_stripe_once_and_the_webhook_after_it_changes_nothing(db, shop, stripe_env):
    connect(db, shop)
    mock_session(responses)
    refund_call = responses.post(f"{STRIPE}/v1/refunds", json={"id": "re_1", "object": "refund", "status": "succeeded"})
    payment = buy(db, shop)
    client = app_for(db).test_client()
    post_event(client, {**completed(payment), "account": "acct_studio1"})
    with db.studio(shop.studio_id) as s:
        refunds.refund_payment(s, payment.id, actor="staff:olive")
    sent = refund_call.calls[0].request
    assert form(sent.body) == {
        "payment_intent": "pi_1",
        "amount": "12000",
        "refund_application_fee": "true",
        "metadata[studio_id]": str(shop.studio_id),
        "metadata[payment_id]": str(payment.id),
    }
    assert sent.headers["Idempotency-Key"] == f"refund:payment:{payment.id}"
    assert sent.headers["Stripe-Account"] == "acct_studio1"
    charge = {"id": "ch_1", "payment_intent": "pi_1", "amount": 12000, "amount_refunded": 12000, "metadata": {}}
    post_event(client, event("charge.refunded", charge, "evt_r", account="acct_studio1"))
    assert ledger(db, shop) == [("grant", 10, None), ("adjust", -10, None)]
    assert state(db, shop, payment.id).status == "refunded"
    from app.payments.errors import NotRefundable

    with db.studio(shop.studio_id) as s, pytest.raises(NotRefundable):
        refunds.refund_payment(s, payment.id, actor="staff:olive")
    assert len(refund_call.calls) == 1


@responses.activate
def test_a_partial_refund_is_flagged_not_guessed(db, shop, stripe_env):
    mock_session(responses)
    payment = buy(db, shop)
    client = app_for(db).test_client()
    post_event(client, completed(payment))
    charge = {"id": "ch_1", "payment_intent": "pi_1", "amount": 12000, "amount_refunded": 3000, "metadata": {}}
    post_event(client, event("charge.refunded", charge, "evt_r"))
    row = state(db, shop, payment.id)
    assert (row.status, row.amount_refunded, row.needs_attention) == ("partially_refunded", Decimal("30.00"), True)
    assert ledger(db, shop) == [("grant", 10, None)]


@responses.activate
def test_a_package_withdrawn_after_the_link_is_still_granted_and_flagged_to_the_owner(db, shop, stripe_env):
    mock_session(responses)
    payment = buy(db, shop)
    with db.studio(shop.studio_id) as s:
        s.get(Package, shop.package_id).active = False
        s.commit()
    post_event(app_for(db).test_client(), completed(payment))
    row = state(db, shop, payment.id)
    assert row.status == "paid" and row.needs_attention and "no longer on sale" in row.attention_note
    assert ledger(db, shop) == [("grant", 10, None)]
    [(to, body)] = texts(db, shop, "payment_attention")
    assert to == "+447700900999" and "Sam Lee paid £120 for 10 Class Pack" in body


@responses.activate
def test_a_different_amount_collected_is_flagged(db, shop, stripe_env):
    mock_session(responses)
    payment = buy(db, shop)
    post_event(app_for(db).test_client(), completed(payment, amount_total=100))
    row = state(db, shop, payment.id)
    assert row.status == "paid" and row.needs_attention and "1.00 GBP" in row.attention_note


# ------------------------------------------------------------------------ tenancy of events


@responses.activate
def test_events_cannot_reach_another_studio(db, shop, stripe_env, clock):
    other = make_studio(db, "harbour")
    connect(db, other, account="acct_harbour")
    mock_session(responses)
    payment = buy(db, shop)
    client = app_for(db).test_client()
    # Harbour's account sends an event naming Lotus's payment: refused
    forged = {**completed(payment, "evt_f"), "account": "acct_harbour"}
    assert post_event(client, forged).json["result"] == "unknown_studio"
    # metadata naming Harbour with Lotus's payment id: not found in Harbour's scope
    wrong = completed(payment, "evt_w")
    wrong["data"]["object"]["metadata"]["studio_id"] = str(other.studio_id)
    assert post_event(client, wrong).json["result"] == "handled"
    assert state(db, shop, payment.id).status == "open" and ledger(db, shop) == []


# ------------------------------------------------------------------------ demo checkout


def test_demo_checkout_completes_through_the_webhook_path_once(db, shop, demo_env):
    payment = buy(db, shop)
    assert payment.checkout_url == f"{BASE}/pay/{payment.token}"
    client = app_for(db).test_client()
    hop = client.get(f"/pay/{payment.token}")
    assert hop.status_code == 303 and hop.headers["Location"].endswith(f"/pay/demo/{payment.token}")
    page = client.get(f"/pay/demo/{payment.token}").get_data(as_text=True)
    assert "Demo checkout &mdash; no card is charged" in page and "10 Class Pack" in page and "£120.00" in page
    paid = client.post(f"/pay/demo/{payment.token}")
    assert paid.status_code == 303 and paid.headers["Location"].endswith(f"/pay/{payment.token}/done")
    assert "Payment received" in client.get(f"/pay/{payment.token}/done").get_data(as_text=True)
    client.post(f"/pay/demo/{payment.token}")  # pressed twice
    assert post_event(client, completed(payment, "evt_real")).json["result"] == "handled"  # and a webhook too
    assert ledger(db, shop) == [("grant", 10, None)]
    assert state(db, shop, payment.id).status == "paid"
    assert "This is paid" in client.get(f"/pay/{payment.token}").get_data(as_text=True)


def test_unknown_links_are_not_found(db, shop, demo_env):
    client = app_for(db).test_client()
    payment = buy(db, shop)
    other = make_studio(db, "harbour")
    assert client.get("/pay/nonsense").status_code == 404
    assert client.get(f"/pay/{shop.studio_id}-notatoken").status_code == 404
    assert client.get(f"/pay/demo/{other.studio_id}-{payment.token.split('-', 1)[1]}").status_code == 404
    assert client.post(f"/pay/demo/{shop.studio_id}-guess").status_code == 404
    assert ledger(db, shop) == []


@responses.activate
def test_demo_pages_do_not_exist_when_stripe_is_configured(db, shop, stripe_env):
    mock_session(responses)
    payment = buy(db, shop)
    client = app_for(db).test_client()
    assert client.get(f"/pay/demo/{payment.token}").status_code == 404
    assert client.post(f"/pay/demo/{payment.token}").status_code == 404
    assert ledger(db, shop) == []


# ------------------------------------------------------------------------ Connect


def test_account_updated_switches_charges_on_for_its_studio_only(db, shop, stripe_env):
    connect(db, shop, enabled=False)
    client = app_for(db).test_client()
    post_event(
        client,
        event(
            "account.updated",
            {"id": "acct_studio1", "object": "account", "charges_enabled": True},
            "evt_a",
            account="acct_studio1",
        ),
    )
    with db.unscoped() as s:
        assert s.get(Studio, shop.studio_id).stripe_charges_enabled is True
    unknown = post_event(
        client, event("account.updated", {"id": "acct_nobody", "charges_enabled": True}, "evt_b", account="acct_nobody")
    )
    assert unknown.status_code == 200 and unknown.json["result"] == "unknown_studio"


@responses.activate
def test_the_connect_endpoint_secret_is_accepted_beside_the_platform_one(db, shop, monkeypatch, stripe_env):
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", f"{WHSEC}, whsec_connect_endpoint")
    mock_session(responses)
    payment = buy(db, shop)
    client = app_for(db).test_client()
    assert post_event(client, completed(payment), secret="whsec_connect_endpoint").json["result"] == "handled"
    assert post_event(client, completed(payment, "evt_9"), secret="whsec_other").status_code == 400


def test_two_deliveries_at_once_fulfil_once(pg_db, clock, demo_env):
    """The demo page and the webhook racing on PostgreSQL: the row lock lets one fulfil."""
    import threading

    from app.payments.events import handle_event
    from app.web.demo_checkout import demo_completed_event

    world = make_studio(pg_db)
    with pg_db.studio(world.studio_id) as s:
        pack = Package(key="ten", name="10 Class Pack", kind="class_pack", credits=10, price=Decimal("120"))
        s.add(pack)
        s.commit()
        world.package_id = pack.id
    world.client_id = make_client(pg_db, world, "+447700900301")
    payment = buy(pg_db, world)
    events = [demo_completed_event(payment), completed(payment, "evt_webhook")]
    barrier, results = threading.Barrier(len(events)), []

    def deliver(evt):
        barrier.wait()
        results.append(handle_event(pg_db, evt).result)

    threads = [threading.Thread(target=deliver, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["handled", "handled"]
    assert ledger(pg_db, world) == [("grant", 10, None)]


def test_a_waived_fee_link_asks_for_nothing(db, shop, demo_env, clock):
    from app.booking import attendance

    with db.studio(shop.studio_id) as s:
        from app.models import Policy

        s.scalars(select(Policy)).one().no_show, s.scalars(select(Policy)).one().no_show_fee = "fee", Decimal("10")
        s.commit()
    class_id = make_session(db, shop, local(shop, 2026, 11, 23, 10))
    from tests.factories import grant_pack

    grant_pack(db, shop, shop.client_id, 5, starts_at=clock.now())
    with db.studio(shop.studio_id) as s:
        booking = booking_svc.book(s, shop.client_id, class_id).booking
        booking_id = booking.id
    clock.set(local(shop, 2026, 11, 23, 23))  # issue 11: after the review window (class end + 12 h)
    with db.studio(shop.studio_id) as s:
        attendance.mark_no_show(s, booking_id)
        fee = s.scalars(select(Payment).where(Payment.kind == "fee")).one()
        token = fee.token
    client = app_for(db).test_client()
    assert client.get(f"/pay/{token}").status_code == 303  # owed: on to the checkout
    with db.studio(shop.studio_id) as s:
        attendance.check_in(s, booking_id)
    page = client.get(f"/pay/{token}")
    assert page.status_code == 200 and "Nothing to pay" in page.get_data(as_text=True)
