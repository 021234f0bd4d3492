"""Database walls that hold against the app's own role (issue 14, "Database walls").

PostgreSQL only: everything here runs as ``frontdesk_app``, the role the app's connections
take, and tries what the probe found possible before migration 0012.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from app import models as m
from app.db import Database


@pytest.fixture
def walls(pg_db, clock):
    db = pg_db
    with db.system("test: two studios with a client and a number each") as s:
        a = m.Studio(key="a", name="A", timezone="Europe/London", sms_number="+447700900001")
        b = m.Studio(key="b", name="B", timezone="Europe/London", sms_number="+447700900002")
        s.add_all([a, b])
        s.flush()
        s.add_all(
            [
                m.InboundAddress(channel="sms", address="+447700900001", studio_id=a.id),
                m.InboundAddress(channel="sms", address="+447700900002", studio_id=b.id),
                m.Client(studio_id=a.id, phone="+447700900101", name="Ann"),
                m.Client(studio_id=b.id, phone="+447700900102", name="Bob"),
            ]
        )
        ids = a.id, b.id
    return db, ids


def test_in_one_studios_scope_another_studios_row_cannot_be_changed(walls):
    db, (a, b) = walls
    with db.studio(a) as s:
        theirs = s.execute(text("update studios set stripe_account_id = 'acct_evil' where id = :b"), {"b": b})
        assert theirs.rowcount == 0
        mine = s.execute(text("update studios set name = 'A Yoga' where id = :a"), {"a": a})
        assert mine.rowcount == 1
        assert s.execute(text("delete from studios where id = :b"), {"b": b}).rowcount == 0
    with db.unscoped() as s:
        assert s.scalar(select(m.Studio.stripe_account_id).where(m.Studio.id == b)) is None
        assert s.scalar(select(m.Studio.name).where(m.Studio.id == a)) == "A Yoga"


def test_another_studios_number_cannot_be_taken_or_moved(walls):
    db, (a, b) = walls
    with db.studio(a) as s:
        moved = s.execute(text("update inbound_addresses set studio_id = :a where studio_id = :b"), {"a": a, "b": b})
        assert moved.rowcount == 0
    with pytest.raises(DBAPIError, match="row-level security"):
        with db.studio(a) as s:  # pointing our own number at them is refused too
            s.execute(text("update inbound_addresses set studio_id = :b where studio_id = :a"), {"a": a, "b": b})
    with pytest.raises(DBAPIError, match="row-level security"):
        with db.studio(a) as s:
            s.execute(
                text("insert into inbound_addresses (channel, address, studio_id) values ('sms', '+447700900009', :b)"),
                {"b": b},
            )
    with db.unscoped() as s:  # outside any scope: read, never write
        assert s.scalar(select(func.count(m.InboundAddress.id))) == 2
        assert s.execute(text("update inbound_addresses set studio_id = :a"), {"a": a}).rowcount == 0
        assert s.execute(text("update studios set name = 'X'")).rowcount == 0
    with db.unscoped() as s:
        owners = dict(s.execute(select(m.InboundAddress.address, m.InboundAddress.studio_id)).all())
    assert owners == {"+447700900001": a, "+447700900002": b}


def test_the_old_system_setting_opens_nothing(walls):
    db, (a, b) = walls
    with db.unscoped() as s:
        s.execute(text("select set_config('app.system', 'on', true)"))
        assert s.execute(text("select count(*) from clients")).scalar() == 0
    with db.studio(a) as s:
        s.execute(text("select set_config('app.system', 'on', true)"))
        assert s.execute(text("select name from clients")).scalars().all() == ["Ann"]


def test_the_app_role_cannot_become_the_system_role(walls, pg_server):
    """A connection whose login is the app role (as production should log in): switching to
    the system role is refused by PostgreSQL, so no SQL on it can read across studios."""
    owner = create_engine(pg_server.url)
    with owner.connect() as conn:
        conn.execute(text("SET SESSION AUTHORIZATION frontdesk_app"))
        with pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text("SET ROLE frontdesk_system"))
        conn.rollback()
        conn.execute(text("SET SESSION AUTHORIZATION frontdesk_app"))
        conn.execute(text("select set_config('app.system', 'on', false)"))
        assert conn.execute(text("select count(*) from clients")).scalar() == 0
        assert conn.execute(text("update studios set stripe_account_id = 'acct_evil'")).rowcount == 0
        conn.rollback()
    owner.dispose()


def test_system_sessions_still_reach_every_studio(walls):
    db, (a, b) = walls
    with db.system("test: every studio's clients") as s:
        assert sorted(s.scalars(select(m.Client.name)).all()) == ["Ann", "Bob"]
        assert s.execute(text("select current_user")).scalar() == "frontdesk_system"
    with db.studio(a) as s:
        assert s.execute(text("select current_user")).scalar() == "frontdesk_app"


def test_a_separate_system_login_is_used_when_configured(walls, pg_server):
    db, (a, b) = walls
    url = pg_server.url.render_as_string(hide_password=False)
    split = Database(url, app_role="frontdesk_app", system_url=url)
    try:
        assert split.system_engine is not None
        with split.system("test: through the system login") as s:
            assert s.scalar(select(func.count(m.Client.id))) == 2
        with split.studio(a) as s:
            assert s.scalar(select(func.count(m.Client.id))) == 1
    finally:
        split.dispose()
