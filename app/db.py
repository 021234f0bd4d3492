"""Engines, sessions and the column types shared by every model.

The application talks to the database through ``Database``: it owns one engine and a
session factory whose sessions carry the studio scope (see ``app.tenancy``).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as naive UTC and always returned timezone-aware in UTC.

    SQLite keeps no offsets, so the type normalises on the way in and out; a naive
    datetime handed to it is a bug and is refused.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def normalise_url(url: str) -> str:
    """Let operators write ``postgres://`` or ``postgresql://``; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, *, app_role: str | None = None, pool_size: int = 10) -> Engine:
    """Create an engine configured for how Frontdesk uses each backend.

    SQLite: foreign keys on, WAL, and every transaction begins IMMEDIATE so that two
    writers queue on the lock instead of failing to upgrade a read lock.
    PostgreSQL: every connection switches to ``app_role``, a role that does not own
    the tables, so row-level security applies to it (owners and superusers bypass it).
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    if app_role:

        @event.listens_for(engine, "connect")
        def _set_role(dbapi_conn, _record) -> None:
            with dbapi_conn.cursor() as cursor:
                cursor.execute(f'SET ROLE "{app_role}"')
            dbapi_conn.commit()

    return engine


def default_app_role(url: str) -> str | None:
    """The PostgreSQL role the app runs as: ``DB_APP_ROLE`` (default ``frontdesk_app``).

    Set ``DB_APP_ROLE=`` (empty) when ``DATABASE_URL`` already logs in as that role.
    """
    if not normalise_url(url).startswith("postgresql"):
        return None
    return os.environ.get("DB_APP_ROLE", "frontdesk_app") or None


class Database:
    """One engine and the factory of studio-scoped sessions."""

    def __init__(self, url: str, *, app_role: str | None = None) -> None:
        from app.tenancy import ScopedSession

        self.url = normalise_url(url)
        self.engine = make_engine(self.url, app_role=app_role)
        self.sessions = sessionmaker(self.engine, class_=ScopedSession, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def studio(self, studio_id: int) -> Iterator[Session]:
        """A session that sees and writes only ``studio_id``'s rows."""
        from app.tenancy import open_studio_session

        session = open_studio_session(self.sessions, studio_id)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def system(self, reason: str) -> Iterator[Session]:
        """A session that spans studios: for sweeps and platform tasks, never for requests."""
        from app.tenancy import open_system_session

        session = open_system_session(self.sessions, reason)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def unscoped(self) -> Iterator[Session]:
        """A session with no studio: it can read global tables (studios, addresses) only."""
        session = self.sessions()
        try:
            yield session
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
