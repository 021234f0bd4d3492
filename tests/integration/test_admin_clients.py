"""The clients pages: search, profile, add, grant, book, cancel; scoping and roles."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from admin.accounts import add_staff
from app.models import AuditLog, Booking, Client, CreditEntry, WaitlistEntry
from tests.factories import grant_pack, local, make_client, make_session, make_studio
from tests.integration.test_admin_auth import admin_app

PASSWORD = "correct horse battery"


@pytest.fixture
def app(db, clock):
    return admin_app(db)


@pytest.fixture
def studios(db, clock):
    """Two studios: lotus (London) and harbour (New York)."""
    return make_studio(db, "lotus"), make_studio(db, "harbour", tz="America/New_York")


def token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def signed_in(app, db, key: str, role: str):
    """A browser signed in as a ``role`` of studio ``key``."""
    email = f"{role.replace('_', '-')}@{key}.example"
    add_staff(db, studio_key=key, email=email, password=PASSWORD, role=role, name=f"{role.title()} Person")
    browser = app.test_client()
    form = {"email": email, "password": PASSWORD, "csrf_token": token(browser, "/admin/login")}
    assert browser.post("/admin/login", data=form).status_code == 302
    return browser


def post(browser, path: str, data: dict, *, form_page: str = "/admin/clients", **kwargs):
    """POST with the session's CSRF token (read from any page of the panel)."""
    return browser.post(path, data={**data, "csrf_token": token(browser, form_page)}, **kwargs)


def count(db, world, model, *where) -> int:
    with db.studio(world.studio_id) as s:
        return s.scalar(select(func.count(model.id)).where(*where)) or 0


def names_on(page) -> list[str]:
    return re.findall(r'class="row-link" href="[^"]+">([^<]+)</a>', page.get_data(as_text=True))


# ---------------------------------------------------------------------- search


def test_search_by_name_and_partial_phone_never_shows_another_studio(db, app, studios, clock):
    lotus, harbour = studios
    make_client(db, lotus, "+17185550123", "Sam Lee")
    make_client(db, lotus, "+447700900301", "Ana Ruiz")
    make_client(db, harbour, "+17185550124", "Sam Other")
    desk = signed_in(app, db, "lotus", "front_desk")

    assert names_on(desk.get("/admin/clients?q=sam")) == ["Sam Lee"]
    assert names_on(desk.get("/admin/clients?q=0123")) == ["Sam Lee"]
    assert names_on(desk.get("/admin/clients?q=0124")) == []  # harbour's number: not here
    assert names_on(desk.get("/admin/clients?q=07700+900301")) == ["Ana Ruiz"]  # a London local number
    assert sorted(names_on(desk.get("/admin/clients"))) == ["Ana Ruiz", "Sam Lee"]
    assert "Sam Other" not in desk.get("/admin/clients?q=other").get_data(as_text=True)


def test_search_lists_the_most_recently_active_first_and_pages(db, app, studios, clock):
    lotus, _ = studios
    for n in range(30):
        make_client(db, lotus, f"+4477009004{n:02d}", f"Client {n:02d}")
        clock.advance(timedelta(minutes=1))
    session_id = make_session(db, lotus, local(lotus, 2026, 11, 25, 18))
    early = make_client(db, lotus, "+447700900500", "Booked Yesterday")
    with db.studio(lotus.studio_id) as s:  # the oldest client booked just now: most recent activity
        s.get(Client, early).created_at = clock.now() - timedelta(days=30)
        s.add(Booking(client_id=early, session_id=session_id, booked_at=clock.now() + timedelta(minutes=5)))
        s.commit()
    desk = signed_in(app, db, "lotus", "front_desk")
    first = names_on(desk.get("/admin/clients"))
    assert first[0] == "Booked Yesterday" and first[1] == "Client 29" and len(first) == 25
    second = names_on(desk.get("/admin/clients?page=2"))
    assert len(second) == 6 and second[-1] == "Client 00"


# --------------------------------------------------------------------- profile


