"""Twilio inbound SMS and WhatsApp: verify, parse the form, call the engine, answer TwiML.

The deterministic path answers in milliseconds. Replies to the sender go back as TwiML;
anything for someone else (a waitlist offer, a staff hand-off) was written to the outbox
by the engine and is delivered after this request's commit.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from app.db import get_db
from app.conversation.engine import Inbound, InvalidPhone, UnknownStudio, handle_inbound

bp = Blueprint("twilio_inbound", __name__)

MAX_BODY = 1600
REQUIRED = ("From", "To", "MessageSid")


def twiml(replies: list[str]) -> Response:
    response = MessagingResponse()
    for reply in replies:
        response.message(reply)
    return Response(str(response), mimetype="application/xml")


def _refuse(status: int, reason: str) -> Response:
    current_app.logger.warning("inbound refused (%s): %s", status, reason)
    return Response(reason + "\n", status=status, mimetype="text/plain")


@bp.post("/twilio/inbound")
@bp.post("/twilio/sms")
@bp.post("/twilio/whatsapp")
def inbound() -> Response:
    from app.web.twilio_auth import signature_ok

    if not signature_ok():
        return _refuse(403, "invalid Twilio signature")
    form = request.form
    missing = [name for name in REQUIRED if not form.get(name)]
    if "Body" not in form and not form.get("ButtonPayload"):
        missing.append("Body")
    if missing:
        return _refuse(400, "missing fields: " + ", ".join(missing))
    body = form.get("Body", "")
    if len(body) > MAX_BODY:
        return _refuse(413, f"message body over {MAX_BODY} characters")
    sender = form["From"]
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    message = Inbound(channel=channel, from_addr=sender, to_addr=form["To"], body=body, sid=form["MessageSid"],
                      profile_name=form.get("ProfileName"), button_payload=form.get("ButtonPayload") or None)
    llm = current_app.extensions.get("frontdesk.llm")
    try:
        handled = handle_inbound(get_db(), message, llm=llm, defer=llm is not None)
    except UnknownStudio:
        current_app.logger.warning("inbound to unknown address %s", form["To"])
        return twiml(["Sorry, this number isn't set up to take messages yet."])
    except InvalidPhone:
        return _refuse(400, "From is not a phone number")
    if handled.deferred:
        current_app.extensions["frontdesk.defer"](handled.studio_id, message.sid)
    deliver = current_app.extensions.get("frontdesk.deliver")
    if deliver is not None and handled.outbox_ids:
        deliver(handled.studio_id)
    return twiml(handled.replies)
