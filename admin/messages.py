"""The staff inbox and the outbox: what clients texted, answering them, what the studio sent.

Pages in the signed-in staff member's studio scope. The inbox lists one thread per phone,
newest activity first, with unread and "needs a person" markers; a thread reads like a
phone's (oldest at the top, the client's bubbles on the left, the studio's on the right,
times in the studio's timezone and format) and staff answer from it, which takes the
conversation over from the bot (``admin.inbox``). Instructors see only the threads of
their own clients; the outbox is for desk staff.
"""

from __future__ import annotations

import math
import secrets
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from admin import inbox
from admin.clients import Formatter, _deliver, studio_scope
from admin.roles import own_only, require
from app import audit, clock
from app.booking.errors import NotFound
from app.booking.policies import load_policy
from app.clients import get_client, thread_query
from app.conversation.engine import human_has_it
from app.db import on_commit
from app.messaging.transports import PERMANENT
from app.models import Client, Conversation, Message, OutboxMessage, Staff

bp = Blueprint("admin_messages", __name__, url_prefix="/admin/messages", template_folder="templates")
PER_PAGE = 50
THREAD_PAGE = 100

# the filter a staff member picks -> the row statuses it shows
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "pending": ("pending", "claimed", "sending"),
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


def _instructor() -> int | None:
    """The signed-in instructor's staff id (they see their own clients' threads), else None."""
    return current_user.login.staff_id if own_only() else None


@bp.get("")
@require("inbox")
def index():
    """The inbox: one line per phone, newest activity first, with its markers; filters and search."""
    page = _page_no()
    query = request.args.get("q", "").strip()
    show = request.args.get("show", "all")
    show = show if show in inbox.FILTERS else "all"
    with studio_scope() as (s, studio):
        mine = _instructor()
        total = inbox.threads(s, show=show, q=query, instructor_id=mine, per_page=1)[1]
        pages = max(1, math.ceil(total / PER_PAGE))
        page = min(page, pages)
        rows, total = inbox.threads(s, show=show, q=query, instructor_id=mine, page=page, per_page=PER_PAGE)
        return render_template(
            "admin/messages.html",
            rows=rows,
            fmt=Formatter(studio),
            page=page,
            pages=pages,
            total=total,
            q=query,
            show=show,
            filters=inbox.FILTERS,
            counts=inbox.counts(s, mine),
        )


def _thread(s, studio, *, title: str, phone: str, client: Client | None, query):
    if not inbox.may_see(s, phone, _instructor()):
        abort(404)
    page = _page_no()
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / THREAD_PAGE))
    page = min(page, pages)
    messages = list(
        s.scalars(
            query.order_by(Message.created_at.desc(), Message.id.desc())
            .limit(THREAD_PAGE)
            .offset((page - 1) * THREAD_PAGE)
        ).all()
    )
    messages.reverse()  # a phone's order: the oldest at the top, the newest at the bottom
    now = clock.now()
    conversations = inbox.conversations(s, phone)
    waiting = [c for c in conversations if c.state != "idle" and c.expires_at is not None and c.expires_at > now]
    human = next((c for c in conversations if human_has_it(c, now)), None)
    flagged = next((c for c in conversations if c.needs_person), None)
    unread_since = min((c.read_at for c in conversations if c.read_at is not None), default=None)
    inbox.mark_read(s, phone, now)
    return render_template(
        "admin/messages_thread.html",
        title=title,
        phone=phone,
        client=client,
        bubbles=inbox.bubbles(s, phone, messages),
        fmt=Formatter(studio),
        page=page,
        pages=pages,
        total=total,
        conversations=waiting,
        human=human,
        flagged=flagged,
        unread_since=unread_since,
        token=secrets.token_urlsafe(16),
        draft=request.args.get("draft", ""),
        idle=load_policy(s).human_idle_minutes or 60,
    )


@bp.get("/client/<int:client_id>")
@require("inbox")
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
@require("inbox")
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
@require("inbox")
def conversation(conversation_id: int):
    with studio_scope() as (s, _studio):
        found = s.get(Conversation, conversation_id)
        if found is None or not inbox.may_see(s, found.phone, _instructor()):
            abort(404)
        return redirect(url_for(".phone_thread", phone=found.phone))


def _known_phone(s, phone: str) -> str:
    """The thread's page for ``phone``; 404 when this studio has no such thread or the
    signed-in instructor may not see it."""
    client = s.scalars(select(Client).where(Client.phone == phone)).first()
    has_messages = s.scalar(select(func.count()).select_from(Message).where(Message.phone == phone))
    if (client is None and not has_messages) or not inbox.may_see(s, phone, _instructor()):
        abort(404)
    if client is not None:
        return url_for(".client_thread", client_id=client.id)
    return url_for(".phone_thread", phone=phone)


def _me() -> tuple[str, str]:
    login = current_user.login
    return login.name, audit.staff_actor(login)


@bp.post("/phone/<phone>/reply")
@require("inbox")
def reply(phone: str):
    """Send a staff reply through the outbox; the conversation is taken over from the bot."""
    body = request.form.get("body", "")
    with studio_scope() as (s, studio):
        back = _known_phone(s, phone)
        by, actor = _me()
        try:
            sent = inbox.reply(s, studio, phone, body, by=by, actor=actor, token=request.form.get("token", ""))
        except inbox.InboxError as exc:
            s.rollback()
            flash(str(exc), "error")
            return redirect(_with_draft(back, body), 303)
        studio_id = studio.id
        on_commit(s, lambda: _deliver(studio_id))
        flash(sent.note or "Sent. The bot stays quiet in this conversation until you hand it back.", "success")
    return redirect(back, 303)


def _with_draft(back: str, body: str) -> str:
    """Back to the thread with the text kept in the box (it was not sent)."""
    return f"{back}?{urlencode({'draft': body[:2000]})}" if body.strip() else back


@bp.post("/phone/<phone>/take-over")
@require("inbox")
def take_over(phone: str):
    with studio_scope() as (s, studio):
        back = _known_phone(s, phone)
        by, actor = _me()
        until = inbox.take_over(s, phone, by=by, actor=actor)
        flash(
            "You have this conversation: the bot stays quiet until you hand it back "
            f"or until {Formatter(studio).when(until)} if nobody replies.",
            "success",
        )
    return redirect(back, 303)


@bp.post("/phone/<phone>/hand-back")
@require("inbox")
def hand_back(phone: str):
    with studio_scope() as (s, _studio):
        back = _known_phone(s, phone)
        inbox.hand_back(s, phone, actor=_me()[1])
        flash("Handed back: the bot answers this client again.", "success")
    return redirect(back, 303)


@bp.post("/phone/<phone>/done")
@require("inbox")
def done(phone: str):
    with studio_scope() as (s, _studio):
        back = _known_phone(s, phone)
        inbox.resolve(s, phone)
        flash("Marked as done.", "success")
    return redirect(back, 303)


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
