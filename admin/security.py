"""CSRF tokens on every form (sign-in limits: app.web.limits)."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

CSRF_FIELD = "csrf_token"


def csrf_token() -> str:
    token = session.get("_csrf")
    if token is None:
        token = session["_csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_protect() -> None:
    """Every state-changing request to the admin must carry the session's token."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or not request.path.startswith("/admin"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("_csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="The form expired or was not sent from this site. Please try again.")
