"""SQL statements and commits per inbound text, by kind of text, through the engine.

Run: .venv/bin/python bench/bench_turn_sql.py [--backend postgres|sqlite|both] [--n 30]
     [--fixture PATH] [--pg-url URL]

On a throwaway database (PostgreSQL: created, migrated and dropped by the script, the app
connected as ``DB_APP_ROLE``, default ``frontdesk_app``, as in production; SQLite: a temp
file) it loads a studio fixture plus bench clients who each hold a class pack, generates
the sessions, freezes the clock at 09:00 studio time on a day whose tomorrow has a class,
and sends texts through ``handle_inbound(db, Inbound(...))`` of four kinds:

  schedule  "what's on tomorrow?"
  booking   "book <class> tomorrow <time>" (+ "YES" if the bot asks to confirm)
  cancel    "cancel my <class> tomorrow" (+ "YES" if the bot asks); the booking it cancels
            was made beforehand and is not counted
  greeting  "hi"

Each text of a kind comes from a different client, so each is that client's first such
action (first text of the conversation, except cancel, which follows the booking). One
text per kind is sent first by a spare client as a warm-up and not counted. Counted on the
Database's engine: statements (``before_cursor_execute``), commits and rollbacks (engine
events) and pool checkouts (on PostgreSQL each checkout is also a pre-ping round trip,
which ``before_cursor_execute`` does not see; nor does it see the ``SET ROLE`` run once
per new connection). Writes bench/results/turn_sql.json.

It relies only on: ``app.conversation.engine.handle_inbound`` and ``Inbound``,
``app.db.Database``, ``app.fixtures.load_fixture``, ``app.clock`` (``FrozenClock``,
``install``), ``app.migrate.upgrade`` and a session generator
(``app.booking.schedules.generate_for_studios``). If one is missing it says which.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tomllib
import uuid
from collections import Counter
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KINDS = ("schedule", "booking", "cancel", "greeting")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIRST_DAY = date(2026, 11, 23)  # the test suite's Monday; the first day from here whose tomorrow has a class


def need(module: str, *names: str):
    """Import ``module`` and return ``names`` from it, or stop with a message naming what is missing."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise SystemExit(f"bench_turn_sql: cannot import {module} ({exc}); this bench needs "
                         f"{', '.join(module + '.' + n for n in names)}. Update the bench for the new layout.")
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise SystemExit(f"bench_turn_sql: {module} has no {', '.join(missing)}; this bench needs it. "
                         "Update the bench for the new layout.")
    values = tuple(getattr(mod, n) for n in names)
    return values[0] if len(values) == 1 else values


def find_generator():
    for module, name in (("app.booking.schedules", "generate_for_studios"), ("app.schedules", "generate_for_studios")):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise SystemExit("bench_turn_sql: no session generator found (looked for "
                     "app.booking.schedules.generate_for_studios); update find_generator().")


# --------------------------------------------------------------------------- the studio


def default_fixture() -> Path:
    for path in (Path("/work/shared/fixtures/lotus.toml"), ROOT / "tests/data/lotus.toml"):
        if path.exists():
            return path
    raise SystemExit("bench_turn_sql: no fixture found; pass --fixture PATH (a studio TOML such as lotus.toml)")


