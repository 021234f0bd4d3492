"""Twilio inbound SMS and WhatsApp: verify, parse the form, call the engine, answer TwiML.

The deterministic path answers in milliseconds. Replies to the sender go back as TwiML;
anything for someone else (a waitlist offer, a staff hand-off) was written to the outbox
by the engine and is delivered after this request's commit: the delivery kick (and the
slow path's hand-off) run once the turn has committed, and a kick that fails (Redis down) is
logged, never a 500: the due-work tick sends the rows and answers the waiting message later.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from app.conversation.engine import Handled, Inbound, InvalidPhone, UnknownStudio, handle_inbound
from app.db import get_db
from app.observability import metrics
from app.web.twilio_auth import signature_ok

bp = Blueprint("twilio_inbound", __name__)
log = logging.getLogger(__name__)

MAX_BODY = 1600
REQUIRED = ("From", "To", "MessageSid")
# the longest value each field may have: the column it is stored in (Message.from_addr,
# to_addr, provider_sid; Client.name) or, for a button's payload, what our buttons send
MAX_LENGTH = {"From": 48, "To": 48, "MessageSid": 64, "ProfileName": 200, "ButtonPayload": 256}


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
    too_long = [name for name, most in MAX_LENGTH.items() if len(form.get(name, "")) > most]
    if too_long:
        return _refuse(400, "fields too long: " + ", ".join(f"{n} (at most {MAX_LENGTH[n]})" for n in too_long))
    sender = form["From"]
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    message = Inbound(
        channel=channel,
        from_addr=sender,
        to_addr=form["To"],
        body=body,
        sid=form["MessageSid"],
        profile_name=form.get("ProfileName"),
        button_payload=form.get("ButtonPayload") or None,
    )
    llm = current_app.extensions.get("frontdesk.llm")
    try:
        handled = handle_inbound(get_db(), message, llm=llm, defer=llm is not None)
    except UnknownStudio:
        current_app.logger.warning("inbound %s to an address no studio owns", channel)
        metrics.inbound(channel, "unknown_studio")
        return twiml(["Sorry, this number isn't set up to take messages yet."])
    except InvalidPhone:
        metrics.inbound(channel, "refused")
        return _refuse(400, "From is not a phone number")
    outcome = _outcome(handled)
    metrics.inbound(channel, outcome, handled.studio_id)
    metrics.replies(channel, len(handled.replies), handled.studio_id)
    log.info(
        "inbound %s for studio %s: %s, %d replies, %d outbox rows",
        channel,
        handled.studio_id,
        outcome,
        len(handled.replies),
        len(handled.outbox_ids),
    )
    # handle_inbound's one transaction has committed: the kicks below can only follow a saved change
    if handled.deferred:
        _kick("frontdesk.defer", handled.studio_id, message.sid)
    if handled.outbox_ids:
        _kick("frontdesk.deliver", handled.studio_id)
    return twiml(handled.replies)


def _outcome(handled: Handled) -> str:
    """answered | deferred (the slow path answers) | duplicate (a retry) | silent (a human has it)."""
    if handled.duplicate:
        return "duplicate"
    if handled.deferred:
        return "deferred"
    return "answered" if handled.replies else "silent"


def _kick(name: str, *args) -> None:
    """Start after-commit work; its failure never fails the reply (the due-work tick catches up)."""
    work = current_app.extensions.get(name)
    if work is None:
        return
    try:
        work(*args)
    except Exception:  # the change is saved and the sender's reply is ready: log and answer
        current_app.logger.exception("after-commit work %s%r failed; the due-work tick will catch up", name, args)
