"""Issue 17: a client's data, exported and erased, from the admin; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.booking import privacy
from app.booking.booking import book
from app.booking.waitlist import join
from app.models import (
    AuditLog,
    Booking,
    Client,
    Conversation,
    CreditEntry,
    DataRequest,
    Message,
    OutboxMessage,
    Payment,
    Policy,
    SuppressedPhone,
    WaitlistEntry,
)
from tests.factories import grant_pack, local, make_client, make_session, make_studio
from tests.integration.test_admin_auth import admin_app
from tests.integration.test_admin_clients import post, signed_in

SAM = "+447700900301"
PRIYA = "+447700900302"


@pytest.fixture
def app(db, clock):
    return admin_app(db)


@pytest.fixture
def world(db, clock):
    """Lotus: Sam (2 future bookings, one on a full class's waitlist, a payment, messages);
    Priya waiting for Sam's 18:00 place. Harbour: another Sam with the same phone."""
    lotus = make_studio(db, "lotus")
    harbour = make_studio(db, "harbour", tz="America/New_York")
    sam = make_client(db, lotus, SAM, "Sam Lee")
    priya = make_client(db, lotus, PRIYA, "Priya Shah")
    other_sam = make_client(db, harbour, SAM, "Sam Lee")
    start = local(lotus, 2026, 11, 23, 8)
    grant_pack(db, lotus, sam, 10, starts_at=start)
    grant_pack(db, lotus, priya, 10, starts_at=start)
    grant_pack(db, harbour, other_sam, 5, starts_at=start)
    wed = make_session(db, lotus, local(lotus, 2026, 11, 25, 18), capacity=1)
    fri = make_session(db, lotus, local(lotus, 2026, 11, 27, 9), capacity=5)
    full = make_session(db, lotus, local(lotus, 2026, 11, 26, 7), capacity=1)
    h_wed = make_session(db, harbour, local(harbour, 2026, 11, 25, 18), capacity=5)
    with db.studio(lotus.studio_id) as s:
        book(s, sam, wed, actor=f"client:{SAM}")
        book(s, sam, fri, actor=f"client:{SAM}")
        book(s, priya, full)
        join(s, sam, full)
        join(s, priya, wed)
        s.add_all(
            [
                Message(
                    direction="in", channel="sms", phone=SAM, from_addr=SAM, to_addr="+447700900100", body="hi it's Sam"
                ),
                Message(
                    direction="out", channel="sms", phone=SAM, from_addr="+447700900100", to_addr=SAM, body="Hi Sam!"
                ),
                Conversation(phone=SAM, channel="sms", client_id=sam, state="idle", context={"name": "Sam"}),
                OutboxMessage(
                    dedupe_key="reminder:x", kind="reminder", to_addr=SAM, body="Sam, see you at 18:00", client_id=sam
                ),
                Payment(
                    kind="package",
                    client_id=sam,
                    item_name="10 pack",
                    amount=Decimal("90.00"),
                    currency="GBP",
                    status="paid",
                    token="tok-sam",
                    checkout_url="https://x/pay/tok-sam",
                    stripe_checkout_id="cs_test_secret",
                    stripe_payment_intent="pi_test_secret",
                ),
            ]
        )
    with db.studio(harbour.studio_id) as s:
        book(s, other_sam, h_wed)
        s.add(
            Message(direction="in", channel="sms", phone=SAM, from_addr=SAM, to_addr="+12125550100", body="harbour hi")
        )
    return {
        "lotus": lotus,
        "harbour": harbour,
        "sam": sam,
        "priya": priya,
        "other_sam": other_sam,
        "wed": wed,
        "fri": fri,
        "full": full,
    }


def _state(db, w, studio: str, client_id: int) -> dict:
    with db.studio(w[studio].studio_id) as s:
        c = s.get(Client, client_id)
        return {
            "name": c.name,
            "phone": c.phone,
            "bookings": sorted(
                s.execute(select(Booking.session_id, Booking.status).where(Booking.client_id == client_id)).all()
            ),
            "waitlist": sorted(
                s.execute(
                    select(WaitlistEntry.session_id, WaitlistEntry.status).where(WaitlistEntry.client_id == client_id)
                ).all()
            ),
            "ledger": sorted(
                s.execute(select(CreditEntry.kind, CreditEntry.credits).where(CreditEntry.client_id == client_id)).all()
            ),
            "bodies": sorted(s.scalars(select(Message.body).where(Message.client_id == client_id)).all())
            + sorted(s.scalars(select(Message.body).where(Message.phone == c.phone)).all()),
            "suppressed": s.scalar(select(func.count(SuppressedPhone.id))),
        }


# ---------------------------------------------------------------------- erasure


def test_erasure_cancels_frees_anonymises_and_keeps_the_books(db, world, app):
    w = world
    before = _state(db, w, "lotus", w["sam"])
    assert before["name"] == "Sam Lee" and ("spend", -1) in before["ledger"]
    owner = signed_in(app, db, "lotus", "owner")
    page = owner.get(f"/admin/clients/{w['sam']}/erase")
    assert page.status_code == 200 and "cancel 2 upcoming bookings and 1 waitlist place" in page.get_data(as_text=True)
    done = post(owner, f"/admin/clients/{w['sam']}/erase", {"confirmation": "sam lee"})
    assert done.status_code == 302

    with db.studio(w["lotus"].studio_id) as s:
        sam = s.get(Client, w["sam"])
        assert (sam.name, sam.phone, sam.email, sam.notes) == ("Erased client", f"erased:{w['sam']}", None, None)
        assert sam.erased_at is not None and sam.opted_out("sms") and sam.opted_out("whatsapp")
        statuses = dict(s.execute(select(Booking.session_id, Booking.status).where(Booking.client_id == sam.id)).all())
        assert statuses == {w["wed"]: "cancelled", w["fri"]: "cancelled"}
        entry = s.scalars(select(WaitlistEntry).where(WaitlistEntry.client_id == sam.id)).one()
        assert entry.status == "left"
        # the freed 18:00 place went to Priya, who was waiting for it
        offer = s.scalars(select(WaitlistEntry).where(WaitlistEntry.client_id == w["priya"])).one()
        assert offer.status == "offered"
        # the ledger keeps every line: 10 granted, 2 spent, 2 refunded
        ledger = s.execute(
            select(CreditEntry.kind, CreditEntry.credits, CreditEntry.actor).where(CreditEntry.client_id == sam.id)
        ).all()
        assert sorted((k, c) for k, c, _ in ledger) == [
            ("grant", 10),
            ("refund", 1),
            ("refund", 1),
            ("spend", -1),
            ("spend", -1),
        ]
        assert sum(c for _, c, _ in ledger) == 10
        assert all(SAM not in (a or "") for _, _, a in ledger)
        payment = s.scalars(select(Payment).where(Payment.client_id == sam.id)).one()
        assert (payment.amount, payment.status) == (Decimal("90.00"), "paid")
        bodies = s.scalars(select(Message.body).where(Message.client_id == sam.id)).all()
        assert bodies == ["[erased]", "[erased]"]
        assert s.scalar(select(func.count(Message.id)).where(Message.phone == SAM)) == 0
        conv = s.scalars(select(Conversation)).one()
        assert (conv.phone, conv.context) == (f"erased:{sam.id}", {})
        outbox = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).one()
        assert (outbox.status, outbox.body, outbox.to_addr) == ("skipped", "[erased]", f"erased:{sam.id}")
        assert s.scalars(select(SuppressedPhone.phone_hash)).all() == [privacy.phone_hash(w["lotus"].studio_id, SAM)]
        assert privacy.suppression(s, SAM) is not None
        line = s.scalars(select(AuditLog).where(AuditLog.action == "erase")).one()
        assert (
            line.entity_id == str(sam.id)
            and line.after["bookings_cancelled"]
            and "Sam" not in json.dumps([line.before, line.after])
        )
        assert SAM not in json.dumps(
            [a.before for a in s.scalars(select(AuditLog))] + [a.after for a in s.scalars(select(AuditLog))]
        )
        assert s.scalars(select(DataRequest.kind, DataRequest.status)).all() == ["erasure"]