def plan(fixture: Path, n: int) -> dict:
    """Everything the run needs, from the fixture alone: the day, the class, the texts, the clients."""
    data = tomllib.loads(fixture.read_text(encoding="utf-8"))
    studio = data["studio"][-1]  # bench clients are appended to the file's last studio
    tz = ZoneInfo(studio["timezone"])
    types = {ct["key"]: ct for ct in studio.get("class_type", [])}
    packs = [p for p in studio.get("package", []) if p.get("kind") == "class_pack" and not p.get("class_type")]
    packs = packs or [p for p in studio.get("package", []) if p.get("kind") == "membership"]
    if not packs:
        raise SystemExit(f"bench_turn_sql: {fixture} has no class pack or membership to give the bench clients")
    pack = max(packs, key=lambda p: p.get("credits", 10**6))
    if not studio.get("sms_number"):
        raise SystemExit(f"bench_turn_sql: {fixture}'s studio has no sms_number to text")

    def classes_on(day: date) -> list[dict]:
        out = []
        for sch in studio.get("schedule", []):
            ct = types.get(sch["class_type"], {})
            if ct.get("kind", "class") != "class" or WEEKDAYS[day.weekday()] not in sch["days"]:
                continue
            if date.fromisoformat(str(sch["starts_on"])) > day:
                continue
            if sch.get("ends_on") and date.fromisoformat(str(sch["ends_on"])) < day:
                continue
            out.append(sch)
        return out

    for offset in range(7):
        today = FIRST_DAY + timedelta(days=offset)
        options = classes_on(today + timedelta(days=1))
        if options:
            break
    else:
        raise SystemExit(f"bench_turn_sql: no class in {fixture} on any day of the week")
    # the latest class tomorrow: well outside any cancel window at 09:00 today
    chosen = max(options, key=lambda s: clock_time(s["time"]))
    ct = types[chosen["class_type"]]
    if pack.get("credits") is not None and pack["credits"] < ct.get("credits", 1):
        raise SystemExit(f"bench_turn_sql: package {pack['key']!r} holds fewer credits than {ct['key']!r} costs")
    hour, minute = clock_time(chosen["time"])
    spoken = f"{hour % 12 or 12}{f':{minute:02d}' if minute else ''}{'am' if hour < 12 else 'pm'}"
    name = ct["name"].lower()
    per_kind = n + 1  # one spare client per kind for the warm-up
    phones = {kind: [f"+4477009{k + 1}{i:04d}" for i in range(per_kind)] for k, kind in enumerate(KINDS)}
    # bench clients, each with the pack; the chosen schedule's capacity raised so that every booking
    # (n bookings, n setup bookings for the cancels, the warm-ups) gets a place rather than the waitlist
    extra = ["", "# ---- added by bench/bench_turn_sql.py"]
    override = {k: v for k, v in chosen.items()}
    override["capacity"] = 2 * per_kind + 20
    extra.append("[[studio.schedule]]")
    extra += [f"{k} = {toml_value(v)}" for k, v in override.items()]
    for kind in KINDS:
        for i, phone in enumerate(phones[kind]):
            extra += ["[[studio.client]]", f'name = "Bench {kind.title()} {i}"', f'phone = "{phone}"',
                      f'package = "{pack["key"]}"']
    start = datetime.combine(today, dtime(9, 0), tz).astimezone(timezone.utc)
    return {
        "fixture_text": fixture.read_text(encoding="utf-8") + "\n".join(extra) + "\n",
        "studio_number": studio["sms_number"], "tz": str(tz), "start": start, "phones": phones,
        "class_name": ct["name"], "class_time": f"{hour:02d}:{minute:02d}", "package": pack["key"],
        "texts": {"schedule": "what's on tomorrow?", "booking": f"book {name} tomorrow {spoken}",
                  "cancel": f"cancel my {name} tomorrow", "greeting": "hi"},
    }


def clock_time(value) -> tuple[int, int]:
    hour, minute = str(value).split(":")[:2]
    return int(hour), int(minute)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, (date, dtime)):
        return f'"{v.isoformat()[:5] if isinstance(v, dtime) else v.isoformat()}"'
    return json.dumps(str(v))


# --------------------------------------------------------------------------- counting


class Counts:
    def __init__(self, engine) -> None:
        self.on = False
        self.statements = self.commits = self.rollbacks = self.checkouts = 0
        self.verbs: Counter = Counter()
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on:
            self.statements += 1
            self.trace.append(" ".join(statement.split())[:160])
            self.verbs[(statement.lstrip().split(None, 1) or ["?"])[0].upper()] += 1

    def _commit(self, conn) -> None:
        if self.on:
            self.commits += 1

    def _rollback(self, conn) -> None:
        if self.on:
            self.rollbacks += 1

    def _checkout(self, *args) -> None:
        if self.on:
            self.checkouts += 1

    def start(self) -> None:
        self.statements = self.commits = self.rollbacks = self.checkouts = 0
        self.trace: list[str] = []
        self.verbs = Counter()
        self.on = True

    def stop(self) -> dict:
        self.on = False
        return {"statements": self.statements, "commits": self.commits, "rollbacks": self.rollbacks,
                "checkouts": self.checkouts, "verbs": dict(self.verbs)}


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "mean": round(statistics.fmean(values), 2),
            "min": min(values), "max": max(values)}


