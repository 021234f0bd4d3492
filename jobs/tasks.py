"""RQ job functions. They take ids, never objects, and build their own database handle."""

from __future__ import annotations

import os
from functools import lru_cache

from app.booking.schedules import generate_for_studios
from app.bootstrap import bootstrap
from app.config import Settings
from app.db import Database, default_app_role
from app.messaging.delivery import deliver_studio
from app.messaging.transports import Transport, status_callback_url, transport_from_env
from app.observability import logs
from jobs.due import run_due


@lru_cache(maxsize=1)
def database() -> Database:

    bootstrap()  # the worker's composition root: event handlers before any use case runs
    logs.configure()  # JSON lines with LOG_FORMAT=json, the turn id on every line
    url = Settings().database_url
    return Database(url, app_role=default_app_role(url))


def transport() -> Transport:
    """This worker's transport, made once per configuration: one Twilio client (and its
    HTTP connection pool) serves every job the worker runs."""
    return _transport(
        os.environ.get("FRONTDESK_TRANSPORT"), os.environ.get("TWILIO_ACCOUNT_SID"), os.environ.get("TWILIO_AUTH_TOKEN")
    )


@lru_cache(maxsize=4)
def _transport(_named: str | None, _sid: str | None, _token: str | None) -> Transport:
    return transport_from_env()


def deliver_outbox(studio_id: int) -> list[int]:
    """Send the studio's due outbox rows. Safe to run twice: each row is claimed once."""

    with database().studio(studio_id) as session:
        return deliver_studio(session, transport(), status_callback=status_callback_url())


def run_due_work() -> dict:
    """The cron heartbeat: everything due now, across studios."""

    report = run_due(database(), transport())
    return {"waitlist_events": report.waitlist_events, "reminders": report.reminders, "sent": len(report.sent)}


def top_up_sessions() -> list[tuple[str, int]]:

    return generate_for_studios(database())
