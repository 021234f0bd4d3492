"""Engines, sessions and the column types shared by every model.

The application talks to the database through ``Database``: it owns one engine and a
session factory whose sessions carry the studio scope (see ``app.tenancy``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.tenancy import ScopedSession, open_studio_session, open_system_session

log = logging.getLogger(__name__)
ON_COMMIT = "frontdesk.on_commit"
TX_CACHE = "frontdesk.transaction_cache"
WROTE = "frontdesk.wrote"  # set when a session flushed or executed a write since its last commit

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
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def normalise_url(url: str) -> str:
    """Let operators write ``postgres://`` or ``postgresql://``; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
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


def on_commit(session: Session, work: Callable[[], None]) -> None:
    """Run ``work`` once ``session``'s transaction has committed; never for a rolled-back one.

    For what must follow durability (kick delivery, enqueue a job). ``work`` runs after
    the commit returns to nobody: an exception is logged, never raised, because the
    change is already saved and the caller's answer must not fail (the due-work tick
    picks up whatever a failed kick left behind).
    """
    session.info.setdefault(ON_COMMIT, []).append(work)


def transaction_cache(session: Session) -> dict[str, Any]:
    """A dict that lives as long as ``session``'s current transaction (rows read once per
    unit of work, e.g. the studio's policy); emptied by its commit or rollback."""
    return session.info.setdefault(TX_CACHE, {})


def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # SQLAlchemy fires after_commit for a released SAVEPOINT too
        return
    session.info.pop(WROTE, None)
    session.info.pop(TX_CACHE, None)
    for work in session.info.pop(ON_COMMIT, []):
        try:
            work()
        except Exception:  # after commit is a process boundary: the data is saved, log and go on
            log.exception("after-commit work %r failed", work)


def _drop_after_rollback(session: Session) -> None:
    if session.in_nested_transaction():  # a use case's SAVEPOINT: the outer transaction's work stands
        return
    session.info.pop(ON_COMMIT, None)
    session.info.pop(WROTE, None)
    session.info.pop(TX_CACHE, None)


def _note_write(session: Session, *_args) -> None:
    session.info[WROTE] = True


def _note_statement(state) -> None:
    if not state.is_select:  # ORM update/delete/insert, or raw SQL: treat as a write
        state.session.info[WROTE] = True


class Database:
    """One engine and the factory of studio-scoped sessions.

    Sessions are plain SQLAlchemy sessions bound to a scope; the outermost caller (an
    inbound turn, a web view, a job, a CLI command) commits once. Use cases never commit.
    """

    def __init__(self, url: str, *, app_role: str | None = None, system_url: str | None = None) -> None:
        """``system_url`` (default ``SYSTEM_DATABASE_URL``, PostgreSQL only): a second login
        for cross-studio sessions. Without it they borrow the app's connections and switch
        role for the transaction, which needs the login to be a member of the system role;
        with it the app's login need not be, so no SQL run on a request's connection can
        become the system role (see README, "Database roles")."""
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, app_role=app_role)
        self.sessions = self._factory(self.engine)
        system_url = system_url if system_url is not None else os.environ.get("SYSTEM_DATABASE_URL")
        self.system_engine: Engine | None = None
        if system_url and self.url.startswith("postgresql"):
            self.system_engine = make_engine(normalise_url(system_url), app_role=None, pool_size=4)
        self.system_sessions = self._factory(self.system_engine) if self.system_engine else self.sessions

    @staticmethod
    def _factory(engine: Engine) -> sessionmaker[ScopedSession]:
        sessions = sessionmaker(engine, class_=ScopedSession, expire_on_commit=False)
        event.listen(sessions, "after_commit", _run_after_commit)
        event.listen(sessions, "after_rollback", _drop_after_rollback)
        event.listen(sessions, "after_flush", _note_write)
        event.listen(sessions, "do_orm_execute", _note_statement)
        return sessions

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def studio(self, studio_id: int) -> Iterator[Session]:
        """One unit of work that sees and writes only ``studio_id``'s rows.

        Commits when the block ends normally (once: this block is the outermost caller),
        rolls back when it raises; after-commit work (``on_commit``) runs after that.
        """
        with self._unit(open_studio_session(self.sessions, studio_id)) as session:
            yield session

    @contextmanager
    def system(self, reason: str) -> Iterator[Session]:
        """A unit of work that spans studios: for sweeps and platform tasks, never for requests."""
        with self._unit(open_system_session(self.system_sessions, reason)) as session:
            yield session

    @contextmanager
    def unscoped(self) -> Iterator[Session]:
        """A unit of work with no studio: it can reach the global tables (studios, addresses) only."""
        with self._unit(self.sessions()) as session:
            yield session

    @staticmethod
    @contextmanager
    def _unit(session: Session) -> Iterator[Session]:
        try:
            yield session
            if session.new or session.dirty or session.deleted or session.info.get(WROTE):
                session.commit()
            else:  # read only: nothing to make durable; close() ends the transaction
                _run_after_commit(session)
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.system_engine is not None:
            self.system_engine.dispose()


def get_db() -> Database:
    """The application's ``Database`` (made once by ``create_app``)."""
    return current_app.extensions["frontdesk.db"]