def test_profile_shows_balance_packs_ledger_bookings_and_messages_from_real_rows(db, app, studios, clock):
    from app.booking.booking import book
    from app.models import Message

    lotus, _ = studios
    client_id = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    grant_pack(db, lotus, client_id, 5, starts_at=clock.now() - timedelta(days=1))
    session_id = make_session(db, lotus, local(lotus, 2026, 11, 25, 18))
    with db.studio(lotus.studio_id) as s:
        book(s, client_id, session_id, actor="client:+447700900301")
    with db.studio(lotus.studio_id) as s:
        s.add(
            Message(
                client_id=client_id,
                direction="in",
                channel="sms",
                phone="+447700900301",
                from_addr="+447700900301",
                to_addr="+447700900100",
                body="book flow wed 6pm",
            )
        )
        s.commit()
    desk = signed_in(app, db, "lotus", "front_desk")
    page = desk.get(f"/admin/clients/{client_id}").get_data(as_text=True)
    assert 'data-credits="4"' in page and "5 pack" in page
    ledger = page[page.index('id="ledger"') :]
    assert ledger.index("spend") < ledger.index("grant")  # newest first
    # "By" in people's words, and a "When" that doesn't wrap
    by = re.findall(r'<td class="hide-sm muted">(.*?)</td>', ledger[: ledger.index("</table>")])
    assert by[0] == "Ana Ruiz" and "client:" not in ledger
    assert '<td class="nowrap">Mon 23 Nov 09:00</td>' in ledger
    upcoming = page[page.index('id="upcoming"') : page.index('id="past"')]
    assert "Vinyasa Flow" in upcoming and "Wed 25 Nov 18:00" in upcoming
    assert "book flow wed 6pm" in page and "receiving texts" in page
    assert 'id="grant"' not in page  # front desk may not grant credits


def test_ledger_actors_read_as_people_not_log_strings():
    from app.clients import actor_label

    ana, nameless = Client(phone="+447700900301", name="Ana Ruiz"), Client(phone="+447700900302", name=None)
    staff = {3: "Maya Patel"}
    assert actor_label("client:+447700900301", ana, staff) == "Ana Ruiz"
    assert actor_label("client:whatsapp:+447700900301", ana, staff) == "Ana Ruiz"
    assert actor_label("client:+447700900302", nameless, staff) == "Client (by text)"
    assert actor_label("client:+447700900999", ana, staff) == "Client (by text)"  # another number
    assert actor_label("Ana Reyes (staff 1, owner)", ana, staff) == "Ana Reyes"
    assert actor_label("Ana Reyes (staff 1, front_desk)", ana, staff) == "Ana Reyes"
    assert actor_label("Manager Person (staff 2)", ana, staff) == "Manager Person"
    assert actor_label("staff:3", ana, staff) == "Maya Patel"
    assert actor_label("staff:9", ana, staff) == "Staff"
    assert actor_label("payment:12", ana, staff) == "Online payment"
    assert actor_label("import", ana, staff) == "Client import"
    for job in ("system", "waitlist", "fixture"):
        assert actor_label(job, ana, staff) == "System"
    assert actor_label(None, ana, staff) == "" and actor_label("", ana, staff) == ""


# ----------------------------------------------------------------------- grant


def test_grant_credits_writes_the_ledger_and_the_audit_log(db, app, studios, clock):
    lotus, _ = studios
    client_id = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    manager = signed_in(app, db, "lotus", "manager")
    path = f"/admin/clients/{client_id}"
    refused = post(manager, f"{path}/grant", {"credits": "3", "reason": "  "}, form_page=path)
    assert refused.status_code == 400 and "why the credits" in refused.get_data(as_text=True)
    assert count(db, lotus, CreditEntry) == 0 and count(db, lotus, AuditLog) == 0

    done = post(
        manager, f"{path}/grant", {"credits": "3", "valid_days": "30", "reason": "sorry about Tuesday"}, form_page=path
    )
    assert done.status_code == 302
    with db.studio(lotus.studio_id) as s:
        entry = s.scalars(select(CreditEntry)).one()
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "grant_credits")).one()
    assert (entry.kind, entry.credits, entry.note) == ("grant", 3, "sorry about Tuesday")
    assert entry.actor.startswith("Manager Person")
    assert audit.entity == "client_package" and audit.entity_id == str(entry.client_package_id)
    assert audit.after["reason"] == "sorry about Tuesday" and audit.after["client_id"] == client_id
    shown = manager.get(path).get_data(as_text=True)
    assert 'data-credits="3"' in shown
    ledger = shown[shown.index('id="ledger"') : shown.index('id="messages"')]
    assert '<td class="hide-sm muted">Manager Person</td>' in ledger and "(staff" not in ledger


