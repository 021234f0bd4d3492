"""The Payments page: the list (flagged first), refunds (refunds capability, CSRF, audit),
Stripe Connect onboarding (owner only), and other studios' payments not found."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import responses
from sqlalchemy import select

from admin.accounts import add_staff
from app.booking import credits
from app.models import AuditLog, Package, Studio
from tests.e2e.test_payments import (  # noqa: F401  (fixtures)
    STRIPE,
    buy,
    completed,
    connect,
    demo_env,
    mock_session,
    post_event,
    shop,
    state,
    stripe_env,
)
from tests.factories import make_studio
from tests.integration.test_admin_auth import PASSWORD, admin_app, token

PAGE = "/admin/payments/"


@pytest.fixture
def app(db, clock):
    return admin_app(db)


def sign_in(app, key: str, role: str):
    email = f"{role}@{key}.example"
    add_staff(
        app.extensions["frontdesk.db"],
        studio_key=key,
        email=email,
        password=PASSWORD,
        role=role,
        name=f"{role.title()} Person",
    )
    browser = app.test_client()
    form = {"email": email, "password": PASSWORD, "studio": key, "csrf_token": token(browser, "/admin/login")}
    assert browser.post("/admin/login", data=form).status_code == 302
    return browser


def post(browser, path, page=PAGE):
    return browser.post(path, data={"csrf_token": token(browser, page)})


def paid_pack(db, shop, app, event_id="evt_1"):
    payment = buy(db, shop)
    assert post_event(app.test_client(), completed(payment, event_id)).json["result"] == "handled"
    return payment


def audit(db, world, action):
    with db.studio(world.studio_id) as s:
        return [(a.entity, a.entity_id, a.actor) for a in s.scalars(select(AuditLog).where(AuditLog.action == action))]


def test_the_owner_sees_flagged_payments_first_and_refunds_one(demo_env, db, app, shop):
    normal = paid_pack(db, shop, app)
    flagged = buy(db, shop)
    with db.studio(shop.studio_id) as s:
        s.get(Package, shop.package_id).active = False
        s.commit()
    post_event(app.test_client(), completed(flagged, "evt_2"))
    owner = sign_in(app, "lotus", "owner")
    page = owner.get(PAGE).get_data(as_text=True)
    assert page.index(f'id="payment-{flagged.id}"') < page.index(f'id="payment-{normal.id}"')
    assert "Needs a look: The package is no longer on sale" in page and "Sam Lee" in page and "£120.00" in page
    assert "Demo mode" in page  # no Stripe keys on this server
    response = post(owner, f"/admin/payments/{normal.id}/refund")
    assert response.status_code == 302
    assert "Refunded 10 Class Pack" in owner.get(PAGE).get_data(as_text=True)
    row = state(db, shop, normal.id)
    assert row.status == "refunded"
    with db.studio(shop.studio_id) as s:
        assert credits.balance(s, shop.client_id).credits == 10  # only the flagged payment's pack is left
    assert audit(db, shop, "refund") == [("payment", str(normal.id), "Owner Person (staff 3, owner)")]
    again = post(owner, f"/admin/payments/{normal.id}/refund")
    assert again.status_code == 302 and "can&#39;t be refunded" in owner.get(PAGE).get_data(as_text=True)
    post(owner, f"/admin/payments/{flagged.id}/resolve")
    assert state(db, shop, flagged.id).needs_attention is False
    assert audit(db, shop, "resolve") == [("payment", str(flagged.id), "Owner Person (staff 3, owner)")]


@responses.activate
def test_a_manager_refunds_through_stripe_but_cannot_touch_payouts(stripe_env, db, app, shop):
    connect(db, shop)
    mock_session(responses)
    refund = responses.post(f"{STRIPE}/v1/refunds", json={"id": "re_1", "object": "refund"})
    payment = buy(db, shop)
    post_event(app.test_client(), {**completed(payment), "account": "acct_studio1"})
    manager = sign_in(app, "lotus", "manager")
    page = manager.get(PAGE).get_data(as_text=True)
    assert "Stripe account" not in page
    assert post(manager, f"/admin/payments/{payment.id}/refund").status_code == 302
    assert len(refund.calls) == 1
    assert refund.calls[0].request.headers["Idempotency-Key"] == f"refund:payment:{payment.id}"
    assert state(db, shop, payment.id).status == "refunded"
    assert post(manager, "/admin/payments/connect").status_code == 403
    assert manager.get("/admin/payments/connect/return").status_code == 403


@responses.activate
def test_stripe_refusing_a_refund_changes_nothing(stripe_env, db, app, shop):
    mock_session(responses)
    responses.post(
        f"{STRIPE}/v1/refunds",
        status=400,
        json={"error": {"type": "invalid_request_error", "message": "Charge already refunded"}},
    )
    payment = paid_pack(db, shop, app)
    owner = sign_in(app, "lotus", "owner")
    post(owner, f"/admin/payments/{payment.id}/refund")
    assert "Not refunded: Stripe could not refund the payment: Charge already refunded" in owner.get(PAGE).get_data(
        as_text=True
    )
    assert state(db, shop, payment.id).status == "paid" and audit(db, shop, "refund") == []
    with db.studio(shop.studio_id) as s:
        assert credits.balance(s, shop.client_id).credits == 10


@pytest.mark.parametrize("role", ["front_desk", "instructor"])
def test_desk_staff_and_instructors_may_not_open_or_refund(demo_env, db, app, shop, role):
    payment = paid_pack(db, shop, app)
    browser = sign_in(app, "lotus", role)
    assert browser.get(PAGE).status_code == 403
    response = browser.post(f"/admin/payments/{payment.id}/refund", data={"csrf_token": token(browser, "/admin/")})
    assert response.status_code == 403
    assert state(db, shop, payment.id).status == "paid"


def test_another_studios_payment_is_not_found(demo_env, db, app, shop):
    payment = paid_pack(db, shop, app)
    make_studio(db, "harbour")
    other = sign_in(app, "harbour", "owner")
    assert f'id="payment-{payment.id}"' not in other.get(PAGE).get_data(as_text=True)
    assert post(other, f"/admin/payments/{payment.id}/refund").status_code == 404
    assert post(other, f"/admin/payments/{payment.id}/resolve").status_code == 404
    assert state(db, shop, payment.id).status == "paid"


def test_a_refund_without_the_csrf_token_is_refused(demo_env, db, app, shop):
    payment = paid_pack(db, shop, app)
    owner = sign_in(app, "lotus", "owner")
    assert owner.post(f"/admin/payments/{payment.id}/refund").status_code == 400
    assert state(db, shop, payment.id).status == "paid"


@responses.activate
def test_the_owner_connects_stripe_and_comes_back_ready(stripe_env, db, app, shop):
    created = responses.post(
        f"{STRIPE}/v1/accounts", json={"id": "acct_new", "object": "account", "charges_enabled": False}
    )
    link = responses.post(
        f"{STRIPE}/v1/account_links",
        json={"object": "account_link", "url": "https://connect.stripe.com/setup/s/acct_new/abc"},
    )
    owner = sign_in(app, "lotus", "owner")
    assert "Connect Stripe" in owner.get(PAGE).get_data(as_text=True)
    response = post(owner, "/admin/payments/connect")
    assert (
        response.status_code == 303
        and response.headers["Location"] == "https://connect.stripe.com/setup/s/acct_new/abc"
    )
    body = {k: v[0] for k, v in parse_qs(created.calls[0].request.body).items()}
    assert body["type"] == "standard" and body["metadata[studio_id]"] == str(shop.studio_id)
    assert body["business_profile[name]"] == "Lotus Studio"
    assert created.calls[0].request.headers["Idempotency-Key"] == f"connect:studio:{shop.studio_id}"
    assert "Stripe-Account" not in created.calls[0].request.headers
    linked = {k: v[0] for k, v in parse_qs(link.calls[0].request.body).items()}
    assert linked["account"] == "acct_new" and linked["type"] == "account_onboarding"
    assert linked["return_url"].endswith("/admin/payments/connect/return")
    assert linked["refresh_url"].endswith("/admin/payments/connect/refresh")
    assert "Continue onboarding" in owner.get(PAGE).get_data(as_text=True)
    post(owner, "/admin/payments/connect")  # continue: a new link, the same account
    assert len(created.calls) == 1 and len(link.calls) == 2
    responses.get(
        f"{STRIPE}/v1/accounts/acct_new", json={"id": "acct_new", "object": "account", "charges_enabled": True}
    )
    assert owner.get("/admin/payments/connect/return").status_code == 302
    page = owner.get(PAGE).get_data(as_text=True)
    assert "Stripe is connected" in page and "acct_new" in page
    with db.unscoped() as s:
        studio = s.get(Studio, shop.studio_id)
        assert (studio.stripe_account_id, studio.stripe_charges_enabled) == ("acct_new", True)
    assert audit(db, shop, "connect") == [("stripe_account", "acct_new", "Owner Person (staff 3, owner)")]
