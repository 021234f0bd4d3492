"""What every setup page shares: the role guard, real 404s, the audit trail, plain errors.

- Access: a view names a capability of ``admin.roles``; ``is_accessible`` is checked by
  Flask-Admin before *every* exposed endpoint (list, details, create, edit, delete,
  action, export, ajax), so a forbidden POST is refused with 403 like a forbidden GET.
  Signed-out visitors are sent to sign-in.
- Scope: the views query through ``scope.request_sessions`` (the signed-in studio's
  session), so another studio's id is simply not found: ``get_one`` answers 404.
- Audit: each create, edit and delete adds an ``app.audit`` row to the same session
  before Flask-Admin's commit, so the change and its audit line commit together or not at
  all (a failed commit rolls back both).
"""

from __future__ import annotations

import re
import warnings
from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_admin.actions import action
from flask_admin.base import BaseView
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import scoped_session
from werkzeug.exceptions import HTTPException
from wtforms.validators import ValidationError

from admin.roles import can
from app import audit


class Guarded:
    """Mixin: the signed-in staff member's role must have ``capability``."""

    capability: ClassVar[str]

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and can(current_user.role, self.capability)

    def inaccessible_callback(self, name: str, **kwargs: Any):
        if not current_user.is_authenticated:
            return redirect(url_for("admin_auth.login", next=request.full_path))
        abort(403)


class GuardedView(Guarded, BaseView):
    """A hand-written setup page (not a model list)."""

    def __init__(self, sessions: scoped_session, **kwargs: Any) -> None:
        self.sessions = sessions
        super().__init__(**kwargs)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:50] or "item"


class SetupModelView(Guarded, ModelView):
    """A studio-scoped, role-guarded, audited Flask-Admin model view."""

    entity: ClassVar[str]  # the audit log's name for the rows ("class_type")
    in_use_message: ClassVar[str] = "It is still in use elsewhere; mark it inactive instead."
    has_key: ClassVar[bool] = True  # the model has a per-studio ``key``: made from the name

    can_view_details = True
    create_template = "setup/create.html"  # the form in a card, one Save button
    edit_template = "setup/edit.html"
    can_set_page_size = False
    page_size = 50
    form_excluded_columns = ("studio_id", "key")
    column_exclude_list = ("studio_id", "key")
    column_details_exclude_list = ("studio_id",)
    column_display_pk = False

    def __init__(self, model: type, sessions: scoped_session, **kwargs: Any) -> None:
        # Flask-Admin 2.x deprecates a bare session in favour of a Flask-SQLAlchemy(-Lite)
        # ``db`` object; we pass a scoped_session on purpose (see scope.py) and pin 2.2.0.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Passing a session object directly", category=DeprecationWarning)
            super().__init__(model, sessions, **kwargs)

    # ---- scope

    def get_one(self, id: Any) -> Any:
        """The row with this id in the signed-in studio, or 404 (never Flask-Admin's
        redirect with "Record does not exist": another studio's id is not found)."""
        try:
            pk = int(id)
        except (TypeError, ValueError):
            abort(404)
        model = self.session.get(self.model, pk)
        if model is None:
            abort(404)
        return model

    @action("delete", "Delete", "Delete the selected rows?")
    def action_delete(self, ids: Any) -> Any:
        """Flask-Admin's mass delete, with the ids as integers: it passes the raw strings to
        ``IN (...)``, which PostgreSQL refuses for an integer key. Each row goes through
        ``delete_model`` (``fast_mass_delete`` is off), so each gets its audit line."""
        return super().action_delete(tuple(int(i) for i in ids if str(i).isdigit()))

    # ---- audit

    def check_change(self, model: Any, is_created: bool) -> None:
        """Rules that need the database or the signed-in role; raise ValidationError."""

    def check_delete(self, model: Any) -> None:
        """Raise ValidationError (or abort) to refuse the deletion."""

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        session = self.session
        with session.no_autoflush:  # the new row has no key yet: don't insert it half-made
            self.check_change(model, is_created)
            if is_created and self.has_key and not getattr(model, "key", None):
                model.key = self.unique_key(slug(getattr(model, "name", "")))
        if is_created:
            session.flush()  # the id, and studio_id filled in by the tenancy layer
            before = None
        else:
            before = audit.committed_snapshot(model)
        after = audit.snapshot(model)
        if before == after:
            return
        audit.record(
            session,
            actor=audit.staff_actor(current_user.login),
            action="create" if is_created else "edit",
            entity=self.entity,
            entity_id=model.id,
            before=before,
            after=after,
        )

    def on_model_delete(self, model: Any) -> None:
        self.check_delete(model)
        audit.record(
            self.session,
            actor=audit.staff_actor(current_user.login),
            action="delete",
            entity=self.entity,
            entity_id=model.id,
            before=audit.snapshot(model),
            after=None,
        )

    def unique_key(self, base: str) -> str:
        key, n = base, 1
        while self.session.scalar(select(self.model.id).where(self.model.key == key)) is not None:
            n += 1
            key = f"{base}-{n}"
        return key

    # ---- errors in the studio's words

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, HTTPException):
            raise exc  # a refusal (403) raised in a hook stays a refusal, not a flashed error
        if isinstance(exc, IntegrityError):
            flash(self.in_use_message, "error")
            return True
        if isinstance(exc, ValidationError):
            flash(str(exc), "error")
            return True
        return super().handle_view_exception(exc)
