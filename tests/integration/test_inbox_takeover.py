"""The staff inbox (issue 16): flags, unread, staff replies through the outbox, takeover,
scoping and roles."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.conversation.engine import Inbound, handle_inbound
from app.models import (
    AuditLog,
    Booking,
    ClassSession,
    Client,
    Conversation,
    Message,
    OutboxMessage,
    Policy,
    Staff,
    Studio,
)
from tests.factories import make_client, make_session
from tests.integration.test_admin_clients import app, post, signed_in, studios  # noqa: F401  (fixtures)

LOTUS_SMS = "+447700900100"
_sid = iter(range(1, 10_000))


def number(db, world, sms: str = LOTUS_SMS, whatsapp: str | None = None) -> None:
    with db.studio(world.studio_id) as s:
        studio = s.get(Studio, world.studio_id)
        studio.sms_number, studio.whatsapp_number = sms, whatsapp
        s.commit()


def owner_phone(db, world, phone: str = "+447700900999") -> None:
    with db.studio(world.studio_id) as s:
        s.add(Staff(key="boss", name="Boss Owner", phone=phone, role="owner"))
        s.commit()


def text(db, world, phone: str, body: str, channel: str = "sms"):
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    msg = Inbound(channel, prefix + phone, prefix + LOTUS_SMS, body, f"SM{next(_sid):032x}")
    return handle_inbound(db, msg, studio_id=world.studio_id)


def conversation(db, world, phone: str) -> Conversation:
    with db.studio(world.studio_id) as s:
        conv = s.scalars(select(Conversation).where(Conversation.phone == phone)).one()
        s.expunge(conv)
        return conv


def outbox(db, world, **where) -> list[OutboxMessage]:
    with db.studio(world.studio_id) as s:
        rows = list(s.scalars(select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)))
        s.expunge_all()
        return rows


def thread_names(page: str) -> list[str]:
    return re.findall(r'class="row-link" href="[^"]+">([^<]+)</a>', page)


def reply_form(browser, path: str) -> dict:
    page = browser.get(path).get_data(as_text=True)
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "token": re.search(r'name="token" value="([^"]+)"', page).group(1),
    }


def test_asking_for_a_person_flags_the_thread_and_still_alerts_the_owner(db, app, studios, clock):
    lotus, _ = studios
    number(db, lotus)
    owner_phone(db, lotus)
    ana = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    handled = text(db, lotus, "+447700900301", "I want to talk to someone")
    assert "passed your message to the team" in handled.replies[0]
    conv = conversation(db, lotus, "+447700900301")
    assert conv.needs_person and conv.flag_reason == "asked for a person"
    alert = outbox(db, lotus, kind="handoff")
    assert [r.to_addr for r in alert] == ["+447700900999"] and alert[0].body.startswith("Ana (+447700900301)")

    desk = signed_in(app, db, "lotus", "front_desk")
    needs = desk.get("/admin/messages?show=needs").get_data(as_text=True)
    assert thread_names(needs) == ["Ana Ruiz"]
    assert 'data-marker="needs-person"' in needs and "asked for a person" in needs
    assert 'data-marker="unread"' in needs
    page = desk.get(f"/admin/messages/client/{ana}").get_data(as_text=True)
    bubbles = re.findall(r'data-direction="(in|out)" data-author="([^"]+)">([^<]+)<', page)
    assert bubbles[0] == ("in", "them", "I want to talk to someone")
    assert bubbles[1][:2] == ("out", "Bot") and "bot reply" in page
    # opened: no longer unread, still needs a person
    assert thread_names(desk.get("/admin/messages?show=unread").get_data(as_text=True)) == []
    assert thread_names(desk.get("/admin/messages?show=needs").get_data(as_text=True)) == ["Ana Ruiz"]


def test_a_dispute_and_a_text_the_bot_cannot_read_are_flagged_with_their_reason(db, app, studios, clock):
    lotus, _ = studios
    number(db, lotus)
    make_client(db, lotus, "+447700900301", "Ana Ruiz")
    make_client(db, lotus, "+447700900302", "Ben Cole")
    text(db, lotus, "+447700900301", "why was I charged a fee, I was there!")
    text(db, lotus, "+447700900302", "purple monkey dishwasher")
    assert conversation(db, lotus, "+447700900301").flag_reason == "questions a charge"
    assert conversation(db, lotus, "+447700900302").flag_reason == "the bot couldn't read it"
    text(db, lotus, "+447700900303", "hola, quiero reservar una clase de yoga mañana por la mañana")
    assert conversation(db, lotus, "+447700900303").flag_reason.startswith("wrote in another language")


def test_staff_reply_goes_through_the_outbox_and_the_bot_stays_quiet_until_handed_back(db, app, studios, clock):
    lotus, _ = studios
    number(db, lotus)
    ana = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    text(db, lotus, "+447700900301", "I want to talk to someone")
    desk = signed_in(app, db, "lotus", "manager")
    path = f"/admin/messages/client/{ana}"
    form = reply_form(desk, path)
    sent = desk.post("/admin/messages/phone/+447700900301/reply", data={**form, "body": "Hi Ana, it’s Manager here"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(path)
    again = desk.post("/admin/messages/phone/+447700900301/reply", data={**form, "body": "Hi Ana, it’s Manager here"})
    assert again.status_code == 303  # the same form twice: still one text
    rows = outbox(db, lotus, client_id=ana, kind="reply")
    assert len(rows) == 1
    assert (rows[0].to_addr, rows[0].from_addr, rows[0].channel) == ("+447700900301", LOTUS_SMS, "sms")
    assert rows[0].body == "Hi Ana, it's Manager here"  # GSM-7: the curly apostrophe straightened
    with db.studio(lotus.studio_id) as s:
        line = s.scalars(select(AuditLog).where(AuditLog.action == "staff_reply")).one()
        assert line.after["by"] == "Manager Person" and "Manager Person" in line.actor
    conv = conversation(db, lotus, "+447700900301")
    assert conv.human_by == "Manager Person" and conv.human_until == clock.now() + timedelta(minutes=60)
    assert not conv.needs_person  # answered
    page = desk.get(path).get_data(as_text=True)
    assert "Manager Person has this conversation" in page and "Hand back to the bot" in page
    assert 'data-author="Manager Person">Hi Ana' in page

    clock.advance(timedelta(minutes=5))
    quiet = text(db, lotus, "+447700900301", "book flow tomorrow")
    assert quiet.replies == [] and [r.id for r in outbox(db, lotus, client_id=ana, kind="reply")] == [rows[0].id]
    conv = conversation(db, lotus, "+447700900301")
    assert conv.needs_person and conv.flag_reason == "texted while staff have the conversation"
    with db.studio(lotus.studio_id) as s:
        assert s.scalars(select(Message.body).where(Message.direction == "in")).all()[-1] == "book flow tomorrow"
        assert s.scalars(select(Booking)).all() == []  # nothing was acted on

    back = post(desk, "/admin/messages/phone/+447700900301/hand-back", {}, form_page=path)
    assert back.status_code == 303
    conv = conversation(db, lotus, "+447700900301")
    assert conv.human_until is None and not conv.needs_person
    assert text(db, lotus, "+447700900301", "hello").replies  # the bot answers again


def test_take_over_without_replying_and_the_idle_time_hands_back(db, app, studios, clock):
    lotus, _ = studios
    number(db, lotus)
    with db.studio(lotus.studio_id) as s:
        s.scalars(select(Policy)).one().human_idle_minutes = 15
        s.commit()
    ana = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    text(db, lotus, "+447700900301", "hello")
    desk = signed_in(app, db, "lotus", "owner")
    path = f"/admin/messages/client/{ana}"
    assert post(desk, "/admin/messages/phone/+447700900301/take-over", {}, form_page=path).status_code == 303
    assert text(db, lotus, "+447700900301", "are you there?").replies == []
    clock.advance(timedelta(minutes=16))
    assert text(db, lotus, "+447700900301", "hello").replies  # idle: the bot has it again
    # a carrier STOP is honoured even while staff have it
    post(desk, "/admin/messages/phone/+447700900301/take-over", {}, form_page=path)
    text(db, lotus, "+447700900301", "STOP")
    with db.studio(lotus.studio_id) as s:
        assert s.get(Client, ana).sms_opted_out_at is not None


def test_a_reply_that_cannot_be_sent_says_why_and_writes_nothing(db, app, studios, clock):
    lotus, _ = studios
    ana = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    text(db, lotus, "+447700900301", "hello")  # the studio has no SMS number yet
    desk = signed_in(app, db, "lotus", "owner")
    path = f"/admin/messages/client/{ana}"
    refused = desk.post(
        "/admin/messages/phone/+447700900301/reply",
        data={**reply_form(desk, path), "body": "Hi"},
        follow_redirects=True,
    )
    page = refused.get_data(as_text=True)
    assert "The studio has no SMS number yet" in page and ">Hi</textarea>" in page  # the draft is kept
    number(db, lotus)
    with db.studio(lotus.studio_id) as s:
        s.get(Client, ana).sms_opted_out_at = clock.now()
        s.commit()
    refused = desk.post(
        "/admin/messages/phone/+447700900301/reply",
        data={**reply_form(desk, path), "body": "Hi"},
        follow_redirects=True,
    )
    assert "Ana Ruiz has opted out of texts" in refused.get_data(as_text=True)
    empty = desk.post(
        "/admin/messages/phone/+447700900301/reply",
        data={**reply_form(desk, path), "body": "  "},
        follow_redirects=True,
    )
    assert "Type a reply first." in empty.get_data(as_text=True)
    assert outbox(db, lotus, kind="reply") == []
    assert conversation(db, lotus, "+447700900301").human_until is None


def test_whatsapp_outside_the_24_hour_window_falls_back_to_sms_or_is_refused(db, app, studios, clock):
    lotus, _ = studios
    number(db, lotus, whatsapp="+447700900100")
    ana = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    text(db, lotus, "+447700900301", "hello", channel="whatsapp")
    desk = signed_in(app, db, "lotus", "owner")
    path = f"/admin/messages/client/{ana}"
    desk.post("/admin/messages/phone/+447700900301/reply", data={**reply_form(desk, path), "body": "inside"})
    clock.advance(timedelta(hours=25))
    desk.post("/admin/messages/phone/+447700900301/reply", data={**reply_form(desk, path), "body": "outside"})
    rows = outbox(db, lotus, kind="reply")
    assert [(r.body, r.channel, r.to_addr) for r in rows if r.dedupe_key.startswith("staff_reply:")] == [
        ("inside", "whatsapp", "whatsapp:+447700900301"),
        ("outside", "sms", "+447700900301"),
    ]
    with db.studio(lotus.studio_id) as s:
        s.get(Studio, lotus.studio_id).whatsapp_fallback = "none"
        s.commit()
    refused = desk.post(
        "/admin/messages/phone/+447700900301/reply",
        data={**reply_form(desk, path), "body": "held"},
        follow_redirects=True,
    )
    assert "over 24 hours since they last wrote on WhatsApp" in refused.get_data(as_text=True)


def test_another_studios_thread_is_404_for_reading_and_acting(db, app, studios, clock):
    lotus, harbour = studios
    hal = make_client(db, harbour, "+12125550100", "Hal Harbour")
    text(db, harbour, "+12125550100", "harbour secret")
    owner = signed_in(app, db, "lotus", "owner")
    assert owner.get(f"/admin/messages/client/{hal}").status_code == 404
    assert owner.get("/admin/messages/phone/+12125550100").status_code == 404
    for action in ("reply", "take-over", "hand-back", "done"):
        response = post(owner, f"/admin/messages/phone/+12125550100/{action}", {"body": "x", "token": "t" * 16})
        assert response.status_code == 404, action
    assert "harbour secret" not in owner.get("/admin/messages?q=secret").get_data(as_text=True)
    assert outbox(db, harbour, kind="reply") == []
    assert conversation(db, harbour, "+12125550100").human_until is None


def test_instructors_see_and_answer_only_their_own_clients_threads(db, app, studios, clock):
    lotus, _ = studios
    number(db, lotus)
    ana = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    ben = make_client(db, lotus, "+447700900302", "Ben Cole")
    text(db, lotus, "+447700900301", "hello from ana")
    text(db, lotus, "+447700900302", "hello from ben")
    teacher = signed_in(app, db, "lotus", "instructor")
    with db.studio(lotus.studio_id) as s:
        me = s.scalars(select(Staff.id).where(Staff.role == "instructor", Staff.email.is_not(None))).one()
    mine = make_session(db, lotus, clock.now() + timedelta(days=1))
    with db.studio(lotus.studio_id) as s:
        s.get(ClassSession, mine).instructor_id = me
        s.add(Booking(client_id=ana, session_id=mine, status="confirmed"))
        s.commit()
    listed = thread_names(teacher.get("/admin/messages").get_data(as_text=True))
    assert listed == ["Ana Ruiz"]
    assert teacher.get(f"/admin/messages/client/{ana}").status_code == 200
    assert teacher.get(f"/admin/messages/client/{ben}").status_code == 404
    assert (
        post(teacher, "/admin/messages/phone/+447700900302/take-over", {}, form_page="/admin/messages").status_code
        == 404
    )
    assert teacher.get("/admin/messages/outbox").status_code == 403
    sent = teacher.post(
        "/admin/messages/phone/+447700900301/reply",
        data={**reply_form(teacher, f"/admin/messages/client/{ana}"), "body": "See you tomorrow!"},
    )
    assert sent.status_code == 303 and [r.body for r in outbox(db, lotus, kind="reply")][-1] == "See you tomorrow!"
