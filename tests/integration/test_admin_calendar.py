"""The calendar, rosters, check-in, cancel and move in the admin: scoping, roles, texts."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import func, select

from admin.accounts import add_staff
from app.booking import booking as svc
from app.booking import waitlist
from app.models import AuditLog, Booking, ClassSession, OutboxMessage
from tests.factories import grant_pack, local, make_client, make_session, make_studio
from tests.integration.test_admin_auth import PASSWORD, admin_app, token


@pytest.fixture
def app(db, clock):
    application = admin_app(db)
    application.extensions["kicked"] = application.extensions["delivered"]  # delivery is the jobs' business
    return application


def sign_in(app, studio_key: str, role: str, name: str | None = None):
    email = f"{role}.{(name or 'x').split()[0]}@{studio_key}.example".lower()
    login = add_staff(
        app.extensions["frontdesk.db"], studio_key=studio_key, email=email, password=PASSWORD, role=role, name=name
    )
    browser = app.test_client()
    form = {"email": email, "password": PASSWORD, "studio": studio_key, "csrf_token": token(browser, "/admin/login")}
    assert browser.post("/admin/login", data=form).status_code == 302
    browser.login = login
    return browser


def post(browser, path: str, form: dict | None = None, page: str = "/admin/calendar/"):
    return browser.post(path, data={**(form or {}), "csrf_token": token(browser, page)})


def book(db, world, session_id, phone, name, clock):
    cid = make_client(db, world, phone, name)
    grant_pack(db, world, cid, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        return svc.book(s, cid, session_id).booking.id


@pytest.fixture
def two(db, clock):
    """Lotus (London) and Harbour (New York), a class each on Wednesday evening."""
    lotus = make_studio(db, "lotus")
    harbour = make_studio(db, "harbour", tz="America/New_York")
    lotus_sid = make_session(db, lotus, local(lotus, 2026, 11, 25, 18), capacity=1)
    harbour_sid = make_session(db, harbour, local(harbour, 2026, 11, 25, 19))  # Thu 00:00 UTC
    lotus_booking = book(db, lotus, lotus_sid, "+447700900301", "Sam Lee", clock)
    harbour_booking = book(db, harbour, harbour_sid, "+12125550101", "Dana Cruz", clock)
    jo = make_client(db, lotus, "+447700900303", "Jo Park")
    with db.studio(lotus.studio_id) as s:
        waitlist.join(s, jo, lotus_sid)
    return dataclasses.make_dataclass(
        "Two", ["lotus", "harbour", "lotus_sid", "harbour_sid", "lotus_booking", "harbour_booking"]
    )(lotus, harbour, lotus_sid, harbour_sid, lotus_booking, harbour_booking)


def _day(page: str, label: str) -> str:
    """The HTML of one day's column, by its aria-label (e.g. 'Wednesday 25 November')."""
    return re.search(rf'aria-label="{label}">(.*?)</section>', page, re.S).group(1)


def _state(db, world, sid):
    with db.studio(world.studio_id) as s:
        cs = s.get(ClassSession, sid)
        outbox = s.scalar(select(func.count(OutboxMessage.id)))
        return (cs.status, cs.starts_at, cs.move_count, outbox)


def test_week_shows_each_studios_sessions_in_local_time_and_never_the_others(db, app, two):
    lotus = sign_in(app, "lotus", "front_desk").get("/admin/calendar/")
    page = lotus.get_data(as_text=True)
    assert lotus.status_code == 200
    wednesday = _day(page, "Wednesday 25 November")
    assert "18:00" in wednesday and "Vinyasa Flow" in wednesday and "Maya Patel" in wednesday
    assert "1/1 booked" in wednesday and "1 waiting" in wednesday
    assert f"/admin/calendar/session/{two.lotus_sid}" in page
    assert f"/admin/calendar/session/{two.harbour_sid}" not in page and "19:00" not in page

    harbour = sign_in(app, "harbour", "manager").get("/admin/calendar/").get_data(as_text=True)
    wednesday = _day(harbour, "Wednesday 25 November")  # 00:00 UTC Thursday is Wednesday evening in New York
    assert "19:00" in wednesday and f"/admin/calendar/session/{two.harbour_sid}" in wednesday
    assert f"/admin/calendar/session/{two.lotus_sid}" not in harbour
    assert 'Thursday 26 November">\n    <h2>Thu 26</h2>\n    <p class="none">No classes' in harbour


