"""The bot playground runs the webhook's engine on the studio's real data."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from app.booking.schedules import generate_for_studios
from app.fixtures import load_fixture
from app.models import Booking, ClassSession, ClassType, Client, Message, OutboxMessage, Studio
from tests.conversation import LOTUS
from tests.factories import local, make_session, make_studio
from tests.integration.test_admin_auth import token
from tests.integration.test_admin_calendar import app, sign_in  # noqa: F401  (the app fixture)

SAM, MAYA = "+447700900301", "+447700900201"


@pytest.fixture
def lotus(db, clock):
    load_fixture(db, LOTUS)
    generate_for_studios(db)
    with db.unscoped() as s:
        return s.scalars(select(Studio).where(Studio.key == "lotus")).one().id


def say(browser, phone: str, body: str):
    return browser.post(
        "/admin/playground/", data={"phone": phone, "body": body, "csrf_token": token(browser, "/admin/playground/")}
    )


def bubbles(page: str) -> list[str]:
    """The thread, oldest first (the page lists it newest first and shows it bottom-up)."""
    found = re.findall(r'<div class="bubble (?:in|out)">(.*?)<small>', page, re.S)
    return [html.unescape(b) for b in reversed(found)]


def test_the_playground_books_a_real_booking_through_the_engine(db, app, lotus):  # noqa: F811
    browser = sign_in(app, "lotus", "front_desk")
    response = say(browser, "+44 7700 900301", "book yoga wed 6pm")
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert bubbles(page) == [
        "book yoga wed 6pm",
        "Booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya. 9 credits left. "
        "Free to cancel until Wed 06:00.",
    ]
    assert "<code>idle</code>" in page and "Sam Lee (client)" in page
    with db.studio(lotus) as s:
        booked = s.execute(
            select(ClassType.name, ClassSession.starts_at, Booking.status)
            .join(ClassSession, ClassSession.id == Booking.session_id)
            .join(ClassType, ClassType.id == ClassSession.class_type_id)
            .join(Client, Client.id == Booking.client_id)
            .where(Client.phone == SAM)
        ).one()
        logged = s.scalars(select(Message).where(Message.direction == "in")).one()
    assert booked == ("Vinyasa Flow", local("Europe/London", 2026, 11, 25, 18), "confirmed")
    assert (logged.channel, logged.to_addr, logged.provider_sid[:2], len(logged.provider_sid)) == (
        "sms",
        "+447700900100",
        "PG",
        34,
    )

    # a question leaves the conversation waiting for the answer: the state shows it
    page = browser.get(say(browser, SAM, "cancel yoga").headers["Location"]).get_data(as_text=True)
    assert bubbles(page)[-1].startswith("Cancelled: Vinyasa Flow, Wed 25 Nov 18:00.")


def test_texts_the_turn_queued_are_shown_and_delivery_is_kicked(db, app, lotus):  # noqa: F811
    browser = sign_in(app, "lotus", "front_desk")
    page = browser.get(say(browser, SAM, "can I speak to someone about my injury").headers["Location"]).get_data(
        as_text=True
    )
    produced = page[page.index('id="produced"') :]
    assert MAYA in produced and "handoff" in produced and "injury" in produced
    assert app.extensions["kicked"] == [lotus]


def test_a_studio_without_a_number_still_talks_and_sees_only_its_own(db, app, lotus, clock):  # noqa: F811
    harbour = make_studio(db, "harbour", tz="America/New_York")  # no SMS number yet
    make_session(db, harbour, local(harbour, 2026, 11, 25, 18))
    browser = sign_in(app, "harbour", "owner")
    page = browser.get(say(browser, "+12125550101", "hi").headers["Location"]).get_data(as_text=True)
    assert bubbles(page) == ["hi", "Hi! Welcome to Harbour Studio. I don't think we've met: what's your first name?"]
    assert "A new number" in page
    with db.studio(harbour.studio_id) as s:
        assert s.scalars(select(Message.to_addr).where(Message.direction == "in")).one() == "playground"
    # their studio's people and threads are not Lotus's, and the other way round
    assert SAM not in page and "Sam Lee" not in page
    lotus_page = sign_in(app, "lotus", "manager").get("/admin/playground/?phone=%2B12125550101").get_data(as_text=True)
    assert bubbles(lotus_page) == [] and "Welcome to Harbour" not in lotus_page


def test_bad_input_and_forbidden_roles_change_nothing(db, app, lotus):  # noqa: F811
    browser = sign_in(app, "lotus", "front_desk")
    bad = say(browser, "not a phone", "book yoga wed 6pm")
    assert bad.status_code == 400 and "international number" in bad.get_data(as_text=True)
    empty = say(browser, SAM, "   ")
    assert empty.status_code == 400 and "Type a message" in empty.get_data(as_text=True)
    teacher = sign_in(app, "lotus", "instructor", name="Tom")
    assert teacher.get("/admin/playground/").status_code == 403
    refused = teacher.post(
        "/admin/playground/",
        data={"phone": SAM, "body": "book yoga wed 6pm", "csrf_token": token(teacher, "/admin/calendar/")},
    )
    assert refused.status_code == 403
    with db.studio(lotus) as s:
        assert s.scalar(select(func.count(Message.id))) == 0
        assert s.scalar(select(func.count(Booking.id))) == 0
        assert s.scalar(select(func.count(OutboxMessage.id))) == 0


def test_messages_at_the_same_moment_show_in_sending_order(db, app, lotus, clock):  # noqa: F811
    """The clock is frozen: every message has the same timestamp, so the id breaks the tie."""
    browser = sign_in(app, "lotus", "front_desk")
    for body in ("book yoga wed 6pm", "what do I have booked", "thanks"):
        say(browser, SAM, body)
    with db.studio(lotus) as s:
        stamps = set(s.scalars(select(Message.created_at)).all())
    assert len(stamps) == 1  # all at one instant: only (created_at, id) keeps them in order
    page = browser.get("/admin/playground/", query_string={"phone": SAM}).get_data(as_text=True)
    said = [b for b in bubbles(page) if b in ("book yoga wed 6pm", "what do I have booked", "thanks")]
    assert said == ["book yoga wed 6pm", "what do I have booked", "thanks"]
    thread = bubbles(page)
    assert len(thread) == 6 and thread[0] == "book yoga wed 6pm" and thread[1].startswith("Booked: Vinyasa Flow")
    assert thread[2] == "what do I have booked" and thread[4] == "thanks"
