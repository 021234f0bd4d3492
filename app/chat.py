"""``frontdesk chat``: the bot in a terminal, through the same engine as the webhooks.

Besides the bot's direct replies it prints every text the studio sends this phone while the
chat is open: waitlist offers, payment receipts, reminders that fall due, a staff member's
reply from the inbox. The due-work run (``jobs.due.run_due``) follows each message and,
every ``tick`` seconds, runs again in the background so texts due while you are reading
still arrive.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable
from datetime import datetime

import click
from sqlalchemy import select

from app import clock
from app.conversation.engine import Inbound, handle_inbound
from app.db import Database
from app.models import OutboxMessage, Studio
from app.phones import InvalidPhone, to_e164
from jobs.due import run_due

GONE = ("sent", "delivered")
PROMPT = "you> "


class StudioTexts:
    """The texts the studio has sent one phone since the chat began, each printed once."""

    def __init__(self, db: Database, studio_id: int, phone: str, since: datetime) -> None:
        self.db, self.studio_id, self.since = db, studio_id, since
        self.addresses = (phone, f"whatsapp:{phone}")
        self.printed: set[int] = set()

    def new(self) -> list[OutboxMessage]:
        """Texts sent to the phone that were not printed yet, oldest first."""
        with self.db.studio(self.studio_id) as s:
            rows = [
                row
                for row in s.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.to_addr.in_(self.addresses),
                        OutboxMessage.status.in_(GONE),
                        OutboxMessage.created_at >= self.since,
                    )
                    .order_by(OutboxMessage.id)
                )
                if row.id not in self.printed
            ]
            s.expunge_all()
        self.printed.update(row.id for row in rows)
        return rows


def label(row: OutboxMessage) -> str:
    """``bot> ...`` for a late answer of the bot, ``text> ... (waitlist offer)`` for the rest."""
    if row.kind == "reply" and not row.dedupe_key.startswith("staff_reply:"):
        return f"bot> {row.body}"
    if row.dedupe_key.startswith("staff_reply:"):
        return f"staff> {row.body}"
    return f"text> {row.body}  ({row.kind.replace('_', ' ')})"


def run_chat(
    db: Database,
    studio_key: str,
    phone: str,
    channel: str,
    *,
    tick: float = 10.0,
    due: Callable[[Database], object] = run_due,
) -> None:
    """Raises ``click.ClickException`` for an unknown studio, a studio without a number on
    ``channel`` or a phone that is not a number. ``tick`` <= 0 turns the background run off."""
    try:
        phone = to_e164(phone)
    except InvalidPhone as exc:
        raise click.ClickException(f"{phone!r} is not a phone number; give it with its country code") from exc
    with db.unscoped() as s:
        studio = s.scalars(select(Studio).where(Studio.key == studio_key)).first()
        if studio is None:
            raise click.ClickException(f"no studio with key {studio_key!r} (load a fixture first)")
        number = studio.whatsapp_number if channel == "whatsapp" else studio.sms_number
        studio_id, name = studio.id, studio.name
    if not number:
        raise click.ClickException(f"studio {studio_key!r} has no {channel} number")
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    click.echo(f"Texting {name} ({number}) as {phone}. Ctrl-D to stop.")
    texts = StudioTexts(db, studio_id, phone, clock.now())
    busy = threading.Lock()  # one turn or due-work run at a time
    stop = threading.Event()

    def catch_up(waiting: bool) -> None:
        with busy:
            due(db)
            rows = texts.new()
        if rows:
            if waiting:
                click.echo()
            for row in rows:
                click.echo(label(row))
            if waiting:
                click.echo(PROMPT, nl=False)

    def ticker() -> None:
        while not stop.wait(tick):
            try:
                catch_up(waiting=True)
            except Exception as exc:  # a background loop's boundary: say so, keep chatting
                click.echo(f"\n(could not check for texts: {exc})", err=True)

    if tick > 0:
        threading.Thread(target=ticker, name="chat-due-work", daemon=True).start()
    session_tag = uuid.uuid4().hex[:8]
    try:
        for n in itertools.count(1):
            try:
                text = click.prompt("you", prompt_suffix="> ")
            except (EOFError, click.Abort):
                click.echo()
                return
            with busy:
                handled = handle_inbound(
                    db, Inbound(channel, prefix + phone, prefix + number, text, f"CHAT{session_tag}{n:06d}")
                )
            for reply in handled.replies:
                click.echo(f"bot> {reply}")
            catch_up(waiting=False)
    finally:
        stop.set()
