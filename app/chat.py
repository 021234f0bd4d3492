"""``frontdesk chat``: the bot in a terminal, through the same engine as the webhooks."""

from __future__ import annotations

import itertools
import uuid

import click
from sqlalchemy import select

from app.conversation.engine import Inbound, handle_inbound
from app.db import Database
from app.models import Studio
from jobs.due import run_due


def run_chat(db: Database, studio_key: str, phone: str, channel: str) -> None:
    with db.unscoped() as s:
        studio = s.scalars(select(Studio).where(Studio.key == studio_key)).first()
        if studio is None:
            raise click.ClickException(f"no studio with key {studio_key!r} (load a fixture first)")
        number = studio.whatsapp_number if channel == "whatsapp" else studio.sms_number
    if not number:
        raise click.ClickException(f"studio {studio_key!r} has no {channel} number")
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    click.echo(f"Texting {studio.name} ({number}) as {phone}. Ctrl-D to stop.")
    session_tag = uuid.uuid4().hex[:8]
    for n in itertools.count(1):
        try:
            text = click.prompt("you", prompt_suffix="> ")
        except (EOFError, click.Abort):
            click.echo()
            return
        handled = handle_inbound(
            db, Inbound(channel, prefix + phone, prefix + number, text, f"CHAT{session_tag}{n:06d}")
        )
        for reply in handled.replies:
            click.echo(f"bot> {reply}")
        run_due(db)
