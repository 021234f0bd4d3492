"""The tenant wall, for every studio-owned model, on SQLite and PostgreSQL.

One full set of rows (one of every scoped model) is built for studio A and for studio B;
then every model is read, counted, joined, updated and deleted in A's scope and must never
touch B. A model added to ``SCOPED_MODELS`` without a builder here fails loudly.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import models as m
from app.tenancy import CrossStudioAccess, NoStudioScope, TenancyError


def build(s, now, tag: str) -> dict[type, int]:
    """One row of every scoped model in the session's studio; returns ids by model."""
    rows: dict[type, object] = {}

    def add(obj):
        s.add(obj)
        s.flush()
        rows[type(obj)] = obj
        return obj

    add(m.Policy())
    loc = add(m.Location(key="main", name=f"{tag} Main", timezone="Europe/London"))
    staff = add(m.Staff(key="maya", name=f"{tag} Maya", role="instructor", phone="+447700900201"))
    ct = add(m.ClassType(key="flow", name=f"{tag} Flow", category="Yoga"))
    client = add(m.Client(phone="+447700900301", name=f"{tag} Sam"))
    sched = add(
        m.Schedule(
            class_type_id=ct.id,
            location_id=loc.id,
            instructor_id=staff.id,
            weekdays="mon",
            start_time=time(18),
            starts_on=date(2026, 11, 2),
        )
    )
    add(m.Availability(staff_id=staff.id, location_id=loc.id, weekday=1, start_time=time(7), end_time=time(12)))
    sess = add(
        m.ClassSession(
            class_type_id=ct.id,
            location_id=loc.id,
            instructor_id=staff.id,
            schedule_id=sched.id,
            occurs_on=date(2026, 11, 30),
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=1),
            capacity=10,
        )
    )
    pkg = add(m.Package(key="ten", name=f"{tag} Ten", kind="class_pack", credits=10, price=Decimal("150")))
    cp = add(m.ClientPackage(client_id=client.id, package_id=pkg.id, name="Ten", kind="class_pack", starts_at=now))
    booking = add(m.Booking(client_id=client.id, session_id=sess.id, client_package_id=cp.id))
    add(m.WaitlistEntry(session_id=sess.id, client_id=client.id))
    add(m.CreditEntry(client_id=client.id, client_package_id=cp.id, booking_id=booking.id, kind="grant", credits=10))
    offer = add(m.IntroOffer(key="intro", name=f"{tag} Intro", price=Decimal("39"), class_type_id=ct.id))
    lead = add(m.Lead(name=f"{tag} Jane", phone="+447700900401", intro_offer_id=offer.id, client_id=client.id))
    add(
        m.BookingRequest(
            client_id=client.id,
            class_type_id=ct.id,
            staff_id=staff.id,
            location_id=loc.id,
            lead_id=lead.id,
            session_id=sess.id,
        )
    )
    add(m.LeadMatch(lead_id=lead.id, options=[{"staff_id": staff.id}]))
    conv = add(m.Conversation(phone=client.phone, channel="sms", client_id=client.id))
    add(
        m.Message(
            conversation_id=conv.id,
            client_id=client.id,
            direction="in",
            channel="sms",
            phone=client.phone,
            from_addr=client.phone,
            to_addr="+447700900100",
            body=f"{tag} hi",
            provider_sid=f"SM{tag}",
        )
    )
    add(
        m.OutboxMessage(
            dedupe_key=f"{tag}:1", kind="test", to_addr=client.phone, body=f"{tag} hello", client_id=client.id
        )
    )
    add(m.AuditLog(actor=f"{tag} maya", action="create", entity="client", entity_id=str(client.id)))
    pay = add(
        m.Payment(
            kind="package",
            package_id=pkg.id,
            client_id=client.id,
            client_package_id=cp.id,
            item_name=f"{tag} Ten",
            amount=Decimal("150"),
            currency="GBP",
            token=f"{tag}-tok",
            checkout_url=f"https://x/pay/{tag}-tok",
            stripe_checkout_id=f"cs_{tag}",
        )
    )
    add(m.StripeEvent(event_id="evt_1", kind="checkout.session.completed", payment_id=pay.id))
    add(m.ClientImport(filename=f"{tag}.csv", rows=[{"line": 2, "name": f"{tag} Ann", "phone": "+447700900501"}]))
    add(m.DataRequest(client_id=client.id, kind="export", source="sms", token_hash=f"{tag}-hash"))  # issue 17
    add(m.SuppressedPhone(phone_hash=f"{tag}-phone-hash"))
    missing = set(m.SCOPED_MODELS) - set(rows)
    assert not missing, f"no tenancy builder for {sorted(c.__name__ for c in missing)}"
    s.commit()
    return {model: obj.id for model, obj in rows.items()}


