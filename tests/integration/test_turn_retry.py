"""A turn PostgreSQL rolled back to break a deadlock is run again, not answered with a 500
(found by the full suite: an offer claim racing the delivery of the offer's own text)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.conversation import engine
from app.fixtures import load_fixture
from app.models import Message
from tests.conversation import LOTUS, Texter, make_app


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_turn_that_lost_a_deadlock_runs_again_once_and_answers(db, clock, monkeypatch):
    load_fixture(db, LOTUS)
    real, calls = engine._handle, []

    def flaky(session, *args, **kwargs):
        calls.append(1)
        result = real(session, *args, **kwargs)
        if len(calls) == 1:
            raise OperationalError("UPDATE waitlist_entries ...", {}, _Deadlock("deadlock detected"))
        return result

    monkeypatch.setattr(engine, "_handle", flaky)
    reply = Texter(make_app(db).test_client(), "+447700900301").says("my bookings")
    assert len(calls) == 2 and reply
    with db.system("test: the message was logged once") as s:
        assert s.scalar(select(func.count(Message.id)).where(Message.direction == "in")) == 1


def test_other_database_errors_are_not_retried():
    assert engine.lost_to_another_transaction(OperationalError("x", {}, _Deadlock("d")))
    assert not engine.lost_to_another_transaction(OperationalError("x", {}, Exception("disk full")))
    assert not engine.lost_to_another_transaction(ValueError("40P01"))


@pytest.mark.parametrize("code", ["40001"])
def test_a_serialization_failure_counts_too(code):
    class Conflict(Exception):
        sqlstate = code

    assert engine.lost_to_another_transaction(OperationalError("x", {}, Conflict("c")))
