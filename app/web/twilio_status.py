"""Twilio status callbacks: queued, sent, delivered, undelivered, failed -> the outbox row."""

from __future__ import annotations

from flask import Blueprint, Response, request
from sqlalchemy import select

from app.db import get_db
from app.messaging.transports import PERMANENT
from app.models import OutboxMessage
from app.web.twilio_auth import signature_ok

bp = Blueprint("twilio_status", __name__)
STATUSES = {"queued", "sending", "sent", "delivered", "undelivered", "failed", "read", "accepted", "scheduled"}
ORDER = ["pending", "sending", "queued", "accepted", "scheduled", "sent", "delivered", "read"]


@bp.post("/twilio/status")
def status() -> Response:
    if not signature_ok():
        return Response("invalid Twilio signature\n", status=403, mimetype="text/plain")
    sid, state = request.form.get("MessageSid"), request.form.get("MessageStatus")
    if not sid or state not in STATUSES:
        return Response("MessageSid and a known MessageStatus are required\n", status=400, mimetype="text/plain")
    db = get_db()
    with db.system("status callback: find the row by provider sid") as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.provider_sid == sid)).first()
        studio_id = row.studio_id if row else None
    if studio_id is None:
        return Response(status=204)  # not ours (or a reply sent as TwiML): nothing to update
    with db.studio(studio_id) as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.provider_sid == sid)).one()
        if state in ("undelivered", "failed"):
            code = request.form.get("ErrorCode")
            row.status, row.error_code = state, code
            row.error_message = PERMANENT.get(code or "", f"Twilio reported {state}" + (f" ({code})" if code else ""))
        elif row.status not in ("undelivered", "failed") and (
            row.status not in ORDER or ORDER.index(state if state in ORDER else "sent") >= ORDER.index(row.status)
        ):
            row.status = state if state in ORDER else row.status  # callbacks can arrive out of order
    return Response(status=204)
