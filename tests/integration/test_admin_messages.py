"""Conversations and the outbox pages: what they show, in whose scope, to whom."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from app.models import Conversation, Message, OutboxMessage
from tests.factories import make_client
from tests.integration.test_admin_clients import app, signed_in, studios  # noqa: F401  (fixtures)


def add_messages(
    db, world, phone: str, bodies: list[tuple[str, str]], clock, *, channel: str = "sms", client_id: int | None = None
) -> None:
    """(direction, body) pairs, one minute apart, oldest first."""
    with db.studio(world.studio_id) as s:
        for direction, body in bodies:
            clock.advance(timedelta(minutes=1))
            studio_number = "+447700900100"
            s.add(
                Message(
                    client_id=client_id,
                    direction=direction,
                    channel=channel,
                    phone=phone,
                    from_addr=phone if direction == "in" else studio_number,
                    to_addr=studio_number if direction == "in" else phone,
                    body=body,
                    created_at=clock.now(),
                )
            )
        s.commit()


def test_conversations_list_the_latest_message_per_phone_newest_first(db, app, studios, clock):
    lotus, harbour = studios
    ana = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    add_messages(
        db, lotus, "+447700900301", [("in", "book flow wed"), ("out", "Booked: Vinyasa Flow")], clock, client_id=ana
    )
    add_messages(db, lotus, "+447700900555", [("in", "hi who is this")], clock, channel="whatsapp")
    add_messages(db, harbour, "+12125550100", [("in", "harbour secret")], clock)
    desk = signed_in(app, db, "lotus", "front_desk")
    page = desk.get("/admin/messages").get_data(as_text=True)
    rows = re.findall(r'class="row-link" href="([^"]+)">([^<]+)</a>', page)
    assert [name for _, name in rows] == ["+44 7700 900555", "Ana Ruiz"]
    assert rows[1][0] == f"/admin/messages/client/{ana}"
    assert "Booked: Vinyasa Flow" in page and "book flow wed" not in page  # only the latest per phone
    assert "WhatsApp" in page and "harbour secret" not in page


def test_conversations_can_be_searched_by_name_or_phone_digits(db, app, studios, clock):
    lotus, harbour = studios
    ana = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    add_messages(db, lotus, "+447700900301", [("in", "hello from ana")], clock, client_id=ana)
    add_messages(db, lotus, "+447700900555", [("in", "hello from a stranger")], clock)
    make_client(db, harbour, "+447700900777", "Ana Harbour")
    add_messages(db, harbour, "+447700900777", [("in", "harbour ana")], clock)
    desk = signed_in(app, db, "lotus", "front_desk")

    def found(q):
        page = desk.get(f"/admin/messages?q={q}").get_data(as_text=True)
        return re.findall(r'class="row-link" href="[^"]+">([^<]+)</a>', page)

    assert found("ana") == ["Ana Ruiz"]
    assert found("0555") == ["+44 7700 900555"]
    assert found("0777") == []


def test_a_thread_reads_like_a_phone_oldest_first_in_the_studios_timezone(db, app, studios, clock):
    _, harbour = studios  # New York; the clock is 09:00 UTC = 04:00 in New York
    hal = make_client(db, harbour, "+12125550100", "Hal Harbour")
    add_messages(db, harbour, "+12125550100", [("in", "first text"), ("out", "the reply")], clock)  # before linking
    add_messages(db, harbour, "+12125550100", [("in", "third text")], clock, client_id=hal)
    desk = signed_in(app, db, "harbour", "manager")
    page = desk.get(f"/admin/messages/client/{hal}").get_data(as_text=True)
    bubbles = re.findall(r'<div class="bubble (in|out)[^"]*" data-direction="\w+"[^>]*>([^<]+)</div>', page)
    assert bubbles == [("in", "first text"), ("out", "the reply"), ("in", "third text")]  # issue 16: oldest on top
    assert "Mon 23 Nov 04:03" in page and "3 messages" in page and "America/New York" in page
    assert "The bot is waiting" not in page
    with db.studio(harbour.studio_id) as s:
        conversation = Conversation(
            phone="+12125550100",
            channel="sms",
            client_id=hal,
            state="confirm_cancel",
            expires_at=clock.now() + timedelta(minutes=10),
        )
        s.add(conversation)
        s.commit()
    waiting = desk.get(f"/admin/messages/client/{hal}").get_data(as_text=True)
    assert (
        "The bot is waiting for an answer on SMS" in waiting and "(confirm cancel, until Mon 23 Nov 04:13)" in waiting
    )
    by_conversation = desk.get(f"/admin/messages/conversation/{conversation.id}")
    assert by_conversation.status_code == 302
    assert desk.get(by_conversation.headers["Location"]).headers["Location"].endswith(f"/admin/messages/client/{hal}")


def test_an_unknown_number_has_its_own_thread(db, app, studios, clock):
    lotus, _ = studios
    add_messages(db, lotus, "+447700900555", [("in", "hello?")], clock)
    desk = signed_in(app, db, "lotus", "front_desk")
    page = desk.get("/admin/messages/phone/+447700900555")
    assert page.status_code == 200 and "hello?" in page.get_data(as_text=True)
    assert desk.get("/admin/messages/phone/+447700900556").status_code == 404


def test_the_outbox_shows_status_attempts_and_a_readable_reason_and_filters(db, app, studios, clock):
    lotus, harbour = studios
    ana = make_client(db, lotus, "+447700900301", "Ana Ruiz")
    with db.studio(lotus.studio_id) as s:
        s.add_all(
            [
                OutboxMessage(
                    dedupe_key="a",
                    kind="reminder_24h",
                    to_addr="+447700900301",
                    body="See you tomorrow",
                    client_id=ana,
                    status="delivered",
                    attempts=1,
                ),
                OutboxMessage(
                    dedupe_key="b",
                    kind="waitlist_offer",
                    to_addr="+447700900302",
                    body="A spot is free",
                    status="failed",
                    attempts=1,
                    error_code="30007",
                    error_message="filtered by the carrier as spam",
                ),
                OutboxMessage(
                    dedupe_key="c",
                    kind="reminder_2h",
                    to_addr="+447700900303",
                    body="Starts in 2 hours",
                    status="expired",
                    error_message="no longer relevant when its turn came",
                ),
                OutboxMessage(
                    dedupe_key="d",
                    kind="session_cancelled",
                    to_addr="+447700900304",
                    body="Class cancelled",
                    status="pending",
                    attempts=1,
                    error_message="could not reach Twilio",
                    send_after=clock.now() + timedelta(minutes=5),
                ),
            ]
        )
        s.commit()
    with db.studio(harbour.studio_id) as s:
        s.add(
            OutboxMessage(
                dedupe_key="h",
                kind="reminder_24h",
                to_addr="+12125550100",
                body="harbour text",
                status="failed",
                error_message="harbour failure",
            )
        )
        s.commit()
    desk = signed_in(app, db, "lotus", "front_desk")
    page = desk.get("/admin/messages/outbox").get_data(as_text=True)
    assert re.findall(r'data-status="(\w+)"', page) == ["pending", "expired", "failed", "delivered"]
    assert "filtered by the carrier as spam" in page and "(code 30007)" in page
    assert "could not reach Twilio; trying again Mon 23 Nov 09:05" in page
    assert "Ana Ruiz" in page and "harbour" not in page
    failed = desk.get("/admin/messages/outbox?status=failed").get_data(as_text=True)
    assert re.findall(r'data-status="(\w+)"', failed) == ["failed"] and "Failed (1)" in failed


def test_the_outbox_shows_a_long_text_up_to_160_characters_and_the_rest_on_a_toggle(db, app, studios, clock):
    lotus, _ = studios
    long_text = (
        "Good news: a spot opened in Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya. "
        "Reply YES within 30 minutes to take it, or NO to pass it on to the next person waiting."
    )
    short_text = "See you tomorrow at 18:00"
    assert len(long_text) > 160
    with db.studio(lotus.studio_id) as s:
        s.add_all(
            [
                OutboxMessage(
                    dedupe_key="long",
                    kind="waitlist_offer",
                    to_addr="+447700900302",
                    body=long_text,
                    status="delivered",
                    attempts=1,
                ),
                OutboxMessage(
                    dedupe_key="short",
                    kind="reminder_24h",
                    to_addr="+447700900303",
                    body=short_text,
                    status="delivered",
                    attempts=1,
                ),
            ]
        )
        s.commit()
    page = signed_in(app, db, "lotus", "front_desk").get("/admin/messages/outbox").get_data(as_text=True)
    shown = dict(
        (html.unescape(full), html.unescape(cut))
        for full, cut in re.findall(r'<span class="muted" title="([^"]*)">([^<]*)</span>', page)
    )
    assert shown[short_text] == short_text
    cut = shown[long_text]
    assert cut.endswith("...") and long_text.startswith(cut[:-3]) and 100 < len(cut) <= 160
    assert page.count("<summary") == 1 and html.escape(long_text, quote=False) in page.split("<summary")[1]


def test_another_studios_threads_are_not_found_and_instructors_are_refused(db, app, studios, clock):
    lotus, harbour = studios
    hal = make_client(db, harbour, "+12125550100", "Hal Harbour")
    add_messages(db, harbour, "+12125550100", [("in", "harbour secret")], clock, client_id=hal)
    with db.studio(harbour.studio_id) as s:
        conversation = Conversation(phone="+12125550100", channel="sms", client_id=hal)
        s.add(conversation)
        s.commit()
    owner = signed_in(app, db, "lotus", "owner")
    for path in (
        f"/admin/messages/client/{hal}",
        f"/admin/messages/conversation/{conversation.id}",
        "/admin/messages/phone/+12125550100",
    ):
        assert owner.get(path).status_code == 404, path
    teacher = signed_in(app, db, "lotus", "instructor")
    assert teacher.get("/admin/messages/outbox").status_code == 403
    assert teacher.get(f"/admin/messages/client/{hal}").status_code == 404  # issue 16: own clients' threads only
    assert "harbour secret" not in teacher.get("/admin/messages").get_data(as_text=True)
