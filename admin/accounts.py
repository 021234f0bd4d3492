"""Staff accounts: sign-up (a studio and its owner), sign-in, password reset, adding staff.

Passwords are hashed with scrypt (werkzeug). Sign-in looks a staff member up by email
across studios, the one place that must: it does so in an explicit system session and
returns only that person's studio and id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import Database
from app.models import STAFF_ROLES, Policy, Staff, Studio

MIN_PASSWORD = 10
RESET_MAX_AGE = 3600


class AccountError(ValueError):
    """Bad input for an account action, in words for the form."""


@dataclass(frozen=True)
class StaffLogin:
    studio_id: int
    staff_id: int
    name: str
    role: str
    session_version: int = 1  # the staff row's; a cookie made at another version is dead


@dataclass(frozen=True)
class ResetRequest:
    """What it takes to send a reset link: the token and where the person can be reached."""

    token: str
    studio_id: int
    staff_id: int
    name: str
    email: str
    phone: str | None


def _login(staff: Staff) -> StaffLogin:
    return StaffLogin(staff.studio_id, staff.id, staff.name, staff.role, staff.session_version or 1)


def set_password(staff: Staff, password: str) -> None:
    """Hash and store ``password``; every session signed in before ends (issue 14)."""
    staff.password_hash = generate_password_hash(_password(password))
    end_sessions_of(staff)


def end_sessions_of(staff: Staff) -> None:
    staff.session_version = (staff.session_version or 1) + 1


def _email(value: str) -> str:
    value = (value or "").strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise AccountError("Please enter a valid email address.")
    return value


def _password(value: str) -> str:
    if len(value or "") < MIN_PASSWORD:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD} characters.")
    return value


def sign_up(
    db: Database,
    *,
    studio_name: str,
    studio_key: str,
    timezone: str,
    owner_name: str,
    email: str,
    password: str,
    currency: str | None = None,
    date_order: str | None = None,
    country: str | None = None,
) -> StaffLogin:
    """Use case: a new studio (a row, not a deployment) and its owner. Commits.

    ``country`` (ISO code, ``admin.onboarding.COUNTRIES``) gives the defaults: its first
    timezone when none is chosen, its currency and date order (DMY or MDY) when those are
    not given. Without a country they follow the timezone's country (Los Angeles: USD, MDY),
    else GBP and DMY. Raises ``AccountError`` with the field's problem in words."""
    from admin.onboarding import BY_CODE, country_for_timezone

    studio_key = (studio_key or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,40}", studio_key):
        raise AccountError("The studio's short name may use lowercase letters, digits and '-'.")
    if not (studio_name or "").strip() or not (owner_name or "").strip():
        raise AccountError("Please give the studio's name and yours.")
    place = BY_CODE.get((country or "").strip().upper())
    if country and place is None:
        raise AccountError("Please choose the studio's country.")
    timezone = (timezone or "").strip() or (place.timezones[0] if place else "")
    if not timezone:
        raise AccountError("Please choose the studio's country (or its timezone).")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AccountError("Please choose the studio's timezone.") from exc
    place = place or country_for_timezone(timezone)
    currency = (currency or (place.currency if place else "GBP")).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise AccountError("Currency is a three-letter code such as USD, GBP or EUR.")
    date_order = (date_order or (place.date_order if place else "DMY")).strip().upper()
    if date_order not in ("DMY", "MDY"):
        raise AccountError("Please choose how dates are written: day first or month first.")
    email, password = _email(email), _password(password)
    with db.system("sign-up: a new studio and its owner, in one transaction") as s:
        if s.scalar(select(func.count(Studio.id)).where(Studio.key == studio_key)):
            raise AccountError("That short name is taken; try another.")
        studio = Studio(
            key=studio_key, name=studio_name.strip(), timezone=timezone, currency=currency, date_order=date_order
        )
        s.add(studio)
        s.flush()
        s.add(Policy(studio_id=studio.id))
        owner = Staff(
            studio_id=studio.id,
            key="owner",
            name=owner_name.strip(),
            email=email,
            role="owner",
            password_hash=generate_password_hash(password),
        )
        s.add(owner)
        s.flush()
        return StaffLogin(studio.id, owner.id, owner.name, owner.role)


