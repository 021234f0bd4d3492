"""Issue 10's after-commit faults: work that follows a commit (kicking delivery, handing a
message to the slow path) never fails the request, never runs twice, and is never lost.

Texts go out through ``tests.rq_transports.CountingTransport``, which appends each outbox id
it sends to a file: in-process threads and RQ jobs alike, every send is counted.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from sqlalchemy import select

import jobs.queue
import jobs.tasks
from admin.accounts import add_staff
from app import background
from app.booking.schedules import generate_for_studios
from app.config import Settings
from app.conversation import slow
from app.factory import create_app
from app.fixtures import load_fixture
from app.models import Booking, Message, OutboxMessage, Package, Payment, Staff, Studio
from app.payments import checkout
from app.web.demo_checkout import demo_completed_event
from bot.nlu.llm import LlmParser
from jobs.due import run_due
from tests.conversation import BASE, LOTUS, TOKEN, Texter, replies_of
from tests.factories import make_client, make_studio
from tests.integration.test_admin_auth import admin_app
from tests.llm_mock import mocked_llm
from tests.rq_transports import CountingTransport

SAM, PRIYA = "+447700900301", "+447700900302"
HANDOFF_REPLY = "I've passed your message to the team. Someone will get back to you soon."
UNREADABLE = "sort me out with the bendy one midweek after work"  # the rules can't; the (mock) LLM can
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused
WHSEC = "whsec_test_secret"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def lotus(db, clock):
    load_fixture(db, LOTUS)
    generate_for_studios(db)
    with db.unscoped() as s:
        return s.scalars(select(Studio).where(Studio.key == "lotus")).one().id


@pytest.fixture
def sends(tmp_path, monkeypatch):
    """Every outbox id a transport sent, in order (threads and RQ jobs included)."""
    path = tmp_path / "sends.txt"
    path.write_text("")
    monkeypatch.setenv("FRONTDESK_TRANSPORT", "tests.rq_transports:CountingTransport")
    monkeypatch.setenv("FRONTDESK_TEST_SENDS", str(path))
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    return lambda: [int(line) for line in path.read_text().split()]


@pytest.fixture
def llm(monkeypatch):
    """The optional LLM, mocked at the HTTP layer; ``LlmParser.from_env`` returns it everywhere
    (create_app, the RQ job, the due-work tick)."""
    parser = mocked_llm()
    monkeypatch.setattr(LlmParser, "from_env", staticmethod(lambda: parser))
    return parser


@pytest.fixture
def rq_env(db, redis_url, monkeypatch):
    """A real Redis, a queue of this test's own, and jobs that reach this test's database."""
    from redis import Redis
    from rq import Queue

    name = f"frontdesk-after-commit-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(background, "QUEUE", name)
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("DB_APP_ROLE", "frontdesk_app" if db.is_postgres else "")
    jobs.tasks.database.cache_clear()
    redis = Redis.from_url(redis_url)
    queue = Queue(name, connection=redis)
    yield queue
    jobs.tasks.database.cache_clear()  # the worker's handle was disposed by work()
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)


def work(queue) -> None:
    """Run the queue's jobs to the end, in this process (monkeypatches apply)."""
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    if jobs.tasks.database.cache_info().currsize:
        jobs.tasks.database().dispose()


def inbound_app(db, redis_url: str | None):
    app = create_app(
        Settings(database_url=db.url, twilio_auth_token=TOKEN, public_base_url=BASE, redis_url=redis_url), database=db
    )
    app.config["TESTING"] = True  # an exception in a view is raised here, not hidden in a 500
    return app


def outbox(db, studio_id, kind: str | None = None) -> list[OutboxMessage]:
    with db.studio(studio_id) as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list(s.scalars(query.where(OutboxMessage.kind == kind) if kind else query))


def logged(db, studio_id, sid: str) -> Message:
    with db.studio(studio_id) as s:
        return s.scalars(select(Message).where(Message.provider_sid == sid, Message.direction == "in")).one()


def wait_for_background_work(timeout: float = 15.0) -> None:
    """Join the slow path's and delivery's threads (a thread still sending when the test's
    database is emptied would be a race, not a test)."""
    deadline = time.monotonic() + timeout
    while True:
        busy = [t for t in threading.enumerate() if t.name.startswith(background.THREAD_PREFIX)]
        if not busy:
            return
        assert time.monotonic() < deadline, f"background work still running: {busy}"
        for thread in busy:
            thread.join(timeout=0.1)


