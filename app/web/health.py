"""Liveness and readiness for the load balancer and the Procfile's release checks."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.db import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():

    with get_db().unscoped() as session:
        session.execute(text("select 1"))
    return jsonify(status="ok")
