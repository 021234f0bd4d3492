"""The audit log: who changed what, with the row before and after.

``record`` adds the row to the caller's session; the caller's use case commits it with
the change itself, so a change and its audit line land together or not at all.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.models import AuditLog

SECRET_COLUMNS = frozenset({"password_hash"})


def _json_safe(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The mapped columns of ``obj`` as JSON-safe values (for ``before`` / ``after``).

    Secrets (password hashes) are never copied into the log.
    """
    return {
        attr.key: _json_safe(getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in SECRET_COLUMNS
    }


def committed_snapshot(obj: Any) -> dict[str, Any]:
    """Like ``snapshot``, but with the values as last loaded from the database: the
    ``before`` of an edit whose new values are already set on ``obj`` (not yet flushed)."""
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SECRET_COLUMNS:
            continue
        history = state.attrs[attr.key].history
        value = history.deleted[0] if history.deleted else getattr(obj, attr.key)
        out[attr.key] = _json_safe(value)
    return out


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    row = AuditLog(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
    )
    session.add(row)
    return row


def staff_actor(login: Any) -> str:
    """How a signed-in staff member is named in the log (``login`` is an ``admin.accounts.StaffLogin``)."""
    return f"{login.name} (staff {login.staff_id}, {login.role})"
