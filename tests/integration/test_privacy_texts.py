"""Issue 17 by text, through the engine, on SQLite and PostgreSQL: the export link, an erasure
for staff or at once, and an erased client who texts again."""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import func, select, update

from app.booking import privacy
from app.booking.booking import book
from app.booking.waitlist import join
from app.conversation.engine import Inbound, handle_inbound
from app.models import (
    AuditLog,
    Booking,
    Client,
    Conversation,
    DataRequest,
    Message,
    Policy,
    SuppressedPhone,
    WaitlistEntry,
)
from tests.factories import grant_pack, local, make_client, make_session, make_studio
from tests.integration.test_admin_auth import admin_app
from tests.integration.test_admin_clients import post, signed_in

SAM = "+447700900301"
PRIYA = "+447700900302"
LOTUS_SMS = "+447700900100"
_sids = itertools.count(1)


@pytest.fixture
def world(db, clock):
    lotus = make_studio(db, "lotus")
    harbour = make_studio(db, "harbour", tz="America/New_York")
    sam = make_client(db, lotus, SAM, "Sam Lee")
    priya = make_client(db, lotus, PRIYA, "Priya Shah")
    other_sam = make_client(db, harbour, SAM, "Sam Lee")
    start = local(lotus, 2026, 11, 23, 8)
    for w, c in ((lotus, sam), (lotus, priya), (harbour, other_sam)):
        grant_pack(db, w, c, 10, starts_at=start)
    wed = make_session(db, lotus, local(lotus, 2026, 11, 25, 18), capacity=1)
    with db.studio(lotus.studio_id) as s:
        book(s, sam, wed)
        join(s, priya, wed)
    return {"lotus": lotus, "harbour": harbour, "sam": sam, "priya": priya, "other_sam": other_sam, "wed": wed}


def text(db, world, body: str, phone: str = SAM, studio: str = "lotus") -> list[str]:
    msg = Inbound("sms", phone, LOTUS_SMS, body, f"SM{next(_sids):032x}")
    return handle_inbound(db, msg, studio_id=world[studio].studio_id).replies


def test_export_by_text_sends_a_link_that_opens_once(db, world):
    asked = text(db, world, "send me my data")
    assert "Reply YES to get it" in asked[0]
    with db.studio(world["lotus"].studio_id) as s:
        assert s.scalar(select(func.count(DataRequest.id))) == 0
    [reply] = text(db, world, "YES")
    url = re.search(r"(https?://\S+/s/lotus/my-data/(\S+))", reply)
    assert url is not None and "opens once and expires in 24 hours" in reply
    app = admin_app(db)
    browser = app.test_client()
    path = "/s/lotus/my-data/" + url.group(2)
    page = browser.post(path)
    assert page.status_code == 200 and "Sam Lee" in page.get_data(as_text=True)
    assert "send me my data" in page.get_data(as_text=True)  # the thread, this studio's
    assert browser.post(path).status_code == 410
    with db.studio(world["lotus"].studio_id) as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.entity == "client").order_by(AuditLog.id)).all()
        assert actions == ["export_link", "export"]


def test_erasure_by_text_waits_for_staff_then_staff_carry_it_out(db, world):
    assert "reply YES" in text(db, world, "please delete my data")[0]
    [reply] = text(db, world, "yes")
    assert "Your request is with the Lotus Studio team" in reply
    with db.studio(world["lotus"].studio_id) as s:
        req = s.scalars(select(DataRequest)).one()
        assert (req.kind, req.status, req.source, req.client_id) == ("erasure", "pending", "sms", world["sam"])
        assert s.get(Client, world["sam"]).name == "Sam Lee"  # nothing erased yet
        assert s.scalars(select(Booking.status)).all() == ["confirmed"]
        assert s.scalars(select(Conversation.needs_person)).one() is True
    app = admin_app(db)
    owner = signed_in(app, db, "lotus", "owner")
    profile = owner.get(f"/admin/clients/{world['sam']}").get_data(as_text=True)
    assert 'id="erasure-asked"' in profile and "Erase now" in profile
    assert post(owner, f"/admin/clients/{world['sam']}/erase", {"confirmation": "ERASE"}).status_code == 302
    with db.studio(world["lotus"].studio_id) as s:
        assert [r.status for r in s.scalars(select(DataRequest).order_by(DataRequest.id))] == ["done", "done"]
        assert s.get(Client, world["sam"]).erased_at is not None
        assert s.scalars(select(WaitlistEntry.status)).one() == "offered"  # Priya got Sam's place


