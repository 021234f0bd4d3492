"""One message at a time per conversation, for the length of the turn's one transaction.

PostgreSQL: a transaction-level advisory lock keyed on the conversation, taken as the
turn's first statement and released by its commit or rollback (works across web
processes). SQLite: every transaction begins IMMEDIATE, so the turn already holds the
database's write lock from its first statement to its commit; nothing more is needed.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_conversation(session: Session, studio_id: int, phone: str, channel: str) -> None:
    """Wait until no other turn of this conversation is running; hold it until commit."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = f"conversation:{studio_id}:{channel}:{phone}"
    session.execute(text("select pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})
