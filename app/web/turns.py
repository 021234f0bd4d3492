"""Every request is a turn (app.observability.logs): its id comes from the proxy's
``X-Request-Id`` when there is one, is sent back in the same header, and is on every log
line and outbox row the request writes. Webhook latency goes to the metrics."""

from __future__ import annotations

import re
import time

from flask import Flask, Response, g, request

from app.observability import logs, metrics

WEBHOOKS = ("twilio_inbound.inbound", "twilio_status.status", "stripe_webhook.webhook")
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


def _begin() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.frontdesk_turn = logs.begin(given if SAFE_ID.match(given) else None)
    g.frontdesk_started = time.perf_counter()


def _finish(response: Response) -> Response:
    turn_id = logs.current_turn()
    if turn_id:
        response.headers["X-Request-Id"] = turn_id
    if request.endpoint in WEBHOOKS and hasattr(g, "frontdesk_started"):
        metrics.webhook(request.endpoint or "", response.status_code, time.perf_counter() - g.frontdesk_started)
    return response


def _end(_exc: BaseException | None) -> None:
    token = g.pop("frontdesk_turn", None)
    if token is not None:
        logs.end(token)


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_end)
