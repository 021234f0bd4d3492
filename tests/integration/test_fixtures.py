"""Studio fixtures: every field honoured, loading twice creates nothing twice, bad input
names file, studio and field and writes nothing at all."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.booking import credits
from app.cli import cli
from app.config import Settings
from app.db import Base
from app.factory import create_app
from app.fixtures import FixtureError, load_fixture
from app.models import (
    Availability,
    ClassType,
    Client,
    InboundAddress,
    IntroOffer,
    Location,
    Package,
    Policy,
    Schedule,
    Staff,
    Studio,
)

LOTUS = Path(__file__).parents[1] / "data" / "lotus.toml"
DEMO = Path(__file__).parents[2] / "app" / "demo" / "demo.toml"


def counts(db) -> dict[str, int]:
    with db.system("count rows") as s:
        return {t.name: s.execute(select(func.count()).select_from(t)).scalar() for t in Base.metadata.sorted_tables}


def studio_id(db, key="lotus") -> int:
    with db.unscoped() as s:
        return s.scalars(select(Studio.id).where(Studio.key == key)).one()


def test_every_field_of_the_example_lands(db, clock):
    load_fixture(db, LOTUS)
    sid = studio_id(db)
    with db.unscoped() as s:
        st = s.get(Studio, sid)
        assert (st.name, st.timezone, st.currency, st.date_order, st.sms_number, st.whatsapp_number) == (
            "Lotus Yoga & Movement",
            "Europe/London",
            "GBP",
            "DMY",
            "+447700900100",
            "+447700900100",
        )
        assert sorted((a.channel, a.address) for a in s.scalars(select(InboundAddress))) == [
            ("sms", "+447700900100"),
            ("whatsapp", "+447700900100"),
        ]
    with db.studio(sid) as s:
        p = s.scalars(select(Policy)).one()
        assert (
            p.booking_window_days,
            p.cancel_window_hours,
            p.late_cancel,
            p.late_cancel_fee,
            p.no_show,
            p.no_show_fee,
            p.waitlist_mode,
            p.waitlist_offer_minutes,
            p.fill_to_forgive,
            p.reminder_hours,
            p.quiet_start,
            p.quiet_end,
        ) == (
            14,
            12,
            "forfeit_credit",
            Decimal("5.00"),
            "forfeit_credit",
            Decimal("10.00"),
            "offer",
            30,
            True,
            [24, 2],
            time(21),
            time(8),
        )
        locations = {x.key: (x.name, x.address, x.timezone) for x in s.scalars(select(Location))}
        assert locations["clapham"] == ("Clapham", "4 Venn St, London SW4 0AT", "Europe/London")
        tom = s.scalars(select(Staff).where(Staff.key == "tom")).one()
        assert (tom.name, tom.phone, tom.email, tom.role, tom.specialties) == (
            "Tom Okafor",
            "+447700900202",
            "tom@lotus.example",
            "instructor",
            ["strength", "weight loss", "personal training"],
        )
        types = {c.key: c for c in s.scalars(select(ClassType))}
        assert (
            types["reformer"].category,
            types["reformer"].capacity,
            types["reformer"].credits,
            types["reformer"].duration_min,
            types["reformer"].aliases,
        ) == ("Pilates", 8, 2, 50, ["reformer", "machine pilates"])
        assert types["pt"].kind == "appointment" and types["vinyasa"].kind == "class"
        hiit = s.scalars(select(Schedule).where(Schedule.class_type_id == types["hiit"].id)).one()
        assert (hiit.weekdays, hiit.start_time, hiit.capacity, str(hiit.starts_on)) == (
            "mon,wed",
            time(6, 30),
            12,
            "2026-11-02",
        )
        assert s.scalar(select(func.count(Schedule.id))) == 6
        assert sorted(
            (a.weekday, a.start_time, a.end_time)
            for a in s.scalars(
                select(Availability).join(Staff, Staff.id == Availability.staff_id).where(Staff.key == "sara")
            )
        ) == [(0, time(10), time(16)), (2, time(10), time(16)), (4, time(10), time(16))]
        packages = {x.key: (x.kind, x.credits, x.price, x.valid_days) for x in s.scalars(select(Package))}
        assert packages == {
            "drop-in": ("drop_in", 1, Decimal("18.00"), 30),
            "ten-pack": ("class_pack", 10, Decimal("150.00"), 120),
            "unlimited": ("membership", None, Decimal("129.00"), 30),
        }
        offer = s.scalars(select(IntroOffer)).one()
        assert (offer.name, offer.price, offer.sessions, offer.class_type_id) == (
            "Intro: 3 PT sessions",
            Decimal("39.00"),
            3,
            types["pt"].id,
        )
        balances = {c.phone: credits.balance(s, c.id) for c in s.scalars(select(Client))}
        assert balances["+447700900301"].credits == 10
        assert balances["+447700900302"].unlimited is True
        assert balances["+447700900303"].credits == 1


def test_loading_twice_creates_nothing_twice(db, clock):
    first = load_fixture(db, LOTUS)
    before = counts(db)
    second = load_fixture(db, LOTUS)
    assert counts(db) == before
    assert first.created("lotus", "clients") == 3 and second.created("lotus", "clients") == 0
    assert second.lines() == [
        "lotus: created nothing; updated 1 studios, 1 policies, 2 locations, 3 staff, "
        "5 class types, 6 schedules, 5 availability, 3 packages, 1 intro offers, 3 clients"
    ]


def test_a_changed_value_updates_in_place(db, clock, tmp_path):
    load_fixture(db, LOTUS)
    before = counts(db)
    changed = tmp_path / "lotus.toml"
    changed.write_text(
        LOTUS.read_text().replace("capacity = 16", "capacity = 18").replace('name = "Tom Okafor"', 'name = "Tom O."')
    )
    load_fixture(db, changed)
    assert counts(db) == before
    with db.studio(studio_id(db)) as s:
        assert s.scalars(select(ClassType.capacity).where(ClassType.key == "vinyasa")).one() == 18
        assert s.scalars(select(Staff.name).where(Staff.key == "tom")).one() == "Tom O."


BAD = [
    (
        'name = "Lotus Yoga & Movement"',
        'name = "Lotus Yoga & Movement"\ncolour = "teal"',
        r'studio "lotus": studio\.colour: unknown key',
    ),
    ('time = "18:00"', 'time = "25:00"', r'studio "lotus": schedule\[1\]\.time: \'25:00\' is not a time of day'),
    (
        'instructor = "sara"',
        'instructor = "sarah"',
        r'studio "lotus": schedule\[4\]\.instructor: \'sarah\' is not a staff key in this studio',
    ),
    (
        'phone = "+447700900302"',
        'phone = "07700 900302"',
        r'studio "lotus": client\[2\] "Priya Shah"\.phone: .* international format',
    ),
    ('phone = "+447700900303"', 'phone = "+44123"', r'client\[3\] "Jon Byrne"\.phone: .*not a valid phone number'),
    (
        'timezone = "Europe/London"',
        'timezone = "Europe/Londres"',
        r'studio "lotus": studio\.timezone: \'Europe/Londres\' is not a timezone',
    ),
    ('category = "HIIT"', 'category = "Cardio"', r'class_type\[4\] "hiit"\.category: \'Cardio\' is not one of'),
    ('waitlist_mode = "offer"', 'waitlist_mode = "lottery"', r"policy\.waitlist_mode: \'lottery\' is not one of"),
    ('days = ["mon", "wed", "fri"]', 'days = ["mon", "wed", "fry"]', r"schedule\[1\]\.days: 'fry' is not one of"),
]


@pytest.mark.parametrize("old, new, message", BAD, ids=[b[2][:30] for b in BAD])
def test_bad_input_names_file_studio_and_field_and_writes_nothing(db, clock, tmp_path, old, new, message):
    bad = tmp_path / "broken.toml"
    text = LOTUS.read_text()
    assert old in text
    bad.write_text(text.replace(old, new, 1))
    before = counts(db)
    with pytest.raises(FixtureError) as err:
        load_fixture(db, bad)
    assert str(err.value).startswith("broken.toml: ")
    assert re.search(message, str(err.value)), str(err.value)
    assert counts(db) == before


def test_two_studios_where_the_second_is_bad_write_nothing(db, clock, tmp_path):
    second = DEMO.read_text().replace('category = "HIIT"', 'category = "Hiit"')
    both = tmp_path / "both.toml"
    both.write_text(LOTUS.read_text() + "\n" + second)
    before = counts(db)
    with pytest.raises(FixtureError, match=r'studio "harbour": class_type\[4\] "bootcamp"\.category'):
        load_fixture(db, both)
    assert counts(db) == before


def test_a_number_owned_by_another_studio_is_refused(db, clock, tmp_path):
    load_fixture(db, LOTUS)
    thief = tmp_path / "thief.toml"
    thief.write_text(DEMO.read_text().replace('sms_number = "+17182225100"', 'sms_number = "+447700900100"'))
    before = counts(db)
    with pytest.raises(FixtureError, match=r'studio "harbour": studio\.sms_number: \+447700900100 already belongs'):
        load_fixture(db, thief)
    assert counts(db) == before


def test_not_toml_and_missing_file(db, tmp_path):
    junk = tmp_path / "junk.toml"
    junk.write_text("[[studio]\nkey = ")
    with pytest.raises(FixtureError, match="junk.toml: not valid TOML"):
        load_fixture(db, junk)
    with pytest.raises(FixtureError, match="nothere.toml: no such file"):
        load_fixture(db, tmp_path / "nothere.toml")


def test_the_demo_fixture_loads(db, clock):
    report = load_fixture(db, DEMO)
    assert report.created("harbour", "clients") == 3
    with db.studio(studio_id(db, "harbour")) as s:
        assert s.scalars(select(Studio.currency).where(Studio.key == "harbour")).one() == "USD"


def test_cli_load_fixture(db, clock, tmp_path):
    app = create_app(Settings(database_url=db.url), database=db)
    runner = app.test_cli_runner()
    ok = runner.invoke(cli, args=["load-fixture", str(LOTUS)])
    assert ok.exit_code == 0 and ok.output.startswith("lotus: created 1 studios")
    bad = tmp_path / "bad.toml"
    bad.write_text(LOTUS.read_text().replace('role = "owner"', 'role = "boss"'))
    failed = runner.invoke(cli, args=["load-fixture", str(bad)])
    assert failed.exit_code == 1
    assert 'bad.toml: studio "lotus": staff[1] "maya".role: \'boss\' is not one of' in failed.output
