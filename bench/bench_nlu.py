"""Understanding accuracy and parse latency on the labelled set (bench/nlu/labelled.jsonl).

Run: .venv/bin/python bench/bench_nlu.py [--set labelled|heldout] [--show-errors]
``labelled`` (378 texts: 313, then 65 for the intents of the second contract) is the set
the parser was tuned against; ``heldout`` (written once, labelled by the contract before
any run, never tuned against) is the honest figure.
Accuracy for intent, class and when (start equal to the minute, or both absent). A class
is right when its label is the one written or names the same class types in the studio
("Pilates" in a studio whose only Pilates class is Reformer Pilates). Rows that also
label the contract's further fields (target, minutes, names, numbers, package, also) are
scored on those too ("extras_accuracy", over those rows only). Rows marked "timetable"
(a bare hour) are also scored after resolution against the Lotus timetable, as the
dialogue does. Latency: time per parse over 5 passes (median, p99).
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
from bot.nlu.catalog import Catalog  # noqa: E402
from bot.nlu.normalise import normalise, tokens  # noqa: E402
from bot.nlu.parse import Parse, ParseContext, parse  # noqa: E402

NOW = datetime.fromisoformat("2026-11-23T09:00:00+00:00")


EXTRAS = ("target", "minutes", "names", "numbers", "package", "also")


def same_class(expected: str | None, p: Parse, catalog: Catalog) -> bool:
    got = p.class_match
    if expected is None or got is None:
        return expected is None and got is None
    if got.label == expected:
        return True
    named = catalog.match_class(tokens(normalise(expected)))
    return named is not None and set(named.class_type_ids) == set(got.class_type_ids)


def _brief(p: Parse | None) -> dict | None:
    if p is None:
        return None
    return {"class": p.class_match.label if p.class_match else None,
            "when": p.when.start.isoformat() if p.when else None}


def extras(row: dict, p: Parse, catalog: Catalog) -> dict:
    """The further fields the row labels, as (wanted, got) where they differ."""
    wrong = {}
    for key in EXTRAS:
        if key not in row:
            continue
        want = row[key]
        if key == "target":
            got = _brief(p.target)
            ok = got is not None and got["when"] == want["when"] and (
                want["class"] is None and got["class"] is None
                or want["class"] is not None and p.target is not None and same_class(want["class"], p.target, catalog))
        elif key == "also":
            got = [{"intent": a.intent, **(_brief(a) or {})} for a in p.also]
            ok = len(got) == len(want) and all(
                g["intent"] == w["intent"] and g["when"] == w["when"] and same_class(w["class"], a, catalog)
                for g, w, a in zip(got, want, p.also, strict=True))
        else:
            got = list(getattr(p, key)) if key in ("names", "numbers") else getattr(p, key)
            ok = got == want
        if not ok:
            wrong[key] = (want, got)
    return wrong


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--show-errors", action="store_true")
    args.add_argument("--set", dest="set_name", choices=("labelled", "heldout"), default="labelled")
    opts = args.parse_args()
    rows = [json.loads(line) for line in (ROOT / f"bench/nlu/{opts.set_name}.jsonl").read_text().splitlines() if line]
    studio = StudioContext(ROOT / "tests/data/lotus.toml", "lotus", NOW)
    ctx = ParseContext(NOW, "Europe/London", "DMY", studio.catalog)
    hits = Counter()
    extra_rows = extra_hits = all_three = 0
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
        ok = {"intent": p.intent == row["intent"], "class": same_class(row["class"], p, studio.catalog),
              "when": got_when == row["when"]}
        hits.update(k for k, v in ok.items() if v)
        if not ok["intent"]:
            confusion[(row["intent"], p.intent)] += 1
        wrong = {k: (row[k], {"intent": p.intent, "class": got_class, "when": got_when}[k])
                 for k, v in ok.items() if not v}
        all_three += not wrong
        if any(key in row for key in EXTRAS):
            extra_rows += 1
            wrong_extras = extras(row, p, studio.catalog)
            extra_hits += not wrong_extras
            wrong |= wrong_extras
        if wrong:
            errors.append((row["text"], wrong))
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
        "all_three": round(all_three / n, 4),
        "extras_accuracy": round(extra_hits / extra_rows, 4) if extra_rows else None,
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
