"""The staff admin panel: sign-up, sign-in, roles, and the studio's own pages.

Every page works in the signed-in staff member's studio scope; nothing here queries
studio data any other way. Each feature is one module with a blueprint ``bp``; the
modules listed in ``PAGES`` are registered when present.
"""

from __future__ import annotations

import importlib
import importlib.util
import os

from flask import Flask, render_template, request
from flask_login import current_user
from werkzeug.exceptions import Forbidden, NotFound

from admin.auth import bp as auth_bp
from admin.auth import login_manager
from admin.nav import nav_items
from admin.roles import can
from admin.security import csrf_protect

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
    app.register_blueprint(auth_bp)
    app.jinja_env.globals.update(nav_items=nav_items, can=can)
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
