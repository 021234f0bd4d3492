"""Onboarding (issue 16): sign-up sets the basics from the country, settings expose the
numbers, the dashboard checklist, schedules offer to generate, pages open on the next classes."""

from __future__ import annotations

import re
from datetime import time, timedelta

from click.testing import CliRunner
from sqlalchemy import select

from app.chat import run_chat
from app.db import Database
from app.fixtures import FixtureError, load_fixture
from app.models import ClassSession, ClassType, InboundAddress, Location, Message, OutboxMessage, Schedule, Studio
from tests.factories import local, make_session
from tests.integration.test_admin_auth import sign_up
from tests.integration.test_admin_clients import app, post, signed_in, studios, token  # noqa: F401  (fixtures)


def studio_row(db, key: str) -> Studio:
    with db.unscoped() as s:
        studio = s.scalars(select(Studio).where(Studio.key == key)).one()
        s.expunge(studio)
        return studio


def test_sign_up_takes_currency_and_date_order_from_the_country_and_lets_them_be_changed(db, app):
    browser = app.test_client()
    assert sign_up(browser, studio_key="sunset", timezone="America/Los_Angeles", country="US").status_code == 302
    la = studio_row(db, "sunset")
    assert (la.timezone, la.currency, la.date_order) == ("America/Los_Angeles", "USD", "MDY")
    other = app.test_client()
    made = sign_up(other, studio_key="dublin", timezone="", country="IE", email="d@x.example", currency="GBP")
    assert made.status_code == 302
    dublin = studio_row(db, "dublin")
    assert (dublin.timezone, dublin.currency, dublin.date_order) == ("Europe/Dublin", "GBP", "DMY")
    # no country: the timezone's country decides (a Los Angeles sign-up is no longer GBP, day first)
    third = app.test_client()
    assert sign_up(third, studio_key="venice", timezone="America/Los_Angeles", email="v@x.example").status_code == 302
    assert (studio_row(db, "venice").currency, studio_row(db, "venice").date_order) == ("USD", "MDY")
    bad = sign_up(app.test_client(), studio_key="nowhere", country="XX", email="n@x.example")
    assert bad.status_code == 400 and "country" in bad.get_data(as_text=True)
    page = app.test_client().get("/admin/signup").get_data(as_text=True)
    assert 'data-timezones="America/New_York' in page and "suggested from the studio name" in page


def test_a_new_location_starts_in_the_studios_timezone(db, app, studios):
    owner = signed_in(app, db, "harbour", "owner")  # New York
    form = owner.get("/admin/setup/locations/new/").get_data(as_text=True)
    assert re.search(r'<option selected value="America/New_York">|<option value="America/New_York" selected', form)


def test_settings_expose_currency_date_order_and_numbers_checked_against_other_studios(db, app, studios):
    lotus, harbour = studios
    with db.studio(harbour.studio_id) as s:
        s.get(Studio, harbour.studio_id).sms_number = "+12125550100"
        s.add(InboundAddress(channel="sms", address="+12125550100", studio_id=harbour.studio_id))
    owner = signed_in(app, db, "lotus", "owner")
    page = owner.get("/admin/setup/studio/").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    selects = {
        name: re.search(r'<option selected value="([^"]*)"', body).group(1)
        for name, body in re.findall(r'<select[^>]*name="([a-z_]+)"[^>]*>(.*?)</select>', page, re.S)
        if 'selected value="' in body
    }
    base = {**fields, **selects, "csrf_token": token(owner, "/admin/setup/studio/")}
    assert 'id="numbers"' in page and base["currency"] == "GBP" and base["date_order"] == "DMY"

    bad = owner.post("/admin/setup/studio/", data={**base, "sms_number": "12345"})
    assert bad.status_code == 400 and "country code" in bad.get_data(as_text=True)
    theirs = owner.post("/admin/setup/studio/", data={**base, "sms_number": "+1 212 555 0100"})
    assert theirs.status_code == 400 and "Another studio already uses this number" in theirs.get_data(as_text=True)
    assert studio_row(db, "lotus").sms_number is None

    saved = owner.post(
        "/admin/setup/studio/",
        data={**base, "sms_number": "+44 7700 900100", "whatsapp_number": "", "currency": "EUR", "date_order": "MDY"},
    )
    assert saved.status_code == 302
    lotus_row = studio_row(db, "lotus")
    assert (lotus_row.sms_number, lotus_row.currency, lotus_row.date_order) == ("+447700900100", "EUR", "MDY")
    with db.unscoped() as s:
        mine = s.scalars(select(InboundAddress).where(InboundAddress.studio_id == lotus.studio_id)).all()
        assert [(a.channel, a.address) for a in mine] == [("sms", "+447700900100")]