def test_week_navigation_and_cancelled_classes_struck_through(db, app, two, clock):
    later = make_session(db, two.lotus, local(two.lotus, 2026, 12, 2, 7))
    browser = sign_in(app, "lotus", "owner")
    this_week = browser.get("/admin/calendar/").get_data(as_text=True)
    assert f"session/{later}" not in this_week and 'href="/admin/calendar/?week=2026-11-30"' in this_week
    next_week = browser.get("/admin/calendar/?week=2026-11-30").get_data(as_text=True)
    assert f"session/{later}" in next_week and f"session/{two.lotus_sid}" not in next_week
    assert "Week of 30 Nov–6 Dec 2026" in next_week
    assert browser.get("/admin/calendar/?week=nonsense").status_code == 200  # bad input: this week

    response = post(browser, f"/admin/calendar/session/{later}/cancel", {"reason": "Studio closed", "confirm": "yes"})
    assert response.status_code == 302
    next_week = browser.get("/admin/calendar/?week=2026-11-30").get_data(as_text=True)
    assert re.search(rf'class="slot cancelled" href="/admin/calendar/session/{later}"', next_week)


def test_location_picker_filters_the_week(db, app, two):
    from app.models import Location

    with db.studio(two.lotus.studio_id) as s:
        clapham = Location(key="clapham", name="Clapham", timezone="Europe/London")
        s.add(clapham)
        s.commit()
        clapham_id = clapham.id
    other = make_session(db, dataclasses.replace(two.lotus, location_id=clapham_id), local(two.lotus, 2026, 11, 26, 7))
    browser = sign_in(app, "lotus", "front_desk")
    page = browser.get("/admin/calendar/").get_data(as_text=True)
    assert "All locations" in page and f"session/{other}" in page and f"session/{two.lotus_sid}" in page
    only = browser.get(f"/admin/calendar/?location={clapham_id}").get_data(as_text=True)
    assert f"session/{other}" in only and f"session/{two.lotus_sid}" not in only
    # another studio's location id is not a filter that leaks anything: the own week shows
    harbour_location = two.harbour.location_id
    assert f"session/{two.harbour_sid}" not in browser.get(f"/admin/calendar/?location={harbour_location}").get_data(
        as_text=True
    )


def test_roster_shows_booked_and_waitlist_and_another_studios_ids_are_not_found(db, app, two):
    browser = sign_in(app, "lotus", "manager")
    roster = browser.get(f"/admin/calendar/session/{two.lotus_sid}")
    page = roster.get_data(as_text=True)
    assert roster.status_code == 200
    assert "Sam Lee" in page and "+447700900301" in page and "Jo Park" in page and "Move this class" in page
    assert "Wednesday 25 November, 18:00–19:00" in page
    # phones read as on the clients pages, and dial from a phone
    assert '<a href="tel:+447700900301">+44 7700 900301</a>' in page and ">+447700900301<" not in page

    before = _state(db, two.harbour, two.harbour_sid)
    theirs = f"/admin/calendar/session/{two.harbour_sid}"
    assert browser.get(theirs).status_code == 404
    for path, form in (
        (f"{theirs}/cancel", {"reason": "x", "confirm": "yes"}),
        (f"{theirs}/move", {"date": "2026-11-27", "time": "10:00"}),
        (f"{theirs}/booking/{two.harbour_booking}/check-in", {}),
        (f"{theirs}/booking/{two.harbour_booking}/no-show", {}),
        # their booking through our session's roster
        (f"/admin/calendar/session/{two.lotus_sid}/booking/{two.harbour_booking}/check-in", {}),
    ):
        assert post(browser, path, form).status_code == 404, path
    assert _state(db, two.harbour, two.harbour_sid) == before
    with db.studio(two.harbour.studio_id) as s:
        assert s.get(Booking, two.harbour_booking).status == "confirmed"
        assert s.scalar(select(func.count(AuditLog.id))) == 0


