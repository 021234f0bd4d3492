"""Studio setup pages (Flask-Admin at /admin/setup): scoping with two studios on every
view, roles on every endpoint, audit lines, form errors that write nothing, and
generating sessions in the studio's timezone. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.models import (
    AuditLog,
    ClassSession,
    ClassType,
    IntroOffer,
    Location,
    Package,
    Policy,
    Schedule,
    Staff,
    Studio,
)
from tests.factories import World, make_studio
from tests.integration.test_admin_auth import PASSWORD, admin_app

SETUP = "/admin/setup"


@dataclass
class Furnished:
    """One studio with a row of every setup kind, named after the studio."""

    world: World
    key: str
    ids: dict[str, int]


def furnish(db, key: str, tz: str) -> Furnished:
    world = make_studio(db, key, tz=tz)
    word = key.title()
    with db.studio(world.studio_id) as s:
        location = Location(key="loft", name=f"{word} Loft", address="2 Side St", timezone=tz)
        class_type = ClassType(key="barre", name=f"{word} Barre", category="Barre", capacity=8)
        instructor = Staff(key="teacher", name=f"{word} Teacher", role="instructor", phone="+447700900999")
        s.add_all([location, class_type, instructor])
        s.flush()
        package = Package(
            key="pack", name=f"{word} Ten Pack", kind="class_pack", credits=10, price=Decimal("90"), valid_days=90
        )
        offer = IntroOffer(key="intro", name=f"{word} Intro", price=Decimal("20"), class_type_id=class_type.id)
        schedule = Schedule(
            class_type_id=class_type.id,
            location_id=location.id,
            instructor_id=instructor.id,
            weekdays="tue,thu",
            start_time=time(7, 15),
            starts_on=date(2026, 11, 1),
        )
        log = AuditLog(
            actor=f"{word} Robot",
            action="edit",
            entity="class_type",
            entity_id="0",
            before={"capacity": 1},
            after={"capacity": 2},
        )
        s.add_all([package, offer, schedule, log])
        s.commit()
        ids = {
            "location": location.id,
            "class_type": class_type.id,
            "staff": instructor.id,
            "package": package.id,
            "intro_offer": offer.id,
            "schedule": schedule.id,
            "audit": log.id,
        }
        s.add_all(
            [
                Staff(
                    key=role,
                    name=f"{word} {role.replace('_', ' ').title()}",
                    email=f"{role}@{key}.example",
                    role=role,
                    password_hash=password_hash(),
                )
                for role in ("owner", "manager", "front_desk", "instructor")
            ]
        )
        s.commit()
    return Furnished(world, key, ids)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """One hash for every test account (hashing is slow on purpose; ``add_staff`` is tested elsewhere)."""
    return generate_password_hash(PASSWORD)


@pytest.fixture
def app(db, clock):
    return admin_app(db)


@pytest.fixture
def studios(db):
    return furnish(db, "lotus", "Europe/London"), furnish(db, "harbour", "America/New_York")


class Staffer:
    """A signed-in browser for one staff member, with the CSRF token at hand."""

    def __init__(self, app, key: str, role: str) -> None:
        self.client = app.test_client()
        self.csrf = self._token()
        form = {"email": f"{role}@{key}.example", "password": PASSWORD, "csrf_token": self.csrf}
        assert self.client.post("/admin/login", data=form).status_code == 302
        self.csrf = self._token()

    def _token(self) -> str:
        page = self.client.get("/admin/login").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, **kw):
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf}, **kw)


def sign_in(app, studio: Furnished, role: str = "owner") -> Staffer:
    return Staffer(app, studio.key, role)


# (url part, model, ids key, the studio-named text its list shows)
VIEWS = [
    ("locations", Location, "location", "{} Loft"),
    ("class-types", ClassType, "class_type", "{} Barre"),
    ("staff", Staff, "staff", "{} Teacher"),
    ("schedules", Schedule, "schedule", "{} Barre"),
    ("packages", Package, "package", "{} Ten Pack"),
    ("intro-offers", IntroOffer, "intro_offer", "{} Intro"),
    ("audit", AuditLog, "audit", "{} Robot"),
]
EDITABLE = [v for v in VIEWS if v[0] != "audit"]
EXPORTABLE = ("locations", "class-types", "staff", "packages", "intro-offers")


def count(db, studio: Furnished, model) -> int:
    with db.studio(studio.world.studio_id) as s:
        return s.scalar(select(func.count()).select_from(model))


def audit_lines(db, studio: Furnished, **where) -> list[AuditLog]:
    with db.studio(studio.world.studio_id) as s:
        query = select(AuditLog).order_by(AuditLog.id)
        for key, value in where.items():
            query = query.where(getattr(AuditLog, key) == value)
        return list(s.scalars(query))


# ------------------------------------------------------------------------ scoping


@pytest.mark.parametrize("url,model,kind,label", VIEWS, ids=[v[0] for v in VIEWS])
def test_each_list_and_details_show_only_the_signed_in_studio(db, app, studios, url, model, kind, label):
    lotus, harbour = studios
    desk = sign_in(app, lotus)
    page = desk.get(f"{SETUP}/{url}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert label.format("Lotus") in html and label.format("Harbour") not in html
    assert desk.get(f"{SETUP}/{url}/details/?id={lotus.ids[kind]}").status_code == 200
    assert desk.get(f"{SETUP}/{url}/details/?id={harbour.ids[kind]}").status_code == 404
    assert desk.get(f"{SETUP}/{url}/details/?id=nonsense").status_code == 404
    # searching or filtering cannot reach across either
    assert label.format("Harbour") not in desk.get(f"{SETUP}/{url}/?search=Harbour").get_data(as_text=True)


@pytest.mark.parametrize("url,model,kind,label", EDITABLE, ids=[v[0] for v in EDITABLE])
def test_another_studios_id_is_not_found_for_edit_and_delete_and_nothing_changes(
    db, app, studios, url, model, kind, label
):
    lotus, harbour = studios
    desk = sign_in(app, lotus)
    foreign = harbour.ids[kind]
    assert desk.get(f"{SETUP}/{url}/edit/?id={foreign}").status_code == 404
    assert desk.post(f"{SETUP}/{url}/edit/?id={foreign}", {"name": "Taken over"}).status_code == 404
    assert desk.post(f"{SETUP}/{url}/delete/", {"id": str(foreign)}).status_code == 404
    action = desk.post(f"{SETUP}/{url}/action/", {"action": "delete", "rowid": [str(foreign)]})
    assert action.status_code == 302
    before = count(db, harbour, model)
    with db.studio(harbour.world.studio_id) as s:
        row = s.get(model, foreign)
        assert row is not None and getattr(row, "name", "kept") != "Taken over"
    assert count(db, harbour, model) == before
    assert audit_lines(db, harbour, action="delete") == [] and audit_lines(db, lotus, action="delete") == []


@pytest.mark.parametrize("url", EXPORTABLE)
def test_export_holds_only_the_signed_in_studios_rows(db, app, studios, url):
    lotus, harbour = studios
    response = sign_in(app, lotus).get(f"{SETUP}/{url}/export/csv/")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert "Lotus" in body and "Harbour" not in body
    assert "scrypt" not in body and "password" not in body.lower()


def test_pickers_list_only_the_signed_in_studios_rows(db, app, studios):
    lotus, harbour = studios
    desk = sign_in(app, lotus)
    for path in ("schedules/new/", f"schedules/edit/?id={lotus.ids['schedule']}", "packages/new/", "intro-offers/new/"):
        html = desk.get(f"{SETUP}/{path}").get_data(as_text=True)
        options = re.findall(r"<option[^>]*>([^<]*)</option>", html)
        assert "Lotus Barre" in options, path
        assert not [o for o in options if "Harbour" in o], path
    schedule_form = desk.get(f"{SETUP}/schedules/new/").get_data(as_text=True)
    assert "Lotus Loft" in schedule_form and "Lotus Teacher" in schedule_form
    # a forged choice of another studio's class type is refused, and nothing is written
    before = count(db, lotus, Schedule)
    response = desk.post(f"{SETUP}/schedules/new/", schedule_form_data(harbour, lotus))
    assert response.status_code == 200 and 'id="class_type" name="class_type"' in response.get_data(as_text=True)
    assert re.search(r'class="form-control is-invalid"[^>]*id="class_type"', response.get_data(as_text=True))
    offer = desk.post(
        f"{SETUP}/intro-offers/new/",
        {"name": "Sneaky", "class_type_id": str(harbour.ids["class_type"]), "sessions": "1", "price": "10"},
    )
    assert "Not one of this studio" in offer.get_data(as_text=True)
    assert count(db, lotus, Schedule) == before and count(db, lotus, IntroOffer) == 1


def schedule_form_data(picks: Furnished, mine: Furnished, **overrides) -> dict:
    return {
        "class_type": str(picks.ids["class_type"]),
        "location": str(mine.ids["location"]),
        "instructor": str(mine.ids["staff"]),
        "weekdays": ["tue"],
        "start_time": "18:30",
        "duration_min": "",
        "capacity": "",
        "starts_on": "2026-11-23",
        "ends_on": "",
        "active": "y",
        **overrides,
    }


# ---------------------------------------------------------------- create and audit


def create_forms(studio: Furnished) -> dict[str, dict]:
    return {
        "locations": {"name": "Rooftop", "address": "9 Top St", "timezone": "Europe/Dublin"},
        "class-types": {
            "name": "Power Hour",
            "category": "HIIT",
            "kind": "class",
            "duration_min": "45",
            "capacity": "12",
            "credits": "1",
            "aliases": "power, hiit hour",
            "active": "y",
        },
        "staff": {
            "name": "Nia Brooks",
            "role": "instructor",
            "phone": "+44 7700 900123",
            "email": "nia@x.example",
            "specialties": "yoga, barre",
            "active": "y",
        },
        "schedules": schedule_form_data(studio, studio),
        "packages": {
            "name": "Five Pack",
            "kind": "class_pack",
            "credits": "5",
            "price": "45.00",
            "valid_days": "60",
            "class_type_id": "",
            "active": "y",
        },
        "intro-offers": {
            "name": "First Week",
            "class_type_id": str(studio.ids["class_type"]),
            "sessions": "2",
            "price": "15",
            "active": "y",
        },
    }


CREATED = {
    "locations": (Location, "Rooftop"),
    "class-types": (ClassType, "Power Hour"),
    "staff": (Staff, "Nia Brooks"),
    "packages": (Package, "Five Pack"),
    "intro-offers": (IntroOffer, "First Week"),
}


@pytest.mark.parametrize("url", ["locations", "class-types", "staff", "schedules", "packages", "intro-offers"])
def test_create_lands_in_the_signed_in_studio_with_an_audit_line(db, app, studios, url):
    lotus, harbour = studios
    model = CREATED.get(url, (Schedule, None))[0]
    theirs = count(db, harbour, model)
    response = sign_in(app, lotus, "manager").post(f"{SETUP}/{url}/new/", create_forms(lotus)[url])
    assert response.status_code == 302, response.get_data(as_text=True)
    assert count(db, harbour, model) == theirs
    with db.studio(lotus.world.studio_id) as s:
        row = s.scalars(select(model).order_by(model.id.desc())).first()
        assert row.studio_id == lotus.world.studio_id
        if url in CREATED:
            assert row.name == CREATED[url][1]
    [line] = audit_lines(db, lotus, action="create")
    assert line.entity_id == str(row.id) and line.before is None and line.after["id"] == row.id
    assert "Lotus Manager" in line.actor


def test_created_rows_are_read_the_studio_way(db, app, studios):
    lotus, _ = studios
    desk = sign_in(app, lotus)
    forms = create_forms(lotus)
    for url in ("class-types", "staff", "schedules", "locations"):
        assert desk.post(f"{SETUP}/{url}/new/", forms[url]).status_code == 302
    with db.studio(lotus.world.studio_id) as s:
        power = s.scalars(select(ClassType).where(ClassType.name == "Power Hour")).one()
        nia = s.scalars(select(Staff).where(Staff.name == "Nia Brooks")).one()
        schedule = s.scalars(select(Schedule).order_by(Schedule.id.desc())).first()
        rooftop = s.scalars(select(Location).where(Location.name == "Rooftop")).one()
    assert (power.aliases, power.key, power.category) == (["power", "hiit hour"], "power-hour", "HIIT")
    assert (nia.phone, nia.specialties, nia.password_hash) == ("+447700900123", ["yoga", "barre"], None)
    assert (schedule.weekdays, schedule.start_time) == ("tue", time(18, 30))
    assert rooftop.timezone == "Europe/Dublin"


def test_edit_and_delete_write_before_and_after_in_the_same_transaction(db, app, studios):
    lotus, _ = studios
    desk = sign_in(app, lotus)
    class_type = lotus.ids["class_type"]
    form = {
        "name": "Lotus Barre",
        "category": "Barre",
        "kind": "class",
        "duration_min": "60",
        "capacity": "14",
        "credits": "1",
        "aliases": "",
        "active": "y",
    }
    assert desk.post(f"{SETUP}/class-types/edit/?id={class_type}", form).status_code == 302
    [edit] = audit_lines(db, lotus, action="edit", entity="class_type", entity_id=str(class_type))
    assert (edit.before["capacity"], edit.after["capacity"]) == (8, 14)
    assert edit.after["name"] == "Lotus Barre" and edit.after["studio_id"] == lotus.world.studio_id

    assert desk.post(f"{SETUP}/packages/delete/", {"id": str(lotus.ids["package"])}).status_code == 302
    assert count(db, lotus, Package) == 0
    [gone] = audit_lines(db, lotus, action="delete", entity="package")
    assert gone.before["name"] == "Lotus Ten Pack" and gone.after is None

    # a delete the database refuses (the class type has a schedule and an offer) keeps both
    # the row and no audit line: they commit together or not at all
    refused = desk.post(f"{SETUP}/class-types/delete/", {"id": str(class_type)}, follow_redirects=True)
    assert "untick Active" in refused.get_data(as_text=True)
    assert count(db, lotus, ClassType) == 2
    assert audit_lines(db, lotus, action="delete", entity="class_type") == []


def test_audit_log_is_read_only_and_newest_first(db, app, studios):
    lotus, _ = studios
    desk = sign_in(app, lotus)
    for capacity in ("9", "10"):
        desk.post(
            f"{SETUP}/class-types/edit/?id={lotus.ids['class_type']}",
            {
                "name": "Lotus Barre",
                "category": "Barre",
                "kind": "class",
                "duration_min": "60",
                "capacity": capacity,
                "credits": "1",
                "active": "y",
            },
        )
    html = desk.get(f"{SETUP}/audit/").get_data(as_text=True)
    assert html.index("Lotus Owner") < html.index("Lotus Robot")  # the newest line first
    assert desk.get(f"{SETUP}/audit/new/").status_code == 302
    assert desk.get(f"{SETUP}/audit/edit/?id={lotus.ids['audit']}").status_code == 302
    lines = len(audit_lines(db, lotus))
    assert desk.post(f"{SETUP}/audit/delete/", {"id": str(lotus.ids["audit"])}).status_code == 302
    desk.post(f"{SETUP}/audit/action/", {"action": "delete", "rowid": [str(lotus.ids["audit"])]})
    assert len(audit_lines(db, lotus)) == lines


# ------------------------------------------------------------------------- roles

GUARDED_PAGES = ["", "studio/"] + [f"{v[0]}/" for v in VIEWS]


@pytest.mark.parametrize("role", ["front_desk", "instructor"])
def test_front_desk_and_instructors_are_refused_every_setup_page_and_post(db, app, studios, role):
    lotus, _ = studios
    desk = sign_in(app, lotus, role)
    for page in GUARDED_PAGES:
        assert desk.get(f"{SETUP}/{page}").status_code == 403, page
    forms = create_forms(lotus)
    for url, model, kind, _ in VIEWS:
        rows = count(db, lotus, model)
        own = str(lotus.ids[kind])
        assert desk.get(f"{SETUP}/{url}/details/?id={own}").status_code == 403
        assert desk.post(f"{SETUP}/{url}/new/", forms.get(url, {})).status_code == 403
        assert desk.post(f"{SETUP}/{url}/edit/?id={own}", forms.get(url, {})).status_code == 403
        assert desk.post(f"{SETUP}/{url}/delete/", {"id": own}).status_code == 403
        assert desk.post(f"{SETUP}/{url}/action/", {"action": "delete", "rowid": [own]}).status_code == 403
        assert desk.get(f"{SETUP}/{url}/export/csv/").status_code == 403
        assert count(db, lotus, model) == rows
    assert desk.post(f"{SETUP}/studio/", {"name": "Renamed"}).status_code == 403
    assert desk.post(f"{SETUP}/schedules/generate/").status_code == 403
    assert count(db, lotus, ClassSession) == 0
    with db.unscoped() as s:
        assert s.get(Studio, lotus.world.studio_id).name == "Lotus Studio"
    # and the header does not offer the page
    assert f'href="{SETUP}/"' not in desk.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_open_every_setup_page(db, app, studios, role):
    lotus, _ = studios
    desk = sign_in(app, lotus, role)
    for page in GUARDED_PAGES + [f"{v[0]}/new/" for v in EDITABLE]:
        assert desk.get(f"{SETUP}/{page}").status_code == 200, page
    home = desk.get(f"{SETUP}/").get_data(as_text=True)
    assert "Schedules" in home and "Audit log" in home
    assert f'href="{SETUP}/"' in desk.get("/admin/").get_data(as_text=True)  # in the panel's header


def test_signed_out_visitors_are_sent_to_sign_in_for_pages_and_posts(db, app, studios):
    client = app.test_client()
    for page in ("", "studio/", "class-types/", "class-types/new/"):
        response = client.get(f"{SETUP}/{page}")
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    # a POST without a session has no CSRF token: refused before it reaches the view
    assert client.post(f"{SETUP}/class-types/new/", data={"name": "X"}).status_code == 400
    # with a visitor's token it reaches the guard, which sends it to sign-in and writes nothing
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/login").get_data(as_text=True)).group(1)
    for path in ("class-types/new/", "class-types/action/", "schedules/generate/", "studio/"):
        response = client.post(
            f"{SETUP}/{path}", data={"name": "X", "action": "delete", "rowid": ["1"], "csrf_token": csrf}
        )
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"], path
    lotus, _ = studios
    assert count(db, lotus, ClassType) == 2 and count(db, lotus, ClassSession) == 0


def test_managers_cannot_touch_owners_or_make_one(db, app, studios):
    lotus, _ = studios
    manager = sign_in(app, lotus, "manager")
    with db.studio(lotus.world.studio_id) as s:
        owner_id = s.scalars(select(Staff.id).where(Staff.role == "owner")).one()
    assert manager.get(f"{SETUP}/staff/details/?id={owner_id}").status_code == 200
    assert manager.get(f"{SETUP}/staff/edit/?id={owner_id}").status_code == 403
    assert manager.post(f"{SETUP}/staff/edit/?id={owner_id}", {"name": "X", "role": "instructor"}).status_code == 403
    assert manager.post(f"{SETUP}/staff/delete/", {"id": str(owner_id)}).status_code == 403
    assert manager.post(f"{SETUP}/staff/action/", {"action": "delete", "rowid": [str(owner_id)]}).status_code == 403
    new_owner = {"name": "Coup", "role": "owner", "phone": "", "email": "", "specialties": "", "active": "y"}
    refused = manager.post(f"{SETUP}/staff/new/", new_owner)
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    promote = manager.post(f"{SETUP}/staff/edit/?id={lotus.ids['staff']}", {**new_owner, "name": "Lotus Teacher"})
    assert "Not a valid choice" in promote.get_data(as_text=True)
    assert 'value="owner"' not in manager.get(f"{SETUP}/staff/new/").get_data(as_text=True)
    with db.studio(lotus.world.studio_id) as s:
        assert s.scalars(select(Staff.role).where(Staff.id == owner_id)).one() == "owner"
        assert s.scalar(select(func.count()).select_from(Staff).where(Staff.role == "owner")) == 1
        assert s.get(Staff, lotus.ids["staff"]).role == "instructor"
    assert audit_lines(db, lotus, entity="staff") == []
    # the studio always keeps an active owner; the owner may make another
    owner = sign_in(app, lotus, "owner")
    demote_last = owner.post(
        f"{SETUP}/staff/edit/?id={owner_id}",
        {**new_owner, "name": "Lotus Owner", "role": "manager"},
        follow_redirects=True,
    )
    assert "at least one active owner" in demote_last.get_data(as_text=True)
    assert "delete yourself" in owner.post(
        f"{SETUP}/staff/delete/", {"id": str(owner_id)}, follow_redirects=True
    ).get_data(as_text=True)
    assert (
        owner.post(f"{SETUP}/staff/edit/?id={lotus.ids['staff']}", {**new_owner, "name": "Lotus Teacher"}).status_code
        == 302
    )
    with db.studio(lotus.world.studio_id) as s:
        assert s.get(Staff, lotus.ids["staff"]).role == "owner" and s.get(Staff, owner_id).role == "owner"
    [promoted] = audit_lines(db, lotus, entity="staff")
    assert (promoted.before["role"], promoted.after["role"]) == ("instructor", "owner")


# ---------------------------------------------------------------------- bad input

BAD = [
    ("locations", Location, {"name": "Annex", "address": "", "timezone": "Mars/Olympus"}, "Choose a timezone"),
    ("staff", Staff, {"name": "Bo", "role": "instructor", "phone": "call me maybe", "active": "y"}, "country code"),
    (
        "class-types",
        ClassType,
        {
            "name": "Spin",
            "category": "Spinning",
            "kind": "class",
            "duration_min": "45",
            "capacity": "10",
            "credits": "1",
        },
        "Not a valid choice",
    ),
    (
        "class-types",
        ClassType,
        {
            "name": "Spin",
            "category": "Cycling",
            "kind": "class",
            "duration_min": "45",
            "capacity": "-3",
            "credits": "1",
        },
        "Number must be between 1 and 1000",
    ),
    ("schedules", Schedule, None, "Give the start time as HH:MM"),
    ("schedules", Schedule, "ends-before", "can&#39;t end before it starts"),
    ("schedules", Schedule, "no-days", "Tick at least one day"),
    ("packages", Package, {"name": "Pack", "kind": "class_pack", "credits": "0", "price": "-1"}, "Number must be"),
]


@pytest.mark.parametrize("url,model,form,message", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_gets_a_clear_error_and_writes_nothing(db, app, studios, url, model, form, message):
    lotus, _ = studios
    if form is None:
        form = schedule_form_data(lotus, lotus, start_time="25:99")
    elif form == "ends-before":
        form = schedule_form_data(lotus, lotus, ends_on="2026-11-01")
    elif form == "no-days":
        form = schedule_form_data(lotus, lotus, weekdays=[])
    rows = count(db, lotus, model)
    response = sign_in(app, lotus).post(f"{SETUP}/{url}/new/", form, follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(db, lotus, model) == rows
    assert audit_lines(db, lotus, action="create") == []


# ------------------------------------------------------------- settings & policies


def settings_form(**overrides) -> dict:
    return {
        "name": "Lotus Yoga House",
        "timezone": "Europe/London",
        "contact_phone": "+44 20 7946 0000",
        "contact_email": "hello@lotus.example",
        "booking_window_days": "21",
        "cancel_window_hours": "6",
        "late_cancel": "fee",
        "late_cancel_fee": "7.50",
        "no_show": "forfeit_credit",
        "no_show_fee": "0",
        "waitlist_mode": "auto",
        "waitlist_offer_minutes": "20",
        "fill_to_forgive": "y",
        "reminder_hours": "2, 24",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "no_show_review_hours": "24",
        "waitlist_cutoff_minutes": "90",
        "overlap_rule": "refuse",
        "erasure_by_text": "auto",
        "whatsapp_template_sid": "",
        "whatsapp_fallback": "sms",
        **overrides,
    }


def test_studio_settings_and_policies_saved_together_with_an_audit_line(db, app, studios):
    lotus, harbour = studios
    manager = sign_in(app, lotus, "manager")
    page = manager.get(f"{SETUP}/studio/").get_data(as_text=True)
    assert "Lotus Studio" in page and "Harbour Studio" not in page
    assert manager.post(f"{SETUP}/studio/", settings_form()).status_code == 302
    with db.studio(lotus.world.studio_id) as s:
        studio, policy = s.get(Studio, lotus.world.studio_id), s.scalars(select(Policy)).one()
        assert (studio.name, studio.contact_phone) == ("Lotus Yoga House", "+442079460000")
        assert (policy.booking_window_days, policy.late_cancel, policy.late_cancel_fee) == (21, "fee", Decimal("7.50"))
        assert (policy.waitlist_mode, policy.fill_to_forgive, policy.reminder_hours) == ("auto", True, [24, 2])
        assert (policy.quiet_start, policy.quiet_end) == (time(21, 0), time(8, 0))
        assert (policy.no_show_review_hours, policy.waitlist_cutoff_minutes, policy.overlap_rule) == (24, 90, "refuse")
        assert policy.erasure_by_text == "auto"
    [line] = audit_lines(db, lotus, entity="studio_settings")
    assert line.before["studio"]["name"] == "Lotus Studio" and line.after["studio"]["name"] == "Lotus Yoga House"
    assert line.before["policy"]["booking_window_days"] == 14 and line.after["policy"]["booking_window_days"] == 21
    with db.unscoped() as s:
        assert s.get(Studio, harbour.world.studio_id).name == "Harbour Studio"
    with db.studio(harbour.world.studio_id) as s:
        assert s.scalars(select(Policy)).one().booking_window_days == 14


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("timezone", "Atlantis/Capital", "Choose a timezone"),
        ("contact_phone", "12", "country code"),
        ("booking_window_days", "-1", "between 1 and 365"),
        ("late_cancel_fee", "-5", "between 0 and 10000"),
        ("reminder_hours", "24, soon", "not a number of hours"),
        ("quiet_end", "", "both a start and an end"),
        ("whatsapp_template_sid", "hello", "start with HX"),
        ("no_show_review_hours", "-1", "between 0 and 168"),
        ("overlap_rule", "sometimes", "Not a valid choice"),
        ("erasure_by_text", "whenever", "Not a valid choice"),
    ],
)
def test_bad_settings_say_why_and_change_nothing(db, app, studios, field, value, message):
    lotus, _ = studios
    response = sign_in(app, lotus).post(f"{SETUP}/studio/", settings_form(**{field: value}))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with db.studio(lotus.world.studio_id) as s:
        assert s.get(Studio, lotus.world.studio_id).name == "Lotus Studio"
        assert s.scalars(select(Policy)).one().booking_window_days == 14
    assert audit_lines(db, lotus, entity="studio_settings") == []


# ------------------------------------------------------------ generating sessions


def test_generate_sessions_in_the_studios_timezone_and_only_for_that_studio(db, app, studios):
    lotus, harbour = studios
    desk = sign_in(app, harbour, "manager")
    with db.studio(harbour.world.studio_id) as s:  # only the schedule made below is active
        s.get(Schedule, harbour.ids["schedule"]).active = False
        s.commit()
    form = schedule_form_data(harbour, harbour, weekdays=["mon", "wed"], start_time="18:30")
    assert desk.post(f"{SETUP}/schedules/new/", form).status_code == 302
    response = desk.post(f"{SETUP}/schedules/generate/", follow_redirects=True)
    assert response.status_code == 200
    assert "5 new sessions added for the next 14 days" in response.get_data(as_text=True)
    with db.studio(harbour.world.studio_id) as s:
        starts = s.scalars(select(ClassSession.starts_at).order_by(ClassSession.starts_at)).all()
    # 18:30 in New York (EST, UTC-5) on Mondays and Wednesdays, from today (Mon 23 Nov, 09:00 UTC)
    # up to the 14-day booking window
    days = [(11, 23), (11, 25), (11, 30), (12, 2), (12, 7)]
    assert starts == [datetime(2026, m, d, 23, 30, tzinfo=UTC) for m, d in days]
    assert count(db, lotus, ClassSession) == 0
    again = desk.post(f"{SETUP}/schedules/generate/", follow_redirects=True)
    assert "already there" in again.get_data(as_text=True) and count(db, harbour, ClassSession) == 5
    [first, second] = audit_lines(db, harbour, action="generate_sessions")
    assert first.after == {"days": 14, "created": 5} and second.after == {"days": 14, "created": 0}


# ----------------------------------------------------------------- one product


def test_setup_pages_use_their_own_layout_and_the_panels_header(db, app, studios):
    lotus, _ = studios
    env = app.jinja_env
    assert env.get_template("admin/base.html").filename.endswith("admin/templates/admin/base.html")
    for name in ("admin/master.html", "admin/model/list.html", "admin/lib.html"):
        assert "flask_admin" in env.get_template(name).filename, name
    assert env.get_template("setup/base.html").filename.endswith("admin/templates/setup/base.html")
    html = sign_in(app, lotus).get(f"{SETUP}/class-types/").get_data(as_text=True)
    assert "Frontdesk" in html and "Sign out" in html and "Lotus Owner" in html
    assert "Class types" in html and "Schedules" in html


def test_every_query_flask_admin_makes_runs_in_the_studio_scope(db, app, studios):
    """Not just get_query: the count, get_one, the pickers' queries and the list itself."""
    from flask_login import login_user

    from admin.accounts import StaffLogin
    from admin.auth import StaffUser

    lotus, harbour = studios
    with db.studio(lotus.world.studio_id) as s:
        owner = s.scalars(select(Staff).where(Staff.role == "owner")).one()
    views = {v.endpoint: v for v in app.extensions["admin"][0]._views}
    own_rows = {model: count(db, lotus, model) for _, model, _, _ in VIEWS}  # before the request's transaction
    with app.test_request_context("/admin/setup/"):
        login_user(StaffUser(StaffLogin(lotus.world.studio_id, owner.id, owner.name, owner.role)))
        for url, model, kind, _ in VIEWS:
            view = next(v for v in views.values() if getattr(v, "model", None) is model)
            own = own_rows[model]
            assert view.get_count_query().scalar() == own, url
            total, rows = view.get_list(0, None, False, None, [])
            assert total == own and {r.studio_id for r in rows} == {lotus.world.studio_id}, url
            assert view.session.get(model, harbour.ids[kind]) is None
        form = views["setup_schedules"].create_form()
        for field in ("class_type", "location", "instructor"):
            assert {obj.studio_id for _, obj in form[field]._get_object_list()} == {lotus.world.studio_id}


def test_mass_delete_takes_own_rows_only_each_with_its_audit_line(db, app, studios):
    lotus, harbour = studios
    desk = sign_in(app, lotus)
    with db.studio(lotus.world.studio_id) as s:
        extra = Package(key="five", name="Lotus Five Pack", kind="class_pack", credits=5, price=Decimal("50"))
        s.add(extra)
        s.commit()
        mine = [lotus.ids["package"], extra.id]
    rowids = [str(i) for i in (*mine, harbour.ids["package"])]
    assert desk.post(f"{SETUP}/packages/action/", {"action": "delete", "rowid": rowids}).status_code == 302
    assert count(db, lotus, Package) == 0 and count(db, harbour, Package) == 1
    assert sorted(int(line.entity_id) for line in audit_lines(db, lotus, action="delete")) == sorted(mine)