def test_the_dashboard_checklist_ticks_itself_and_goes_when_done(db, app, clock):
    browser = app.test_client()
    sign_up(browser, studio_key="fresh", timezone="Europe/London", country="GB")
    studio = studio_row(db, "fresh")

    def ticks() -> dict[str, str]:
        page = browser.get("/admin/dashboard/").get_data(as_text=True)
        return {key: state for state, key in re.findall(r'<li class="(done|todo)" data-step="(\w+)"', page)}

    first = ticks()
    assert list(first) == ["location", "class_type", "schedule", "sessions", "twilio", "stripe", "playground"]
    assert set(first.values()) == {"todo"}
    page = browser.get("/admin/dashboard/").get_data(as_text=True)
    assert 'href="/admin/setup/locations/new/' in page and 'href="/admin/playground/"' in page
    with db.studio(studio.id) as s:
        s.add(Location(key="main", name="Main", timezone="Europe/London"))
        row = s.get(Studio, studio.id)
        row.sms_number, row.stripe_account_id = "+447700900555", "acct_1"
    assert {k for k, v in ticks().items() if v == "done"} == {"location", "twilio", "stripe"}
    with db.studio(studio.id) as s:
        loc = s.scalars(select(Location)).one()
        ct = ClassType(key="flow", name="Flow", category="Yoga")
        s.add(ct)
        s.flush()
        s.add(
            Schedule(
                class_type_id=ct.id,
                location_id=loc.id,
                weekdays="mon",
                start_time=time(18),
                starts_on=clock.now().date(),
            )
        )
        starts = clock.now() + timedelta(days=1)
        s.add(ClassSession(class_type_id=ct.id, location_id=loc.id, starts_at=starts, ends_at=starts, capacity=5))
    assert {k for k, v in ticks().items() if v == "todo"} == {"playground"}
    with db.studio(studio.id) as s:
        s.add(
            Message(
                direction="in",
                channel="sms",
                phone="+447700900301",
                from_addr="+447700900301",
                to_addr="playground",
                body="hi",
                provider_sid="PG" + "0" * 32,
            )
        )
    assert "checklist" not in browser.get("/admin/dashboard/").get_data(as_text=True)


def test_saving_a_schedule_offers_to_generate_its_sessions(db, app, studios):
    lotus, _ = studios
    owner = signed_in(app, db, "lotus", "owner")
    with db.studio(lotus.studio_id) as s:
        schedule = Schedule(
            class_type_id=lotus.class_type_id,
            location_id=lotus.location_id,
            weekdays="wed",
            start_time=time(18),
            starts_on=local(lotus, 2026, 11, 23, 0).date(),
        )
        s.add(schedule)
    page = owner.get(f"/admin/setup/schedules/?saved={schedule.id}").get_data(as_text=True)
    assert "Generate its sessions now" in page and 'href="/admin/calendar/"' in page
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "setup_schedules")
    with app.test_request_context():
        assert view.get_save_return_url(schedule, True).endswith(f"/admin/setup/schedules/?saved={schedule.id}")


def test_calendar_and_dashboard_open_on_the_week_of_the_next_classes(db, app, studios, clock):
    lotus, _ = studios  # Mon 23 Nov 2026 09:00; nothing this week, a class next Tuesday
    make_session(db, lotus, local(lotus, 2026, 12, 1, 18, 30))
    owner = signed_in(app, db, "lotus", "owner")
    week = owner.get("/admin/calendar/").get_data(as_text=True)
    assert "Week of 30 Nov" in week and 'id="jumped"' in week and "18:30" in week
    assert "Week of 23" in owner.get("/admin/calendar/?week=2026-11-23").get_data(as_text=True)
    dash = owner.get("/admin/dashboard/").get_data(as_text=True)
    assert "Next classes: Tuesday 1 December" in dash and "Fill, week of 30 Nov" in dash
    with db.studio(lotus.studio_id) as s:
        s.get(Studio, lotus.studio_id).date_order = "MDY"
    assert "6:30pm" in owner.get("/admin/calendar/").get_data(as_text=True)  # as the texts say it


def test_page_titles_name_the_page_the_studio_and_the_product(db, app, studios):
    owner = signed_in(app, db, "lotus", "owner")
    owner.get("/admin/calendar/")  # a page with the studio at hand
    for path, page in (("/admin/calendar/", "Calendar"), ("/admin/messages", "Messages"), ("/admin/leads", "Leads")):
        title = re.search(r"<title>([^<]*)</title>", owner.get(path).get_data(as_text=True)).group(1)
        assert title == f"{page} · Lotus Studio · Frontdesk", (path, title)


def test_load_fixture_on_a_database_without_tables_says_to_upgrade(tmp_path):
    empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        load_fixture(empty, "tests/data/lotus.toml")
    except FixtureError as exc:
        assert "frontdesk db upgrade" in str(exc)
    else:
        raise AssertionError("loaded a fixture into a database with no tables")


def test_chat_prints_texts_the_studio_sends_later(db, studios, clock):
    lotus, _ = studios
    with db.studio(lotus.studio_id) as s:
        s.get(Studio, lotus.studio_id).sms_number = "+447700900100"
        s.add(InboundAddress(channel="sms", address="+447700900100", studio_id=lotus.studio_id))

    def due(database) -> None:  # the due-work run sends a waitlist offer meanwhile
        with database.studio(lotus.studio_id) as s:
            if not s.scalars(select(OutboxMessage)).first():
                s.add(
                    OutboxMessage(
                        dedupe_key="offer:1",
                        kind="waitlist_offer",
                        to_addr="+447700900301",
                        body="A spot opened in Vinyasa Flow. Reply YES to take it.",
                        status="sent",
                    )
                )

    runner = CliRunner()
    with runner.isolation(input="hello\n") as (out, _err, *_):
        run_chat(db, "lotus", "+447700900301", "sms", tick=0, due=due)
        printed = out.getvalue().decode()
    assert "bot> " in printed
    assert "text> A spot opened in Vinyasa Flow. Reply YES to take it.  (waitlist offer)" in printed
    assert printed.count("A spot opened") == 1
