"""Prometheus metrics (prometheus-client), recorded where things happen, scraped at ``/metrics``.

Labels never carry a phone number, a name or a message; a studio id only when the operator
asks for it (``METRICS_STUDIO_LABELS=1``), never by default, so one deployment's metrics
don't become a list of its customers. Under gunicorn with several workers set
``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, shared by the workers and cleaned at
start): the client library then writes per-process files that ``/metrics`` aggregates.

Every recorder is safe to call from anywhere (web, worker, CLI) and never raises.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Histogram

STUDIO_LABELS = os.environ.get("METRICS_STUDIO_LABELS") == "1"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DELIVERY_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)


def _studio(studio_id: int | None) -> dict[str, str]:
    return {"studio": str(studio_id or "")} if STUDIO_LABELS else {}


def _labels(*names: str) -> list[str]:
    return [*names, "studio"] if STUDIO_LABELS else list(names)


INBOUND = Counter(
    "frontdesk_inbound_texts_total",
    "Inbound texts by channel and what became of them",
    _labels("channel", "outcome"),
)
REPLIES = Counter("frontdesk_replies_total", "Replies sent to the texter at once (TwiML)", _labels("channel"))
ACTIONS = Counter(
    "frontdesk_client_actions_total",
    "Bookings, cancels and moves asked for by text, by outcome (ok, or the refusal's kind)",
    _labels("action", "outcome"),
)
OFFERS = Counter("frontdesk_waitlist_offers_total", "Waitlist offers made, claimed and lapsed", _labels("outcome"))
OUTBOX = Counter(
    "frontdesk_outbox_rows_total",
    "Outbox rows leaving the queue, by final status and provider error code ('' when none)",
    _labels("status", "code"),
)
DELIVERY_LATENCY = Histogram(
    "frontdesk_delivery_latency_seconds",
    "From a text being due (send_after) to the provider accepting it",
    buckets=DELIVERY_BUCKETS,
)
TICK_SECONDS = Histogram("frontdesk_due_tick_seconds", "One due-work tick, all kinds of work", buckets=LATENCY_BUCKETS)
TICK_ROWS = Counter("frontdesk_due_rows_total", "Rows the due-work tick found due, by kind of work", ["work"])
WEBHOOK_SECONDS = Histogram(
    "frontdesk_webhook_seconds",
    "Time to answer a webhook, by endpoint and status class",
    ["endpoint", "status"],
    buckets=LATENCY_BUCKETS,
)


def inbound(channel: str, outcome: str, studio_id: int | None = None) -> None:
    """``outcome``: answered | deferred | taken_over | duplicate | unknown_studio | refused."""
    INBOUND.labels(channel=channel, outcome=outcome, **_studio(studio_id)).inc()


def replies(channel: str, count: int, studio_id: int | None = None) -> None:
    if count:
        REPLIES.labels(channel=channel, **_studio(studio_id)).inc(count)


def client_action(action: str, outcome: str, studio_id: int | None = None) -> None:
    """``action``: book | cancel | move; ``outcome``: ok or the refusal's kind (e.g. full)."""
    ACTIONS.labels(action=action, outcome=outcome or "unknown", **_studio(studio_id)).inc()


def waitlist_offer(outcome: str, studio_id: int | None = None) -> None:
    """``outcome``: made | claimed | lapsed."""
    OFFERS.labels(outcome=outcome, **_studio(studio_id)).inc()


def outbox_done(status: str, code: str | int | None = None, studio_id: int | None = None) -> None:
    """A row left the queue: ``status`` sent | failed | expired | dropped | held ...; ``code``
    the provider's error code (e.g. 21610), '' when none."""
    OUTBOX.labels(status=status, code=str(code or ""), **_studio(studio_id)).inc()


def delivered_after(seconds: float) -> None:
    DELIVERY_LATENCY.observe(max(0.0, seconds))


def tick(seconds: float, found: dict[str, int]) -> None:
    TICK_SECONDS.observe(seconds)
    for work, rows in found.items():
        if rows:
            TICK_ROWS.labels(work=work).inc(rows)


def webhook(endpoint: str, status: int, seconds: float) -> None:
    WEBHOOK_SECONDS.labels(endpoint=endpoint, status=f"{status // 100}xx").observe(seconds)