def test_grant_one_of_the_studios_packages(db, app, studios, clock):
    from decimal import Decimal

    from app.models import ClientPackage, Package

    lotus, harbour = studios
    client_id = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    with db.studio(lotus.studio_id) as s:
        ten = Package(key="ten", name="Ten classes", kind="class_pack", credits=10, price=Decimal("120"), valid_days=90)
        s.add(ten)
        s.commit()
    with db.studio(harbour.studio_id) as s:
        theirs = Package(key="ten", name="Harbour ten", kind="class_pack", credits=10, price=Decimal("1"))
        s.add(theirs)
        s.commit()
    owner = signed_in(app, db, "lotus", "owner")
    path = f"/admin/clients/{client_id}"
    assert "Ten classes" in owner.get(path).get_data(as_text=True)
    refused = post(owner, f"{path}/grant", {"package_id": theirs.id, "reason": "paid cash"}, form_page=path)
    assert refused.status_code == 400 and "choose one of the studio" in refused.get_data(as_text=True)
    zero = post(owner, f"{path}/grant", {"credits": "0", "reason": "paid cash"}, form_page=path)
    assert zero.status_code == 400 and "at least one credit" in zero.get_data(as_text=True)
    assert (
        post(owner, f"{path}/grant", {"package_id": ten.id, "reason": "paid cash"}, form_page=path).status_code == 302
    )
    with db.studio(lotus.studio_id) as s:
        pack = s.scalars(select(ClientPackage)).one()
        entry = s.scalars(select(CreditEntry)).one()
        audit = s.scalars(select(AuditLog)).one()
    assert (pack.package_id, pack.name, entry.credits) == (ten.id, "Ten classes", 10)
    assert pack.expires_at == clock.now() + timedelta(days=90)
    assert (audit.entity_id, audit.after["reason"]) == (str(pack.id), "paid cash")


def test_front_desk_cannot_grant_credits(db, app, studios, clock):
    lotus, _ = studios
    client_id = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    desk = signed_in(app, db, "lotus", "front_desk")
    response = post(desk, f"/admin/clients/{client_id}/grant", {"credits": "10", "reason": "free stuff"})
    assert response.status_code == 403
    assert count(db, lotus, CreditEntry) == 0 and count(db, lotus, AuditLog) == 0


# ------------------------------------------------------------------------ book


def test_booking_through_the_page_uses_the_booking_service(db, app, studios, clock):
    lotus, _ = studios
    client_id = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    grant_pack(db, lotus, client_id, 2, starts_at=clock.now() - timedelta(days=1))
    session_id = make_session(db, lotus, local(lotus, 2026, 11, 25, 18))
    desk = signed_in(app, db, "lotus", "front_desk")
    form = desk.get(f"/admin/clients/{client_id}/book").get_data(as_text=True)
    assert f'name="session_id" value="{session_id}"' in form and "Wed 25 Nov</th>" in form and "<td>18:00</td>" in form
    # each bookable class row carries a stable selector: its session id, once
    assert re.findall(r'<tr data-session="(\d+)">', form) == [str(session_id)]

    response = post(desk, f"/admin/clients/{client_id}/book", {"session_id": session_id})
    assert response.status_code == 302
    with db.studio(lotus.studio_id) as s:
        booking = s.scalars(select(Booking)).one()
        spend = s.scalars(select(CreditEntry).where(CreditEntry.kind == "spend")).one()
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "book")).one()
    assert (booking.client_id, booking.session_id, booking.status, booking.source) == (
        client_id,
        session_id,
        "confirmed",
        "admin",
    )
    assert spend.credits == -1 and audit.entity_id == str(booking.id) and audit.after["status"] == "confirmed"
    assert 'data-credits="1"' in desk.get(f"/admin/clients/{client_id}").get_data(as_text=True)
    assert '<span class="pill ok">booked</span>' in desk.get(f"/admin/clients/{client_id}/book").get_data(as_text=True)

    again = post(desk, f"/admin/clients/{client_id}/book", {"session_id": session_id})
    assert again.status_code == 409 and "already booked" in again.get_data(as_text=True)
    assert count(db, lotus, Booking) == 1 and count(db, lotus, AuditLog, AuditLog.action == "book") == 1


