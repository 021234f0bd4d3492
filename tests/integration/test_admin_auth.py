"""Staff sign-up, sign-in, CSRF, rate limit, password reset and the studio-scoped home page."""

from __future__ import annotations

import logging
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.cli import cli
from app.config import Settings
from app.factory import create_app
from app.models import Staff, Studio
from tests.factories import local, make_session, make_studio

PASSWORD = "correct horse battery"


class HttpsClient(FlaskClient):
    """Admin cookies are Secure: talk to the app over https, as a browser would."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", "https://localhost")
        return super().open(*args, **kwargs)


def admin_app(db):
    """The app as the admin tests drive it: https client, its own sign-in limits, no Redis, and
    outbox delivery recorded in ``extensions["delivered"]`` instead of run on a thread (a
    thread still sending when the test's database is emptied is a race, not a test)."""
    application = create_app(Settings(database_url=db.url, secret_key="test-secret", redis_url=None), database=db)
    application.config["TESTING"] = True
    application.test_client_class = HttpsClient
    application.extensions["delivered"] = []
    application.extensions["frontdesk.deliver"] = application.extensions["delivered"].append
    return application


@pytest.fixture
def app(db, clock):
    return admin_app(db)


@pytest.fixture
def browser(app):
    return app.test_client()


def token(client, path):
    page = client.get(path)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def sign_up(client, **overrides):
    form = {
        "studio_name": "Harbour Pilates",
        "studio_key": "harbour",
        "timezone": "America/New_York",
        "owner_name": "Ana Reyes",
        "email": "ana@harbour.example",
        "password": PASSWORD,
        "csrf_token": token(client, "/admin/signup"),
        **overrides,
    }
    return client.post("/admin/signup", data=form)


def test_sign_up_creates_the_studio_and_its_owner_and_signs_in(db, browser):
    response = sign_up(browser)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    assert "Harbour Pilates" in browser.get("/admin/").get_data(as_text=True)
    with db.unscoped() as s:
        studio = s.scalars(select(Studio).where(Studio.key == "harbour")).one()
    with db.studio(studio.id) as s:
        owner = s.scalars(select(Staff)).one()
    assert (owner.role, owner.email) == ("owner", "ana@harbour.example")
    assert owner.password_hash.startswith("scrypt:") and PASSWORD not in owner.password_hash
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_bad_sign_up_says_why_and_writes_nothing(db, browser):
    assert sign_up(browser, password="short").status_code == 400
    sign_up(browser)
    browser.post("/admin/logout", data={"csrf_token": token(browser, "/admin/")})
    taken = sign_up(browser, email="other@x.example")
    assert taken.status_code == 400 and "taken" in taken.get_data(as_text=True)
    with db.unscoped() as s:
        assert s.scalar(select(func.count(Studio.id))) == 1


def test_forms_without_the_csrf_token_are_refused(db, browser):
    response = browser.post(
        "/admin/signup",
        data={
            "studio_name": "X",
            "studio_key": "xx",
            "timezone": "Europe/London",
            "owner_name": "X",
            "email": "x@x.example",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 400
    with db.unscoped() as s:
        assert s.scalar(select(func.count(Studio.id))) == 0


def test_sign_in_sign_out_and_the_rate_limit(db, app, browser):
    sign_up(browser)
    browser.post("/admin/logout", data={"csrf_token": token(browser, "/admin/")})
    assert browser.get("/admin/").status_code == 302  # signed out: sent to sign-in
    bad = {"email": "ana@harbour.example", "password": "wrong password!"}
    assert browser.post("/admin/login", data={**bad, "csrf_token": token(browser, "/admin/login")}).status_code == 401
    good = {"email": "ANA@harbour.example", "password": PASSWORD, "csrf_token": token(browser, "/admin/login")}
    assert browser.post("/admin/login", data=good).status_code == 302
    assert browser.get("/admin/").status_code == 200
    browser.post("/admin/logout", data={"csrf_token": token(browser, "/admin/")})
    for _ in range(4):
        browser.post("/admin/login", data={**bad, "csrf_token": token(browser, "/admin/login")})
    assert browser.post("/admin/login", data={**good, "csrf_token": token(browser, "/admin/login")}).status_code == 429


def test_password_reset_with_a_one_time_token(db, app, browser, caplog):
    app.config["FRONTDESK"].log_reset_links = True  # no SMTP and no phone: the development log
    sign_up(browser)
    browser.post("/admin/logout", data={"csrf_token": token(browser, "/admin/")})
    with caplog.at_level(logging.WARNING):
        browser.post(
            "/admin/reset", data={"email": "ana@harbour.example", "csrf_token": token(browser, "/admin/reset")}
        )
    link = re.search(r"password reset link: \S+(/admin/reset/\S+)", caplog.text).group(1)
    new = "a whole new passphrase"
    assert browser.post(link, data={"password": new, "csrf_token": token(browser, link)}).status_code == 302
    again = browser.post(link, data={"password": "yet another passphrase", "csrf_token": token(browser, link)})
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    login = {"email": "ana@harbour.example", "password": new, "csrf_token": token(browser, "/admin/login")}
    assert browser.post("/admin/login", data=login).status_code == 302


def test_staff_add_cli_and_each_studio_sees_only_its_own_day(db, app, clock):
    lotus, harbour = make_studio(db, "lotus"), make_studio(db, "harbour")
    make_session(db, lotus, local(lotus, 2026, 11, 23, 18))
    make_session(db, harbour, local(harbour, 2026, 11, 23, 19))
    runner = app.test_cli_runner()
    for key in ("lotus", "harbour"):
        result = runner.invoke(
            cli,
            [
                "staff",
                "add",
                "--studio",
                key,
                "--email",
                f"desk@{key}.example",
                "--password",
                PASSWORD,
                "--role",
                "front_desk",
            ],
        )
        assert result.exit_code == 0, result.output
    bad = runner.invoke(
        cli,
        ["staff", "add", "--studio", "nowhere", "--email", "a@b.example", "--password", PASSWORD, "--role", "manager"],
    )
    assert bad.exit_code == 1 and "No studio 'nowhere'" in bad.output
    for key, mine, theirs in (("lotus", "18:00", "19:00"), ("harbour", "19:00", "18:00")):
        browser = app.test_client()
        form = {"email": f"desk@{key}.example", "password": PASSWORD, "csrf_token": token(browser, "/admin/login")}
        assert browser.post("/admin/login", data=form).status_code == 302
        page = browser.get("/admin/").get_data(as_text=True)
        assert f"<td>{mine}</td>" in page and f"<td>{theirs}</td>" not in page
