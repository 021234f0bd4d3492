"""A hand-off always reaches the team now that the staff inbox exists (issue 16): with no
staff phone to text, the client is still told a person will answer, and the thread is
flagged. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.fixtures import load_fixture
from app.models import Conversation, OutboxMessage, Staff, Studio
from tests.conversation import LOTUS, Texter, make_app


@pytest.fixture
def lotus_no_phones(db, clock):
    load_fixture(db, LOTUS)
    with db.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()
    with db.studio(studio_id) as s:
        s.execute(update(Staff).values(phone=None))
    return studio_id


@pytest.mark.parametrize(
    ("text", "reply", "reason"),
    [
        ("can I talk to a real person please", "I've passed your message to the team.", "asked for a person"),
        ("why was I charged twice??", "I've passed it to the team and a person will check", "questions a charge"),
    ],
)
def test_with_no_staff_phone_the_client_is_still_told_the_team_has_it(db, lotus_no_phones, text, reply, reason):
    sam = Texter(make_app(db).test_client(), "+447700900301")
    answer = sam.says(text)
    assert reply in answer and "Text me things like" not in answer
    with db.studio(lotus_no_phones) as s:
        conv = s.scalars(select(Conversation).where(Conversation.phone == "+447700900301")).one()
        assert conv.needs_person and reason in (conv.flag_reason or "")
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "handoff")).all() == []
