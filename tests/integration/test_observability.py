"""Metrics an operator can scrape and logs that explain a turn (issue 17, "Metrics and logs").
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from app.booking.schedules import generate_for_studios
from app.fixtures import load_fixture
from app.models import OutboxMessage, Studio
from app.observability import logs
from jobs.due import run_due
from tests.conversation import LOTUS, Texter, make_app

SAM, PRIYA = "+447700900301", "+447700900302"


@pytest.fixture
def lotus(db, clock):
    load_fixture(db, LOTUS)
    generate_for_studios(db)
    with db.unscoped() as s:
        return s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()


def _value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_off_unless_configured_and_need_the_token(db, lotus, monkeypatch):
    client = make_app(db).test_client()
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    monkeypatch.delenv("METRICS_ALLOW", raising=False)
    assert client.get("/metrics").status_code == 404
    monkeypatch.setenv("METRICS_TOKEN", "s3cret-scrape")
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert ok.status_code == 200 and "frontdesk_inbound_texts_total" in ok.get_data(as_text=True)


def test_metrics_can_be_bound_to_internal_addresses(db, lotus, monkeypatch):
    client = make_app(db).test_client()
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    monkeypatch.setenv("METRICS_ALLOW", "10.0.0.0/8")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_a_texted_booking_is_counted_with_no_phone_or_name_in_any_label(db, lotus, monkeypatch):
    monkeypatch.setenv("METRICS_TOKEN", "t")
    client = make_app(db).test_client()
    answered = _value("frontdesk_inbound_texts_total", channel="sms", outcome="answered")
    booked = _value("frontdesk_client_actions_total", action="book", outcome="ok")
    replies = _value("frontdesk_replies_total", channel="sms")
    webhooks = _value("frontdesk_webhook_seconds_count", endpoint="twilio_inbound.inbound", status="2xx")
    assert Texter(client, SAM).says("book yoga wed 6pm").startswith("Booked: Vinyasa Flow")
    assert _value("frontdesk_inbound_texts_total", channel="sms", outcome="answered") == answered + 1
    assert _value("frontdesk_client_actions_total", action="book", outcome="ok") == booked + 1
    assert _value("frontdesk_replies_total", channel="sms") == replies + 1
    assert _value("frontdesk_webhook_seconds_count", endpoint="twilio_inbound.inbound", status="2xx") == webhooks + 1
    page = client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)
    for private in (SAM, SAM.lstrip("+"), "Sam", "lotus", 'studio="'):
        assert private not in page
    assert 'frontdesk_client_actions_total{action="book",outcome="ok"}' in page


def test_one_request_id_runs_from_the_webhook_to_the_outbox_row_and_its_log_lines(db, lotus, caplog):
    client = make_app(db).test_client()
    texter = Texter(client, SAM)
    with caplog.at_level(logging.INFO):
        form = texter.form("can I talk to a real person please")
        response = client.post(
            "/twilio/inbound",
            data=form,
            headers={
                "X-Twilio-Signature": _signature(form),
                "X-Request-Id": "trace-7f3a9c01",
            },
        )
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "trace-7f3a9c01"
    with db.studio(lotus) as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "handoff")).all()
    assert rows and {r.turn_id for r in rows} == {"trace-7f3a9c01"}
    ours = [
        r
        for r in caplog.records
        if getattr(r, "turn_id", None) == "trace-7f3a9c01" or "trace-7f3a9c01" in r.getMessage()
    ]
    assert ours or any(r.name == "app.web.twilio_inbound" for r in caplog.records)
    for record in caplog.records:
        if record.levelno >= logging.INFO and record.name.startswith(("app.", "jobs.", "admin.")):
            text = record.getMessage()
            assert SAM not in text and "real person" not in text, text


def _signature(form: dict) -> str:
    from twilio.request_validator import RequestValidator

    from tests.conversation import BASE, TOKEN

    return RequestValidator(TOKEN).compute_signature(BASE + "/twilio/inbound", form)


def test_json_log_lines_carry_the_turn_id():
    formatter = logs.JsonFormatter()
    with logs.turn("turn-42"):
        record = logging.LogRecord("app.test", logging.INFO, __file__, 1, "booked %s", ("x",), None)
        logs.TurnFilter().filter(record)
        line = json.loads(formatter.format(record))
    assert line["turn_id"] == "turn-42" and line["message"] == "booked x" and line["level"] == "INFO"
    assert logs.current_turn() is None


def test_a_due_tick_is_timed_and_its_rows_counted(db, lotus, clock):
    ticks = _value("frontdesk_due_tick_seconds_count")
    reminders = _value("frontdesk_due_rows_total", work="reminders")
    Texter(make_app(db).test_client(), SAM).says("book yoga wed 6pm")
    for hours in (12, 22):  # Mon 21:00, then Tue 19:00: Wed 18:00's 24 h reminder fell due at Tue 18:00
        clock.advance(timedelta(hours=hours))
        run_due(db)
    assert _value("frontdesk_due_tick_seconds_count") == ticks + 2
    assert _value("frontdesk_due_rows_total", work="reminders") >= reminders + 1