def test_a_full_class_offers_the_waitlist_and_no_credits_is_said_in_words(db, app, studios, clock):
    from app.booking.booking import book

    lotus, _ = studios
    other = make_client(db, lotus, "+447700900302", "Bo Chen")
    client_id = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    for who in (other, client_id):
        grant_pack(db, lotus, who, 5, starts_at=clock.now() - timedelta(days=1))
    full = make_session(db, lotus, local(lotus, 2026, 11, 25, 18), capacity=1)
    with db.studio(lotus.studio_id) as s:
        book(s, other, full)
    desk = signed_in(app, db, "lotus", "front_desk")

    response = post(desk, f"/admin/clients/{client_id}/book", {"session_id": full})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "That class is full" in page and "Add to the waitlist" in page
    assert count(db, lotus, Booking) == 1 and count(db, lotus, AuditLog) == 0

    joined = post(desk, f"/admin/clients/{client_id}/waitlist", {"session_id": full})
    assert joined.status_code == 302
    with db.studio(lotus.studio_id) as s:
        entry = s.scalars(select(WaitlistEntry)).one()
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "waitlist")).one()
    assert (entry.client_id, entry.session_id, entry.status) == (client_id, full, "waiting")
    assert audit.entity_id == str(entry.id)

    broke = make_client(db, lotus, "+447700900303", "Cy Broke")
    open_class = make_session(db, lotus, local(lotus, 2026, 11, 26, 18))
    response = post(desk, f"/admin/clients/{broke}/book", {"session_id": open_class})
    assert response.status_code == 409 and "Cy Broke has no credits for this class" in response.get_data(as_text=True)
    assert count(db, lotus, Booking, Booking.client_id == broke) == 0


def test_outside_the_booking_window_is_refused_in_words(db, app, studios, clock):
    lotus, _ = studios
    client_id = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    grant_pack(db, lotus, client_id, 5, starts_at=clock.now() - timedelta(days=1), days=90)
    far = make_session(db, lotus, local(lotus, 2027, 1, 20, 18))
    desk = signed_in(app, db, "lotus", "front_desk")
    response = post(desk, f"/admin/clients/{client_id}/book", {"session_id": far})
    assert response.status_code == 409 and "Booking for that class opens" in response.get_data(as_text=True)
    assert count(db, lotus, Booking) == 0


# ---------------------------------------------------------------------- cancel


def test_cancel_previews_the_late_terms_and_needs_confirmation(db, app, studios, clock):
    from app.booking.booking import book

    lotus, _ = studios
    client_id = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    grant_pack(db, lotus, client_id, 5, starts_at=clock.now() - timedelta(days=1))
    soon = make_session(db, lotus, clock.now() + timedelta(hours=3))  # inside the 12-hour window: late
    later = make_session(db, lotus, local(lotus, 2026, 11, 27, 18))
    with db.studio(lotus.studio_id) as s:
        late_id = book(s, client_id, soon).booking.id
    with db.studio(lotus.studio_id) as s:
        free_id = book(s, client_id, later).booking.id
    desk = signed_in(app, db, "lotus", "front_desk")

    path = f"/admin/clients/{client_id}/bookings/{late_id}/cancel"
    preview = desk.get(path).get_data(as_text=True)
    assert "the credit is kept by the studio" in preview and 'name="accept_late"' in preview
    unconfirmed = post(desk, path, {}, form_page=path)
    assert unconfirmed.status_code == 409 and "late cancel" in unconfirmed.get_data(as_text=True)
    with db.studio(lotus.studio_id) as s:
        assert s.get(Booking, late_id).status == "confirmed"
        assert s.scalar(select(func.count(AuditLog.id))) == 0
    assert post(desk, path, {"accept_late": "1"}, form_page=path).status_code == 302
    with db.studio(lotus.studio_id) as s:
        assert s.get(Booking, late_id).status == "late_cancelled"
        kinds = s.scalars(select(CreditEntry.kind).where(CreditEntry.booking_id == late_id)).all()
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "cancel")).one()
    assert sorted(kinds) == ["forfeit", "spend"]
    assert audit.entity_id == str(late_id) and audit.before["status"] == "confirmed"
    assert audit.after["status"] == "late_cancelled"

    path = f"/admin/clients/{client_id}/bookings/{free_id}/cancel"
    assert "Free cancel (until Fri 27 Nov 06:00): 1 credit goes back." in desk.get(path).get_data(as_text=True)
    done = post(desk, path, {}, form_page=path, follow_redirects=True)
    assert "Vinyasa Flow, Fri 27 Nov 18:00. Free cancel" in done.get_data(as_text=True)
    assert "1 credit went back" in done.get_data(as_text=True)
    with db.studio(lotus.studio_id) as s:
        assert s.get(Booking, free_id).status == "cancelled"
    assert 'data-credits="4"' in desk.get(f"/admin/clients/{client_id}").get_data(as_text=True)


# ------------------------------------------------------------------ add client


