"""What the public pages (no sign-in: the intro offer, a client's data link) share."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from app.db import get_db
from app.models import Studio


def studio_or_404(key: str) -> Studio:
    """The active studio whose short name is ``key``, detached from its session; 404 otherwise."""
    with get_db().unscoped() as s:
        studio = s.scalars(select(Studio).where(Studio.key == key, Studio.active.is_(True))).first()
        if studio is None:
            abort(404)
        s.expunge(studio)
        return studio
