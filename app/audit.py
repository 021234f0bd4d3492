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


def snapshot(obj: Any) -> dict[str, Any]:
    """The mapped columns of ``obj`` as JSON-safe values (for ``before`` / ``after``)."""
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        value = getattr(obj, attr.key)
        if isinstance(value, (datetime, date, time)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[attr.key] = value
    return out


def record(session: Session, *, actor: str, action: str, entity: str, entity_id: Any = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditLog:
    row = AuditLog(actor=actor, action=action, entity=entity,
                   entity_id=None if entity_id is None else str(entity_id), before=before, after=after)
    session.add(row)
    return row