def test_add_a_client_by_hand(db, app, studios, clock):
    lotus, _ = studios
    desk = signed_in(app, db, "lotus", "front_desk")
    bad = post(desk, "/admin/clients/new", {"name": "Ana Ruiz", "phone": "12"})
    assert bad.status_code == 400 and "doesn&#39;t look like a phone number" in bad.get_data(as_text=True)
    created = post(desk, "/admin/clients/new", {"name": "Ana Ruiz", "phone": "07700 900301", "email": "ana@x.example"})
    assert created.status_code == 302
    with db.studio(lotus.studio_id) as s:
        client = s.scalars(select(Client)).one()
        audit = s.scalars(select(AuditLog)).one()
    assert (client.name, client.phone, client.email) == ("Ana Ruiz", "+447700900301", "ana@x.example")
    assert (audit.action, audit.entity, audit.entity_id) == ("create", "client", str(client.id))
    dup = post(desk, "/admin/clients/new", {"name": "Ana Again", "phone": "+44 7700 900301"})
    assert dup.status_code == 400 and "already a client" in dup.get_data(as_text=True)
    assert count(db, lotus, Client) == 1


# ------------------------------------------------------------ scoping and roles


def test_another_studios_ids_are_not_found(db, app, studios, clock):
    from app.booking.booking import book
    from app.models import ClientImport

    lotus, harbour = studios
    mine = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    grant_pack(db, lotus, mine, 5, starts_at=clock.now() - timedelta(days=1))
    theirs = make_client(db, harbour, "+12125550100", "Hal Harbour")
    grant_pack(db, harbour, theirs, 5, starts_at=clock.now() - timedelta(days=1))
    their_session = make_session(db, harbour, local(harbour, 2026, 11, 25, 18))
    with db.studio(harbour.studio_id) as s:
        their_booking = book(s, theirs, their_session).booking.id
        job = ClientImport(filename="theirs.csv", total=1, rows=[])
        s.add(job)
        s.commit()
        their_import = job.id
    owner = signed_in(app, db, "lotus", "owner")

    for path in (
        f"/admin/clients/{theirs}",
        f"/admin/clients/{theirs}/book",
        f"/admin/clients/{theirs}/bookings/{their_booking}/cancel",
        f"/admin/clients/{mine}/bookings/{their_booking}/cancel",
        f"/admin/clients/import/{their_import}",
        f"/admin/clients/import/{their_import}/status",
    ):
        assert owner.get(path).status_code == 404, path
    for path, data in (
        (f"/admin/clients/{theirs}/grant", {"credits": "5", "reason": "x"}),
        (f"/admin/clients/{theirs}/book", {"session_id": their_session}),
        (f"/admin/clients/{mine}/book", {"session_id": their_session}),
        (f"/admin/clients/{mine}/waitlist", {"session_id": their_session}),
        (f"/admin/clients/{mine}/bookings/{their_booking}/cancel", {"accept_late": "1"}),
        (f"/admin/clients/import/{their_import}/resume", {}),
    ):
        assert post(owner, path, data).status_code == 404, path
    with db.studio(harbour.studio_id) as s:
        assert s.get(Booking, their_booking).status == "confirmed"
        assert s.scalar(select(func.count(CreditEntry.id))) == 2  # their grant and spend, nothing more
    assert count(db, lotus, Booking) == 0 and count(db, lotus, AuditLog) == 0


def test_instructors_may_open_none_of_the_client_pages(db, app, studios, clock):
    lotus, _ = studios
    client_id = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    session_id = make_session(db, lotus, local(lotus, 2026, 11, 25, 18))
    teacher = signed_in(app, db, "lotus", "instructor")
    for path in (
        "/admin/clients",
        "/admin/clients/new",
        f"/admin/clients/{client_id}",
        f"/admin/clients/{client_id}/book",
        "/admin/clients/import",
    ):
        assert teacher.get(path).status_code == 403, path
    csrf = token(teacher, "/admin/login")
    for path, data in (
        (f"/admin/clients/{client_id}/book", {"session_id": session_id}),
        (f"/admin/clients/{client_id}/grant", {"credits": "5", "reason": "x"}),
        ("/admin/clients/new", {"name": "X", "phone": "+447700900999"}),
    ):
        assert teacher.post(path, data={**data, "csrf_token": csrf}).status_code == 403, path
    assert count(db, lotus, Booking) == 0 and count(db, lotus, Client) == 1 and count(db, lotus, CreditEntry) == 0


def test_signed_out_visitors_are_sent_to_sign_in(db, app, studios):
    response = app.test_client().get("/admin/clients")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