# ------------------------------------------------- fault 1: Redis unreachable


def test_unreachable_redis_still_answers_and_the_tick_sends_the_row_once(db, lotus, sends, caplog):
    client = inbound_app(db, NOWHERE).test_client()
    with caplog.at_level(logging.ERROR):
        response = Texter(client, SAM).send("can I speak to someone about my injury")
    assert response.status_code == 200 and replies_of(response) == [HANDOFF_REPLY]
    handoffs = outbox(db, lotus, "handoff")
    assert handoffs and {row.status for row in handoffs} == {"pending"}  # saved, waiting for a send
    assert any("could not enqueue delivery" in r.getMessage() for r in caplog.records)
    assert sends() == []

    run_due(db, CountingTransport())
    run_due(db, CountingTransport())  # a second tick finds nothing left to send
    ids = [row.id for row in handoffs]
    assert {row.status for row in outbox(db, lotus, "handoff")} == {"sent"}
    assert Counter(sent for sent in sends() if sent in ids) == Counter(ids)  # each exactly once


def test_unreachable_redis_leaves_a_deferred_message_for_the_tick_to_answer(db, lotus, clock, sends, llm, caplog):
    client = inbound_app(db, NOWHERE).test_client()
    sam = Texter(client, SAM)
    with caplog.at_level(logging.ERROR):
        assert sam.says(UNREADABLE) == ""  # 200, an empty TwiML: the answer comes by text
    assert any("could not enqueue the deferred reply" in r.getMessage() for r in caplog.records)
    assert logged(db, lotus, sam.last_sid).reply == ""  # logged, waiting
    assert outbox(db, lotus, "reply") == []

    clock.advance(timedelta(minutes=1))
    first = run_due(db, CountingTransport())
    second = run_due(db, CountingTransport())
    assert (first.deferred_answered, second.deferred_answered) == (1, 0)
    [reply] = outbox(db, lotus, "reply")
    assert reply.body.startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00") and reply.status == "sent"
    assert sends().count(reply.id) == 1
    with db.studio(lotus) as s:
        assert len(s.scalars(select(Booking)).all()) == 1


def test_a_deferred_message_answered_with_nothing_is_not_answered_again(db, lotus, clock, llm):
    app = inbound_app(db, None)
    handed = []
    app.extensions["frontdesk.defer"] = lambda studio_id, sid: handed.append(sid)  # the hand-off is lost
    sam = Texter(app.test_client(), SAM)
    sam.says("STOP")
    assert sam.says(UNREADABLE) == "" and handed == [sam.last_sid]
    clock.advance(timedelta(minutes=1))
    assert slow.answer_deferred(db) == 1  # opted out: the answer is to say nothing
    assert slow.answer_deferred(db) == 0  # and that counts as answered
    assert outbox(db, lotus, "reply") == []


# ------------------------------------------ fault 2: two kicks in the same second


def test_two_texts_for_one_studio_in_the_same_second_are_both_answered(db, lotus, clock, sends, redis_url, rq_env):
    client = inbound_app(db, redis_url).test_client()
    for phone in (SAM, PRIYA):  # the frozen clock: both in the same second
        response = Texter(client, phone).send("can I speak to someone about my injury")
        assert response.status_code == 200 and replies_of(response) == [HANDOFF_REPLY]
    handoffs = outbox(db, lotus, "handoff")
    assert any("Sam" in row.body for row in handoffs) and any("Priya" in row.body for row in handoffs)
    work(rq_env)
    ids = [row.id for row in handoffs]
    assert {row.status for row in outbox(db, lotus, "handoff")} == {"sent"}
    assert Counter(sends()) == Counter(ids)  # every row once, though each text kicked its own job


@pytest.fixture
def shop(db, clock, monkeypatch):
    """A studio selling a 10-class pack through the demo checkout (no Stripe keys), an owner
    with a phone, and two clients with a payment link each."""
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WHSEC)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    world = make_studio(db)
    with db.studio(world.studio_id) as s:
        s.add(Staff(key="olive", name="Olive Owner", phone="+447700900999", role="owner"))
        pack = Package(
            key="ten", name="10 Class Pack", kind="class_pack", credits=10, price=Decimal(120), valid_days=90
        )
        s.add(pack)
        s.flush()
        world.package_id = pack.id
    world.payments = []
    for phone, name in ((SAM, "Sam Lee"), (PRIYA, "Priya Shah")):
        client_id = make_client(db, world, phone, name)
        with db.studio(world.studio_id) as s:
            payment = checkout.start_checkout(s, item=s.get(Package, world.package_id), client_id=client_id)
        world.payments.append(payment)
    return world


