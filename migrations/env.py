"""Alembic environment: one migration history for PostgreSQL and SQLite."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from app import models  # noqa: F401  (registers every table)
from app.config import migration_database_url
from app.db import Base, UTCDateTime, normalise_url

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return normalise_url(config.attributes.get("url") or migration_database_url())


def _render_item(type_, obj, autogen_context):
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, render_item=_render_item, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
