"""Bad input never 500s and never writes (issue 14, "Bad input").

A bounded fuzz of signed Twilio forms and intro-page posts, to the test client only, on
both backends: every answer is a 2xx/3xx/4xx, and an answer of 4xx wrote nothing.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
import stripe
from sqlalchemy import func, select

from app.fixtures import load_fixture
from app.models import Client, Lead, Message, OutboxMessage, Payment, Studio
from tests.conversation import LOTUS, LOTUS_SMS, Texter, make_app, replies_of, signed_post

INTRO = Path(__file__).parents[1] / "data" / "intro.toml"
INTRO_URL = "/s/lotus/intro/intro-pt"
ODD = [
    "\x00",
    "a\x00b",
    "x" * 2000,
    "S" * 65,
    "\U0001f600" * 10,
    "é" * 300,
    "",
    " ",
    "\r\n\t",
    "'; drop table clients; --",
    "%00",
    "+4477009\x00",
    "whatsapp:\x00",
    "\u202e\u200b",
    "9" * 60,
]
FIELDS = ("Body", "To", "From", "ProfileName", "ButtonPayload", "MessageSid")


@pytest.fixture
def world(db, clock):
    load_fixture(db, INTRO)
    app = make_app(db)
    return app.test_client()


def _studio_id(db) -> int:
    with db.unscoped() as s:
        return s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()


def _counts(db) -> tuple[int, ...]:
    with db.studio(_studio_id(db)) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (Client, Message, OutboxMessage, Lead, Payment)
        )


def _good_form(n: int) -> dict[str, str]:
    return {
        "From": "+447700900333",
        "To": LOTUS_SMS,
        "Body": "hi",
        "MessageSid": f"SM{n:032x}",
        "AccountSid": "AC" + "0" * 32,
    }


@pytest.mark.parametrize("field", FIELDS)
def test_a_nul_byte_in_any_inbound_field_is_a_400_that_writes_nothing(db, world, field):
    before = _counts(db)
    form = _good_form(1)
    form[field] = "a\x00b"
    response = signed_post(world, form)
    assert response.status_code == 400, response.data
    assert "NUL" in response.get_data(as_text=True)
    assert _counts(db) == before


def test_a_message_sid_longer_than_the_column_is_a_400(db, world):
    before = _counts(db)
    form = _good_form(2)
    form["MessageSid"] = "SM" + "a" * 80
    response = signed_post(world, form)
    assert response.status_code == 400
    assert "MessageSid" in response.get_data(as_text=True)
    assert _counts(db) == before


def test_overlong_addresses_and_names_are_refused_not_truncated(db, world):
    before = _counts(db)
    for field, value in (("From", "+44" + "7" * 60), ("To", "+44" + "1" * 60), ("ProfileName", "N" * 300)):
        form = _good_form(3)
        form[field] = value
        response = signed_post(world, form)
        assert response.status_code == 400, (field, response.data)
        assert field in response.get_data(as_text=True)
    assert _counts(db) == before


def test_fuzzed_signed_forms_never_500_and_a_refusal_writes_nothing(db, world):
    rng = random.Random(14)
    for n in range(120):
        form = _good_form(100 + n)
        for field in rng.sample(FIELDS, rng.randint(1, 3)):
            form[field] = rng.choice(ODD) if rng.random() < 0.8 else form.get(field, "") + rng.choice(ODD)
        before = _counts(db)
        response = signed_post(world, form)
        assert response.status_code < 500, (form, response.data)
        if response.status_code >= 400:
            assert _counts(db) == before, form


def test_the_intro_page_refuses_nul_in_its_path_and_fields(db, world):
    before = _counts(db)
    for path in ("/s/lot\x00us/intro/intro-pt", "/s/lotus/intro/intro\x00-pt", INTRO_URL + "?x=\x00"):
        response = world.get(path)
        assert response.status_code in (400, 404), path
    for field in ("name", "phone", "email", "goals"):
        form = {"name": "Jane Doe", "phone": "07700 900401", "email": "jane@example.com", "goals": "back"}
        form[field] = "a\x00b"
        response = world.post(INTRO_URL, data=form)
        assert response.status_code == 400, field
    assert _counts(db) == before


def test_fuzzed_intro_forms_never_500(db, world):
    rng = random.Random(7)
    for _ in range(60):
        form = {"name": "Jane Doe", "phone": "07700 900401", "email": "jane@example.com", "goals": "back"}
        for field in rng.sample(list(form), rng.randint(1, 2)):
            form[field] = rng.choice(ODD)
        response = world.post(INTRO_URL, data=form)
        assert response.status_code < 500, (form, response.status_code)


def _stripe_post(client, payload: dict, secret: str = "whsec_test", at: int | None = None):
    body = json.dumps(payload)
    timestamp = int(time.time()) if at is None else at
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{body}", secret)
    return client.post(
        "/stripe/webhook",
        data=body,
        headers={"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"},
    )


@pytest.fixture
def stripe_web(db, clock, monkeypatch):
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_test")
    load_fixture(db, LOTUS)
    app = make_app(db)
    app.config["FRONTDESK"].stripe_webhook_secret = "whsec_test"
    return app.test_client()


@pytest.mark.parametrize(
    "payload",
    [
        {"id": "evt_1", "type": "checkout.session.completed"},
        {"id": "evt_2", "type": "checkout.session.completed", "data": None},
        {"id": "evt_3", "type": "checkout.session.completed", "data": {"object": "nope"}},
        {"id": "evt_4", "type": "charge.refunded", "data": {}},
        {"type": "payment_intent.succeeded", "data": {"object": {}}},
        ["not", "an", "event"],
    ],
)
def test_a_signed_stripe_event_without_its_data_is_a_400(db, stripe_web, payload):
    before = _counts(db)
    response = _stripe_post(stripe_web, payload)
    assert response.status_code == 400, response.data
    assert _counts(db) == before


def test_stripe_signatures_outside_the_tolerance_are_refused_both_ways(db, stripe_web):
    event = {"id": "evt_t", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    now = int(time.time())
    assert _stripe_post(stripe_web, event, at=now - 3600).status_code == 400
    future = _stripe_post(stripe_web, event, at=now + 3600)
    assert future.status_code == 400 and "signature" in future.get_data(as_text=True)
    assert _stripe_post(stripe_web, event, at=now + 30).status_code == 200
    assert _stripe_post(stripe_web, event, at=now).status_code == 200


def test_a_good_text_still_gets_its_answer(db, world):
    reply = Texter(world, "+447700900301").says("what's on tomorrow")
    assert reply and "sorry, something went wrong" not in reply.lower()
    assert replies_of(signed_post(world, _good_form(9))) is not None
