"""``row``: a row the caller knows exists, typed as present (``Session.get`` says "maybe").

For ids read from rows of the same transaction (a booking's session, a payment's client):
a miss there is a broken invariant or a row of another studio, and is reported as
``NotFound`` rather than an ``AttributeError`` on ``None`` three lines later.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.booking.errors import NotFound

T = TypeVar("T")


def row(session: Session, model: type[T], row_id: Any) -> T:
    """``session.get(model, row_id)``; raises ``NotFound(<table>, row_id)`` when it is not there."""
    found = session.get(model, row_id)
    if found is None:
        raise NotFound(getattr(model, "__tablename__", model.__name__), row_id)
    return found
