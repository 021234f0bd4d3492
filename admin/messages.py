"""Conversations and the outbox: what clients texted, what the studio sent, what failed.

Read-only pages in the signed-in staff member's studio scope. A thread reads like a
phone's: bubbles in and out, newest first, times in the studio's timezone.
"""

from __future__ import annotations

import math
import re

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from admin.clients import Formatter, studio_scope
from admin.roles import require
from app import clock
from app.booking.errors import NotFound
from app.clients import get_client, thread_query
from app.messaging.transports import PERMANENT
from app.models import Client, Conversation, Message, OutboxMessage, Staff

bp = Blueprint("admin_messages", __name__, url_prefix="/admin/messages", template_folder="templates")
PER_PAGE = 50
THREAD_PAGE = 100

# the filter a staff member picks -> the row statuses it shows
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "pending": ("pending", "sending"),
    "sent": ("sent",),
    "delivered": ("delivered",),
    "failed": ("failed", "undelivered", "unknown"),
    "skipped": ("skipped",),
    "expired": ("expired",),
}


def _page_no() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


@bp.get("")
@require("messages")
def index():
    """One line per phone: the latest message, who it is, on which channel, when."""
    page = _page_no()
    query = request.args.get("q", "").strip()
    with studio_scope() as (s, studio):
        latest = select(func.max(Message.id).label("id")).group_by(Message.phone)
        if query:
            digits = re.sub(r"\D", "", query)
            named = select(Client.phone).where(func.lower(Client.name).contains(query.lower(), autoescape=True))
            latest = latest.where(
                or_(
                    Message.phone.in_(named),
                    *([Message.phone.contains(digits, autoescape=True)] if len(digits) >= 3 else []),
                )
            )
        latest = latest.subquery()
        total = s.scalar(select(func.count()).select_from(latest)) or 0
        pages = max(1, math.ceil(total / PER_PAGE))
        page = min(page, pages)
        rows = s.execute(
            select(Message, Client)
            .join(latest, latest.c.id == Message.id)
            .outerjoin(Client, Client.phone == Message.phone)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        ).all()
        return render_template(
            "admin/messages.html", rows=rows, fmt=Formatter(studio), page=page, pages=pages, total=total, q=query
        )


def _thread(s, studio, *, title: str, phone: str, client: Client | None, query):
    page = _page_no()
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / THREAD_PAGE))
    page = min(page, pages)
    messages = s.scalars(
        query.order_by(Message.created_at.desc(), Message.id.desc()).limit(THREAD_PAGE).offset((page - 1) * THREAD_PAGE)
    ).all()
    conversations = s.scalars(
        select(Conversation).where(
            Conversation.phone == phone, Conversation.state != "idle", Conversation.expires_at > clock.now()
        )
    ).all()
    return render_template(
        "admin/messages_thread.html",
        title=title,
        phone=phone,
        client=client,
        messages=messages,
        fmt=Formatter(studio),
        page=page,
        pages=pages,
        total=total,
        conversations=conversations,
    )


@bp.get("/client/<int:client_id>")
@require("messages")
def client_thread(client_id: int):
    with studio_scope() as (s, studio):
        try:
            client = get_client(s, client_id)
        except NotFound:
            abort(404)
        return _thread(
            s,
            studio,
            title=client.name or Formatter.phone(client.phone),
            phone=client.phone,
            client=client,
            query=thread_query(client),
        )


@bp.get("/phone/<phone>")
@require("messages")
def phone_thread(phone: str):
    """A number that is not (yet) a client: its messages, or 404 if this studio has none."""
    with studio_scope() as (s, studio):
        client = s.scalars(select(Client).where(Client.phone == phone)).first()
        if client is not None:
            return redirect(url_for(".client_thread", client_id=client.id))
        query = select(Message).where(Message.phone == phone)
        if s.scalar(select(func.count()).select_from(query.subquery())) == 0:
            abort(404)
        return _thread(s, studio, title=Formatter.phone(phone), phone=phone, client=None, query=query)


@bp.get("/conversation/<int:conversation_id>")
@require("messages")
def conversation(conversation_id: int):
    with studio_scope() as (s, _studio):
        found = s.get(Conversation, conversation_id)
        if found is None:
            abort(404)
        return redirect(url_for(".phone_thread", phone=found.phone))


def reason(row: OutboxMessage, fmt: Formatter) -> str:
    """Why a text is where it is, in words staff can act on."""
    if row.status in ("pending",) and row.attempts:
        why = row.error_message or "the last try failed"
        return f"{why}; trying again {fmt.when(row.send_after)}"
    if row.status == "pending" and row.send_after > row.created_at:
        return f"waiting until {fmt.when(row.send_after)}"
    if row.error_message:
        return row.error_message
    if row.error_code:
        return PERMANENT.get(row.error_code, f"Twilio error {row.error_code}")
    return ""


@bp.get("/outbox")
@require("messages")
def outbox():
    chosen = request.args.get("status", "")
    page = _page_no()
    with studio_scope() as (s, studio):
        query = select(OutboxMessage)
        if chosen in STATUS_FILTERS:
            query = query.where(OutboxMessage.status.in_(STATUS_FILTERS[chosen]))
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        pages = max(1, math.ceil(total / PER_PAGE))
        page = min(page, pages)
        rows = s.scalars(
            query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        ).all()
        client_ids = {r.client_id for r in rows if r.client_id}
        staff_ids = {r.staff_id for r in rows if r.staff_id}
        clients = {c.id: c for c in s.scalars(select(Client).where(Client.id.in_(client_ids)))} if client_ids else {}
        staff = {m.id: m for m in s.scalars(select(Staff).where(Staff.id.in_(staff_ids)))} if staff_ids else {}
        counts = dict(
            s.execute(select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)).all()
        )
        fmt = Formatter(studio)
        return render_template(
            "admin/outbox.html",
            rows=rows,
            clients=clients,
            staff=staff,
            fmt=fmt,
            reason=lambda r: reason(r, fmt),
            chosen=chosen,
            filters=STATUS_FILTERS,
            counts={k: sum(counts.get(v, 0) for v in vs) for k, vs in STATUS_FILTERS.items()},
            page=page,
            pages=pages,
            total=total,
        )