@pytest.fixture
def two_studios(db, clock):
    ids = {}
    with db.unscoped() as s:
        a, b = (
            m.Studio(key="a", name="A", timezone="Europe/London"),
            m.Studio(key="b", name="B", timezone="Europe/London"),
        )
        s.add_all([a, b])
        s.commit()
        studio_ids = a.id, b.id
    for tag, sid in zip("AB", studio_ids, strict=False):
        with db.studio(sid) as s:
            ids[tag] = build(s, clock.now(), tag)
    return studio_ids, ids


MODELS = pytest.mark.parametrize("model", m.SCOPED_MODELS, ids=lambda c: c.__name__)


@MODELS
def test_reads_in_a_scope_never_return_another_studios_rows(db, two_studios, model):
    (a, b), ids = two_studios
    with db.studio(a) as s:
        rows = s.scalars(select(model)).all()
        assert [r.studio_id for r in rows] == [a]
        assert s.scalar(select(func.count()).select_from(model)) == 1
        assert s.scalar(select(func.count(model.id))) == 1
        assert s.get(model, ids["B"][model]) is None
        joined = s.execute(select(m.Studio.key, model.id).join(model, model.studio_id == m.Studio.id)).all()
        assert joined == [("a", ids["A"][model])]
        assert s.scalars(select(model).where(model.id == ids["B"][model])).all() == []


@MODELS
def test_bulk_update_and_delete_touch_only_the_scope(db, two_studios, model):
    (a, b), ids = two_studios
    column = (
        next(
            c
            for c in ("note", "notes", "name", "body", "actor", "state", "kind", "status")
            if c in sa_inspect(model).columns
        )
        if model not in (m.Policy, m.Availability, m.Schedule)
        else None
    )
    with db.studio(a) as s:
        if column is not None:
            s.execute(update(model).values({column: "changed"}))
        else:
            s.execute(update(model).values(studio_id=a))
        s.commit()
    with db.system("check") as s:
        if column is not None:
            values = dict(s.execute(select(model.studio_id, getattr(model, column))).all())
            assert values[a] == "changed" and values[b] != "changed"
    deletable = model in (m.AuditLog, m.OutboxMessage, m.Message, m.WaitlistEntry)
    if deletable:
        with db.studio(a) as s:
            s.execute(delete(model))
            s.commit()
        with db.system("check") as s:
            assert s.scalars(select(model.studio_id)).all() == [b]


@MODELS
def test_no_scope_raises(db, two_studios, model):
    with db.unscoped() as s:
        for query in (
            select(model),
            select(func.count(model.id)),
            select(func.count()).select_from(model),
            select(m.Studio).join(model, model.studio_id == m.Studio.id),
        ):
            with pytest.raises(NoStudioScope):
                s.execute(query)
        with pytest.raises(NoStudioScope):
            s.execute(update(model).values(studio_id=1))
        with pytest.raises(NoStudioScope):
            s.execute(delete(model))


def test_global_tables_are_readable_without_a_scope(db, two_studios):
    with db.unscoped() as s:
        assert sorted(s.scalars(select(m.Studio.key))) == ["a", "b"]
        s.scalars(select(m.InboundAddress)).all()
        s.scalars(select(m.PlatformUser)).all()


