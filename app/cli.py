"""The ``frontdesk`` console script: a Flask CLI group around ``create_app``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext

from app import create_app, get_db
from app.config import migration_database_url


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def cli() -> None:
    """Frontdesk: a studio's front desk by text message."""


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (run as the tables' owner: MIGRATION_DATABASE_URL or DATABASE_URL)."""
    from app.config import INSTANCE_DIR
    from app.migrate import upgrade

    url = migration_database_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    click.echo("database is up to date")


@cli.command("load-fixture")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def load_fixture_command(path: Path) -> None:
    """Create or update the studios a TOML fixture describes (all or nothing)."""
    from app.fixtures import FixtureError, load_fixture

    try:
        report = load_fixture(get_db(), path)
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
    from app.booking.schedules import generate_for_studios

    for key, created in generate_for_studios(get_db(), days=days, studio_key=studio_key):
        click.echo(f"{key}: {created} sessions created")


def main() -> None:
    cli(prog_name="frontdesk")