def add_staff(
    db: Database, *, studio_key: str, email: str, password: str, role: str, name: str | None = None
) -> StaffLogin:
    """Use case (and ``frontdesk staff add``): a staff member who can sign in. Commits."""
    if role not in STAFF_ROLES:
        raise AccountError(f"Role must be one of {', '.join(STAFF_ROLES)}.")
    email, password = _email(email), _password(password)
    with db.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.key == studio_key)).first()
    if studio_id is None:
        raise AccountError(f"No studio {studio_key!r}.")
    with db.studio(studio_id) as s:
        staff = s.scalars(select(Staff).where(func.lower(Staff.email) == email)).first()
        if staff is None:
            key = re.sub(r"[^a-z0-9]+", "-", email.split("@")[0])[:50] or "staff"
            while s.scalars(select(Staff.id).where(Staff.key == key)).first():
                key += "-1"
            staff = Staff(key=key, name=name or email.split("@")[0].title(), email=email, role=role)
            s.add(staff)
        staff.role = role
        set_password(staff, password)
        if name:
            staff.name = name
        s.flush()
        return _login(staff)


def authenticate(db: Database, email: str, password: str, studio_key: str | None = None) -> StaffLogin | None:
    email = (email or "").strip().lower()
    with db.system("staff sign-in: find the account by email") as s:
        query = (
            select(Staff, Studio.key)
            .join(Studio, Studio.id == Staff.studio_id)
            .where(func.lower(Staff.email) == email, Staff.active.is_(True), Staff.password_hash.is_not(None))
        )
        if studio_key:
            query = query.where(Studio.key == studio_key)
        matches = s.execute(query).all()
    for staff, _ in matches:
        if staff.password_hash is not None and check_password_hash(staff.password_hash, password or ""):
            return _login(staff)
    check_password_hash(generate_password_hash("x"), "timing")  # same cost when nobody matched
    return None


def load(db: Database, studio_id: int, staff_id: int) -> StaffLogin | None:
    with db.studio(studio_id) as s:
        staff = s.get(Staff, staff_id)
        if staff is None or not staff.active:
            return None
        return _login(staff)


def sign_out_everywhere(db: Database, studio_id: int, staff_id: int) -> None:
    """End every session of this staff member, on every device (sign-out does this)."""
    with db.studio(studio_id) as s:
        staff = s.get(Staff, staff_id)
        if staff is not None:
            end_sessions_of(staff)


def _hash_proof(secret: str, password_hash: str) -> str:
    """A keyed digest of the password hash: it changes when the password does and tells a
    reader of the token nothing about the hash itself."""
    return hmac.new(secret.encode(), password_hash.encode(), hashlib.sha256).hexdigest()[:24]


def reset_token(secret: str, login: StaffLogin, password_hash: str) -> str:
    """A signed, hour-long token: ``[studio id, staff id, session version, hash proof]``.

    It dies when the password changes (the proof no longer matches) or any session ends
    (the version moves on), so it works once. The payload is signed, not encrypted: it
    holds nothing secret."""
    return URLSafeTimedSerializer(secret, salt="password-reset").dumps(
        [login.studio_id, login.staff_id, login.session_version, _hash_proof(secret, password_hash)]
    )


def request_reset(db: Database, secret: str, email: str) -> ResetRequest | None:
    """The reset to send for ``email``, or None when no account signs in with it."""
    with db.system("password reset: find the account by email") as s:
        staff = s.scalars(
            select(Staff).where(
                func.lower(Staff.email) == (email or "").strip().lower(),
                Staff.password_hash.is_not(None),
                Staff.active.is_(True),
            )
        ).first()
        if staff is None or staff.password_hash is None or staff.email is None:
            return None
        token = reset_token(secret, _login(staff), staff.password_hash)
        return ResetRequest(token, staff.studio_id, staff.id, staff.name, staff.email, staff.phone)


def reset_password(db: Database, secret: str, token: str, password: str) -> StaffLogin:
    password = _password(password)
    try:
        payload = URLSafeTimedSerializer(secret, salt="password-reset").loads(token, max_age=RESET_MAX_AGE)
        studio_id, staff_id, version, proof = (payload[0], payload[1], payload[2], payload[3])
    except SignatureExpired as exc:
        raise AccountError("That reset link has expired; ask for a new one.") from exc
    except (BadSignature, TypeError, ValueError, IndexError, KeyError) as exc:
        raise AccountError("That reset link is not valid.") from exc
    if not all(isinstance(x, int) for x in (studio_id, staff_id, version)) or not isinstance(proof, str):
        raise AccountError("That reset link is not valid.")
    with db.studio(studio_id) as s:
        staff = s.get(Staff, staff_id)
        if (
            staff is None
            or not staff.password_hash
            or (staff.session_version or 1) != version
            or not hmac.compare_digest(_hash_proof(secret, staff.password_hash), proof)
        ):
            raise AccountError("That reset link has already been used.")
        set_password(staff, password)
        return _login(staff)
