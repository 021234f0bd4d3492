"""The one database session the setup pages use: the signed-in studio's, per request.

Flask-Admin queries through the session it was given in many places besides
``get_query`` (``get_count_query``, ``get_one``, relationship pickers, the Unique
validator, export, mass actions). Scoping the *session* covers them all at once: every
ORM SELECT, UPDATE and DELETE made through it gets ``studio_id = :scope`` from the
tenancy listener, and a row of another studio cannot be written through it.

The session is opened lazily, the first time a view touches it in a request, for
``current_user.studio_id``, and closed (rolled back if uncommitted) at teardown.
"""

from __future__ import annotations

from flask import Flask
from flask.globals import app_ctx
from flask_login import current_user
from sqlalchemy.orm import scoped_session

from app.db import get_db
from app.tenancy import NoStudioScope, ScopedSession, open_studio_session


def _open_for_signed_in_studio() -> ScopedSession:
    if not current_user.is_authenticated:
        raise NoStudioScope("setup pages need a signed-in staff member")
    return open_studio_session(get_db().sessions, current_user.studio_id)


def request_sessions(app: Flask) -> scoped_session:
    """A ``scoped_session`` keyed by the app context: one studio session per request."""
    sessions = scoped_session(_open_for_signed_in_studio, scopefunc=lambda: id(app_ctx._get_current_object()))

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        sessions.remove()

    return sessions
