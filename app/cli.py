"""The ``frontdesk`` console script: a Flask CLI group around ``create_app``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext

from admin.accounts import AccountError, add_staff
from app import nlu_cli, simulate
from app.booking.schedules import generate_for_studios
from app.chat import run_chat
from app.config import INSTANCE_DIR, migration_database_url
from app.db import get_db
from app.factory import create_app
from app.fixtures import FixtureError, has_schema, load_fixture
from app.migrate import upgrade
from app.simulate import ScriptError, parse_instant


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def cli() -> None:
    """Frontdesk: a studio's front desk by text message."""


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (run as the tables' owner: MIGRATION_DATABASE_URL or DATABASE_URL)."""

    _upgrade()
    click.echo("database is up to date")


def _upgrade() -> None:
    url = migration_database_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    upgrade(url)


@cli.command("load-fixture")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def load_fixture_command(path: Path) -> None:
    """Create or update the studios a TOML fixture describes (all or nothing)."""

    database = get_db()
    if not has_schema(database) and database.url.startswith("sqlite"):
        click.echo("The embedded database had no tables: migrating it first (frontdesk db upgrade).")
        _upgrade()
    try:
        report = load_fixture(database, path)
    except FixtureError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for line in report.lines():
        click.echo(line)


@cli.group()
def sessions() -> None:
    """Dated sessions generated from weekly schedules."""


@sessions.command("generate")
@click.option("--days", type=int, default=None, help="Horizon in days (default: each studio's booking window).")
@click.option("--studio", "studio_key", default=None, help="Only this studio (its key).")
@with_appcontext
def sessions_generate(days: int | None, studio_key: str | None) -> None:
    """Create the sessions the schedules call for, up to the horizon; safe to repeat."""

    for key, created in generate_for_studios(get_db(), days=days, studio_key=studio_key):
        click.echo(f"{key}: {created} sessions created")


@cli.command("nlu")
@click.option("--now", default=None, help="ISO time with offset; per-line 'now' overrides.")
@click.option("--tz", default=None, help="Timezone (default: the studio's, else UTC).")
@click.option("--date-order", type=click.Choice(["DMY", "MDY"]), default=None)
@click.option("--fixture", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--studio", "studio_key", default=None)
def nlu_command(now, tz, date_order, fixture, studio_key) -> None:
    """Parse JSON lines {"text", "now", "tz"} from stdin; write one JSON parse per line."""

    if (fixture is None) != (studio_key is None):
        raise click.UsageError("--fixture and --studio go together")
    nlu_cli.run(
        sys.stdin,
        lambda obj: click.echo(json.dumps(obj, ensure_ascii=False)),
        now=now,
        tz=tz,
        date_order=date_order,
        fixture=fixture,
        studio_key=studio_key,
    )


@cli.command("simulate")
@click.option("--fixture", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--now", required=True, help="Start time, ISO with offset.")
@click.option("--script", type=click.File("r"), default="-", help="JSON-lines script (default stdin).")
def simulate_command(fixture: Path, now: str, script) -> None:
    """Run a scripted conversation on a throwaway database; print every message and the end state."""

    try:
        simulate.run(
            fixture, parse_instant(now, "--now"), script, lambda obj: click.echo(json.dumps(obj, ensure_ascii=False))
        )
    except (ScriptError, FixtureError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@cli.command("chat")
@click.option("--studio", "studio_key", required=True)
@click.option("--phone", required=True)
@click.option("--channel", type=click.Choice(["sms", "whatsapp"]), default="sms")
@click.option("--tick", type=float, default=10.0, show_default=True, help="seconds between checks for texts due")
@with_appcontext
def chat_command(studio_key: str, phone: str, channel: str, tick: float) -> None:
    """Talk to the bot in the terminal as a client or staff member (embedded default).

    Prints the bot's replies and every text the studio sends this phone meanwhile (offers,
    receipts, reminders, staff replies)."""

    run_chat(get_db(), studio_key, phone, channel, tick=tick)


@cli.group()
def staff() -> None:
    """Studio staff accounts."""


@staff.command("add")
@click.option("--studio", "studio_key", required=True)
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["owner", "manager", "instructor", "front_desk"]), required=True)
@click.option("--name", default=None)
@with_appcontext
def staff_add(studio_key: str, email: str, password: str, role: str, name: str | None) -> None:
    """Add (or update) a staff member who can sign in to the admin."""

    try:
        login = add_staff(get_db(), studio_key=studio_key, email=email, password=password, role=role, name=name)
    except AccountError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{login.name} ({role}) can now sign in to {studio_key}")


def main() -> None:
    cli(prog_name="frontdesk")


if __name__ == "__main__":  # python -m app.cli, as well as the frontdesk script
    main()
