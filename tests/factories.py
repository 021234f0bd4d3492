"""Small builders for test data. They write rows directly; services are what tests test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.db import Database
from app.models import (
    ClassSession,
    ClassType,
    Client,
    ClientPackage,
    CreditEntry,
    Location,
    Policy,
    Staff,
    Studio,
)


@dataclass
class World:
    """Ids of one studio's basic furniture."""

    studio_id: int
    location_id: int
    instructor_id: int
    class_type_id: int
    timezone: str


def make_studio(db: Database, key: str = "lotus", tz: str = "Europe/London", **policy) -> World:
    with db.unscoped() as s:
        studio = Studio(
            key=key, name=key.title() + " Studio", timezone=tz, currency="GBP", date_order="DMY", sms_number=None
        )
        s.add(studio)
        s.commit()
        studio_id = studio.id
    with db.studio(studio_id) as s:
        s.add(Policy(**policy))
        location = Location(key="main", name="Main", address="1 High St", timezone=tz)
        instructor = Staff(key="maya", name="Maya Patel", phone="+447700900201", role="instructor")
        class_type = ClassType(
            key="vinyasa",
            name="Vinyasa Flow",
            category="Yoga",
            duration_min=60,
            capacity=10,
            credits=1,
            aliases=["flow"],
        )
        s.add_all([location, instructor, class_type])
        s.commit()
        return World(studio_id, location.id, instructor.id, class_type.id, tz)


def make_session(
    db: Database,
    world: World,
    starts_at: datetime,
    capacity: int = 10,
    class_type_id: int | None = None,
    minutes: int = 60,
) -> int:
    with db.studio(world.studio_id) as s:
        session = ClassSession(
            class_type_id=class_type_id or world.class_type_id,
            location_id=world.location_id,
            instructor_id=world.instructor_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            capacity=capacity,
        )
        s.add(session)
        s.commit()
        return session.id


def make_client(db: Database, world: World, phone: str, name: str | None = "Sam Lee") -> int:
    with db.studio(world.studio_id) as s:
        client = Client(phone=phone, name=name)
        s.add(client)
        s.commit()
        return client.id


def grant_pack(
    db: Database,
    world: World,
    client_id: int,
    credits: int,
    *,
    starts_at: datetime,
    days: int = 30,
    unlimited: bool = False,
    class_type_id: int | None = None,
) -> int:
    """A pack of ``credits`` (or an unlimited membership) valid for ``days`` from ``starts_at``."""
    with db.studio(world.studio_id) as s:
        pack = ClientPackage(
            client_id=client_id,
            name="Unlimited" if unlimited else f"{credits} pack",
            kind="membership" if unlimited else "class_pack",
            unlimited=unlimited,
            class_type_id=class_type_id,
            starts_at=starts_at,
            expires_at=starts_at + timedelta(days=days),
            source="test",
        )
        s.add(pack)
        s.flush()
        if not unlimited:
            s.add(
                CreditEntry(
                    client_id=client_id, client_package_id=pack.id, kind="grant", credits=credits, note="test grant"
                )
            )
        s.commit()
        return pack.id


def local(world_or_tz, *args) -> datetime:
    """A studio-local wall-clock time as an aware datetime: ``local(world, 2026, 11, 25, 18)``."""
    tz = world_or_tz.timezone if isinstance(world_or_tz, World) else world_or_tz
    return datetime(*args, tzinfo=ZoneInfo(tz))


MONEY = Decimal
