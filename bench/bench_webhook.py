"""Signed inbound webhooks per second: Frontdesk (gunicorn + PostgreSQL) beside two
controls, in the same run:

- floor (``floor_app.py``): validates the signature, inserts the inbound message (unique
  MessageSid) and one reply row into its own table on the same PostgreSQL database,
  commits once, answers TwiML: the least a logging webhook can do;
- bare Flask (``bare_app.py``): validates the signature, answers an empty TwiML.

Run: .venv/bin/python bench/bench_webhook.py [--messages 600] [--senders 8] [--workers 2]
All servers run under gunicorn with the same settings on loopback, one at a time; the
client keeps connections alive, one per sender thread; messages vary and come from many
phones. The servers import this checkout's code (PYTHONPATH is set to it), so a copy of
the bench in another checkout measures that checkout. Writes bench/results/webhook.json.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TOKEN = "bench-token"
TEXTS = ["what's on tomorrow?", "my bookings", "prices", "book yoga wed 6pm", "hi", "how many credits do i have",
         "any spots in reformer thursday?", "cancel yoga"]


FLOOR_TABLE = """create table floor_messages (
    id bigserial primary key,
    sid text unique,
    direction text not null,
    phone text not null,
    body text not null,
    reply_to bigint,
    created_at timestamptz not null default now()
)"""


def default_fixture() -> Path:
    for path in (ROOT / "tests/data/lotus.toml", Path("/work/shared/fixtures/lotus.toml")):
        if path.exists():
            return path
    raise SystemExit("bench_webhook: no lotus.toml fixture found; pass --fixture PATH")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def start(cmd: list[str], env: dict, port: int, cwd: Path) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit(f"server on {port} did not start")


def drive(port: int, n: int, senders: int) -> dict:
    url = f"http://127.0.0.1:{port}/twilio/inbound"
    validator = RequestValidator(TOKEN)
    latencies: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()
    per = n // senders

    def sender(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, seen = [], {}
        for i in range(per):
            form = {"From": f"+4477009{k:02d}{i % 40:03d}", "To": "+447700900100", "Body": TEXTS[i % len(TEXTS)],
                    "MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32}
            body = urllib.parse.urlencode(form)
            headers = {"X-Twilio-Signature": validator.compute_signature(url, form),
                       "Content-Type": "application/x-www-form-urlencoded"}
            t0 = time.perf_counter()
            conn.request("POST", "/twilio/inbound", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            seen[response.status] = seen.get(response.status, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, count in seen.items():
                codes[code] = codes.get(code, 0) + count

    t0 = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(sender, range(senders)))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {"messages": len(latencies), "seconds": round(elapsed, 2), "per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1), "status_codes": codes}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fixture", type=Path, default=None,
                        help="studio TOML for Frontdesk (default tests/data/lotus.toml, else /work/shared/fixtures/lotus.toml)")
    args = parser.parse_args()
    fixture = (args.fixture or default_fixture()).resolve()
    name = f"frontdesk_webhook_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    procs: list[subprocess.Popen] = []
    try:
        pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN, "FRONTDESK_SENDER_RATE": "0",
               "PYTHONPATH": pythonpath}
        bin_dir = Path(sys.executable).parent
        subprocess.run([bin_dir / "frontdesk", "db", "upgrade"], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        subprocess.run([bin_dir / "frontdesk", "load-fixture", str(fixture)], env=env, check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL)
        subprocess.run([bin_dir / "frontdesk", "sessions", "generate"], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        owner = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with owner.begin() as conn:
            conn.execute(text(FLOOR_TABLE))
        owner.dispose()
        gunicorn = [str(bin_dir / "gunicorn"), "--workers", str(args.workers), "--threads", "4", "--log-level",
                    "warning"]
        results = {}
        # the app factory: app/factory.py after the core redesign, app/__init__.py before it
        factory = "app.factory:create_app()" if (ROOT / "app/factory.py").exists() else "app:create_app()"
        for label, port, app_path, cwd in (("frontdesk", 5091, factory, ROOT),
                                           ("floor", 5093, "floor_app:app", ROOT / "bench"),
                                           ("bare_flask", 5092, "bare_app:app", ROOT / "bench")):
            run_env = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
            proc = start(gunicorn + ["--bind", f"127.0.0.1:{port}", app_path], run_env, port, cwd)
            procs.append(proc)
            drive(port, 40, 4)  # warm up
            results[label] = drive(port, args.messages, args.senders)
            stop(proc)  # one server at a time: an idle one does not share the box with the next
        results["ratio_frontdesk_to_floor"] = round(results["frontdesk"]["per_second"]
                                                    / results["floor"]["per_second"], 3)
        results["ratio_frontdesk_to_bare"] = round(results["frontdesk"]["per_second"]
                                                   / results["bare_flask"]["per_second"], 3)
        results["ratio_floor_to_bare"] = round(results["floor"]["per_second"]
                                               / results["bare_flask"]["per_second"], 3)
        owner = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with owner.connect() as conn:  # the floor really wrote: one inbound and one reply row per message
            rows_in, rows_out = conn.execute(text(
                "select count(*) filter (where direction = 'in'), count(*) filter (where direction = 'out') "
                "from floor_messages")).one()
        owner.dispose()
        results["floor"]["rows_written"] = {"in": rows_in, "out": rows_out}
        try:
            results["loadavg_after"] = os.getloadavg()
        except OSError:
            pass
        for label in ("frontdesk", "floor", "bare_flask"):
            r = results[label]
            print(f"{label:11} {r['per_second']:7.1f} msg/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
                  f"codes {r['status_codes']}")
        print(f"ratio frontdesk/floor: {results['ratio_frontdesk_to_floor']}   "
              f"frontdesk/bare: {results['ratio_frontdesk_to_bare']}   floor/bare: {results['ratio_floor_to_bare']}")
        out = ROOT / "bench/results"
        out.mkdir(exist_ok=True)
        (out / "webhook.json").write_text(json.dumps(results, indent=2))
    finally:
        for proc in procs:
            stop(proc)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
