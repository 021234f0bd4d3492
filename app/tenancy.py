"""The tenant scope: one place that makes unscoped access to studio data impossible.

Every studio-owned model inherits ``StudioScoped``. Sessions come in three kinds:

- studio sessions (``open_studio_session``): every SELECT, UPDATE and DELETE on a
  scoped model gets ``studio_id = :scope`` added by a ``do_orm_execute`` listener; new
  rows get the studio filled in; rows or references of another studio are refused.
- system sessions (``open_system_session``): the one visible construct for sweeps that
  span studios. They must give a reason, and writes must still name their studio.
- bare sessions: they may read the global tables; touching a scoped model raises.

On PostgreSQL the scope is also written to the transaction (``app.studio_id``), where
row-level security policies read it, so raw SQL is fenced too; a system session's
transaction switches to the system role instead (``app.rls``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ForeignKey, Integer, event, inspect, text
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.orm.interfaces import MANYTOONE
from sqlalchemy.sql import util as sql_util

from app.rls import system_role

SCOPE = "frontdesk.studio_id"
SYSTEM = "frontdesk.system"


class TenancyError(RuntimeError):
    """A programming error: studio data was reached without, or across, a scope."""


class NoStudioScope(TenancyError):
    pass


class CrossStudioAccess(TenancyError):
    pass


class StudioScoped:
    """Mixin for every studio-owned table: ``studio_id NOT NULL``, indexed."""

    @declared_attr
    def studio_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("studios.id"), index=True, nullable=False)


class ScopedSession(Session):
    """The session class the app's factory makes; the listeners below attach to it."""

    @property
    def studio_id(self) -> int | None:
        return self.info.get(SCOPE)

    @property
    def is_system(self) -> bool:
        return bool(self.info.get(SYSTEM))


def open_studio_session(factory, studio_id: int) -> ScopedSession:
    if not isinstance(studio_id, int) or isinstance(studio_id, bool):
        raise TenancyError(f"studio scope must be an integer id, got {studio_id!r}")
    session = factory()
    session.info[SCOPE] = studio_id
    return session


def open_system_session(factory, reason: str) -> ScopedSession:
    if not reason or not reason.strip():
        raise TenancyError("a cross-studio session must say why it exists")
    session = factory()
    session.info[SYSTEM] = reason
    return session


def _subclasses(cls: type[object]) -> Iterator[type[object]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def scoped_tables() -> frozenset:
    """Every mapped table that inherits ``StudioScoped``."""
    return frozenset(
        table for sub in _subclasses(StudioScoped) if (table := getattr(sub, "__table__", None)) is not None
    )


def _touches_scoped(statement) -> bool:
    tables = scoped_tables()
    found = sql_util.find_tables(
        statement, check_columns=True, include_aliases=True, include_joins=True, include_crud=True
    )
    return any(getattr(t, "element", t) in tables for t in found)


@event.listens_for(ScopedSession, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    session = state.session
    if session.info.get(SYSTEM):
        return
    studio_id = session.info.get(SCOPE)
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
        return
    if studio_id is None:
        if any(issubclass(m.class_, StudioScoped) for m in state.all_mappers) or _touches_scoped(state.statement):
            raise NoStudioScope(
                "studio data queried outside a studio scope; use Database.studio() "
                "or, for a sweep across studios, Database.system(reason)"
            )
        return
    if state.is_insert:
        return  # checked row by row in before_flush; bulk inserts are fenced by RLS
    if state.is_select and (state.is_column_load or state.is_relationship_load):
        return  # criteria already travel with the objects loaded in this scope
    state.statement = state.statement.options(
        with_loader_criteria(
            StudioScoped,
            lambda cls: cls.studio_id == studio_id,
            include_aliases=True,
        )
    )


def _related_studios(obj: Any):
    state = inspect(obj)
    for rel in state.mapper.relationships:
        if rel.direction is not MANYTOONE or not issubclass(rel.mapper.class_, StudioScoped):
            continue
        value = state.attrs[rel.key].loaded_value
        if value is NO_VALUE or value is None:
            continue
        yield rel.key, value


@event.listens_for(ScopedSession, "before_flush")
def _check_writes(session: Session, _flush_context, _instances) -> None:
    scope = session.info.get(SCOPE)
    system = session.info.get(SYSTEM)
    changed = [o for o in itertools.chain(session.new, session.dirty, session.deleted) if isinstance(o, StudioScoped)]
    if changed and scope is None and not system:
        raise NoStudioScope("studio data written outside a studio scope")
    for obj in changed:
        if obj.studio_id is None:
            if scope is not None:
                obj.studio_id = scope
            else:
                parents = {v.studio_id for _, v in _related_studios(obj) if v.studio_id}
                if len(parents) != 1:
                    raise NoStudioScope(f"{type(obj).__name__} written in a system session must name its studio")
                obj.studio_id = parents.pop()
    for obj in changed:
        if scope is not None and obj.studio_id != scope:
            raise CrossStudioAccess(f"{type(obj).__name__} of studio {obj.studio_id} written in studio {scope}'s scope")
        for key, related in _related_studios(obj):
            if related.studio_id is not None and related.studio_id != obj.studio_id:
                raise CrossStudioAccess(
                    f"{type(obj).__name__}.{key} points at studio {related.studio_id}, "
                    f"the row belongs to studio {obj.studio_id}"
                )


@event.listens_for(ScopedSession, "after_begin")
def _tell_postgres(session: Session, transaction, connection) -> None:
    """Write the scope into the transaction, where the RLS policies read it (once: a
    SAVEPOINT inside it already has it)."""
    if connection.dialect.name != "postgresql" or transaction.nested:
        return
    if session.info.get(SYSTEM):  # a role the app role cannot take, not a setting it could write
        connection.exec_driver_sql(f'SET LOCAL ROLE "{system_role()}"')
    elif session.info.get(SCOPE) is not None:
        connection.execute(
            text("select set_config('app.studio_id', :sid, true)"),
            {"sid": str(session.info[SCOPE])},
        )