def signed_stripe_post(client, event: dict):
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, WHSEC)
    return client.post(
        "/stripe/webhook", data=body, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )


def test_demo_checkout_and_stripe_webhook_kick_twice_in_one_second(db, shop, clock, sends, redis_url, rq_env):
    app = create_app(Settings(database_url=db.url, secret_key="test-secret", redis_url=redis_url), database=db)
    app.config["TESTING"] = True
    client = app.test_client()
    demo, webhook = shop.payments
    paid = client.post(f"/pay/demo/{demo.token}")
    assert paid.status_code == 303 and paid.headers["Location"].endswith(f"/pay/{demo.token}/done")
    event = {**demo_completed_event(webhook), "id": "evt_real_1"}
    answered = signed_stripe_post(client, event)
    assert answered.status_code == 200 and answered.json["result"] == "handled"
    with db.studio(shop.studio_id) as s:
        assert {p.id: p.status for p in s.scalars(select(Payment))} == {demo.id: "paid", webhook.id: "paid"}
    texts = [row.id for row in outbox(db, shop.studio_id)]
    assert texts  # the confirmations the two payments wrote
    work(rq_env)
    assert {row.status for row in outbox(db, shop.studio_id)} == {"sent"}
    assert Counter(sends()) == Counter(texts)


# ----------------------------- fault 3: the slow path's reply is sent at once


def test_deferred_llm_reply_is_sent_without_the_due_tick_on_a_thread(db, lotus, sends, llm):
    client = inbound_app(db, None).test_client()
    sam = Texter(client, SAM)
    assert sam.says(UNREADABLE) == ""
    wait_for_background_work()
    [reply] = outbox(db, lotus, "reply")
    assert reply.body.startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert reply.status == "sent" and sends() == [reply.id]


def test_deferred_llm_reply_is_sent_without_the_due_tick_by_the_rq_job(db, lotus, sends, llm, redis_url, rq_env):
    client = inbound_app(db, redis_url).test_client()
    sam = Texter(client, SAM)
    sid = f"SM{uuid.uuid4().hex}"  # the job id is reply-<sid>: unique in Redis across test runs too
    assert replies_of(sam.send(UNREADABLE, sid=sid)) == []
    assert sam.send(UNREADABLE, sid=sid).status_code == 200  # Twilio's retry: no second job, no 500
    assert rq_env.count == 1
    work(rq_env)
    [reply] = outbox(db, lotus, "reply")
    assert reply.body.startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert reply.status == "sent" and sends() == [reply.id]


# ------------------------- fault 4: the demo checkout, signed in to the admin


def test_demo_checkout_in_a_browser_signed_in_to_the_admin(db, shop, clock):
    app = admin_app(db)
    with db.unscoped() as s:
        key = s.get(Studio, shop.studio_id).key
    add_staff(
        db,
        studio_key=key,
        email="owner@lotus.example",
        password="correct horse battery",
        role="owner",
        name="Olive Owner",
    )
    browser = app.test_client()
    login = browser.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    form = {"email": "owner@lotus.example", "password": "correct horse battery", "csrf_token": csrf}
    assert browser.post("/admin/login", data=form).status_code == 302
    payment = shop.payments[0]

    page = browser.get(f"/pay/demo/{payment.token}")
    assert page.status_code == 200 and "Demo checkout &mdash; no card is charged" in page.get_data(as_text=True)
    paid = browser.post(f"/pay/demo/{payment.token}")
    assert paid.status_code == 303
    done = browser.get(f"/pay/{payment.token}/done")
    assert done.status_code == 200 and "Payment received" in done.get_data(as_text=True)
    with db.studio(shop.studio_id) as s:
        row = s.get(Payment, payment.id)
        assert row.status == "paid" and row.paid_at is not None
    assert app.extensions["delivered"] == [shop.studio_id]  # the confirmation kicked, after the commit
