"""Understanding accuracy and parse latency on the labelled set (bench/nlu/labelled.jsonl).

Run: .venv/bin/python bench/bench_nlu.py [--set labelled|heldout] [--show-errors]
``labelled`` (313 texts) is the set the parser was tuned against; ``heldout`` (written
once, labelled by the contract before any run, never tuned against) is the honest figure.
Accuracy for intent, class and when (start equal to the minute, or both absent). Rows
marked "timetable" (a bare hour) are also scored after resolution against the Lotus
timetable, as the dialogue does. Latency: time per parse over 5 passes (median, p99).
Writes bench/results/nlu.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.nlu_cli import StudioContext  # noqa: E402
from bot.nlu.parse import ParseContext, parse  # noqa: E402

NOW = datetime.fromisoformat("2026-11-23T09:00:00+00:00")


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--show-errors", action="store_true")
    args.add_argument("--set", dest="set_name", choices=("labelled", "heldout"), default="labelled")
    opts = args.parse_args()
    rows = [json.loads(line) for line in (ROOT / f"bench/nlu/{opts.set_name}.jsonl").read_text().splitlines() if line]
    studio = StudioContext(ROOT / "tests/data/lotus.toml", "lotus", NOW)
    ctx = ParseContext(NOW, "Europe/London", "DMY", studio.catalog)
    hits = Counter()
    confusion = Counter()
    errors = []
    for row in rows:
        p = parse(row["text"], ctx)
        if row.get("timetable"):
            from app import clock
            from app.clock import FrozenClock

            previous = clock.install(FrozenClock(NOW))
            try:
                p = studio.resolve(p)
            finally:
                clock.install(previous)
        got_class = p.class_match.label if p.class_match else None
        got_when = p.when.start.isoformat() if p.when else None
        ok = {"intent": p.intent == row["intent"], "class": got_class == row["class"],
              "when": got_when == row["when"]}
        hits.update(k for k, v in ok.items() if v)
        if not ok["intent"]:
            confusion[(row["intent"], p.intent)] += 1
        if not all(ok.values()):
            errors.append((row["text"], {k: (row[k], {"intent": p.intent, "class": got_class, "when": got_when}[k])
                                         for k, v in ok.items() if not v}))
    latencies = []
    for _ in range(5):
        for row in rows:
            t0 = time.perf_counter()
            parse(row["text"], ctx)
            latencies.append(time.perf_counter() - t0)
    latencies.sort()
    n = len(rows)
    result = {
        "set": opts.set_name,
        "rows": n,
        "intent_accuracy": round(hits["intent"] / n, 4),
        "class_accuracy": round(hits["class"] / n, 4),
        "when_accuracy": round(hits["when"] / n, 4),
        "all_three": round((n - len(errors)) / n, 4),
        "parse_ms_median": round(statistics.median(latencies) * 1000, 3),
        "parse_ms_p99": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 3),
        "worst_intent_confusions": [f"{a} -> {b}: {c}" for (a, b), c in confusion.most_common(8)],
    }
    studio.close()
    print(json.dumps(result, indent=2))
    if opts.show_errors:
        for text, diff in errors:
            print(f"{text!r}: {diff}")
    out = ROOT / "bench/results"
    out.mkdir(exist_ok=True)
    (out / f"nlu-{opts.set_name}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
