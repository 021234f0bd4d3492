"""The public intro-offer page: shows the offer, takes a lead, sends them to pay; bad input
writes nothing; unknown or withdrawn offers are 404."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from admin.accounts import add_staff
from app.booking import credits
from app.fixtures import load_fixture
from app.models import ClassType, IntroOffer, Lead, OutboxMessage, Payment, Studio
from tests.conversation import make_app

INTRO = Path(__file__).parents[1] / "data" / "intro.toml"
URL = "/s/lotus/intro/intro-pt"


@pytest.fixture
def web(db, clock):
    load_fixture(db, INTRO)
    app = make_app(db)
    return app.test_client()


def studio_id(db, key="lotus") -> int:
    with db.unscoped() as s:
        return s.scalars(select(Studio.id).where(Studio.key == key)).one()


def counts(db) -> tuple[int, int]:
    with db.studio(studio_id(db)) as s:
        return s.scalar(select(func.count(Lead.id))), s.scalar(select(func.count(Payment.id)))


def test_the_page_shows_the_offer(web):
    page = web.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (
        "Lotus Yoga &amp; Movement",
        "Intro: 3 PT sessions",
        "£39",
        "3 x Personal Training (60 min, 1:1",
        'name="phone"',
        'name="goals"',
        'name="viewport"',
    ):
        assert text in html, text


def test_a_good_submit_records_the_lead_and_goes_to_checkout(web, db):
    response = web.post(
        URL,
        data={"name": " Jane Doe ", "phone": "07700 900401", "email": "jane@example.com", "goals": "lower back pain"},
    )
    assert response.status_code == 303
    with db.studio(studio_id(db)) as s:
        lead = s.scalars(select(Lead)).one()
        payment = s.scalars(select(Payment)).one()
        assert (lead.name, lead.phone, lead.email, lead.goals, lead.status) == (
            "Jane Doe",
            "+447700900401",
            "jane@example.com",
            "lower back pain",
            "new",
        )
        assert (payment.lead_id, payment.amount, payment.status) == (lead.id, Decimal("39.00"), "open")
        assert response.headers["Location"] == payment.checkout_url


@pytest.mark.parametrize(
    "form, message",
    [
        ({"name": "", "phone": "07700 900401"}, "Please tell us your name."),
        ({"name": "Jane", "phone": "12"}, "That doesn&#39;t look like a phone number."),
        ({"name": "Jane", "phone": ""}, "Please give a mobile number so we can text you."),
        ({"name": "Jane", "phone": "07700 900401", "email": "jane@"}, "That doesn&#39;t look like an email address."),
        ({"name": "J" * 101, "phone": "07700 900401"}, "Please keep this under 100 characters."),
    ],
)
def test_bad_input_shows_the_form_again_and_writes_nothing(web, db, form, message):
    response = web.post(URL, data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Please check the highlighted fields." in html
    assert counts(db) == (0, 0)


def test_unknown_or_withdrawn_offers_are_not_found(web, db):
    assert web.get("/s/nope/intro/intro-pt").status_code == 404
    assert web.get("/s/lotus/intro/nope").status_code == 404
    with db.studio(studio_id(db)) as s:
        s.scalars(select(IntroOffer)).one().active = False
        s.commit()
    assert web.get(URL).status_code == 404
    assert web.post(URL, data={"name": "Jane", "phone": "07700 900401"}).status_code == 404
    assert counts(db) == (0, 0)


def test_another_studios_offer_is_not_found_here(web, db):
    with db.unscoped() as s:
        other = Studio(key="other", name="Other", timezone="Europe/London")
        s.add(other)
        s.commit()
        other_id = other.id
    with db.studio(other_id) as s:
        ct = ClassType(key="pt", name="PT", category="Personal Training", kind="appointment")
        s.add(ct)
        s.flush()
        s.add(IntroOffer(key="other-only", name="Other intro", price=Decimal("10"), class_type_id=ct.id))
        s.commit()
    assert web.get("/s/other/intro/other-only").status_code == 200
    assert web.get("/s/lotus/intro/other-only").status_code == 404


def test_page_to_payment_to_the_first_text(web, db):
    """The whole web path without Stripe keys: form, checkout link, demo pay, the lead's first text."""
    delivered = []
    web.application.extensions["frontdesk.deliver"] = delivered.append  # no background thread in a test
    response = web.post(URL, data={"name": "Jane Doe", "phone": "07700 900401", "goals": "bad knee"})
    link = response.headers["Location"]
    path = link.split("://", 1)[-1].split("/", 1)[1]
    demo = web.get("/" + path)
    assert demo.status_code == 303
    demo_path = "/" + demo.headers["Location"].split("://", 1)[-1].split("/", 1)[1]
    assert web.post(demo_path).status_code == 303
    assert web.post(demo_path).status_code == 303  # a double tap pays once
    assert delivered and delivered[0] == studio_id(db)
    with db.studio(studio_id(db)) as s:
        lead = s.scalars(select(Lead)).one()
        assert (lead.status, lead.goals) == ("paid", "bad knee")
        welcome = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "intro_welcome")).all()
        assert [w.to_addr for w in welcome] == ["+447700900401"]
        assert credits.balance(s, lead.client_id).credits == 3


def test_a_flood_of_submits_is_slowed_down_and_writes_nothing(web, db):
    for _ in range(5):
        assert web.post(URL, data={"name": "", "phone": "07700 900401"}).status_code == 400
    response = web.post(URL, data={"name": "Jane Doe", "phone": "07700 900401"})
    assert response.status_code == 429
    assert "Too many tries from here" in response.get_data(as_text=True)
    assert counts(db) == (0, 0)


def test_a_signed_in_admin_can_open_and_submit_the_intro_page(db, clock):
    """The template loads the signed-in admin through a session of its own: rendered inside
    the page's unit of work it waited on that unit's SQLite write lock, then answered 500."""
    load_fixture(db, INTRO)
    app = make_app(db)
    add_staff(db, studio_key="lotus", email="owner@lotus.example", password="correct horse battery", role="owner")
    browser = app.test_client()
    login = browser.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    assert (
        browser.post(
            "/admin/login",
            data={"email": "owner@lotus.example", "password": "correct horse battery", "csrf_token": csrf},
        ).status_code
        == 302
    )
    assert browser.get(URL).status_code == 200
    response = browser.post(URL, data={"name": "Jane Doe", "phone": "07700 900401"})
    assert response.status_code == 303
    assert counts(db) == (1, 1)
