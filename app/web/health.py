"""Health for load balancers and for the owner: the database and the queue, reported apart.

``GET /healthz`` answers 200 ``{"status": "ok", ...}`` when both answer; 200 with
``"status": "degraded"`` when only the queue (Redis) is down: the web still takes texts and
answers them, and the due-work tick delivers what waited once Redis is back; 503 with
``"status": "down"`` when the database cannot be reached, so a load balancer stops sending
traffic to this process. Each check says ``ok``, ``down`` (with the error's class, never
its message: that may hold a connection string) or ``not used`` (no ``REDIS_URL``: the
embedded default runs jobs in-process).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_db

bp = Blueprint("health", __name__)


def _database() -> str:
    try:
        with get_db().unscoped() as session:
            session.execute(text("select 1"))
    except (SQLAlchemyError, OSError) as exc:
        current_app.logger.error("health: database unreachable (%s)", exc.__class__.__name__)
        return f"down ({exc.__class__.__name__})"
    return "ok"


def _queue() -> str:
    url = current_app.config["FRONTDESK"].redis_url
    if not url:
        return "not used"
    import redis  # only where a queue is configured

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except (redis.RedisError, OSError) as exc:
        current_app.logger.warning("health: queue unreachable (%s)", exc.__class__.__name__)
        return f"down ({exc.__class__.__name__})"
    return "ok"


@bp.get("/healthz")
def healthz():
    checks = {"database": _database(), "queue": _queue()}
    if checks["database"] != "ok":
        return jsonify(status="down", checks=checks), 503
    status = "ok" if checks["queue"] in ("ok", "not used") else "degraded"
    return jsonify(status=status, checks=checks), 200
