"""The admin leads board: leads by stage with funnel figures, matching from a lead's page with
the same rules as by text, scoped to the studio and guarded by role."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from admin.accounts import add_staff
from app.booking import lead_board, leads
from app.fixtures import load_fixture
from app.models import AuditLog, BookingRequest, ClassType, IntroOffer, Lead, Location, OutboxMessage, Staff, Studio
from tests.integration.test_admin_auth import admin_app, token

INTRO = Path(__file__).parents[1] / "data" / "intro.toml"
PASSWORD = "correct horse battery"
PREFS = {
    "location_id": None,
    "location": "Clapham",
    "days": [0, 1, 2, 3, 4],
    "days_label": "weekday",
    "windows": [[360, 540]],
    "times_label": "mornings before 9",
    "goals_done": True,
}


@pytest.fixture
def app(db, clock):
    load_fixture(db, INTRO)
    return admin_app(db)


def lotus(db) -> int:
    with db.unscoped() as s:
        return s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()


def make_lead(db, studio_id, clock, name="Jane Doe", phone="+447700900401", paid=True, prefs=True) -> int:
    with db.studio(studio_id) as s:
        offer = s.scalars(select(IntroOffer)).first()
        lead = leads.create_lead(s, offer, leads.LeadForm(name, phone, None, "lower back pain"))
        lead_id = lead.id
        if paid:
            leads.lead_paid(s, lead_id, paid_at=clock.now())
        if prefs:
            clapham = s.scalars(select(Location).where(Location.key == "clapham")).first()
            leads.preferences_in(s, lead_id, {**PREFS, "location_id": clapham.id})
    return lead_id


def signed_in(app, email, role, studio="lotus"):
    add_staff(app.extensions["frontdesk.db"], studio_key=studio, email=email, password=PASSWORD, role=role)
    browser = app.test_client()
    form = {"email": email, "password": PASSWORD, "csrf_token": token(browser, "/admin/login")}
    assert browser.post("/admin/login", data=form).status_code == 302
    return browser


def test_funnel_counts_and_rates():
    steps = lead_board.funnel(["new", "new", "paid", "preferences", "booked", "converted", "lost"])
    assert [(s.stage, s.reached, s.rate) for s in steps] == [
        ("new", 6, None),
        ("paid", 4, 66.7),
        ("preferences", 3, 75.0),
        ("matched", 2, 66.7),
        ("booked", 2, 100.0),
        ("attended", 1, 50.0),
        ("converted", 1, 100.0),
    ]
    assert lead_board.funnel([])[1].rate is None


def test_board_shows_leads_by_stage_with_the_funnel(app, db, clock):
    studio_id = lotus(db)
    make_lead(db, studio_id, clock)
    make_lead(db, studio_id, clock, "Alex Kim", "+447700900402", paid=False, prefs=False)
    owner = signed_in(app, "maya@lotus.example", "owner")
    page = owner.get("/admin/leads")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    lanes = html.split('class="lane" data-stage="')
    lane = {chunk.split('"')[0]: chunk for chunk in lanes[1:]}
    assert "Jane Doe" in lane["preferences"] and "Alex Kim" in lane["new"]
    assert "Jane Doe" not in lane["new"]
    assert 'data-stage="paid">\n    <div class="muted small">Paid</div>\n    <div class="n">1</div>' in html
    assert "50.0% of previous" in html
    assert 'href="/admin/leads"' in owner.get("/admin/").get_data(as_text=True)  # in the panel's navigation


@pytest.mark.parametrize("role", ["instructor", "front_desk"])
def test_other_roles_may_not_open_or_match(app, db, clock, role):
    lead_id = make_lead(db, lotus(db), clock)
    browser = signed_in(app, f"{role}@lotus.example", role)
    assert browser.get("/admin/leads").status_code == 403
    assert browser.get(f"/admin/leads/{lead_id}").status_code == 403
    form = {"csrf_token": token(browser, "/admin/"), "staff_id": "1", "day": "2026-11-24", "time": "07:00"}
    assert browser.post(f"/admin/leads/{lead_id}/match", data=form).status_code == 403
    with db.studio(lotus(db)) as s:
        assert s.get(Lead, lead_id).status == "preferences"
        assert s.scalar(select(func.count(BookingRequest.id))) == 0


def test_matching_from_the_lead_page_asks_the_instructor_by_text(app, db, clock):
    lead_id = make_lead(db, lotus(db), clock)
    manager = signed_in(app, "ola@lotus.example", "manager")
    page = manager.get(f"/admin/leads/{lead_id}").get_data(as_text=True)
    assert "Top matches" in page and "Jess Moreau" in page and "Tue 24 Nov 07:00" in page
    form = {"csrf_token": token(manager, f"/admin/leads/{lead_id}"), "staff_id": "", "day": "", "time": ""}
    with db.studio(lotus(db)) as s:
        jess = s.scalars(select(Staff).where(Staff.key == "jess")).one()
        tom = s.scalars(select(Staff).where(Staff.key == "tom")).one()
    # a slot Tom doesn't have: refused, nothing written
    bad = manager.post(
        f"/admin/leads/{lead_id}/match",
        data={**form, "staff_id": tom.id, "day": "2026-11-24", "time": "06:00"},
        follow_redirects=True,
    )
    assert "That slot doesn&#39;t work: Tom isn&#39;t free for a 1:1 then." in bad.get_data(as_text=True)
    with db.studio(lotus(db)) as s:
        assert s.scalar(select(func.count(BookingRequest.id))) == 0
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.entity == "lead")) == 0
    good = manager.post(
        f"/admin/leads/{lead_id}/match",
        data={**form, "staff_id": jess.id, "day": "2026-11-24", "time": "08:00"},
        follow_redirects=True,
    )
    assert "Asked Jess Moreau by text to take Jane Doe, Tue 24 Nov 08:00." in good.get_data(as_text=True)
    with db.studio(lotus(db)) as s:
        lead = s.get(Lead, lead_id)
        request = s.scalars(select(BookingRequest)).one()
        assert (lead.status, lead.staff_id, request.status, request.staff_id) == (
            "matched",
            jess.id,
            "proposed",
            jess.id,
        )
        text = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "intro_request")).one()
        assert (text.to_addr, text.body) == (
            "+447700900204",
            "New intro client Jane D., Tue 24 Nov 08:00, Clapham. Reply Y to accept, N to decline.",
        )
        assert s.scalars(select(AuditLog.action).where(AuditLog.entity == "lead")).all() == ["match"]
    assert app.extensions["delivered"] == [lotus(db)]  # the text is sent after the commit
    again = manager.post(
        f"/admin/leads/{lead_id}/match",
        data={**form, "staff_id": jess.id, "day": "2026-11-26", "time": "08:00"},
        follow_redirects=True,
    )
    assert "This lead has already been matched." in again.get_data(as_text=True)


def test_another_studios_lead_is_not_found(app, db, clock):
    mine = make_lead(db, lotus(db), clock)
    with db.unscoped() as s:
        other = Studio(key="other", name="Other", timezone="Europe/London", sms_number="+447700900999")
        s.add(other)
        s.commit()
        other_id = other.id
    with db.studio(other_id) as s:
        ct = ClassType(key="pt", name="PT", category="Personal Training", kind="appointment")
        s.add(ct)
        s.flush()
        s.add(IntroOffer(key="intro", name="Other intro", price=Decimal("10"), class_type_id=ct.id))
        s.add(Staff(key="zed", name="Zed", role="instructor"))
        s.commit()
    theirs = make_lead(db, other_id, clock, "Their Lead", prefs=False)
    owner = signed_in(app, "maya@lotus.example", "owner")
    assert owner.get(f"/admin/leads/{theirs}").status_code == 404
    form = {"csrf_token": token(owner, "/admin/leads"), "staff_id": "1", "day": "2026-11-24", "time": "08:00"}
    assert owner.post(f"/admin/leads/{theirs}/match", data=form).status_code == 404
    assert "Their Lead" not in owner.get("/admin/leads").get_data(as_text=True)
    assert owner.get(f"/admin/leads/{mine}").status_code == 200
    with db.studio(other_id) as s:
        assert s.get(Lead, theirs).status == "paid"
