"""Studio fixtures (TOML): ``frontdesk load-fixture FILE`` creates or updates studios.

The whole file is validated before anything is written; any error names the file, the
studio and the field, and nothing at all is written. Then every studio in the file is
written in one transaction (a system session, since a file may hold several studios),
so a file loads completely or not at all. Loading the same file twice creates nothing
twice: rows are matched by their fixture ``key`` (clients by phone, schedules by key or
by class, location, days and time, availability by staff, location, day and hours), and
a client's ``package`` is granted once.

Fields beyond the example fixture: studio ``contact_phone``/``contact_email``; location
``timezone`` (default: the studio's); schedule ``key``, ``ends_on``, ``duration_min``;
class type ``description``; package ``class_type`` (credits only for that class type).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from app.booking import credits
from app.conversation.desk import forget_catalog
from app.db import Database
from app.models import (
    CATEGORIES,
    CLASS_KINDS,
    LATE_CANCEL_RULES,
    OVERLAP_RULES,
    PACKAGE_KINDS,
    STAFF_ROLES,
    WAITLIST_MODES,
    WEEKDAYS,
    Availability,
    ClassType,
    Client,
    ClientPackage,
    InboundAddress,
    IntroOffer,
    Location,
    Package,
    Policy,
    Schedule,
    Staff,
    Studio,
)
from app.phones import InvalidPhone, to_e164


class FixtureError(Exception):
    """A fixture that cannot be loaded; the message lists every problem found."""


# --------------------------------------------------------------------------- validation

Check = Callable[[Any], Any]  # returns the cleaned value or raises ValueError(reason)


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ValueError("must be a non-empty string")
    return v.strip()


def _key(v: Any) -> str:
    v = _str(v)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", v):
        raise ValueError(f"{v!r} must be lowercase letters, digits, '-' or '_'")
    return v


def _int(minimum: int) -> Check:
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError("must be a whole number")
        if v < minimum:
            raise ValueError(f"must be at least {minimum}")
        return v

    return check


def _money(v: Any) -> Decimal:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise ValueError("must be an amount")
    try:
        amount = Decimal(str(v)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(f"{v!r} is not an amount") from exc
    if amount < 0:
        raise ValueError("must not be negative")
    return amount


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


def _choice(options: tuple[str, ...]) -> Check:
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError(f"{v!r} is not one of {', '.join(options)}")
        return v

    return check


def _time(v: Any) -> time:
    if isinstance(v, time):
        return v
    if not isinstance(v, str) or not re.fullmatch(r"\d{1,2}:\d{2}", v.strip()):
        raise ValueError(f"{v!r} is not a time like 18:00")
    h, m = (int(x) for x in v.split(":"))
    if h > 23 or m > 59:
        raise ValueError(f"{v!r} is not a time of day")
    return time(h, m)


def _date(v: Any) -> date:
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v))
    except ValueError as exc:
        raise ValueError(f"{v!r} is not a date like 2026-11-02") from exc


def _tz(v: Any) -> str:
    v = _str(v)
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{v!r} is not a timezone (e.g. Europe/London)") from exc
    return v


def _phone(v: Any) -> str:
    v = _str(v)
    if not v.startswith("+"):
        raise ValueError(f"{v!r} must be in international format, e.g. +447700900123")
    try:
        return to_e164(v)
    except InvalidPhone as exc:
        raise ValueError(f"{v!r} is not a valid phone number") from exc


def _email(v: Any) -> str:
    v = _str(v)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v):
        raise ValueError(f"{v!r} is not an email address")
    return v.lower()


def _strings(v: Any) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise ValueError("must be a list of strings")
    return [x.strip() for x in v]


def _days(v: Any) -> list[str]:
    days = _strings(v)
    if not days:
        raise ValueError("must name at least one day")
    for d in days:
        if d.lower() not in WEEKDAYS:
            raise ValueError(f"{d!r} is not one of {', '.join(WEEKDAYS)}")
    return sorted({d.lower() for d in days}, key=WEEKDAYS.index)


def _hours(v: Any) -> list[int]:
    if not isinstance(v, list) or not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v):
        raise ValueError("must be a list of whole hours, e.g. [24, 2]")
    return sorted(set(v), reverse=True)


def _working(v: Any) -> tuple[time, time]:
    if not isinstance(v, list) or len(v) != 2:
        raise ValueError('must be ["07:00", "20:00"]')
    start, end = _time(v[0]), _time(v[1])
    if start >= end:
        raise ValueError("must start before it ends")
    return start, end


def _quiet(v: Any) -> tuple[time, time]:
    if not isinstance(v, list) or len(v) != 2:
        raise ValueError('must be ["21:00", "08:00"]')
    return _time(v[0]), _time(v[1])


def _currency(v: Any) -> str:
    v = _str(v)
    if not re.fullmatch(r"[A-Z]{3}", v):
        raise ValueError(f"{v!r} is not a 3-letter currency code like GBP")
    return v


REQ, OPT = True, False
SECTIONS: dict[str, dict[str, tuple[bool, Check]]] = {
    "studio": {
        "key": (REQ, _key),
        "name": (REQ, _str),
        "timezone": (REQ, _tz),
        "currency": (OPT, _currency),
        "date_order": (OPT, _choice(("DMY", "MDY"))),
        "sms_number": (OPT, _phone),
        "whatsapp_number": (OPT, _phone),
        "contact_phone": (OPT, _phone),
        "contact_email": (OPT, _email),
    },
    "policy": {
        "booking_window_days": (OPT, _int(0)),
        "cancel_window_hours": (OPT, _int(0)),
        "late_cancel": (OPT, _choice(LATE_CANCEL_RULES)),
        "late_cancel_fee": (OPT, _money),
        "no_show": (OPT, _choice(LATE_CANCEL_RULES)),
        "no_show_fee": (OPT, _money),
        "waitlist_mode": (OPT, _choice(WAITLIST_MODES)),
        "waitlist_offer_minutes": (OPT, _int(1)),
        "fill_to_forgive": (OPT, _bool),
        "reminder_hours": (OPT, _hours),
        "quiet_hours": (OPT, _quiet),
        # fair rules (issue 11)
        "no_show_review_hours": (OPT, _int(0)),
        "waitlist_cutoff_minutes": (OPT, _int(0)),
        "overlap_rule": (OPT, _choice(OVERLAP_RULES)),
        # arrivals (issue 13): doors close N minutes after the start; check-in by text
        "late_arrival_minutes": (OPT, _int(0)),
        "self_check_in": (OPT, _bool),
        "check_in_opens_minutes": (OPT, _int(0)),
        # intro leads (issue 6): hours to match a paid lead, to answer as an instructor, counted
        # inside the working day
        "lead_match_hours": (OPT, _int(1)),
        "instructor_reply_hours": (OPT, _int(1)),
        "working_hours": (OPT, _working),
    },
    "location": {"key": (REQ, _key), "name": (REQ, _str), "address": (OPT, _str), "timezone": (OPT, _tz)},
    "staff": {
        "key": (REQ, _key),
        "name": (REQ, _str),
        "phone": (OPT, _phone),
        "email": (OPT, _email),
        "role": (REQ, _choice(STAFF_ROLES)),
        "specialties": (OPT, _strings),
    },
    "class_type": {
        "key": (REQ, _key),
        "name": (REQ, _str),
        "category": (REQ, _choice(CATEGORIES)),
        "kind": (OPT, _choice(CLASS_KINDS)),
        "duration_min": (REQ, _int(5)),
        "capacity": (REQ, _int(1)),
        "credits": (OPT, _int(0)),
        "aliases": (OPT, _strings),
        "description": (OPT, _str),
    },
    "schedule": {
        "key": (OPT, _key),
        "class_type": (REQ, _key),
        "location": (REQ, _key),
        "instructor": (OPT, _key),
        "days": (REQ, _days),
        "time": (REQ, _time),
        "starts_on": (REQ, _date),
        "ends_on": (OPT, _date),
        "capacity": (OPT, _int(1)),
        "duration_min": (OPT, _int(5)),
    },
    "availability": {
        "staff": (REQ, _key),
        "location": (REQ, _key),
        "days": (REQ, _days),
        "from": (REQ, _time),
        "to": (REQ, _time),
    },
    "package": {
        "key": (REQ, _key),
        "name": (REQ, _str),
        "kind": (REQ, _choice(PACKAGE_KINDS)),
        "credits": (OPT, _int(1)),
        "price": (REQ, _money),
        "valid_days": (OPT, _int(1)),
        "class_type": (OPT, _key),
    },
    "intro_offer": {
        "key": (REQ, _key),
        "name": (REQ, _str),
        "price": (REQ, _money),
        "class_type": (REQ, _key),
        "sessions": (REQ, _int(1)),
        "description": (OPT, _str),
    },
    "client": {"name": (REQ, _str), "phone": (REQ, _phone), "email": (OPT, _email), "package": (OPT, _key)},
}
LISTS = ("location", "staff", "class_type", "schedule", "availability", "package", "intro_offer", "client")


@dataclass
class Problems:
    fname: str
    lines: list[str] = field(default_factory=list)

    def add(self, studio: str | None, where: str, reason: str) -> None:
        who = f'studio "{studio}": ' if studio else ""
        self.lines.append(f"{self.fname}: {who}{where}: {reason}")


def _clean(raw: Any, section: str, where: str, studio: str | None, problems: Problems) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.add(studio, where, "must be a table")
        return {}
    spec = SECTIONS[section]
    out: dict[str, Any] = {}
    for name in raw:
        if name not in spec and not (section == "studio" and (name in LISTS or name == "policy")):
            problems.add(studio, f"{where}.{name}", f"unknown key (known: {', '.join(spec)})")
    for name, (required, check) in spec.items():
        if name not in raw:
            if required:
                problems.add(studio, f"{where}.{name}", "is required")
            continue
        try:
            out[name] = check(raw[name])
        except ValueError as exc:
            problems.add(studio, f"{where}.{name}", str(exc))
    return out


@dataclass
class StudioSpec:
    fields: dict[str, Any]
    policy: dict[str, Any]
    sections: dict[str, list[dict[str, Any]]]


def _label(section: str, i: int, item: Any) -> str:
    handle = item.get("key") or item.get("name") if isinstance(item, dict) else None
    return f"{section}[{i + 1}]" + (f' "{handle}"' if isinstance(handle, str) else "")


def validate(data: dict[str, Any], fname: str) -> list[StudioSpec]:
    problems = Problems(fname)
    for name in data:
        if name != "studio":
            problems.add(None, name, "unknown top-level key (a fixture holds [[studio]] tables)")
    raw_studios = data.get("studio")
    if not isinstance(raw_studios, list) or not raw_studios:
        problems.add(None, "studio", "the file describes no [[studio]]")
        raise FixtureError("\n".join(problems.lines))
    specs: list[StudioSpec] = []
    seen_studios: set[str] = set()
    for n, raw in enumerate(raw_studios):
        key = raw.get("key") if isinstance(raw, dict) else None
        name = key if isinstance(key, str) else f"#{n + 1}"
        fields = _clean(raw, "studio", "studio", name, problems)
        if fields.get("key") in seen_studios:
            problems.add(name, "studio.key", "appears twice in the file")
        seen_studios.add(fields.get("key", name))
        policy = _clean(raw.get("policy", {}), "policy", "policy", name, problems) if isinstance(raw, dict) else {}
        sections: dict[str, list[dict[str, Any]]] = {}
        for section in LISTS:
            items = raw.get(section, []) if isinstance(raw, dict) else []
            if not isinstance(items, list):
                problems.add(name, section, f"must be an array of tables ([[studio.{section}]])")
                items = []
            sections[section] = [
                _clean(item, section, _label(section, i, item), name, problems) for i, item in enumerate(items)
            ]
        _check_references(name, fields, sections, problems)
        specs.append(StudioSpec(fields, policy, sections))
    if problems.lines:
        raise FixtureError("\n".join(problems.lines))
    return specs


def _check_references(studio: str, fields: dict, sections: dict, problems: Problems) -> None:
    keys: dict[str, set[str]] = {}
    for section in ("location", "staff", "class_type", "package", "intro_offer"):
        keys[section] = set()
        for i, item in enumerate(sections[section]):
            key = item.get("key")
            if key in keys[section]:
                problems.add(studio, f"{_label(section, i, item)}.key", f"{key!r} is used twice")
            keys[section].add(key)
    phones: set[str] = set()
    for i, item in enumerate(sections["client"]):
        if item.get("phone") in phones:
            problems.add(studio, f"{_label('client', i, item)}.phone", f"{item['phone']} is used twice")
        phones.add(item.get("phone"))
    refs = {
        "schedule": {"class_type": "class_type", "location": "location", "instructor": "staff"},
        "availability": {"staff": "staff", "location": "location"},
        "package": {"class_type": "class_type"},
        "intro_offer": {"class_type": "class_type"},
        "client": {"package": "package"},
    }
    for section, fields_to in refs.items():
        for i, item in enumerate(sections[section]):
            for name, target in fields_to.items():
                value = item.get(name)
                if value is not None and value not in keys[target]:
                    problems.add(
                        studio,
                        f"{_label(section, i, item)}.{name}",
                        f"{value!r} is not a {target.replace('_', ' ')} key in this studio",
                    )
    for i, item in enumerate(sections["availability"]):
        if "from" in item and "to" in item and item["from"] >= item["to"]:
            problems.add(studio, f"{_label('availability', i, item)}.to", "must be after 'from'")
    for i, item in enumerate(sections["schedule"]):
        if item.get("ends_on") and item.get("starts_on") and item["ends_on"] < item["starts_on"]:
            problems.add(studio, f"{_label('schedule', i, item)}.ends_on", "is before starts_on")
    for i, item in enumerate(sections["package"]):
        if item.get("kind") == "membership" and "credits" in item:
            problems.add(studio, f"{_label('package', i, item)}.credits", "a membership has no credits")
        if item.get("kind") in ("drop_in", "class_pack") and "credits" not in item:
            problems.add(studio, f"{_label('package', i, item)}.credits", "is required for a drop-in or class pack")


# --------------------------------------------------------------------------- writing


@dataclass
class LoadReport:
    counts: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # studio -> kind -> created/updated

    def count(self, studio: str, kind: str, created: bool) -> None:
        per = self.counts.setdefault(studio, {}).setdefault(kind, {"created": 0, "updated": 0})
        per["created" if created else "updated"] += 1

    def created(self, studio: str, kind: str) -> int:
        return self.counts.get(studio, {}).get(kind, {}).get("created", 0)

    def lines(self) -> list[str]:
        out = []
        for studio, kinds in self.counts.items():
            made = ", ".join(f"{v['created']} {k}" for k, v in kinds.items() if v["created"])
            kept = ", ".join(f"{v['updated']} {k}" for k, v in kinds.items() if v["updated"])
            out.append(f"{studio}: created {made or 'nothing'}; updated {kept or 'nothing'}")
        return out


NO_TABLES = "the database has no tables yet: run `frontdesk db upgrade` first, then load the fixture again"
OLD_SCHEMA = "the database schema is older than this code: run `frontdesk db upgrade`, then load the fixture again"


def has_schema(db: Database) -> bool:
    """True when the database has been migrated (it has the studios table)."""
    return inspect(db.engine).has_table("studios")


def load_fixture(db: Database, path: Path | str) -> LoadReport:
    """Create or update the studios the TOML file at ``path`` describes, all or nothing.

    Raises ``FixtureError`` with the reason: an unreadable or invalid file, a number another
    studio owns, or a database that has not been migrated (``frontdesk db upgrade``)."""
    if not has_schema(db):
        raise FixtureError(NO_TABLES)
    try:
        return _load(db, path)
    except (OperationalError, ProgrammingError) as exc:
        raise FixtureError(f"{OLD_SCHEMA} ({str(exc.orig).splitlines()[0]})") from exc


def _load(db: Database, path: Path | str) -> LoadReport:
    path = Path(path)
    fname = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FixtureError(f"{fname}: no such file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FixtureError(f"{fname}: not valid TOML: {exc}") from exc
    specs = validate(data, fname)
    report = LoadReport()
    with db.system(f"load fixture {fname}") as session:
        _check_numbers(session, specs, fname)
        for spec in specs:
            _write_studio(session, spec, report)

        for studio_id in session.scalars(select(Studio.id).where(Studio.key.in_([s.fields["key"] for s in specs]))):
            forget_catalog(studio_id)
    return report


def _check_numbers(session: Session, specs: list[StudioSpec], fname: str) -> None:
    problems = Problems(fname)
    for spec in specs:
        for channel, name in (("sms", "sms_number"), ("whatsapp", "whatsapp_number")):
            number = spec.fields.get(name)
            if not number:
                continue
            owner = session.execute(
                select(Studio.key)
                .join(InboundAddress, InboundAddress.studio_id == Studio.id)
                .where(InboundAddress.channel == channel, InboundAddress.address == number)
            ).scalar()
            if owner is not None and owner != spec.fields["key"]:
                problems.add(spec.fields["key"], f"studio.{name}", f"{number} already belongs to studio {owner!r}")
    if problems.lines:
        raise FixtureError("\n".join(problems.lines))


def _upsert(session: Session, report: LoadReport, studio: Studio, kind: str, model, match: dict, values: dict):
    row = session.scalars(select(model).filter_by(studio_id=studio.id, **match)).first()
    created = row is None
    if created:
        row = model(studio_id=studio.id, **match)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    report.count(studio.key, kind, created)
    return row


def _write_studio(session: Session, spec: StudioSpec, report: LoadReport) -> None:
    f = spec.fields
    studio = session.scalars(select(Studio).where(Studio.key == f["key"])).first()
    created = studio is None
    if studio is None:
        studio = Studio(key=f["key"])
        session.add(studio)
    studio.name, studio.timezone = f["name"], f["timezone"]
    studio.currency, studio.date_order = f.get("currency", "GBP"), f.get("date_order", "DMY")
    studio.sms_number, studio.whatsapp_number = f.get("sms_number"), f.get("whatsapp_number")
    studio.contact_phone, studio.contact_email = f.get("contact_phone"), f.get("contact_email")
    session.flush()
    report.count(studio.key, "studios", created)
    _addresses(session, studio)

    policy = dict(spec.policy)
    quiet = policy.pop("quiet_hours", (None, None))
    if "working_hours" in policy:
        policy["working_start"], policy["working_end"] = policy.pop("working_hours")
    _upsert(session, report, studio, "policies", Policy, {}, {**policy, "quiet_start": quiet[0], "quiet_end": quiet[1]})
    ids: dict[str, dict[str, int]] = {}
    ids["location"] = {
        x["key"]: _upsert(
            session,
            report,
            studio,
            "locations",
            Location,
            {"key": x["key"]},
            {"name": x["name"], "address": x.get("address"), "timezone": x.get("timezone", studio.timezone)},
        ).id
        for x in spec.sections["location"]
    }
    ids["staff"] = {
        x["key"]: _upsert(
            session,
            report,
            studio,
            "staff",
            Staff,
            {"key": x["key"]},
            {
                "name": x["name"],
                "phone": x.get("phone"),
                "email": x.get("email"),
                "role": x["role"],
                "specialties": x.get("specialties", []),
            },
        ).id
        for x in spec.sections["staff"]
    }
    ids["class_type"] = {
        x["key"]: _upsert(
            session,
            report,
            studio,
            "class types",
            ClassType,
            {"key": x["key"]},
            {
                "name": x["name"],
                "category": x["category"],
                "kind": x.get("kind", "class"),
                "duration_min": x["duration_min"],
                "capacity": x["capacity"],
                "credits": x.get("credits", 1),
                "aliases": x.get("aliases", []),
                "description": x.get("description"),
            },
        ).id
        for x in spec.sections["class_type"]
    }
    for x in spec.sections["schedule"]:
        values = {
            "class_type_id": ids["class_type"][x["class_type"]],
            "location_id": ids["location"][x["location"]],
            "instructor_id": ids["staff"].get(x["instructor"]) if x.get("instructor") else None,
            "weekdays": ",".join(x["days"]),
            "start_time": x["time"],
            "starts_on": x["starts_on"],
            "ends_on": x.get("ends_on"),
            "capacity": x.get("capacity"),
            "duration_min": x.get("duration_min"),
        }
        if x.get("key"):
            match = {"key": x["key"]}
        else:
            match = {k: values[k] for k in ("class_type_id", "location_id", "weekdays", "start_time")}
            match["key"] = None
        _upsert(session, report, studio, "schedules", Schedule, match, values)
    for x in spec.sections["availability"]:
        for day in x["days"]:
            _upsert(
                session,
                report,
                studio,
                "availability",
                Availability,
                {
                    "staff_id": ids["staff"][x["staff"]],
                    "location_id": ids["location"][x["location"]],
                    "weekday": WEEKDAYS.index(day),
                    "start_time": x["from"],
                    "end_time": x["to"],
                },
                {},
            )
    packages = {}
    for x in spec.sections["package"]:
        packages[x["key"]] = _upsert(
            session,
            report,
            studio,
            "packages",
            Package,
            {"key": x["key"]},
            {
                "name": x["name"],
                "kind": x["kind"],
                "credits": x.get("credits"),
                "price": x["price"],
                "valid_days": x.get("valid_days"),
                "class_type_id": ids["class_type"][x["class_type"]] if x.get("class_type") else None,
            },
        )
    for x in spec.sections["intro_offer"]:
        _upsert(
            session,
            report,
            studio,
            "intro offers",
            IntroOffer,
            {"key": x["key"]},
            {
                "name": x["name"],
                "price": x["price"],
                "class_type_id": ids["class_type"][x["class_type"]],
                "sessions": x["sessions"],
                "description": x.get("description"),
            },
        )
    for x in spec.sections["client"]:
        client = _upsert(
            session,
            report,
            studio,
            "clients",
            Client,
            {"phone": x["phone"]},
            {"name": x["name"], "email": x.get("email")},
        )
        if x.get("package"):
            package = packages[x["package"]]
            held = session.scalars(
                select(ClientPackage).where(
                    ClientPackage.studio_id == studio.id,
                    ClientPackage.client_id == client.id,
                    ClientPackage.package_id == package.id,
                    ClientPackage.source == "fixture",
                )
            ).first()
            if held is None:
                credits.add_package(session, client.id, package, source="fixture", actor="fixture")
                report.count(studio.key, "packages granted", True)


def _addresses(session: Session, studio: Studio) -> None:
    wanted = {("sms", studio.sms_number), ("whatsapp", studio.whatsapp_number)}
    rows = session.scalars(select(InboundAddress).where(InboundAddress.studio_id == studio.id)).all()
    for row in rows:
        if (row.channel, row.address) not in wanted:
            session.delete(row)
    have = {(r.channel, r.address) for r in rows}
    for channel, address in wanted:
        if address and (channel, address) not in have:
            session.add(InboundAddress(channel=channel, address=address, studio_id=studio.id))
    session.flush()