def test_the_same_phone_at_another_studio_is_untouched(db, world, app):
    w = world
    harbour_before = _state(db, w, "harbour", w["other_sam"])
    with db.studio(w["lotus"].studio_id) as s:
        privacy.erase_client(s, w["sam"], actor="test", confirmation="ERASE")
    assert _state(db, w, "harbour", w["other_sam"]) == harbour_before
    assert harbour_before["name"] == "Sam Lee" and "harbour hi" in harbour_before["bodies"]
    with db.studio(w["harbour"].studio_id) as s:
        assert privacy.suppression(s, SAM) is None
        assert s.scalar(select(func.count(SuppressedPhone.id))) == 0


def test_a_wrong_typed_confirmation_changes_nothing(db, world, app):
    w = world
    before = _state(db, w, "lotus", w["sam"])
    owner = signed_in(app, db, "lotus", "owner")
    for typed in ("", "Sam", "erase it", "Priya Shah"):
        page = post(owner, f"/admin/clients/{w['sam']}/erase", {"confirmation": typed})
        assert page.status_code == 400
        assert "doesn&#39;t match" in page.get_data(as_text=True)
    assert _state(db, w, "lotus", w["sam"]) == before
    with db.studio(w["lotus"].studio_id) as s:
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "erase")) == 0