# --------------------------------------------------------------------------- the run


def run(backend: str, args, p: dict) -> dict:
    Database = need("app.db", "Database")
    load_fixture = need("app.fixtures", "load_fixture")
    FrozenClock, install = need("app.clock", "FrozenClock", "install")
    Inbound, handle_inbound = need("app.conversation.engine", "Inbound", "handle_inbound")
    upgrade = need("app.migrate", "upgrade")
    generate = find_generator()

    tmp = tempfile.TemporaryDirectory(prefix="frontdesk-turn-sql-")
    admin = pg_name = None
    if backend == "postgres":
        admin_url = make_url(args.pg_url).set(drivername="postgresql+psycopg")
        pg_name = f"frontdesk_turn_sql_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = admin_url.set(database=pg_name).render_as_string(hide_password=False)
        role = os.environ.get("DB_APP_ROLE", "frontdesk_app") or None
    else:
        url, role = f"sqlite:///{Path(tmp.name) / 'bench.db'}", None
    db = None
    previous = install(FrozenClock(p["start"]))
    try:
        upgrade(url)
        try:
            db = Database(url, app_role=role) if role else Database(url)
        except TypeError:
            raise SystemExit("bench_turn_sql: Database(url, app_role=...) is no longer accepted; "
                             "update how the bench connects as the app role")
        fixture = Path(tmp.name) / "bench-studio.toml"
        fixture.write_text(p["fixture_text"], encoding="utf-8")
        load_fixture(db, fixture)
        generate(db)
        counts = Counts(db.engine)

        def send(phone: str, body: str):
            msg = Inbound("sms", phone, p["studio_number"], body, f"SM{uuid.uuid4().hex}")
            return handle_inbound(db, msg)

        def action(kind: str, phone: str) -> dict:
            if kind == "cancel":  # the booking to cancel, not counted
                send(phone, p["texts"]["booking"])
            texts, replies = [p["texts"][kind]], []
            counts.start()
            t0 = time.perf_counter()
            handled = send(phone, texts[0])
            replies += handled.replies
            if kind in ("booking", "cancel") and handled.state not in ("idle", "IDLE"):
                texts.append("YES")  # the bot asked to confirm
                handled = send(phone, "YES")
                replies += handled.replies
            elapsed = time.perf_counter() - t0
            out = counts.stop()
            out.update(texts=len(texts), ms=round(elapsed * 1000, 2), replies=replies, state=handled.state)
            if os.environ.get("BENCH_TRACE"):
                print(f"-- {kind}: {len(counts.trace)} statements", *counts.trace, sep="\n   ", file=sys.stderr)
            return out

        for kind in KINDS:  # warm-up: the spare (last) client of each kind, not counted
            action(kind, p["phones"][kind][-1])
        samples: dict[str, list[dict]] = {k: [] for k in KINDS}
        for i in range(args.n):  # in rounds, so a catalog-cache refresh lands on any kind
            for kind in KINDS:
                samples[kind].append(action(kind, p["phones"][kind][i]))
        check = verify(db, p, args.n)
    finally:
        install(previous)
        if db is not None:
            db.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            admin.dispose()
        tmp.cleanup()

    per_kind = {}
    for kind, rows in samples.items():
        verbs: Counter = Counter()
        for r in rows:
            verbs.update(r["verbs"])
        per_kind[kind] = {
            "runs": len(rows), "texts_per_action": summary([r["texts"] for r in rows]),
            "statements": summary([r["statements"] for r in rows]), "commits": summary([r["commits"] for r in rows]),
            "rollbacks": summary([r["rollbacks"] for r in rows]), "checkouts": summary([r["checkouts"] for r in rows]),
            "ms": summary([r["ms"] for r in rows]),
            "statements_by_verb_mean": {v: round(c / len(rows), 2) for v, c in verbs.most_common()},
            "sample_replies": rows[0]["replies"], "end_states": dict(Counter(r["state"] for r in rows)),
        }
    every = [r for rows in samples.values() for r in rows]
    return {"backend": backend, "per_kind": per_kind, "verified": check,
            "overall": {"statements_mean": round(statistics.fmean(r["statements"] for r in every), 2),
                        "commits_mean": round(statistics.fmean(r["commits"] for r in every), 2),
                        "statements_per_text_mean": round(sum(r["statements"] for r in every)
                                                          / sum(r["texts"] for r in every), 2),
                        "commits_per_text_mean": round(sum(r["commits"] for r in every)
                                                       / sum(r["texts"] for r in every), 2)}}


