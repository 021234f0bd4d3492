"""The reminder sweep at scale, and outbox delivery per worker, on PostgreSQL.

Run: .venv/bin/python bench/bench_reminders.py [--studios 1000] [--per-studio 100]
Seeds (as the owner, in bulk) N studios x M bookings over the next 48 hours, then times
(1) the sweep that finds every due reminder and writes its outbox row, studio by studio
in each studio's scope, as the cron job does, and (2) delivery of those rows by one
worker with the transport stubbed (no network, no pacing). Writes bench/results/reminders.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from app import clock  # noqa: E402
from app.clock import FrozenClock  # noqa: E402
from app.db import Database  # noqa: E402
from app.messaging import delivery  # noqa: E402
from app.messaging.delivery import deliver_all  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import OutboxMessage  # noqa: E402
from jobs.reminders import queue_reminders  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


class StubTransport:
    def __init__(self) -> None:
        self.count = 0

    def send(self, message, status_callback=None) -> str:
        self.count += 1
        return f"SMSTUB{self.count:012d}"


def seed(url: str, studios: int, per_studio: int) -> None:
    """Bulk rows through the owner connection (RLS does not bind a superuser)."""
    sessions_per, clients_per = 10, per_studio // 10
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("insert into studios (key, name, timezone, currency, date_order, sms_number, active, "
                       "created_at, whatsapp_fallback) select 's' || g, 'Studio ' || g, 'Europe/London', 'GBP', "
                       "'DMY', '+4477' || lpad(g::text, 8, '0'), true, now(), 'sms' from generate_series(1, :n) g"),
                  {"n": studios})
        c.execute(text("insert into policies (studio_id, booking_window_days, cancel_window_hours, late_cancel, "
                       "late_cancel_fee, no_show, no_show_fee, waitlist_mode, waitlist_offer_minutes, fill_to_forgive,"
                       " reminder_hours) select id, 14, 12, 'forfeit_credit', 0, 'forfeit_credit', 0, 'offer', 30, "
                       "false, '[24, 2]' from studios"))
        c.execute(text("insert into locations (studio_id, key, name, timezone) select id, 'main', 'Main', "
                       "'Europe/London' from studios"))
        c.execute(text("insert into class_types (studio_id, key, name, category, kind, duration_min, capacity, "
                       "credits, aliases, active) select id, 'flow', 'Vinyasa Flow', 'Yoga', 'class', 60, 20, 1, "
                       "'[]', true from studios"))
        c.execute(text(
            "insert into class_sessions (studio_id, class_type_id, location_id, kind, starts_at, ends_at, capacity, "
            "status, created_at) select s.id, ct.id, l.id, 'class', :now + (k * interval '270 minutes') + "
            "interval '1 hour', :now + (k * interval '270 minutes') + interval '2 hours', 20, 'scheduled', :now "
            "from studios s join class_types ct on ct.studio_id = s.id join locations l on l.studio_id = s.id, "
            "generate_series(0, :m - 1) k"), {"now": NOW.replace(tzinfo=None), "m": sessions_per})
        c.execute(text("insert into clients (studio_id, phone, name, created_at) select s.id, '+447' || "
                       "lpad((s.id * 1000 + k)::text, 9, '0'), 'Client ' || k, :now from studios s, "
                       "generate_series(1, :m) k"), {"now": NOW.replace(tzinfo=None), "m": clients_per})
        c.execute(text("insert into bookings (studio_id, client_id, session_id, status, credits_spent, source, "
                       "booked_at, penalty_waived) select cs.studio_id, cl.id, cs.id, 'confirmed', 1, 'sms', "
                       ":then, false from class_sessions cs join clients cl on cl.studio_id = cs.studio_id"),
                  {"then": (NOW - timedelta(days=3)).replace(tzinfo=None)})
        c.execute(text("analyze"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--studios", type=int, default=1000)
    parser.add_argument("--per-studio", type=int, default=100)
    args = parser.parse_args()
    clock.install(FrozenClock(NOW))
    delivery.pace.gap = 0.0
    name = f"frontdesk_reminders_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        t0 = time.perf_counter()
        seed(url, args.studios, args.per_studio)
        seeded = time.perf_counter() - t0
        db = Database(url, app_role="frontdesk_app")
        with db.unscoped() as s:
            from app.models import Studio

            studio_ids = s.scalars(select(Studio.id).order_by(Studio.id)).all()
        t0 = time.perf_counter()
        queued = 0
        for studio_id in studio_ids:
            with db.studio(studio_id) as session:
                queued += queue_reminders(session)
        sweep = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = 0
        for studio_id in studio_ids:
            with db.studio(studio_id) as session:
                again += queue_reminders(session)
        resweep = time.perf_counter() - t0
        with db.system("bench: count bookings") as s:
            from app.models import Booking

            bookings = s.scalar(select(func.count(Booking.id)))
        transport = StubTransport()
        sample = min(queued, 5000)
        with db.system("bench: keep a delivery sample") as s:
            s.execute(text("update outbox set status = 'held' where id not in "
                           "(select id from outbox order by id limit :n)"), {"n": sample})
            s.commit()
        t0 = time.perf_counter()
        sent = deliver_all(db, transport)
        deliver_seconds = time.perf_counter() - t0
        db.dispose()
        result = {
            "studios": len(studio_ids), "bookings": bookings, "seed_seconds": round(seeded, 1),
            "reminders_queued": queued, "sweep_seconds": round(sweep, 2),
            "sweep_bookings_per_second": round(bookings / sweep, 1),
            "second_sweep_queued": again, "second_sweep_seconds": round(resweep, 2),
            "delivered": len(sent), "delivery_seconds": round(deliver_seconds, 2),
            "delivered_per_second_one_worker": round(len(sent) / deliver_seconds, 1),
        }
        print(json.dumps(result, indent=2))
        out = ROOT / "bench/results"
        out.mkdir(exist_ok=True)
        (out / "reminders.json").write_text(json.dumps(result, indent=2))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
