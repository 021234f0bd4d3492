"""RQ job functions. They take ids, never objects, and build their own database handle."""

from __future__ import annotations

from functools import lru_cache

from app.booking.schedules import generate_for_studios
from app.bootstrap import bootstrap
from app.config import Settings
from app.db import Database, default_app_role
from app.messaging.delivery import deliver_studio
from app.messaging.transports import status_callback_url, transport_from_env
from jobs.due import run_due


@lru_cache(maxsize=1)
def database() -> Database:

    bootstrap()  # the worker's composition root: event handlers before any use case runs
    url = Settings().database_url
    return Database(url, app_role=default_app_role(url))


def deliver_outbox(studio_id: int) -> list[int]:
    """Send the studio's due outbox rows. Safe to run twice: rows are claimed one by one."""

    with database().studio(studio_id) as session:
        return deliver_studio(session, transport_from_env(), status_callback=status_callback_url())


def run_due_work() -> dict:
    """The cron heartbeat: everything due now, across studios."""

    report = run_due(database(), transport_from_env())
    return {"waitlist_events": report.waitlist_events, "sent": len(report.sent)}


def top_up_sessions() -> list[tuple[str, int]]:

    return generate_for_studios(database())