def verify(db, p: dict, n: int) -> dict:
    """Did the bookings book and the cancels cancel? Read back through the models, if they are still there."""
    try:
        from sqlalchemy import func, select
        from sqlalchemy.exc import SQLAlchemyError

        from app.models import Booking, Client
    except ImportError as exc:
        return {"checked": False, "why": f"app.models not importable ({exc})"}
    out = {"checked": True}
    try:
        with db.system("bench: verify") as s:
            for kind, status in (("booking", "confirmed"), ("cancel", "cancelled")):
                phones = p["phones"][kind][:n]
                out[f"{kind}_{status}"] = s.scalar(
                    select(func.count()).select_from(Booking).join(Client, Client.id == Booking.client_id)
                    .where(Client.phone.in_(phones), Booking.status == status))
    except (SQLAlchemyError, AttributeError, TypeError) as exc:  # a changed model or session API: report it
        return {"checked": False, "why": f"{exc.__class__.__name__}: {exc}"}
    out["ok"] = out.get("booking_confirmed") == n and out.get("cancel_cancelled") == n
    return out


def report(result: dict) -> None:
    print(f"\n== {result['backend']} ==")
    print(f"{'kind':9} {'texts':>5} | {'statements med/mean/min/max':>28} | {'commits med/mean/min/max':>25} | "
          f"{'checkouts':>9} | {'ms med':>7}")
    for kind, r in result["per_kind"].items():
        s, c = r["statements"], r["commits"]
        print(f"{kind:9} {r['texts_per_action']['mean']:5.2f} | {s['median']:6} {s['mean']:7.2f} {s['min']:5} "
              f"{s['max']:5} | {c['median']:5} {c['mean']:6.2f} {c['min']:4} {c['max']:4} | "
              f"{r['checkouts']['mean']:9.2f} | {r['ms']['median']:7.1f}")
    o = result["overall"]
    print(f"overall mean per action: {o['statements_mean']} statements, {o['commits_mean']} commits "
          f"(per text: {o['statements_per_text_mean']}, {o['commits_per_text_mean']})")
    v = result["verified"]
    if not v.get("checked"):
        print(f"outcome not verified: {v.get('why')}")
    elif not v["ok"]:
        print(f"WARNING: not every action did what it should: {v}")
    else:
        print(f"verified: {v['booking_confirmed']} bookings confirmed, {v['cancel_cancelled']} cancelled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("postgres", "sqlite", "both"), default="postgres")
    parser.add_argument("--n", type=int, default=30, help="actions per kind (default 30)")
    parser.add_argument("--fixture", type=Path, default=None,
                        help="studio TOML (default /work/shared/fixtures/lotus.toml, else tests/data/lotus.toml)")
    parser.add_argument("--pg-url", default=os.environ.get("FRONTDESK_TEST_PG_URL", PG_ADMIN),
                        help="a PostgreSQL server and an existing database to connect to for CREATE DATABASE")
    args = parser.parse_args()
    fixture = args.fixture or default_fixture()
    p = plan(fixture, args.n)
    print(f"fixture {fixture}; clock frozen at {p['start'].astimezone(ZoneInfo(p['tz'])).isoformat()}; "
          f"class tomorrow {p['class_name']} {p['class_time']}; texts {p['texts']}")
    backends = ("postgres", "sqlite") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        result = run(backend, args, p)
        report(result)
        results.append(result)
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    out = ROOT / "bench/results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "turn_sql.json").write_text(json.dumps({
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "root": str(ROOT), "n": args.n,
        "fixture": str(fixture), "frozen_at": p["start"].isoformat(), "texts": p["texts"],
        "python": platform.python_version(), "loadavg_after": load, "results": results}, indent=2, default=str))
    print(f"\nwrote {out / 'turn_sql.json'}")


if __name__ == "__main__":
    main()
