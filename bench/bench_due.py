"""Issue 15: the due-work tick and delivery at scale, on PostgreSQL. Run by hand.

    .venv/bin/python bench/bench_due.py idle [--studios 100 1000 10000]
    .venv/bin/python bench/bench_due.py reminders [--studios 1000 --per-studio 100]
    .venv/bin/python bench/bench_due.py delivery [--rows 6000 --workers 1 4]
    .venv/bin/python bench/bench_due.py explain

idle: N studios seeded in bulk (policy, location, class type, an owner with a phone, ten
clients with packs, eight classes in the next 48 h with five bookings each and eight in the
last 48 h checked in), the tick's marks a minute old, nothing due: the median of five ticks,
a minute apart. reminders: 1,000 studios x 100 bookings in the next 48 h, every reminder
moment passed; the time to queue all due reminders, then a second tick a minute later.
delivery: 1,000 studios, each with its own SMS number (one sender per studio), 60,000
reminders queued (60 per studio, as a real morning); for each run a random sample of --rows
of them is made due, so a run of 3,000 has about 3 texts per sender and one of 20,000 about
20 (the mix is printed as sender_mix): far more senders than one worker needs at the
default pace (10/s per sender, bursts of 10), as in a morning across 1,000 studios. Sent
by 1 and by W worker processes on the same queue with the transport stubbed; provider ids
counted for double sends, and rows past their valid_until (5% of them) must never reach
the transport. BENCH_PROFILE=/tmp/p writes each worker's cProfile stats to /tmp/p.<pid>.
Writes bench/results/due_<what>.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from app import clock  # noqa: E402
from app.bootstrap import bootstrap  # noqa: E402
from app.clock import FrozenClock  # noqa: E402
from app.db import Database  # noqa: E402
from app.migrate import upgrade  # noqa: E402

PG_ADMIN = os.environ.get("FRONTDESK_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NAIVE = NOW.replace(tzinfo=None)


class StubTransport:
    """Counts, checks validity at the moment of sending, and records who sent what."""

    def __init__(self, log: Path | None = None) -> None:
        self.count, self.late = 0, 0
        self.log = log.open("a") if log else None
        self.tag = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def send(self, message, status_callback=None) -> str:
        self.count += 1
        if message.valid_until is not None and message.valid_until <= clock.now():
            self.late += 1
        if self.log:
            self.log.write(f"{message.id}\n")
        return f"STUB{self.tag}-{self.count}"


def make_database() -> tuple[str, str]:
    name = f"frontdesk_bench_due_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return name, url


def drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed_setup(c, studios: int) -> None:
    c.execute(
        text(
            "insert into studios (key, name, timezone, currency, date_order, sms_number, active, created_at, "
            "whatsapp_fallback, stripe_charges_enabled) select 's' || g, 'Studio ' || g, 'Europe/London', 'GBP', "
            "'DMY', '+4477' || lpad(g::text, 8, '0'), true, now(), 'sms', false from generate_series(1, :n) g"
        ),
        {"n": studios},
    )
    c.execute(
        text(
            "insert into policies (studio_id, booking_window_days, cancel_window_hours, late_cancel, late_cancel_fee, "
            "no_show, no_show_fee, waitlist_mode, waitlist_offer_minutes, fill_to_forgive, reminder_hours, "
            "no_show_review_hours, waitlist_cutoff_minutes, overlap_rule, lead_match_hours, instructor_reply_hours, "
            "working_start, working_end, self_check_in, check_in_opens_minutes) select id, 14, 12, "
            "'forfeit_credit', 0, 'forfeit_credit', 0, 'offer', 30, false, '[24, 2]', 12, 60, 'ask', 4, 2, "
            "'07:00', '20:00', false, 30 from studios"
        )
    )
    c.execute(
        text(
            "insert into locations (studio_id, key, name, timezone) select id, 'main', 'Main', 'Europe/London' "
            "from studios"
        )
    )
    c.execute(
        text(
            "insert into class_types (studio_id, key, name, category, kind, duration_min, capacity, credits, aliases, "
            "active) select id, 'flow', 'Vinyasa Flow', 'Yoga', 'class', 60, 20, 1, '[]', true from studios"
        )
    )
    c.execute(
        text(
            "insert into staff (studio_id, key, name, phone, role, active, specialties) select id, 'owner', 'Ana Owner', "
            "'+4478' || lpad(id::text, 8, '0'), 'owner', true, '[]' from studios"
        )
    )


def seed_clients(c, per_studio: int) -> None:
    c.execute(
        text(
            "insert into clients (studio_id, phone, name, created_at) select s.id, '+447' || "
            "lpad((s.id * 1000 + k)::text, 9, '0'), 'Client ' || k, :now from studios s, generate_series(1, :m) k"
        ),
        {"now": NAIVE, "m": per_studio},
    )


def seed_sessions(c, first: timedelta, step: timedelta, count: int) -> None:
    c.execute(
        text(
            "insert into class_sessions (studio_id, class_type_id, location_id, kind, starts_at, ends_at, capacity, "
            "status, created_at, move_count) select s.id, ct.id, l.id, 'class', :first + k * :step, "
            ":first + k * :step + interval '1 hour', 20, 'scheduled', :now, 0 from studios s "
            "join class_types ct on ct.studio_id = s.id join locations l on l.studio_id = s.id, "
            "generate_series(0, :m - 1) k"
        ),
        {"first": NAIVE + first, "step": step, "m": count, "now": NAIVE},
    )


def seed_bookings(c, per_session: int | None, status: str, where: str) -> None:
    limit = "" if per_session is None else f"and (cl.id % 10) < {per_session}"
    c.execute(
        text(
            "insert into bookings (studio_id, client_id, session_id, status, credits_spent, source, booked_at, "
            "penalty_waived) select cs.studio_id, cl.id, cs.id, :status, 1, 'sms', :then, false from class_sessions "
            f"cs join clients cl on cl.studio_id = cs.studio_id where {where} {limit}"
        ),
        {"status": status, "then": NAIVE - timedelta(days=3)},
    )


def set_marks(c, at: datetime) -> None:
    c.execute(
        text(
            "insert into due_marks (work, done_until) select w, :at from unnest(array['reminders', 'no_shows', "
            "'digests', 'packs', 'leads']) w"
        ),
        {"at": at.replace(tzinfo=None)},
    )


def idle(sizes: list[int]) -> dict:
    from jobs.due import run_due

    results = {}
    for studios in sizes:
        name, url = make_database()
        try:
            t0 = time.perf_counter()
            engine = create_engine(url)
            with engine.begin() as c:
                seed_setup(c, studios)
                seed_clients(c, 10)
                # classes at xx:30, so no reminder moment or review closing falls on the minute ticks below
                seed_sessions(c, timedelta(hours=2, minutes=30), timedelta(hours=6), 8)
                seed_sessions(c, timedelta(hours=-47, minutes=-30), timedelta(hours=6), 8)
                seed_bookings(c, 5, "confirmed", f"cs.starts_at > '{NAIVE}'")
                seed_bookings(c, 5, "attended", f"cs.starts_at < '{NAIVE}'")
                c.execute(
                    text(
                        "insert into client_packages (studio_id, client_id, name, kind, unlimited, starts_at, "
                        "expires_at, source, status, created_at) select studio_id, id, '10 pack', 'class_pack', "
                        "false, :now, :now + interval '30 days', 'admin', 'active', :now from clients"
                    ),
                    {"now": NAIVE},
                )
                set_marks(c, NOW - timedelta(minutes=1))
                c.execute(text("analyze"))
            engine.dispose()
            seeded = time.perf_counter() - t0
            db = Database(url, app_role="frontdesk_app")
            transport, times, visited = StubTransport(), [], 0
            for minute in range(6):
                clock.install(FrozenClock(NOW + timedelta(minutes=minute)))
                t0 = time.perf_counter()
                report = run_due(db, transport)
                times.append(time.perf_counter() - t0)
                visited += report.studios_visited + len(report.sent) + report.reminders
            db.dispose()
            assert visited == 0, "an idle tick found work"
            results[studios] = {
                "seed_seconds": round(seeded, 1),
                "tick_ms_median": round(statistics.median(times[1:]) * 1000, 1),  # the first warms the pool
                "tick_ms_all": [round(t * 1000, 1) for t in times],
            }
            print(studios, results[studios], flush=True)
        finally:
            drop_database(name)
    base = results[sizes[0]]["tick_ms_median"]
    return {"studios": results, "ratio_to_first": {n: round(r["tick_ms_median"] / base, 2) for n, r in results.items()}}


def seed_due(url: str, studios: int, per_studio: int) -> None:
    engine = create_engine(url)
    with engine.begin() as c:
        seed_setup(c, studios)
        seed_clients(c, per_studio // 10)
        seed_sessions(c, timedelta(hours=1), timedelta(minutes=270), 10)  # 10 classes in the next 48 h
        seed_bookings(c, None, "confirmed", "true")
        c.execute(text("analyze"))
    engine.dispose()


def reminders(studios: int, per_studio: int) -> dict:
    from jobs.due import advance, since
    from jobs.reminders import queue_due_reminders

    name, url = make_database()
    try:
        t0 = time.perf_counter()
        seed_due(url, studios, per_studio)
        seeded = time.perf_counter() - t0
        db = Database(url, app_role="frontdesk_app")
        out = {"studios": studios, "bookings": studios * per_studio, "seed_seconds": round(seeded, 1)}
        for label, at in (("first", NOW), ("second", NOW + timedelta(minutes=1))):
            clock.install(FrozenClock(at))
            t0 = time.perf_counter()
            with db.system("bench: the tick's reminder step") as s:
                queued = queue_due_reminders(s, since(s, "reminders", at), at)
                advance(s, "reminders", at)
            out[f"{label}_tick_queued"] = queued
            out[f"{label}_tick_seconds"] = round(time.perf_counter() - t0, 3)
            print(label, queued, out[f"{label}_tick_seconds"], flush=True)
        db.dispose()
        return out
    finally:
        drop_database(name)


def _worker(url: str, log: str, started, result) -> None:
    from app.messaging.delivery import deliver_due

    bootstrap()
    clock.install(FrozenClock(NOW))
    db = Database(url, app_role="frontdesk_app")
    transport = StubTransport(Path(log))
    profile = os.environ.get("BENCH_PROFILE")  # a path: this worker's cProfile stats go there
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    started.wait()
    t0, cpu0 = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    sent = deliver_due(db, transport)
    if profiler:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{os.getpid()}")
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    transport.log.close()
    db.dispose()
    result.put({"sent": len(sent), "seconds": elapsed, "cpu_seconds": cpu, "late": transport.late})


def delivery(rows: int, workers: list[int]) -> dict:
    from jobs.due import advance, since
    from jobs.reminders import queue_due_reminders

    name, url = make_database()
    out: dict = {"rows_per_run": rows, "sender_rate": os.environ.get("FRONTDESK_SENDER_RATE", "10 (default)")}
    try:
        seed_due(url, 1000, 100)
        db = Database(url, app_role="frontdesk_app")
        clock.install(FrozenClock(NOW))
        with db.system("bench: queue the reminders") as s:
            queue_due_reminders(s, since(s, "reminders", NOW), NOW)
            advance(s, "reminders", NOW)
        db.dispose()
        owner = create_engine(url)
        with owner.begin() as c:
            c.execute(text("update outbox set status = 'held'"))
        ctx = multiprocessing.get_context("spawn")
        for n in workers:
            with owner.begin() as c:  # a fresh sample of due rows, 5% of them already past their validity
                c.execute(
                    text(
                        "update outbox set status = 'pending', valid_until = case when id % 20 = 0 then :past "
                        "else valid_until end where id in (select id from outbox where status = 'held' "
                        "order by random() limit :n)"
                    ),
                    {"n": rows, "past": NAIVE - timedelta(minutes=1)},
                )
                mix = c.execute(
                    text(
                        "select count(*), max(k), round(avg(k), 1) from (select count(*) k from outbox "
                        "where status = 'pending' group by from_addr) m"
                    )
                ).one()
            log = Path(f"/tmp/bench_due_{name}_{n}.log")
            log.write_text("")
            started, result = ctx.Event(), ctx.Queue()
            procs = [ctx.Process(target=_worker, args=(url, str(log), started, result)) for _ in range(n)]
            for p in procs:
                p.start()
            time.sleep(3)  # let every worker import and connect before the clock starts
            t0 = time.perf_counter()
            started.set()
            got = [result.get() for _ in procs]
            wall = time.perf_counter() - t0
            for p in procs:
                p.join()
            sent_ids = log.read_text().split()
            with owner.begin() as c:
                stats = dict(
                    c.execute(
                        text("select status, count(*) from outbox where status not in ('held') group by status")
                    ).all()
                )
                providers = c.execute(
                    text("select count(*), count(distinct provider_sid) from messages where direction = 'out'")
                ).one()
                late = c.execute(
                    text("select count(*) from outbox where status = 'sent' and valid_until <= :now"), {"now": NAIVE}
                ).scalar()
                c.execute(text("update outbox set status = 'done' where status not in ('held')"))
                c.execute(text("delete from messages"))
            out[f"{n}_workers"] = {
                "sent": len(sent_ids),
                "wall_seconds": round(wall, 2),
                "texts_per_second": round(len(sent_ids) / wall, 1),
                "per_worker": [
                    {"sent": g["sent"], "seconds": round(g["seconds"], 2), "cpu_seconds": round(g["cpu_seconds"], 2)}
                    for g in got
                ],
                "worker_cpu_ms_per_text": round(1000 * sum(g["cpu_seconds"] for g in got) / max(len(sent_ids), 1), 3),
                "sender_mix": {"senders": mix[0], "most_rows_one_sender": mix[1], "mean_rows_per_sender": float(mix[2])},
                "double_sends": len(sent_ids) - len(set(sent_ids)),
                "provider_ids": {"logged": providers[0], "distinct": providers[1]},
                "past_valid_until_sent": late + sum(g["late"] for g in got),
                "statuses": stats,
            }
            print(n, out[f"{n}_workers"], flush=True)
            log.unlink()
        owner.dispose()
        return out
    finally:
        drop_database(name)


EXPLAIN = {
    "offers": "select distinct studio_id from waitlist_entries where status = 'offered' and "
    "(offer_expires_at <= :now or offer_sent_at is null)",
    "reminders (24h and 2h bands, moved classes)": "select b.id from bookings b join class_sessions cs on cs.id = "
    "b.session_id join studios s on s.id = b.studio_id where b.status = 'confirmed' and cs.status = 'scheduled' and "
    "s.active and ((cs.starts_at > :now + interval '23 hours 59 minutes' and cs.starts_at <= :now + interval "
    "'24 hours') or (cs.starts_at > :now + interval '1 hour 59 minutes' and cs.starts_at <= :now + interval "
    "'2 hours') or (cs.moved_at >= :now - interval '1 minute' and cs.starts_at > :now))",
    "no-show reviews": "select distinct cs.studio_id from class_sessions cs left join policies p on p.studio_id = "
    "cs.studio_id where cs.status = 'scheduled' and cs.ends_at <= :now - interval '12 hours' and cs.ends_at > "
    ":now - interval '12 hours 1 minute' and coalesce(p.no_show_review_hours, 12) = 12 and exists (select 1 from "
    "bookings b where b.session_id = cs.id and b.status in ('confirmed', 'no_show') and b.no_show_settled_at is "
    "null and not b.penalty_waived)",
    "digests": "select id from studios where timezone in ('Europe/London', 'Europe/Dublin')",
    "packs": "select distinct studio_id from client_packages where expires_at is not null and expires_at <= :now "
    "and expires_at > :now - interval '1 minute'",
    "instructor requests": "select distinct studio_id from booking_requests where status = 'proposed' and "
    "lead_id is not null and respond_by <= :now",
    "delivery claim": "select id, studio_id, from_addr from outbox where status = 'pending' and send_after <= :now "
    "order by send_after, id limit 2000",
}


def explain() -> dict:
    name, url = make_database()
    try:
        engine = create_engine(url)
        with engine.begin() as c:
            seed_setup(c, 10000)
            seed_clients(c, 10)
            seed_sessions(c, timedelta(hours=2, minutes=30), timedelta(hours=6), 8)
            seed_sessions(c, timedelta(hours=-47, minutes=-30), timedelta(hours=6), 8)
            seed_bookings(c, 5, "confirmed", f"cs.starts_at > '{NAIVE}'")
            seed_bookings(c, 5, "attended", f"cs.starts_at < '{NAIVE}'")
            c.execute(text("analyze"))
        plans = {}
        with engine.connect() as c:
            for label, sql in EXPLAIN.items():
                rows = c.execute(text("explain (analyze, costs off, timing off, summary on) " + sql), {"now": NAIVE})
                plans[label] = [r[0] for r in rows]
                print(f"-- {label}\n" + "\n".join(plans[label]) + "\n", flush=True)
        engine.dispose()
        return plans
    finally:
        drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["idle", "reminders", "delivery", "explain"])
    parser.add_argument("--studios", type=int, nargs="+")
    parser.add_argument("--per-studio", type=int, default=100)
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    bootstrap()
    if args.what == "idle":
        result = idle(args.studios or [100, 1000, 10000])
    elif args.what == "reminders":
        result = reminders((args.studios or [1000])[0], args.per_studio)
    elif args.what == "delivery":
        result = delivery(args.rows, args.workers)
    else:
        result = explain()
    out = ROOT / "bench/results"
    out.mkdir(exist_ok=True)
    (out / f"due_{args.what}.json").write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
