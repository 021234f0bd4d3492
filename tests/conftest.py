"""Test fixtures: every test that asks for ``db`` runs on SQLite and on PostgreSQL.

PostgreSQL tests use a throwaway database created for the run (``FRONTDESK_TEST_PG_URL``
names the server and an existing database to connect to; default
``postgresql://postgres@127.0.0.1:5432/test``). The app connects as ``frontdesk_app``,
the role row-level security binds; cleanup runs as the owner. When the server is not
reachable the PostgreSQL variants skip, with the reason, unless
``FRONTDESK_REQUIRE_SERVICES=1`` (CI sets it), in which case they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import clock as clock_module
from app.bootstrap import bootstrap
from app.clock import FrozenClock
from app.db import Base, Database
from app.migrate import upgrade

# the tests drive the labelled demo checkout unless a test turns it off (issue 14: never by default)
os.environ.setdefault("FRONTDESK_DEMO_PAYMENTS", "1")
PG_URL = os.environ.get("FRONTDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("FRONTDESK_REQUIRE_SERVICES") == "1"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 23 Nov 2026, 09:00 London


@pytest.fixture(scope="session", autouse=True)
def _bootstrapped() -> None:
    """The composition root, as create_app and the worker run it."""
    bootstrap()


def _missing(what: str, how: str) -> None:
    message = f"{what} is not reachable: {how}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (FRONTDESK_REQUIRE_SERVICES=1, so this is a failure)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


class PostgresServer:
    """A database made for this test run, migrated once, emptied after every test."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url).set(drivername="postgresql+psycopg")
        self.name = f"frontdesk_test_{uuid.uuid4().hex[:10]}"
        self.url = self.admin_url.set(database=self.name)
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        upgrade(self.url.render_as_string(hide_password=False))
        self.owner = create_engine(self.url)
        self.tables = ", ".join(t.name for t in Base.metadata.sorted_tables)

    def empty(self) -> None:
        with self.owner.begin() as conn:
            conn.execute(text(f"TRUNCATE {self.tables} RESTART IDENTITY CASCADE"))

    def drop(self) -> None:
        self.owner.dispose()
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_server():
    try:
        probe = create_engine(
            make_url(PG_URL).set(drivername="postgresql+psycopg"), connect_args={"connect_timeout": 3}
        )
        with probe.connect():
            pass
        probe.dispose()
    except Exception as exc:  # the process boundary of the test run: report, don't crash
        _missing("PostgreSQL", f"{PG_URL} ({exc.__class__.__name__}); start it or set FRONTDESK_TEST_PG_URL")
    server = PostgresServer(PG_URL)
    yield server
    server.drop()


def _sqlite_db(sqlite_template: Path, tmp_path: Path) -> Database:
    path = tmp_path / "frontdesk.db"
    shutil.copy(sqlite_template, path)
    return Database(f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, sqlite_template, tmp_path):
    """A migrated, empty database on each backend; the app's view of it."""
    if request.param == "sqlite":
        database = _sqlite_db(sqlite_template, tmp_path)
        yield database
        database.dispose()
        return
    server = request.getfixturevalue("pg_server")
    database = Database(server.url.render_as_string(hide_password=False), app_role="frontdesk_app")
    yield database
    database.dispose()
    server.empty()


@pytest.fixture
def pg_db(pg_server):
    """PostgreSQL only: for row-level security and real concurrency."""
    database = Database(pg_server.url.render_as_string(hide_password=False), app_role="frontdesk_app")
    yield database
    database.dispose()
    pg_server.empty()


@pytest.fixture
def sqlite_db(sqlite_template, tmp_path):
    database = _sqlite_db(sqlite_template, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def clock():
    """A frozen clock at Monday 23 Nov 2026 09:00 UTC, installed for the test."""
    frozen = FrozenClock(START)
    previous = clock_module.install(frozen)
    yield frozen
    clock_module.install(previous)


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # report the missing service, don't crash the run
        _missing("Redis", f"{REDIS_URL} ({exc.__class__.__name__}); start redis-server or set FRONTDESK_TEST_REDIS_URL")
    return REDIS_URL