def test_erasure_is_all_or_nothing(db, world, monkeypatch):
    w = world
    before = _state(db, w, "lotus", w["sam"])

    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(privacy, "suppress", broken)  # the last step fails, after all the others ran
    with pytest.raises(RuntimeError):
        with db.studio(w["lotus"].studio_id) as s:
            privacy.erase_client(s, w["sam"], actor="test", confirmation="ERASE")
    assert _state(db, w, "lotus", w["sam"]) == before
    with db.studio(w["lotus"].studio_id) as s:
        assert s.scalars(select(WaitlistEntry.status).where(WaitlistEntry.client_id == w["priya"])).one() == "waiting"


def test_a_late_erasure_never_charges_a_fee(db, clock):
    lotus = make_studio(db, "lotus", late_cancel="fee", late_cancel_fee=Decimal("7.50"), cancel_window_hours=12)
    sam = make_client(db, lotus, SAM, "Sam Lee")
    grant_pack(db, lotus, sam, 5, starts_at=local(lotus, 2026, 11, 23, 8))
    soon = make_session(db, lotus, local(lotus, 2026, 11, 23, 13))  # in 4 hours: a late cancel
    with db.studio(lotus.studio_id) as s:
        book(s, sam, soon)
    with db.studio(lotus.studio_id) as s:
        privacy.erase_client(s, sam, actor="test", confirmation="erase")
    with db.studio(lotus.studio_id) as s:
        kinds = s.execute(select(CreditEntry.kind, CreditEntry.credits, CreditEntry.amount)).all()
        assert not [k for k in kinds if k[0] == "fee"]
        assert sum(c for _, c, _ in kinds) == 5  # the credit came back
        assert s.scalars(select(Booking.status)).one() == "late_cancelled"


def test_erasing_twice_is_refused_and_the_profile_says_erased(db, world, app):
    w = world
    owner = signed_in(app, db, "lotus", "owner")
    assert post(owner, f"/admin/clients/{w['sam']}/erase", {"confirmation": "ERASE"}).status_code == 302
    again = owner.get(f"/admin/clients/{w['sam']}/erase")
    assert again.status_code == 302
    profile = owner.get(f"/admin/clients/{w['sam']}").get_data(as_text=True)
    assert 'id="erased"' in profile and "Sam Lee" not in profile
    with db.studio(w["lotus"].studio_id) as s, pytest.raises(privacy.AlreadyErased):
        privacy.erase_client(s, w["sam"], actor="test", confirmation="ERASE")


# ---------------------------------------------------------------------- roles


