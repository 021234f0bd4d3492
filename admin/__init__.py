"""The staff admin panel: sign-up, sign-in, roles, and the studio's own pages.

Every page works in the signed-in staff member's studio scope; nothing here queries
studio data any other way. Each feature is one module with a blueprint ``bp``; the
modules listed in ``PAGES`` are registered when present.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, g, render_template, request
from flask_login import current_user
from jinja2 import pass_context
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from admin.auth import bp as auth_bp
from admin.auth import login_manager
from admin.nav import nav_items
from admin.roles import can
from admin.security import csrf_protect
from app.db import get_db
from app.models import Studio

PAGES = (
    "admin.dashboard",  # today's classes, fill, charts
    "admin.calendar",  # week view, cancel / move, rosters with check-in
    "admin.clients",  # search, profile, grant credits, book, CSV import
    "admin.messages",  # conversations and the outbox
    "admin.playground",  # talk to the bot as a client
    "admin.leads",  # intro-offer leads board
    "admin.payments",  # Stripe Connect onboarding, payments and refunds
    "admin.setup",  # Flask-Admin: settings, locations, class types, staff, schedules, packages, offers
)


def init_app(app: Flask) -> None:

    # Secure everywhere: browsers accept Secure cookies from http://localhost, so the
    # embedded demo works too. FRONTDESK_INSECURE_COOKIES=1 exists for odd dev setups only.
    secure = os.environ.get("FRONTDESK_INSECURE_COOKIES") != "1"
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=secure,
    )
    login_manager.init_app(app)
    app.before_request(csrf_protect)
    app.after_request(_read_studio_name)
    app.register_blueprint(auth_bp)
    app.jinja_env.globals.update(nav_items=nav_items, can=can)
    app.jinja_env.filters["page_title"] = page_title
    app.register_error_handler(403, panel_error)
    app.register_error_handler(404, panel_error)
    for name in PAGES:
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        if hasattr(module, "init_app"):
            module.init_app(app)
        else:
            app.register_blueprint(module.bp)


TITLE_PARTS = re.compile(r"\s+[·|-]\s+")


NAME_TTL = timedelta(minutes=10)
_names: dict[int, tuple[datetime, str]] = {}  # studio id -> (read at, name): titles only


def remember_studio_name(studio_id: int, name: str) -> None:
    """Keep a studio's name for page titles (called when a page has the row, or it is renamed)."""
    _names[studio_id] = (datetime.now(UTC), name)


def _studio_name(context: Any) -> str | None:
    """The signed-in studio's name: from the page's own studio row when it has one, else
    from a short-lived per-process cache that ``_read_studio_name`` fills after the request."""
    if not current_user.is_authenticated:
        return None
    for holder in (
        context.get("studio"),
        getattr(context.get("f"), "studio", None),
        getattr(context.get("fmt"), "studio", None),
    ):
        if isinstance(holder, Studio) and holder.id == current_user.studio_id:
            remember_studio_name(holder.id, holder.name)
            return holder.name
    view = context.get("admin_view")  # a setup page: read it through the page's own session
    view_session = getattr(view, "session", None) or getattr(view, "sessions", None)
    if view_session is not None:
        studio = view_session.get(Studio, current_user.studio_id)
        if studio is not None:
            remember_studio_name(studio.id, studio.name)
            return studio.name
    known = _names.get(current_user.studio_id)
    if known is None or datetime.now(UTC) - known[0] > NAME_TTL:
        g.read_studio_name = True
    return known[1] if known else None


def _read_studio_name(response: Response) -> Response:
    """After a page that had no studio row at hand (the view's session is closed by now):
    read the name once, for the next page's title."""
    if g.get("read_studio_name") and current_user.is_authenticated:
        with get_db().studio(current_user.studio_id) as s:
            name = s.scalar(select(Studio.name).where(Studio.id == current_user.studio_id))
        if name:
            remember_studio_name(current_user.studio_id, name)
    return response


@pass_context
def page_title(context: Any, title: str) -> str:
    """Every page's title in one shape: ``Calendar · Harbour Pilates · Frontdesk`` (the page,
    the signed-in studio, the product), whatever separators a template used."""
    studio = _studio_name(context)
    parts = [p.strip() for p in TITLE_PARTS.split(str(title).strip()) if p.strip()]
    parts = [p for p in parts if p not in ("Frontdesk", studio)]
    return " · ".join([*parts, *([studio] if studio else []), "Frontdesk"])


ERROR_HEADINGS = {403: "You don't have access to this page", 404: "We couldn't find that"}


def panel_error(error: Forbidden | NotFound):
    """A refused or missing page under /admin, in the panel's layout with the same status.

    Other paths (the Twilio and Stripe webhooks, the intro page) keep Werkzeug's plain
    response: returning the exception lets Flask send it as it would have.
    """
    if not (request.path == "/admin" or request.path.startswith("/admin/")):
        return error
    role = current_user.role.replace("_", " ") if current_user.is_authenticated else None
    page = render_template("admin/error.html", status=error.code, heading=ERROR_HEADINGS[error.code], role=role)
    return page, error.code