def test_erasure_by_text_at_once_leaves_no_trace_of_the_number(db, world):
    with db.studio(world["lotus"].studio_id) as s:
        s.execute(update(Policy).values(erasure_by_text="auto"))
    text(db, world, "forget me")
    [reply] = text(db, world, "YES")
    assert reply.startswith("Done: your data at Lotus Studio is erased") and "1 booking cancelled" in reply
    with db.studio(world["lotus"].studio_id) as s:
        sam = s.get(Client, world["sam"])
        assert (sam.name, sam.phone) == ("Erased client", f"erased:{sam.id}")
        assert s.scalar(select(func.count(Message.id)).where(Message.phone == SAM)) == 0
        assert set(s.scalars(select(Message.body).where(Message.client_id == sam.id))) == {"[erased]"}
        assert s.scalar(select(func.count(Message.id)).where(Message.client_id == sam.id)) == 4  # 2 texts, 2 replies
        assert s.scalars(select(Booking.status).where(Booking.client_id == sam.id)).all() == ["cancelled"]
        assert s.scalars(select(WaitlistEntry.status)).one() == "offered"
        assert privacy.suppression(s, SAM) is not None
    with db.studio(world["harbour"].studio_id) as s:  # the same number at Harbour: another data subject
        assert s.get(Client, world["other_sam"]).name == "Sam Lee"
        assert s.scalar(select(func.count(SuppressedPhone.id))) == 0


def test_an_erased_client_who_texts_again_is_a_new_person_never_texted_first(db, world):
    with db.studio(world["lotus"].studio_id) as s:
        privacy.erase_client(s, world["sam"], actor="test", confirmation="ERASE")
    first = text(db, world, "book yoga wed 6pm")
    assert "what's your first name" in first[0]  # a new person: answered, not silenced
    text(db, world, "Sam")
    with db.studio(world["lotus"].studio_id) as s:
        clients = s.scalars(select(Client).order_by(Client.id)).all()
        new = [c for c in clients if c.phone == SAM]
        assert len(new) == 1 and new[0].id != world["sam"] and new[0].name == "Sam"
        # nothing is sent first to this number: delivery refuses opted-out clients
        assert new[0].opted_out("sms") and new[0].opted_out("whatsapp")
        assert s.get(Client, world["sam"]).name == "Erased client"  # the old row stays erased
    # replies to their own texts still go
    assert text(db, world, "my bookings")
    # START: opted in anew, texts on both channels again
    assert "Welcome back" in text(db, world, "START")[0]
    with db.studio(world["lotus"].studio_id) as s:
        again = s.scalars(select(Client).where(Client.phone == SAM)).one()
        assert not again.opted_out("sms") and not again.opted_out("whatsapp")
        assert privacy.suppression(s, SAM) is None
        assert s.scalars(select(SuppressedPhone.lifted_why)).one() == "opted in anew"


def test_stop_from_a_suppressed_number_is_an_ordinary_opt_out(db, world):
    with db.studio(world["lotus"].studio_id) as s:
        privacy.erase_client(s, world["sam"], actor="test", confirmation="ERASE")
    text(db, world, "book yoga wed 6pm")
    text(db, world, "Sam")
    assert "unsubscribed" in text(db, world, "STOP")[0]
    assert text(db, world, "my bookings") == []  # opted out now: we say nothing more
    with db.studio(world["lotus"].studio_id) as s:
        assert s.scalars(select(SuppressedPhone.lifted_why)).one() == "opted out (STOP)"


def test_a_number_we_dont_know_asking_for_its_data(db, world):
    [reply] = text(db, world, "delete my data", phone="+447700900999")
    assert "no client record for this number" in reply
    with db.studio(world["lotus"].studio_id) as s:
        assert s.scalar(select(func.count(DataRequest.id))) == 0