def test_writes_are_filled_in_and_checked(db, two_studios):
    (a, b), ids = two_studios
    with db.studio(a) as s:
        client = m.Client(phone="+447700900999", name="New")
        s.add(client)
        s.commit()
        assert client.studio_id == a
    with db.studio(a) as s:
        s.add(m.Client(studio_id=b, phone="+447700900998", name="Smuggled"))
        with pytest.raises(CrossStudioAccess):
            s.commit()
        s.rollback()  # a refused write leaves nothing for the unit of work to commit
    with db.system("fetch B's session") as s:
        b_session = s.get(m.ClassSession, ids["B"][m.ClassSession])
        s.expunge(b_session)
    with db.studio(a) as s:
        booking = m.Booking(client_id=ids["A"][m.Client], session_id=b_session.id)
        booking.session = s.merge(b_session, load=False)
        s.add(booking)
        with pytest.raises(TenancyError):
            s.commit()
        s.rollback()


def test_a_raw_foreign_key_to_another_studio_is_refused_by_the_database(db, two_studios):
    (a, b), ids = two_studios
    with db.studio(a) as s:
        s.add(m.Booking(client_id=ids["A"][m.Client], session_id=ids["B"][m.ClassSession]))
        with pytest.raises((IntegrityError, DBAPIError)):
            s.commit()
    with db.system("check") as s:
        assert s.scalar(select(func.count(m.Booking.id)).where(m.Booking.studio_id == a)) == 1


def test_system_sessions_span_studios_and_must_say_why(db, two_studios):
    with db.system("nightly sweep") as s:
        assert sorted(s.scalars(select(m.Client.studio_id))) == sorted(two_studios[0])
    with pytest.raises(TenancyError):
        with db.system("  "):
            pass
    with pytest.raises(TenancyError):
        with db.studio("1"):  # a scope is an id, never a string from a form
            pass


# ------------------------------------------------------------------ PostgreSQL: the second wall

SCOPED_TABLES = sorted(model.__tablename__ for model in m.SCOPED_MODELS)


@pytest.fixture
def pg_two(pg_db, clock):
    ids = {}
    with pg_db.unscoped() as s:
        a, b = (
            m.Studio(key="a", name="A", timezone="Europe/London"),
            m.Studio(key="b", name="B", timezone="Europe/London"),
        )
        s.add_all([a, b])
        s.commit()
        studio_ids = a.id, b.id
    for tag, sid in zip("AB", studio_ids, strict=False):
        with pg_db.studio(sid) as s:
            ids[tag] = build(s, clock.now(), tag)
    return pg_db, studio_ids, ids


@pytest.mark.parametrize("table", SCOPED_TABLES)
def test_raw_sql_in_a_scope_sees_no_other_studio(pg_two, table):
    db, (a, b), _ = pg_two
    with db.studio(a) as s:
        assert s.execute(text(f"select distinct studio_id from {table}")).scalars().all() == [a]
    with db.unscoped() as s:
        assert s.execute(text(f"select count(*) from {table}")).scalar() == 0


def test_raw_insert_into_another_studio_is_refused(pg_two):
    db, (a, b), _ = pg_two
    with db.studio(a) as s:
        with pytest.raises(DBAPIError, match="row-level security"):
            s.execute(
                text(
                    "insert into audit_log (studio_id, actor, action, entity, created_at) "
                    "values (:b, 'x', 'create', 'client', now())"
                ),
                {"b": b},
            )


def test_every_scoped_table_has_forced_rls_and_a_policy(pg_two):
    db, _, _ = pg_two
    with db.engine.connect() as conn:
        flags = dict(
            conn.execute(
                text(
                    "select relname, relrowsecurity and relforcerowsecurity from pg_class "
                    "where relnamespace = 'public'::regnamespace and relkind = 'r'"
                )
            ).all()
        )
        policies = set(
            conn.execute(text("select tablename from pg_policies where policyname = 'studio_isolation'")).scalars()
        )
    for table in SCOPED_TABLES:
        assert flags.get(table) is True, f"{table} has no forced row-level security"
        assert table in policies, f"{table} has no studio_isolation policy"


def test_the_app_runs_as_a_role_rls_binds(pg_two):
    db, _, _ = pg_two
    with db.engine.connect() as conn:
        user = conn.execute(text("select current_user")).scalar()
        role = conn.execute(text("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")).one()
        owned = conn.execute(
            text("select count(*) from pg_tables where schemaname = 'public' and tableowner = current_user")
        ).scalar()
    assert user == "frontdesk_app"
    assert tuple(role) == (False, False)
    assert owned == 0


def test_migrations_match_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.db import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []
