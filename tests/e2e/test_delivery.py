"""Outbox delivery: the real twilio client against mocked HTTP, opt-out, quiet hours,
validity, retries, crash safety, reminders across DST, status callbacks, and RQ."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs

import pytest
import responses
from sqlalchemy import func, select

from app.booking import booking as svc
from app.messaging.delivery import deliver_studio
from app.messaging.outbox import enqueue
from app.messaging.transports import ConsoleTransport, TwilioTransport
from app.models import Client, Message, OutboxMessage, Policy
from jobs.reminders import queue_reminders
from tests.conversation import make_app, signed_post
from tests.factories import grant_pack, local, make_client, make_session, make_studio

ACCOUNT = "AC" + "1" * 32
API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
SAM = "+447700900301"


def twilio_reply(sid="SM" + "a" * 32):
    return {"sid": sid, "status": "queued", "account_sid": ACCOUNT, "body": "", "to": SAM, "from": "+447700900100"}


def twilio_error(status, code, message="error"):
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@pytest.fixture
def world(db, clock):
    w = make_studio(db)
    w.client_id = make_client(db, w, SAM)
    return w


def queue(db, world, key="k1", **kw):
    with db.studio(world.studio_id) as s:
        row = enqueue(
            s,
            dedupe_key=key,
            kind=kw.pop("kind", "test"),
            to_addr=kw.pop("to", SAM),
            body=kw.pop("body", "Hello from the studio"),
            client_id=world.client_id,
            from_addr="+447700900100",
            **kw,
        )
        s.commit()
        return row.id


def deliver(db, world, transport, callback="https://frontdesk.example.com/twilio/status"):
    with db.studio(world.studio_id) as s:
        return deliver_studio(s, transport, status_callback=callback)


def row(db, world, row_id):
    with db.studio(world.studio_id) as s:
        return s.get(OutboxMessage, row_id)


@responses.activate
def test_twilio_request_has_from_to_body_callback_and_validity(db, world, clock):
    responses.post(API, json=twilio_reply(), status=201)
    row_id = queue(db, world, valid_until=clock.now() + timedelta(hours=2))
    assert deliver(db, world, TwilioTransport(ACCOUNT, "token")) == [row_id]
    sent = parse_qs(responses.calls[0].request.body)
    assert sent["To"] == [SAM] and sent["From"] == ["+447700900100"] and sent["Body"] == ["Hello from the studio"]
    assert sent["StatusCallback"] == ["https://frontdesk.example.com/twilio/status"]
    assert sent["ValidityPeriod"] == ["7200"]
    r = row(db, world, row_id)
    assert (r.status, r.provider_sid) == ("sent", "SM" + "a" * 32)
    with db.studio(world.studio_id) as s:
        assert s.scalar(select(func.count(Message.id)).where(Message.direction == "out")) == 1


@responses.activate
def test_whatsapp_template_uses_content_sid_and_variables(db, world, clock):
    responses.post(API, json=twilio_reply(), status=201)
    queue(
        db,
        world,
        channel="whatsapp",
        to="whatsapp:" + SAM,
        content_sid="HX" + "b" * 32,
        content_variables={"1": "Vinyasa Flow", "2": "Wed 18:00"},
    )
    deliver(db, world, TwilioTransport(ACCOUNT, "token"))
    sent = parse_qs(responses.calls[0].request.body)
    assert sent["ContentSid"] == ["HX" + "b" * 32] and "Body" not in sent
    assert json.loads(sent["ContentVariables"][0]) == {"1": "Vinyasa Flow", "2": "Wed 18:00"}
    assert sent["To"] == ["whatsapp:" + SAM]


@responses.activate
def test_21610_marks_the_client_opted_out_and_is_not_retried(db, world, clock):
    responses.post(API, json=twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"), status=400)
    row_id = queue(db, world)
    deliver(db, world, TwilioTransport(ACCOUNT, "token"))
    r = row(db, world, row_id)
    assert (r.status, r.error_code, r.error_message) == ("failed", "21610", "the client has opted out (replied STOP)")
    with db.studio(world.studio_id) as s:
        assert s.get(Client, world.client_id).sms_opted_out_at is not None


@responses.activate
@pytest.mark.parametrize(
    "code, reason", [(21211, "not a valid phone number"), (30006, "a landline or a carrier that can't receive texts")]
)
def test_permanent_errors_are_recorded_with_a_readable_reason(db, world, clock, code, reason):
    responses.post(API, json=twilio_error(400, code), status=400)
    row_id = queue(db, world)
    deliver(db, world, TwilioTransport(ACCOUNT, "token"))
    clock.advance(timedelta(hours=1))
    deliver(db, world, TwilioTransport(ACCOUNT, "token"))
    assert len(responses.calls) == 1
    r = row(db, world, row_id)
    assert (r.status, r.error_code, r.error_message) == ("failed", str(code), reason)


@responses.activate
def test_5xx_retries_with_backoff_then_sends_once(db, world, clock):
    responses.post(API, json=twilio_error(503, 20503, "Service unavailable"), status=503)
    responses.post(API, json=twilio_reply(), status=201)
    row_id = queue(db, world)
    deliver(db, world, TwilioTransport(ACCOUNT, "token"))
    r = row(db, world, row_id)
    assert r.status == "pending" and r.send_after == clock.now() + timedelta(minutes=1)
    deliver(db, world, TwilioTransport(ACCOUNT, "token"))  # not due yet
    assert len(responses.calls) == 1
    clock.advance(timedelta(minutes=1))
    deliver(db, world, TwilioTransport(ACCOUNT, "token"))
    assert row(db, world, row_id).status == "sent" and len(responses.calls) == 2


def test_opted_out_client_gets_nothing(db, world, clock):
    with db.studio(world.studio_id) as s:
        s.get(Client, world.client_id).sms_opted_out_at = clock.now()
        s.commit()
    transport = ConsoleTransport()
    row_id = queue(db, world)
    deliver(db, world, transport)
    assert transport.sent == [] and row(db, world, row_id).status == "skipped"


def test_a_text_past_its_validity_is_dropped(db, world, clock):
    transport = ConsoleTransport()
    row_id = queue(db, world, valid_until=clock.now() + timedelta(minutes=5))
    clock.advance(timedelta(minutes=6))
    deliver(db, world, transport)
    assert transport.sent == [] and row(db, world, row_id).status == "expired"


def test_quiet_hours_defer_to_the_end_of_the_window(db, world, clock):
    with db.studio(world.studio_id) as s:
        policy = s.scalars(select(Policy)).one()
        policy.quiet_start, policy.quiet_end = time(21), time(8)
        s.commit()
    clock.set(local(world, 2026, 11, 23, 22, 15))
    transport = ConsoleTransport()
    row_id = queue(db, world)
    deliver(db, world, transport)
    r = row(db, world, row_id)
    assert transport.sent == [] and r.status == "pending" and r.send_after == local(world, 2026, 11, 24, 8)
    clock.set(local(world, 2026, 11, 24, 8))
    deliver(db, world, transport)
    assert len(transport.sent) == 1


def test_the_same_dedupe_key_twice_is_one_text(db, world, clock):
    first, second = queue(db, world, key="reminder:24h:booking:1"), queue(db, world, key="reminder:24h:booking:1")
    assert first == second
    transport = ConsoleTransport()
    deliver(db, world, transport)
    deliver(db, world, transport)
    assert len(transport.sent) == 1


class Killed(BaseException):
    """Stands for the worker process dying mid-send."""


class DyingTransport:
    def send(self, message, status_callback=None):
        raise Killed()


def test_a_worker_dying_mid_send_never_leads_to_a_second_text(db, world, clock):
    row_id = queue(db, world)
    with pytest.raises(Killed):
        deliver(db, world, DyingTransport())
    assert row(db, world, row_id).status == "sending"
    transport = ConsoleTransport()
    deliver(db, world, transport)  # the retried job
    assert transport.sent == []
    clock.advance(timedelta(minutes=11))
    deliver(db, world, transport)
    r = row(db, world, row_id)
    assert transport.sent == [] and r.status == "unknown" and "check before resending" in r.error_message


def test_reminder_24h_before_a_class_the_morning_after_the_clock_change(db, clock):
    clock.set(datetime(2026, 3, 27, 12, tzinfo=UTC))
    world = make_studio(db, reminder_hours=[24, 2])
    cid = make_client(db, world, SAM)
    grant_pack(db, world, cid, 5, starts_at=clock.now())
    sid = make_session(db, world, local(world, 2026, 3, 30, 9))  # Mon 09:00 BST, the day after the change
    with db.studio(world.studio_id) as s:
        svc.book(s, cid, sid)
    clock.set(datetime(2026, 3, 29, 7, 59, tzinfo=UTC))
    with db.studio(world.studio_id) as s:
        assert queue_reminders(s) == 0
    clock.set(datetime(2026, 3, 29, 8, 0, tzinfo=UTC))  # 24 hours before, 09:00 BST on Sunday
    with db.studio(world.studio_id) as s:
        assert queue_reminders(s) == 1
        assert queue_reminders(s) == 0
        r = s.scalars(select(OutboxMessage)).one()
    assert r.dedupe_key.startswith("reminder:24h:booking:") and r.valid_until == local(world, 2026, 3, 30, 9)
    assert r.body == "Reminder: Vinyasa Flow tomorrow at 09:00, Main with Maya. Can't make it? Reply C to cancel."


def test_status_callbacks_update_the_row(db, world, clock):
    row_id = queue(db, world)
    transport = ConsoleTransport()
    deliver(db, world, transport)
    sid = row(db, world, row_id).provider_sid
    client = make_app(db).test_client()
    base = {"MessageSid": sid, "AccountSid": ACCOUNT}
    assert signed_post(client, {**base, "MessageStatus": "delivered"}, path="/twilio/status").status_code == 204
    assert row(db, world, row_id).status == "delivered"
    assert signed_post(client, {**base, "MessageStatus": "sent"}, path="/twilio/status").status_code == 204
    assert row(db, world, row_id).status == "delivered"  # late callbacks don't go backwards
    signed_post(client, {**base, "MessageStatus": "undelivered", "ErrorCode": "30003"}, path="/twilio/status")
    r = row(db, world, row_id)
    assert (r.status, r.error_message) == ("undelivered", "the phone is unreachable or switched off")
    unsigned = client.post("/twilio/status", data={**base, "MessageStatus": "failed"})
    assert unsigned.status_code == 403 and row(db, world, row_id).status == "undelivered"


@responses.activate
def test_rq_worker_sends_once_when_the_job_is_enqueued_twice(db, world, clock, redis_url, monkeypatch):
    from redis import Redis
    from rq import Queue, SimpleWorker

    import jobs.tasks as tasks

    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("DB_APP_ROLE", "frontdesk_app" if db.is_postgres else "")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    tasks.database.cache_clear()
    responses.post(API, json=twilio_reply(), status=201)
    row_id = queue(db, world)
    redis = Redis.from_url(redis_url)
    q = Queue("frontdesk-test", connection=redis)
    q.empty()
    q.enqueue(tasks.deliver_outbox, world.studio_id, job_id=f"deliver-test-{row_id}-a")
    q.enqueue(tasks.deliver_outbox, world.studio_id, job_id=f"deliver-test-{row_id}-b")
    SimpleWorker([q], connection=redis).work(burst=True)
    tasks.database().dispose()
    tasks.database.cache_clear()
    assert len(responses.calls) == 1
    assert row(db, world, row_id).status == "sent"


def test_whatsapp_outside_24h_uses_the_template_or_falls_back_to_sms(db, world, clock):
    from app.models import Studio

    transport = ConsoleTransport()
    with db.studio(world.studio_id) as s:
        s.get(Client, world.client_id).last_whatsapp_inbound_at = clock.now() - timedelta(hours=3)
        s.commit()
    inside = queue(db, world, key="w1", channel="whatsapp", to="whatsapp:" + SAM)
    deliver(db, world, transport)
    assert (row(db, world, inside).channel, row(db, world, inside).content_sid) == ("whatsapp", None)
    clock.advance(timedelta(hours=22))
    with db.studio(world.studio_id) as s:
        studio = s.get(Studio, world.studio_id)
        studio.sms_number, studio.whatsapp_template_sid = "+447700900100", "HX" + "c" * 32
        s.commit()
    templated = queue(db, world, key="w2", channel="whatsapp", to="whatsapp:" + SAM, body="Your spot is held")
    deliver(db, world, transport)
    r = row(db, world, templated)
    assert (r.channel, r.content_sid, r.content_variables) == ("whatsapp", "HX" + "c" * 32, {"1": "Your spot is held"})
    with db.studio(world.studio_id) as s:
        s.get(Studio, world.studio_id).whatsapp_template_sid = None
        s.commit()
    fallback = queue(db, world, key="w3", channel="whatsapp", to="whatsapp:" + SAM)
    deliver(db, world, transport)
    r = row(db, world, fallback)
    assert (r.status, r.channel, r.to_addr, r.from_addr) == ("sent", "sms", SAM, "+447700900100")


@responses.activate
def test_unreachable_twilio_is_retried(db, world, clock):
    import requests

    responses.post(API, body=requests.ConnectionError("connect timeout"))
    row_id = queue(db, world)
    deliver(db, world, TwilioTransport(ACCOUNT, "token"))
    r = row(db, world, row_id)
    assert (r.status, r.error_message) == ("pending", "could not reach Twilio")


def test_sender_pace_spaces_sends_from_one_number():
    from app.messaging.delivery import SenderPace

    slept, now = [], [100.0]
    pace = SenderPace(2, sleep=lambda s: slept.append(round(s, 3)), monotonic=lambda: now[0])
    for sender in ("+1", "+1", "+1", "+2"):
        pace(sender)
    assert slept == [0.5, 1.0]  # the third send from +1 waits its turn; +2 goes at once


def test_daily_digest_at_seven_once(db, clock):
    from app.models import Staff
    from jobs.digest import queue_digest

    world = make_studio(db)
    with db.studio(world.studio_id) as s:
        s.add(Staff(key="owner", name="Maya Patel", phone="+447700900209", role="owner"))
        s.commit()
    a, b = make_client(db, world, SAM), make_client(db, world, "+447700900302", "Priya")
    for c in (a, b):
        grant_pack(db, world, c, 3, starts_at=clock.now() - timedelta(days=2))
    yesterday = make_session(db, world, local(world, 2026, 11, 23, 7, 30), capacity=2)
    today = make_session(db, world, local(world, 2026, 11, 24, 18), capacity=2)
    clock.set(local(world, 2026, 11, 23, 7))
    with db.studio(world.studio_id) as s:
        svc.book(s, a, yesterday)
    with db.studio(world.studio_id) as s:
        svc.book(s, a, today)
    from app.booking import attendance

    clock.set(local(world, 2026, 11, 24, 6, 59))
    with db.studio(world.studio_id) as s:
        attendance.sweep_no_shows(s)
        assert queue_digest(s) == 0
    clock.set(local(world, 2026, 11, 24, 7, 0))
    with db.studio(world.studio_id) as s:
        assert queue_digest(s) == 1
        assert queue_digest(s) == 0
        body = s.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "daily_digest")).one()
    assert body == "Good morning! Today: 1 class, 1/2 booked (50%).\n18:00 Vinyasa Flow 1/2\nYesterday: 1 no-show."


def test_a_real_worker_killed_mid_send_then_retried_sends_nothing_twice(
    db, world, clock, redis_url, tmp_path, monkeypatch
):
    """A real `rq worker` process is killed while the transport call is in flight; the job
    is enqueued again and run: the text is not sent a second time, and after ten minutes
    the row is flagged for staff instead of being guessed at."""
    import os
    import signal
    import subprocess
    import sys
    import time as wall

    from redis import Redis
    from rq import Queue, SimpleWorker

    import jobs.tasks as tasks

    sends = tmp_path / "sends.txt"
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "DB_APP_ROLE": "frontdesk_app" if db.is_postgres else "",
        "FRONTDESK_TRANSPORT": "tests.rq_transports:HangingTransport",
        "FRONTDESK_TEST_SENDS": str(sends),
        "PYTHONPATH": os.getcwd(),
    }
    row_id = queue(db, world)
    redis = Redis.from_url(redis_url)
    q = Queue("frontdesk-kill-test", connection=redis)
    q.empty()
    q.enqueue(tasks.deliver_outbox, world.studio_id, job_id=f"deliver-kill-{row_id}-1")
    worker = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "rq"),
            "worker",
            "--burst",
            "--url",
            redis_url,
            "--worker-class",
            "rq.worker.SimpleWorker",
            "frontdesk-kill-test",
        ],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            if sends.exists() and sends.read_text().strip():
                break
            wall.sleep(0.1)
        assert sends.read_text().split() == [str(row_id)], "the worker never reached the transport"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    assert row(db, world, row_id).status == "sending"

    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("DB_APP_ROLE", env["DB_APP_ROLE"])
    monkeypatch.setenv("FRONTDESK_TRANSPORT", "tests.rq_transports:CountingTransport")
    monkeypatch.setenv("FRONTDESK_TEST_SENDS", str(sends))
    tasks.database.cache_clear()
    q.enqueue(tasks.deliver_outbox, world.studio_id, job_id=f"deliver-kill-{row_id}-2")  # the retry
    SimpleWorker([q], connection=redis).work(burst=True)
    assert sends.read_text().split() == [str(row_id)]  # still the one attempt
    clock.set(datetime.now(UTC) + timedelta(minutes=11))  # the worker process ran on the wall clock
    q.enqueue(tasks.deliver_outbox, world.studio_id, job_id=f"deliver-kill-{row_id}-3")
    SimpleWorker([q], connection=redis).work(burst=True)
    tasks.database().dispose()
    tasks.database.cache_clear()
    r = row(db, world, row_id)
    assert sends.read_text().split() == [str(row_id)] and r.status == "unknown"
