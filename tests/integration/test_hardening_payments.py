"""Payments that fail closed, links that point where the server is (issue 14, "Payments and
demo mode"). Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from app.config import Settings
from app.factory import create_app
from app.fixtures import load_fixture
from app.models import Package, Payment, Studio
from app.payments.checkout import start_checkout
from app.payments.errors import PaymentsUnavailable
from tests.conversation import LOTUS, LOTUS_SMS, TOKEN, replies_of

SAM = "+447700900303"


@pytest.fixture
def lotus(db, clock):
    load_fixture(db, LOTUS)
    with db.unscoped() as s:
        return s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()


def _app(db, **settings):
    app = create_app(Settings(database_url=db.url, twilio_auth_token=TOKEN, **settings), database=db)
    app.config["TESTING"] = True
    return app


def _text(client, body: str, host: str, sid: str) -> list[str]:
    """A signed Twilio post to ``host`` (the address Twilio was given), as Twilio sends it."""
    form = {"From": SAM, "To": LOTUS_SMS, "Body": body, "MessageSid": sid, "AccountSid": "AC" + "0" * 32}
    signature = RequestValidator(TOKEN).compute_signature(f"{host}/twilio/inbound", form)
    response = client.post("/twilio/inbound", data=form, headers={"X-Twilio-Signature": signature}, base_url=host)
    assert response.status_code == 200, response.data
    return replies_of(response)


def _payments(db, studio_id) -> int:
    with db.studio(studio_id) as s:
        return s.scalar(select(func.count(Payment.id)))


def test_without_stripe_keys_or_the_demo_setting_buying_by_text_fails_closed(db, lotus, monkeypatch):
    monkeypatch.delenv("FRONTDESK_DEMO_PAYMENTS", raising=False)
    client = _app(db).test_client()
    host = "https://desk.lotus.example"
    assert "Which would you like to buy?" in "\n".join(_text(client, "buy", host, "SM" + "1" * 32))
    reply = "\n".join(_text(client, "1", host, "SM" + "2" * 32))
    assert reply == "Sorry, paying by text isn't available right now. You can pay at the desk."
    assert _payments(db, lotus) == 0


def test_the_demo_checkout_is_not_there_unless_asked_for(db, lotus, monkeypatch):
    monkeypatch.setenv("FRONTDESK_DEMO_PAYMENTS", "1")
    demo_app = _app(db, public_base_url="https://fd.example")
    client = demo_app.test_client()
    _text(client, "buy", "https://fd.example", "SM" + "3" * 32)
    _text(client, "1", "https://fd.example", "SM" + "4" * 32)
    with db.studio(lotus) as s:
        payment = s.scalars(select(Payment)).one()
        token = payment.token
    assert client.get(f"/pay/demo/{token}").status_code == 200
    monkeypatch.delenv("FRONTDESK_DEMO_PAYMENTS")
    live = _app(db, public_base_url="https://fd.example").test_client()  # a server that lost its key
    assert live.get(f"/pay/demo/{token}").status_code == 404
    assert live.post(f"/pay/demo/{token}").status_code == 404
    closed = live.get(f"/pay/{token}")
    assert closed.status_code == 503 and "set up" in closed.get_data(as_text=True)
    with db.studio(lotus) as s:
        assert s.scalars(select(Payment)).one().paid_at is None


def test_a_texted_link_is_built_from_the_host_twilio_called(db, lotus):
    client = _app(db).test_client()  # no PUBLIC_BASE_URL
    host = "https://frontdesk.lotus-yoga.example"
    _text(client, "buy", host, "SM" + "5" * 32)
    reply = "\n".join(_text(client, "1", host, "SM" + "6" * 32))
    with db.studio(lotus) as s:
        link = s.scalars(select(Payment)).one().checkout_url
    assert link.startswith(host + "/pay/") and ":5000" not in link
    assert link in reply


def test_public_base_url_wins_over_the_request_host(db, lotus):
    client = _app(db, public_base_url="https://book.lotus.example").test_client()
    _text(client, "buy", "https://book.lotus.example", "SM" + "7" * 32)
    _text(client, "1", "https://book.lotus.example", "SM" + "8" * 32)
    with db.studio(lotus) as s:
        assert s.scalars(select(Payment)).one().checkout_url.startswith("https://book.lotus.example/pay/")


def test_a_job_with_no_public_address_makes_no_link_to_nowhere(db, lotus, monkeypatch):
    monkeypatch.delenv("FRONTDESK_DEMO_PAYMENTS", raising=False)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")  # live keys, but no address to send phones to
    with db.studio(lotus) as s:
        package = s.scalars(select(Package).where(Package.key == "drop-in")).one()
        client_id = s.scalars(select(Payment.client_id)).first()
        with pytest.raises(PaymentsUnavailable, match="PUBLIC_BASE_URL"):
            start_checkout(s, item=package, client_id=client_id or 1)
    assert _payments(db, lotus) == 0