def test_check_in_and_no_show_from_the_roster(db, app, two, clock):
    browser = sign_in(app, "lotus", "front_desk")
    base = f"/admin/calendar/session/{two.lotus_sid}/booking/{two.lotus_booking}"
    assert "Check-in opens an hour before the class." in browser.get(
        f"/admin/calendar/session/{two.lotus_sid}"
    ).get_data(as_text=True)
    early = post(browser, f"{base}/check-in")
    assert early.status_code == 409 and "check-in opens an hour before the class" in early.get_data(as_text=True)
    clock.set(local(two.lotus, 2026, 11, 25, 17, 30))
    too_soon = post(browser, f"{base}/no-show")
    assert too_soon.status_code == 409 and "hasn&#39;t started yet" in too_soon.get_data(as_text=True)
    with db.studio(two.lotus.studio_id) as s:
        assert s.get(Booking, two.lotus_booking).status == "confirmed"
        assert s.scalar(select(func.count(AuditLog.id))) == 0

    clock.set(local(two.lotus, 2026, 11, 25, 18, 10))
    assert post(browser, f"{base}/no-show").status_code == 302
    with db.studio(two.lotus.studio_id) as s:
        assert s.get(Booking, two.lotus_booking).status == "no_show"
    assert post(browser, f"{base}/check-in").status_code == 302  # corrects the no-show
    page = browser.get(f"/admin/calendar/session/{two.lotus_sid}").get_data(as_text=True)
    assert "Sam Lee checked in." in page and "checked in 18:10" in page
    again = post(browser, f"{base}/no-show")
    assert again.status_code == 409 and "Not changed" in again.get_data(as_text=True)
    with db.studio(two.lotus.studio_id) as s:
        assert s.get(Booking, two.lotus_booking).status == "attended"
        actions = [(a.action, a.after["status"]) for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions == [("no_show", "no_show"), ("check_in", "attended")]


def test_front_desk_cancels_a_class_texts_everyone_and_kicks_delivery(db, app, two):
    browser = sign_in(app, "lotus", "front_desk")
    path = f"/admin/calendar/session/{two.lotus_sid}/cancel"
    unconfirmed = post(browser, path, {"reason": "Maya is ill"})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.get_data(as_text=True)
    no_reason = post(browser, path, {"reason": " ", "confirm": "yes"})
    assert no_reason.status_code == 400 and "say why" in no_reason.get_data(as_text=True)
    assert _state(db, two.lotus, two.lotus_sid)[0] == "scheduled" and app.extensions["kicked"] == []

    response = post(browser, path, {"reason": "Maya is ill", "confirm": "yes"})
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Class cancelled. Credits refunded; 2 clients texted." in page
    with db.studio(two.lotus.studio_id) as s:
        texts = [(o.kind, o.to_addr) for o in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        assert s.get(Booking, two.lotus_booking).status == "cancelled"
    assert texts == [("session_cancelled", "+447700900301"), ("session_cancelled", "+447700900303")]
    assert app.extensions["kicked"] == [two.lotus.studio_id]


def test_front_desk_moves_a_class_and_a_clash_changes_nothing(db, app, two, clock):
    make_session(db, two.lotus, local(two.lotus, 2026, 11, 26, 18))  # Maya teaches Thu 18:00
    browser = sign_in(app, "lotus", "front_desk")
    path = f"/admin/calendar/session/{two.lotus_sid}/move"
    before = _state(db, two.lotus, two.lotus_sid)
    clash = post(browser, path, {"date": "2026-11-26", "time": "18:30"})
    assert clash.status_code == 400 and "Maya Patel is already teaching then" in clash.get_data(as_text=True)
    assert 'value="2026-11-26"' in clash.get_data(as_text=True)  # what was typed is kept
    garbled = post(browser, path, {"date": "soon", "time": "18:30"})
    assert garbled.status_code == 400 and "give the new date and time" in garbled.get_data(as_text=True)
    assert _state(db, two.lotus, two.lotus_sid) == before

    response = post(browser, path, {"date": "2026-11-27", "time": "07:15"})
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Class moved. 2 clients texted the new time." in page
    assert "Friday 27 November, 07:15–08:15" in page
    status, starts_at, moves, outbox = _state(db, two.lotus, two.lotus_sid)
    assert (status, starts_at, moves, outbox) == ("scheduled", local(two.lotus, 2026, 11, 27, 7, 15), 1, 2)
    with db.studio(two.lotus.studio_id) as s:
        body = s.scalars(select(OutboxMessage.body).where(OutboxMessage.to_addr == "+447700900301")).one()
    assert "on Wed 25 Nov 18:00 has moved to Fri 27 Nov 07:15" in body
    assert app.extensions["kicked"] == [two.lotus.studio_id]


def test_instructors_see_and_work_only_their_own_classes_and_cannot_cancel_or_move(db, app, two, clock):
    browser = sign_in(app, "lotus", "instructor", name="Tom Okafor")
    tom = dataclasses.replace(two.lotus, instructor_id=browser.login.staff_id)
    mine = make_session(db, tom, local(two.lotus, 2026, 11, 24, 7))
    booking = book(db, two.lotus, mine, "+447700900304", "Ali Khan", clock)

    week = browser.get("/admin/calendar/").get_data(as_text=True)
    assert f"session/{mine}" in week and f"session/{two.lotus_sid}" not in week
    assert browser.get(f"/admin/calendar/session/{two.lotus_sid}").status_code == 404  # Maya's class
    page = browser.get(f"/admin/calendar/session/{mine}").get_data(as_text=True)
    assert "Ali Khan" in page and "Move this class" not in page and "Cancel this class" not in page
    assert (
        post(browser, f"/admin/calendar/session/{two.lotus_sid}/booking/{two.lotus_booking}/check-in").status_code
        == 404
    )
    clock.set(local(two.lotus, 2026, 11, 24, 6, 50))
    assert post(browser, f"/admin/calendar/session/{mine}/booking/{booking}/check-in").status_code == 302

    before = _state(db, two.lotus, mine)
    assert post(browser, f"/admin/calendar/session/{mine}/cancel", {"reason": "x", "confirm": "yes"}).status_code == 403
    assert (
        post(browser, f"/admin/calendar/session/{mine}/move", {"date": "2026-11-27", "time": "10:00"}).status_code
        == 403
    )
    assert _state(db, two.lotus, mine) == before
    with db.studio(two.lotus.studio_id) as s:
        assert s.get(Booking, booking).status == "attended"


def test_the_week_is_a_few_queries_however_many_classes(db, app, two, clock):
    from sqlalchemy import event

    browser = sign_in(app, "lotus", "front_desk")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    def queries_for_week() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert browser.get("/admin/calendar/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    few = queries_for_week()
    for day in range(23, 30):
        for hour in (7, 9, 12, 17, 19):
            sid = make_session(db, two.lotus, local(two.lotus, 2026, 11, day, hour, 30), capacity=3)
            if (day, hour) > (23, 7):  # the ones still ahead get a booking each
                book(db, two.lotus, sid, f"+4477009{day:02d}{hour:03d}", "Client", clock)
    page = browser.get("/admin/calendar/").get_data(as_text=True)
    assert page.count('class="slot') == 36
    assert queries_for_week() == few <= 8
