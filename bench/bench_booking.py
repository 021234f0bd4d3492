"""Bookings per second through the booking service, on SQLite and PostgreSQL.

Run by hand:  .venv/bin/python bench/bench_booking.py [--backend sqlite|postgres|both]
              [--bookings 2000] [--workers 8]
Three runs per backend:
- single: one thread books N distinct (client, session) pairs;
- parallel: W threads book N distinct pairs (no contention on one class);
- contended: W threads x K clients race for a few small classes; reports confirmed vs
  capacity for every class (must never exceed) and how many were told "full".
Writes bench/results/booking.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from app import clock  # noqa: E402
from app.booking import booking as svc  # noqa: E402
from app.booking.errors import ClassFull  # noqa: E402
from app.clock import FrozenClock  # noqa: E402
from app.db import Database  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import (  # noqa: E402
    Booking, ClassSession, ClassType, Client, ClientPackage, CreditEntry, Location, Policy, Studio,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def seed(db: Database, sessions: int, clients: int, capacity: int) -> tuple[int, list[int], list[int]]:
    with db.unscoped() as s:
        studio = Studio(key=f"bench-{uuid.uuid4().hex[:6]}", name="Bench", timezone="Europe/London")
        s.add(studio)
        s.commit()
        studio_id = studio.id
    with db.studio(studio_id) as s:
        s.add(Policy(booking_window_days=30))
        loc = Location(key="main", name="Main", timezone="Europe/London")
        ct = ClassType(key="flow", name="Flow", category="Yoga", capacity=capacity, credits=1)
        s.add_all([loc, ct])
        s.flush()
        session_rows = [ClassSession(class_type_id=ct.id, location_id=loc.id, capacity=capacity,
                                     starts_at=NOW + timedelta(days=1, minutes=i),
                                     ends_at=NOW + timedelta(days=1, minutes=i + 60)) for i in range(sessions)]
        client_rows = [Client(phone=f"+4477{i:08d}", name=f"C{i}") for i in range(clients)]
        s.add_all(session_rows + client_rows)
        s.flush()
        packs = [ClientPackage(client_id=c.id, name="pack", kind="class_pack", starts_at=NOW,
                               expires_at=NOW + timedelta(days=60)) for c in client_rows]
        s.add_all(packs)
        s.flush()
        s.add_all([CreditEntry(client_id=p.client_id, client_package_id=p.id, kind="grant", credits=10_000)
                   for p in packs])
        s.commit()
        return studio_id, [x.id for x in session_rows], [c.id for c in client_rows]


def timed_books(db, studio_id, pairs, workers):
    latencies: list[float] = []
    outcomes = {"booked": 0, "full": 0}
    lock = threading.Lock()
    chunks = [pairs[i::workers] for i in range(workers)]

    def run(chunk):
        local_lat, booked, full = [], 0, 0
        for client_id, session_id in chunk:
            t0 = time.perf_counter()
            with db.studio(studio_id) as s:
                try:
                    svc.book(s, client_id, session_id, source="bench")
                    booked += 1
                except ClassFull:
                    full += 1
            local_lat.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(local_lat)
            outcomes["booked"] += booked
            outcomes["full"] += full

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "calls": len(pairs), "seconds": round(elapsed, 3), "per_second": round(len(pairs) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2), **outcomes,
    }


def run_backend(name: str, url: str, app_role: str | None, n: int, workers: int) -> dict:
    db = Database(url, app_role=app_role)
    out: dict = {}
    try:
        # single and parallel: distinct pairs, capacity never the limit
        studio, sessions, clients = seed(db, sessions=50, clients=max(n // 50, 1) * 2, capacity=10_000)
        pairs = [(clients[i // len(sessions)], sessions[i % len(sessions)]) for i in range(n)]
        out["single"] = timed_books(db, studio, pairs, 1)
        studio, sessions, clients = seed(db, sessions=50, clients=max(n // 50, 1) * 2, capacity=10_000)
        pairs = [(clients[i // len(sessions)], sessions[i % len(sessions)]) for i in range(n)]
        out[f"parallel_{workers}"] = timed_books(db, studio, pairs, workers)
        # contended: every client tries every one of 5 classes of capacity 7
        capacity, classes, k = 7, 5, 10
        studio, sessions, clients = seed(db, sessions=classes, clients=workers * k, capacity=capacity)
        pairs = [(c, s) for c in clients for s in sessions]
        result = timed_books(db, studio, pairs, workers)
        with db.studio(studio) as s:
            confirmed = dict(s.execute(select(Booking.session_id, func.count()).where(
                Booking.status == "confirmed").group_by(Booking.session_id)).all())
        result["confirmed_per_class"] = [confirmed.get(sid, 0) for sid in sessions]
        result["capacity"] = capacity
        result["never_over_capacity"] = all(v <= capacity for v in confirmed.values())
        out[f"contended_{workers}"] = result
    finally:
        db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    clock.install(FrozenClock(NOW))
    results: dict = {}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            upgrade(url)
            results["sqlite"] = run_backend("sqlite", url, None, args.bookings, args.workers)
    if args.backend in ("postgres", "both"):
        name = f"frontdesk_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        try:
            upgrade(url)
            results["postgresql"] = run_backend("postgresql", url, "frontdesk_app", args.bookings, args.workers)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    for backend, runs in results.items():
        for run, r in runs.items():
            extra = ""
            if "confirmed_per_class" in r:
                extra = (f"  confirmed/class={r['confirmed_per_class']} capacity={r['capacity']} "
                         f"full={r['full']} never_over={r['never_over_capacity']}")
            print(f"{backend:10} {run:14} {r['per_second']:8.1f} bookings/s  p50 {r['p50_ms']:6.2f} ms  "
                  f"p99 {r['p99_ms']:7.2f} ms  ({r['calls']} calls){extra}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "booking.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
