"""Understanding on texts the project did not write (issue 12): bench/nlu/external.jsonl.

Run: .venv/bin/python bench/bench_nlu_external.py [--set external|external2] [--show-errors] [--kind KIND]

The set (225 texts, UK studio "lotus" and US studio "harbour") was written from a brief
by someone who had not read the parser, and labelled before its first run. Each row is
parsed with its studio's own catalog, timezone and date order at Mon 23 Nov 2026 09:00
UTC; rows marked "timetable" are resolved against the studio's timetable as the
dialogue does. A row is right when every labelled field is: intent (for "foreign" rows:
the language code), class, when (same instant, or both absent), and where labelled the
reschedule target (target_when, target_class) and the second request (also_intent).
Writes bench/results/nlu-external.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import clock  # noqa: E402
from app.clock import FrozenClock  # noqa: E402
from app.nlu_cli import StudioContext  # noqa: E402
from bot.nlu.parse import ParseContext, parse  # noqa: E402

NOW = datetime.fromisoformat("2026-11-23T09:00:00+00:00")
STUDIOS = {"lotus": ROOT / "tests/data/lotus.toml", "harbour": ROOT / "app/demo/demo.toml"}


def _same_instant(got, want: str | None) -> bool:
    """Equal instants; and one deliberate difference: a day that is today ("monday" said on
    a Monday, "today") starts now rather than at midnight, so classes already over are never
    offered. A label of today's midnight is met by a start of now."""
    if want is None or got is None:
        return want is None and got is None
    wanted = datetime.fromisoformat(want)
    if got == wanted:
        return True
    today_midnight = NOW.astimezone(wanted.tzinfo).replace(hour=0, minute=0, second=0, microsecond=0)
    return wanted == today_midnight and got == NOW


def score(row: dict, p) -> dict[str, bool]:
    if row["intent"] == "foreign":
        ok = {"intent": getattr(p, "lang", None) == row.get("lang")}
    else:
        ok = {"intent": p.intent == row["intent"] and getattr(p, "lang", None) is None}
        ok["class"] = (p.class_match.label if p.class_match else None) == row["class"]
        ok["when"] = _same_instant(p.when.start if p.when else None, row["when"])
    if "target_when" in row or "target_class" in row:
        target = getattr(p, "target", None)
        ok["target"] = _same_instant(
            target.when.start if target and target.when else None, row.get("target_when")
        ) and ((target.class_match.label if target and target.class_match else None) == row.get("target_class"))
    if "also_intent" in row:
        also = getattr(p, "also", ()) or ()
        ok["also"] = bool(also) and also[0].intent == row["also_intent"]
    return ok


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--show-errors", action="store_true")
    args.add_argument("--kind")
    args.add_argument("--set", dest="set_name", default="external", help="external (225 texts) or external2")
    opts = args.parse_args()
    source = ROOT / f"bench/nlu/{opts.set_name}.jsonl"
    rows = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    if opts.kind:
        rows = [r for r in rows if r.get("kind") == opts.kind]
    contexts = {key: StudioContext(path, key, NOW) for key, path in STUDIOS.items()}
    previous = clock.install(FrozenClock(NOW))
    fields: Counter = Counter()
    counted: Counter = Counter()
    by_kind: dict[str, list[bool]] = defaultdict(list)
    errors = []
    latencies: list[float] = []
    try:
        for row in rows:
            studio = contexts[row["studio"]]
            ctx = ParseContext(NOW, studio.studio.timezone, studio.studio.date_order, studio.catalog)
            t0 = time.perf_counter()
            p = parse(row["text"], ctx)
            latencies.append(time.perf_counter() - t0)
            if row.get("timetable"):
                p = studio.resolve(p)
            ok = score(row, p)
            counted.update(ok.keys())
            fields.update(k for k, v in ok.items() if v)
            right = all(ok.values())
            by_kind[row.get("kind", "?")].append(right)
            if not right:
                got = {
                    "intent": p.intent,
                    "lang": getattr(p, "lang", None),
                    "class": p.class_match.label if p.class_match else None,
                    "when": p.when.start.isoformat() if p.when else None,
                }
                errors.append((row["studio"], row["text"], [k for k, v in ok.items() if not v], got, row))
    finally:
        clock.install(previous)
        for studio in contexts.values():
            studio.close()
    n = len(rows)
    latencies.sort()
    result = {
        "set": opts.set_name,
        "rows": n,
        "all_fields_right": round((n - len(errors)) / n, 4),
        "fields": {k: round(fields[k] / counted[k], 4) for k in sorted(counted)},
        "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())},
        "parse_ms_median": round(statistics.median(latencies) * 1000, 3),
    }
    print(json.dumps(result, indent=2))
    if opts.show_errors:
        for studio_key, text, wrong, got, row in errors:
            want = {
                k: row.get(k) for k in ("intent", "lang", "class", "when", "target_when", "target_class", "also_intent")
            }
            want = {k: v for k, v in want.items() if v is not None or k in ("class", "when")}
            print(f"[{studio_key}] {text!r} wrong={wrong}\n    got  {got}\n    want {want}")
    out = ROOT / "bench/results"
    out.mkdir(exist_ok=True)
    (out / f"nlu-{opts.set_name}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