@pytest.mark.parametrize("role", ["front_desk", "instructor"])
def test_front_desk_and_instructors_can_neither_export_nor_erase(db, world, app, role):
    w = world
    browser = signed_in(app, db, "lotus", role)
    base = f"/admin/clients/{w['sam']}"
    assert browser.get(f"{base}/export.json").status_code == 403
    assert browser.get(f"{base}/export").status_code == 403
    assert browser.get(f"{base}/erase").status_code == 403
    form_page = "/admin/clients" if role == "front_desk" else "/admin/calendar/"
    assert post(browser, f"{base}/erase", {"confirmation": "ERASE"}, form_page=form_page).status_code == 403
    with db.studio(w["lotus"].studio_id) as s:
        assert s.get(Client, w["sam"]).name == "Sam Lee"
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.action.in_(("erase", "export")))) == 0


def test_another_studios_client_is_not_found(db, world, app):
    w = world
    owner = signed_in(app, db, "lotus", "owner")
    assert owner.get(f"/admin/clients/{w['other_sam']}/export.json").status_code == 404
    assert post(owner, f"/admin/clients/{w['other_sam']}/erase", {"confirmation": "ERASE"}).status_code == 404


# ---------------------------------------------------------------------- export


def test_the_export_file_holds_this_studios_data_and_no_card_data(db, world, app):
    w = world
    manager = signed_in(app, db, "lotus", "manager")
    got = manager.get(f"/admin/clients/{w['sam']}/export.json")
    assert got.status_code == 200 and got.mimetype == "application/json"
    assert "attachment" in got.headers["Content-Disposition"]
    data = json.loads(got.get_data(as_text=True))
    assert set(data) == {
        "format",
        "exported_at",
        "studio",
        "client",
        "balance",
        "packages",
        "bookings",
        "waitlist",
        "credit_ledger",
        "payments",
        "appointment_requests",
        "intro_leads",
        "messages",
        "data_requests",
    }
    assert data["format"] == "frontdesk.client-export/1"
    assert data["studio"]["name"] == "Lotus Studio"
    assert (data["client"]["name"], data["client"]["phone"]) == ("Sam Lee", SAM)
    assert [(b["class"], b["starts_at"], b["status"]) for b in data["bookings"]] == [
        ("Vinyasa Flow", "2026-11-25T18:00:00+00:00", "confirmed"),
        ("Vinyasa Flow", "2026-11-27T09:00:00+00:00", "confirmed"),
    ]
    assert [(x["starts_at"], x["status"]) for x in data["waitlist"]] == [("2026-11-26T07:00:00+00:00", "waiting")]
    assert sorted((e["kind"], e["credits"]) for e in data["credit_ledger"]) == [
        ("grant", 10),
        ("spend", -1),
        ("spend", -1),
    ]
    assert data["balance"] == {"credits": 8, "unlimited": False, "owed": "0.00"}
    assert data["payments"] == [
        {
            "id": data["payments"][0]["id"],
            "kind": "package",
            "item": "10 pack",
            "amount": "90.00",
            "currency": "GBP",
            "amount_refunded": "0.00",
            "status": "paid",
            "created_at": "2026-11-23T09:00:00+00:00",
            "paid_at": None,
            "refunded_at": None,
        }
    ]
    assert [m["body"] for m in data["messages"]] == ["hi it's Sam", "Hi Sam!"]
    text = got.get_data(as_text=True)
    assert "harbour" not in text.lower() and "cs_test_secret" not in text and "pi_test_secret" not in text
    assert "card" not in text.lower() and "stripe" not in text.lower()
    with db.studio(w["lotus"].studio_id) as s:
        line = s.scalars(select(AuditLog).where(AuditLog.action == "export")).one()
        assert (line.entity, line.entity_id, line.after) == (
            "client",
            str(w["sam"]),
            {"source": "admin", "format": "json"},
        )


def test_the_readable_export_page(db, world, app):
    w = world
    owner = signed_in(app, db, "lotus", "owner")
    page = owner.get(f"/admin/clients/{w['sam']}/export")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Data held about you by Lotus Studio" in html and "Sam Lee" in html and "hi it&#39;s Sam" in html
    assert 'download="lotus-client-' in html and "data:application/json;base64," in html
    assert "harbour hi" not in html


# ------------------------------------------------------------------ the texted link


