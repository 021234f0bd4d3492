"""Limits that hold behind a proxy, sessions that end, reset links that go to the person
(issue 14, "Limits and sessions"). Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
import smtplib
import uuid

import pytest
import redis
from sqlalchemy import select

from admin.accounts import add_staff
from app.config import Settings
from app.factory import create_app
from app.models import OutboxMessage, Staff
from tests.integration.test_admin_auth import PASSWORD, HttpsClient, admin_app, sign_up, token

EMAIL = "ana@harbour.example"


@pytest.fixture
def app(db, clock):
    return admin_app(db)


def _sign_in(client, email=EMAIL, password=PASSWORD, **environ):
    form = {"email": email, "password": password, "csrf_token": token(client, "/admin/login")}
    return client.post("/admin/login", data=form, environ_base=environ)


def _owner(db) -> Staff:
    with db.system("test: the owner row") as s:
        return s.scalars(select(Staff).where(Staff.email == EMAIL)).one()


# ---------------------------------------------------------------- sign-in limits


def test_successful_sign_ins_never_count_towards_the_limit(db, app):
    client = app.test_client()
    sign_up(client)
    for _ in range(12):
        assert _sign_in(client).status_code == 302


def test_behind_a_trusted_proxy_each_visitor_has_their_own_bucket(db, clock):
    settings = Settings(database_url=db.url, secret_key="s", redis_url=None, trusted_proxy_hops=1)
    app = create_app(settings, database=db)
    app.config["TESTING"] = True
    app.test_client_class = HttpsClient
    sign_up(app.test_client())
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(5):
        assert _sign_in(attacker, password="wrong guess!!", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 401
    assert _sign_in(attacker, password="wrong guess!!", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # the proxy's own address is the same for both; the visitor's is not
    assert _sign_in(owner, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302


def test_with_no_trusted_proxy_a_forwarded_header_cannot_buy_a_fresh_bucket(db, app):
    sign_up(app.test_client())
    client = app.test_client()
    for n in range(5):
        assert _sign_in(client, password="wrong guess!!", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code == 401
    refused = _sign_in(client, password="wrong guess!!", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)


def test_one_address_trying_many_emails_is_stopped(db, app):
    client = app.test_client()
    for n in range(20):
        assert _sign_in(client, email=f"guess{n}@harbour.example").status_code == 401
    assert _sign_in(client, email="guess99@harbour.example").status_code == 429


def test_many_addresses_on_one_account_are_stopped_but_the_owner_elsewhere_is_not_locked_by_five(db, clock):
    settings = Settings(database_url=db.url, secret_key="s", redis_url=None, trusted_proxy_hops=1)
    app = create_app(settings, database=db)
    app.config["TESTING"] = True
    app.test_client_class = HttpsClient
    sign_up(app.test_client())
    client = app.test_client()
    for _ in range(5):  # five wrong tries from one stranger do not lock the account
        _sign_in(client, password="wrong guess!!", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert _sign_in(app.test_client(), HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
    for n in range(30):
        _sign_in(client, password="wrong guess!!", HTTP_X_FORWARDED_FOR=f"203.0.113.{10 + n}")
    assert _sign_in(app.test_client(), HTTP_X_FORWARDED_FOR="198.51.100.3").status_code == 429


def test_with_redis_the_count_is_shared_by_every_process(db, clock, redis_url):
    store = redis.Redis.from_url(redis_url)
    for key in store.scan_iter("LIMITS*frontdesk-limits*"):  # another run's counts
        store.delete(key)
    email = f"shared-{uuid.uuid4().hex[:8]}@harbour.example"
    settings = Settings(database_url=db.url, secret_key="s", redis_url=redis_url)
    one, two = (create_app(settings, database=db) for _ in range(2))
    for app in (one, two):
        app.config["TESTING"] = True
        app.test_client_class = HttpsClient
    for _ in range(3):
        assert _sign_in(one.test_client(), email=email, password="wrong guess!!").status_code == 401
    for _ in range(2):
        assert _sign_in(two.test_client(), email=email, password="wrong guess!!").status_code == 401
    assert _sign_in(one.test_client(), email=email, password="wrong guess!!").status_code == 429
    kept = list(store.scan_iter("LIMITS*frontdesk-limits*"))
    assert any(email.encode() in key for key in kept)
    for key in kept:
        store.delete(key)


def test_the_intro_form_limit_is_per_visitor_behind_a_proxy(db, clock):
    from app.fixtures import load_fixture
    from tests.integration.test_hardening_input import INTRO, INTRO_URL

    load_fixture(db, INTRO)
    settings = Settings(database_url=db.url, secret_key="s", redis_url=None, trusted_proxy_hops=1)
    client = create_app(settings, database=db).test_client()
    for _ in range(5):
        assert (
            client.post(INTRO_URL, data={"name": ""}, environ_base={"HTTP_X_FORWARDED_FOR": "1.2.3.4"}).status_code
            == 400
        )
    assert (
        client.post(INTRO_URL, data={"name": ""}, environ_base={"HTTP_X_FORWARDED_FOR": "1.2.3.4"}).status_code == 429
    )
    assert (
        client.post(INTRO_URL, data={"name": ""}, environ_base={"HTTP_X_FORWARDED_FOR": "5.6.7.8"}).status_code == 400
    )


# ---------------------------------------------------------------- sessions that end


def _copy_cookie(source, target) -> None:
    cookie = source.get_cookie("session", domain="localhost")
    target.set_cookie("session", cookie.value, domain="localhost")


def test_signing_out_ends_a_copied_cookie_too(db, app):
    browser, thief = app.test_client(), app.test_client()
    sign_up(browser)
    _copy_cookie(browser, thief)
    assert thief.get("/admin/").status_code == 200
    browser.post("/admin/logout", data={"csrf_token": token(browser, "/admin/")})
    assert thief.get("/admin/").status_code == 302
    assert _owner(db).session_version == 2


def test_a_password_reset_ends_every_other_session(db, app):
    app.config["FRONTDESK"].log_reset_links = True
    laptop, phone, visitor = app.test_client(), app.test_client(), app.test_client()
    sign_up(laptop)
    assert _sign_in(phone).status_code == 302
    link = _reset_link(app, visitor)
    assert (
        visitor.post(link, data={"password": "a brand new passphrase", "csrf_token": token(visitor, link)}).status_code
        == 302
    )
    assert laptop.get("/admin/").status_code == 302
    assert phone.get("/admin/").status_code == 302
    assert _sign_in(visitor, password="a brand new passphrase").status_code == 302


def test_an_owner_setting_a_staff_password_ends_their_sessions(db, app):
    browser = app.test_client()
    sign_up(browser)
    add_staff(db, studio_key="harbour", email="dee@harbour.example", password=PASSWORD, role="front_desk")
    desk = app.test_client()
    assert _sign_in(desk, email="dee@harbour.example").status_code == 302
    add_staff(db, studio_key="harbour", email="dee@harbour.example", password="another passphrase", role="front_desk")
    assert desk.get("/admin/").status_code == 302


# ---------------------------------------------------------------- reset links


def _reset_link(app, client, caplog=None) -> str:
    import logging

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("admin.reset_links").addHandler(handler)
    try:
        client.post("/admin/reset", data={"email": EMAIL, "csrf_token": token(client, "/admin/reset")})
    finally:
        logging.getLogger("admin.reset_links").removeHandler(handler)
    return re.search(r"https?://[^/\s]+(/admin/reset/\S+)", "\n".join(records)).group(1)


def test_the_reset_token_reveals_nothing_of_the_password_hash(db, app):
    app.config["FRONTDESK"].log_reset_links = True
    sign_up(app.test_client())
    link = _reset_link(app, app.test_client())
    token_text = link.rsplit("/", 1)[1]
    payload = token_text.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    stored = _owner(db).password_hash
    parts = json.loads(decoded)
    assert parts[:3] == [_owner(db).studio_id, _owner(db).id, 1]
    for piece in re.split(r"[$:]", stored):
        if len(piece) >= 6:
            assert piece not in decoded and piece[-16:] not in decoded


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context=None):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def test_with_smtp_the_link_goes_by_email_and_is_not_logged(db, app, monkeypatch, caplog):
    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    settings = app.config["FRONTDESK"]
    settings.smtp_host, settings.smtp_from, settings.public_base_url = (
        "smtp.example",
        "desk@example.com",
        "https://fd.example",
    )
    sign_up(app.test_client())
    client = app.test_client()
    response = client.post("/admin/reset", data={"email": EMAIL, "csrf_token": token(client, "/admin/reset")})
    assert response.status_code == 302
    (message,) = FakeSMTP.sent
    assert message["To"] == EMAIL and message["From"] == "desk@example.com"
    assert "https://fd.example/admin/reset/" in message.get_content()
    assert "/admin/reset/" not in caplog.text


def test_without_smtp_the_link_is_texted_to_the_staff_phone(db, app):
    sign_up(app.test_client())
    with db.system("test: give the owner a phone") as s:
        s.scalars(select(Staff).where(Staff.email == EMAIL)).one().phone = "+12125550123"
    client = app.test_client()
    client.post("/admin/reset", data={"email": EMAIL, "csrf_token": token(client, "/admin/reset")})
    with db.studio(_owner(db).studio_id) as s:
        (text,) = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).all()
        assert text.to_addr == "+12125550123" and "/admin/reset/" in text.body and text.valid_until is not None
        assert len(text.body) <= 306


def test_in_production_with_no_way_to_send_the_link_it_is_never_logged(db, app, caplog):
    sign_up(app.test_client())
    client = app.test_client()
    response = client.post("/admin/reset", data={"email": EMAIL, "csrf_token": token(client, "/admin/reset")})
    assert response.status_code == 302  # the page says the same thing either way
    assert "/admin/reset/" not in caplog.text and "set SMTP_HOST" in caplog.text


def test_an_unknown_email_gets_the_same_answer_and_nothing_is_sent(db, app):
    client = app.test_client()
    response = client.post(
        "/admin/reset", data={"email": "nobody@x.example", "csrf_token": token(client, "/admin/reset")}
    )
    assert response.status_code == 302
    assert "If that email has an account" in client.get("/admin/login").get_data(as_text=True)
