"""The bot playground: staff text the studio's bot as a client, without a phone.

Each message runs the very engine the Twilio webhook runs (``handle_inbound``), on the
studio's real data: a booking made here is a real booking, and texts it causes for other
people (a waitlist offer, a hand-off to staff) are real outbox rows, delivered like any.
Only the bot's replies to the typed phone are not sent: they are shown here, as the
webhook would have returned them to Twilio.

Messages are logged like any other, on the SMS channel, with a provider sid of
``PG<32 hex>`` (Twilio's are ``SM…``/``MM…``): the log stays one thread per phone, and a
playground turn is always recognisable by its sid.
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.onboarding import example_phone
from admin.roles import require
from app import clock
from app.conversation.engine import Inbound, handle_inbound, human_has_it
from app.db import get_db
from app.models import Client, Conversation, Message, OutboxMessage, Staff, Studio
from app.phones import InvalidPhone, studio_region, to_e164

bp = Blueprint("admin_playground", __name__, url_prefix="/admin/playground", template_folder="templates")

SID_PREFIX = "PG"
CHANNEL = "sms"
MAX_BODY = 1600
NO_NUMBER = "playground"  # the studio end of the thread when the studio has no SMS number yet
THREAD_LIMIT = 40


def _page(
    s: Session,
    studio: Studio,
    phone: str | None,
    *,
    after: int | None = None,
    error: str | None = None,
    body: str = "",
    typed: str | None = None,
) -> dict:
    zone = ZoneInfo(studio.timezone)
    people = [
        (c.phone, c.name or c.phone, "client")
        for c in s.scalars(select(Client).order_by(Client.name, Client.id).limit(200))
    ]
    people += [
        (m.phone, m.name, "staff")
        for m in s.scalars(select(Staff).where(Staff.phone.is_not(None), Staff.active.is_(True)).order_by(Staff.name))
    ]
    thread, conv, produced, who = [], None, [], None
    if phone:
        rows = s.scalars(
            select(Message)
            .where(Message.phone == phone, Message.channel == CHANNEL)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(THREAD_LIMIT)
        ).all()
        playground = False
        for m in reversed(rows):
            if m.direction == "in":
                playground, sender = (m.provider_sid or "").startswith(SID_PREFIX), "Client"
            elif m.provider_sid is None:  # the bot's answer, logged with the text before it
                sender = "Bot"
            else:  # sent through the outbox: a reminder, an offer, a notice
                playground, sender = False, "Studio text"
            thread.append(
                {
                    "direction": m.direction,
                    "body": m.body,
                    "playground": playground,
                    "sender": sender,
                    "at": m.created_at.astimezone(zone).strftime("%a %H:%M"),
                }
            )
        conv = s.scalars(
            select(Conversation).where(Conversation.phone == phone, Conversation.channel == CHANNEL)
        ).first()
        client = s.scalars(select(Client).where(Client.phone == phone)).first()
        staff = s.scalars(select(Staff).where(Staff.phone == phone)).first()
        who = (
            f"{client.name or 'Client'} (client)"
            if client
            else f"{staff.name} ({staff.role.replace('_', ' ')})"
            if staff
            else "A new number: the bot will ask their name"
        )
    if after is not None:
        produced = s.scalars(
            select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id).limit(20)
        ).all()
    return {
        "studio": studio,
        "phone": typed if typed is not None else phone or "",
        "who": who,
        "people": people,
        "thread": thread,
        "conv": conv,
        "produced": produced,
        "error": error,
        "body": body,
        "expires": conv.expires_at.astimezone(zone).strftime("%a %d %b %H:%M") if conv and conv.expires_at else None,
        "number": studio.sms_number,
        "example_phone": example_phone(studio),
        "human": conv is not None and human_has_it(conv, clock.now()),
    }


@bp.get("/")
@require("playground")
def index():
    with get_db().studio(current_user.studio_id) as s:
        studio = s.get(Studio, current_user.studio_id)
        phone = None
        if request.args.get("phone"):
            try:
                phone = to_e164(request.args["phone"], studio_region(studio))
            except InvalidPhone:
                phone = None
        return render_template(
            "admin/playground.html", **_page(s, studio, phone, after=request.args.get("after", type=int))
        )


@bp.post("/")
@require("playground")
def send():
    db = get_db()
    raw_phone, body = request.form.get("phone", ""), request.form.get("body", "").strip()
    with db.studio(current_user.studio_id) as s:
        studio = s.get(Studio, current_user.studio_id)
        s.expunge(studio)
        error, phone = None, None
        try:
            phone = to_e164(raw_phone, studio_region(studio))
        except InvalidPhone:
            error = f"Type the phone as an international number, e.g. {example_phone(studio)}."
        if error is None and not body:
            error = "Type a message for the bot."
        if error is None and len(body) > MAX_BODY:
            error = f"Keep it under {MAX_BODY} characters, as a text would be."
        if error is not None:
            return render_template(
                "admin/playground.html", **_page(s, studio, phone, error=error, body=body, typed=raw_phone)
            ), 400
        before = s.scalar(select(func.max(OutboxMessage.id))) or 0
    message = Inbound(
        channel=CHANNEL,
        from_addr=phone,
        to_addr=studio.sms_number or NO_NUMBER,
        body=body,
        sid=f"{SID_PREFIX}{uuid.uuid4().hex}",
    )
    handled = handle_inbound(
        db, message, llm=current_app.extensions.get("frontdesk.llm"), studio_id=current_user.studio_id
    )
    deliver = current_app.extensions.get("frontdesk.deliver")
    if deliver is not None and handled.outbox_ids:
        deliver(current_user.studio_id)
    return redirect(url_for("admin_playground.index", phone=phone, after=before))