def test_the_export_link_opens_once(db, world, app):
    w = world
    with db.studio(w["lotus"].studio_id) as s:
        _row, token = privacy.create_export_link(s, w["sam"], source="sms", actor=f"client:{SAM}")
    browser = app.test_client()
    url = f"/s/lotus/my-data/{token}"
    first = browser.get(url)  # a link preview: spends nothing
    assert first.status_code == 200 and "Show my data" in first.get_data(as_text=True)
    assert browser.get(url).status_code == 200
    shown = browser.post(url)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Sam Lee" in html and "data:application/json;base64," in html
    assert shown.headers["Cache-Control"] == "no-store"
    again = browser.post(url)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)
    assert "Sam Lee" not in again.get_data(as_text=True)
    assert browser.get(url).status_code == 410
    assert browser.post(f"/s/harbour/my-data/{token}").status_code == 404  # another studio: unknown there
    assert browser.post("/s/lotus/my-data/not-a-token").status_code == 404
    with db.studio(w["lotus"].studio_id) as s:
        req = s.scalars(select(DataRequest)).one()
        assert (req.status, req.used_at is not None) == ("done", True)
        assert req.token_hash == privacy.token_hash(token) and token not in json.dumps(
            [a.after for a in s.scalars(select(AuditLog))]
        )
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "export")) == 1


def test_the_export_link_expires(db, world, app, clock):
    w = world
    with db.studio(w["lotus"].studio_id) as s:
        _row, token = privacy.create_export_link(s, w["sam"], source="sms", actor=f"client:{SAM}")
    clock.advance(timedelta(hours=24, minutes=1))
    browser = app.test_client()
    gone = browser.post(f"/s/lotus/my-data/{token}")
    assert gone.status_code == 410 and "expired" in gone.get_data(as_text=True)
    with db.studio(w["lotus"].studio_id) as s:
        assert s.scalars(select(DataRequest.status)).one() == "pending"
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "export")) == 0


def test_a_new_link_replaces_the_old_and_erasure_kills_it(db, world, app):
    w = world
    with db.studio(w["lotus"].studio_id) as s:
        _r, old = privacy.create_export_link(s, w["sam"], source="sms", actor="t")
    with db.studio(w["lotus"].studio_id) as s:
        _r, new = privacy.create_export_link(s, w["sam"], source="sms", actor="t")
    browser = app.test_client()
    assert browser.post(f"/s/lotus/my-data/{old}").status_code == 410
    with db.studio(w["lotus"].studio_id) as s:
        privacy.erase_client(s, w["sam"], actor="t", confirmation="ERASE")
    assert browser.post(f"/s/lotus/my-data/{new}").status_code == 404


def test_policy_defaults_to_staff_carrying_out_erasures(db, clock):
    lotus = make_studio(db, "lotus")
    with db.studio(lotus.studio_id) as s:
        assert s.scalars(select(Policy.erasure_by_text)).one() == "staff"


def test_an_erased_person_added_back_by_staff_or_an_old_csv_is_never_texted_first(db, world):
    """The suppression list holds wherever a client row is made: staff adding the number by
    hand, or a CSV import, start it opted out of both channels (START lifts it)."""
    from app.client_import import process, start_import
    from app.clients import add_client

    w = world
    with db.studio(w["lotus"].studio_id) as s:
        privacy.erase_client(s, w["sam"], actor="test", confirmation="ERASE")
    with db.studio(w["lotus"].studio_id) as s:
        again = add_client(s, name="Sam Lee", phone=SAM, region="GB", actor="test")
        assert again.sms_opted_out_at is not None and again.whatsapp_opted_out_at is not None
        s.delete(again)
    with db.studio(w["lotus"].studio_id) as s:
        job = start_import(s, filename="old.csv", data=f"name,phone\nSam Lee,{SAM}\n".encode(), region="GB", actor="t")
        process(s, job.id)
        imported = s.scalars(select(Client).where(Client.phone == SAM)).one()
        assert imported.sms_opted_out_at is not None and imported.whatsapp_opted_out_at is not None
    with db.studio(w["harbour"].studio_id) as s:  # the other studio's Sam is another data subject
        assert s.scalars(select(Client).where(Client.phone == SAM)).one().sms_opted_out_at is None
