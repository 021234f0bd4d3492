"""The credits ledger: append-only rows, balances derived by summing them.

Ledger primitives (``record_*``, ``pay_for``) join the caller's transaction and never
commit, and neither do the use cases that call them (book, cancel, grant): the caller does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.booking.atomic import use_case
from app.booking.errors import InvalidRequest, NoCredits, NotFound
from app.models import Booking, Client, ClientPackage, CreditEntry, Package


@dataclass(frozen=True)
class PackBalance:
    pack: ClientPackage
    remaining: int  # credits left; meaningless for unlimited packs


@dataclass(frozen=True)
class Balance:
    credits: int
    unlimited: bool
    expires_at: datetime | None  # the soonest expiry among packs with something left
    owed: Decimal  # fees outstanding


def remaining_by_pack(session: Session, client_id: int) -> dict[int, int]:
    rows = session.execute(
        select(CreditEntry.client_package_id, func.coalesce(func.sum(CreditEntry.credits), 0))
        .where(CreditEntry.client_id == client_id, CreditEntry.client_package_id.is_not(None))
        .group_by(CreditEntry.client_package_id)
    )
    return {pack_id: int(total) for pack_id, total in rows if pack_id is not None}  # never None: filtered above


def packs(session: Session, client_id: int) -> list[PackBalance]:
    """The client's active packs with the credits left in each, soonest expiry first (one query)."""
    left = (
        select(CreditEntry.client_package_id, func.sum(CreditEntry.credits).label("left"))
        .where(CreditEntry.client_id == client_id, CreditEntry.client_package_id.is_not(None))
        .group_by(CreditEntry.client_package_id)
        .subquery()
    )
    rows = session.execute(
        select(ClientPackage, func.coalesce(left.c.left, 0))
        .outerjoin(left, left.c.client_package_id == ClientPackage.id)
        .where(ClientPackage.client_id == client_id, ClientPackage.status == "active")
        .order_by(ClientPackage.expires_at.is_(None), ClientPackage.expires_at, ClientPackage.id)
    ).all()
    return [PackBalance(p, int(remaining)) for p, remaining in rows]


def _valid_at(pack: ClientPackage, at: datetime) -> bool:
    return pack.starts_at <= at and (pack.expires_at is None or pack.expires_at > at)


def balance(session: Session, client_id: int, at: datetime | None = None) -> Balance:
    """What the client can spend now: credits in valid packs, any valid membership, fees owed."""
    at = at or clock.now()
    usable = [pb for pb in packs(session, client_id) if _valid_at(pb.pack, at)]
    credits = sum(pb.remaining for pb in usable if not pb.pack.unlimited and pb.remaining > 0)
    unlimited = any(pb.pack.unlimited for pb in usable)
    expiries = [pb.pack.expires_at for pb in usable if pb.pack.expires_at and (pb.pack.unlimited or pb.remaining > 0)]
    return Balance(credits, unlimited, min(expiries) if expiries else None, amount_owed(session, client_id))


def amount_owed(session: Session, client_id: int) -> Decimal:
    total = session.scalar(
        select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
            CreditEntry.client_id == client_id, CreditEntry.amount.is_not(None)
        )
    )
    return Decimal(total or 0).quantize(Decimal("0.01"))


def choose_pack(session: Session, client_id: int, cost: int, class_type_id: int, starts_at: datetime) -> PackBalance:
    """The pack that pays for a class starting at ``starts_at``.

    A valid membership first (it costs nothing), then the pack that expires soonest.
    Raises ``NoCredits`` (``expired=True`` when credits exist only in expired packs).
    """
    now = clock.now()
    candidates = [pb for pb in packs(session, client_id) if pb.pack.class_type_id in (None, class_type_id)]
    valid = [
        pb for pb in candidates if _valid_at(pb.pack, max(now, pb.pack.starts_at)) and _valid_at(pb.pack, starts_at)
    ]
    for pb in valid:
        if pb.pack.unlimited:
            return pb
    for pb in valid:
        if pb.remaining >= cost:
            return pb
    available = sum(pb.remaining for pb in valid if not pb.pack.unlimited and pb.remaining > 0)
    expired = available == 0 and any(
        (pb.pack.unlimited or pb.remaining > 0) and pb.pack.expires_at is not None and pb.pack.expires_at <= starts_at
        for pb in candidates
    )
    raise NoCredits(needed=cost, available=available, expired=expired)


def cost_to(pack: PackBalance, cost: int) -> int:
    """What a class costing ``cost`` takes from ``pack``: nothing from an unlimited membership."""
    return 0 if pack.pack.unlimited else cost


def record_spend(session: Session, booking: Booking, pack: PackBalance, cost: int, actor: str | None) -> None:
    spent = cost_to(pack, cost)
    booking.client_package_id = pack.pack.id
    booking.credits_spent = spent
    session.add(
        CreditEntry(
            client_id=booking.client_id,
            client_package_id=pack.pack.id,
            booking_id=booking.id,
            kind="spend",
            credits=-spent,
            note=f"booking {booking.session_id}",
            actor=actor,
        )
    )


def record_refund(session: Session, booking: Booking, note: str, actor: str | None) -> None:
    session.add(
        CreditEntry(
            client_id=booking.client_id,
            client_package_id=booking.client_package_id,
            booking_id=booking.id,
            kind="refund",
            credits=booking.credits_spent,
            note=note,
            actor=actor,
        )
    )


def record_forfeit(session: Session, booking: Booking, note: str, actor: str | None) -> None:
    """A zero-credit row that says the spent credit is kept by the studio."""
    session.add(
        CreditEntry(
            client_id=booking.client_id,
            client_package_id=booking.client_package_id,
            booking_id=booking.id,
            kind="forfeit",
            credits=0,
            note=note,
            actor=actor,
        )
    )


def record_fee(session: Session, booking: Booking, amount: Decimal, note: str, actor: str | None) -> None:
    session.add(
        CreditEntry(
            client_id=booking.client_id,
            booking_id=booking.id,
            kind="fee",
            credits=0,
            amount=amount,
            note=note,
            actor=actor,
        )
    )


def record_fee_waived(session: Session, booking: Booking, amount: Decimal, note: str, actor: str | None) -> None:
    session.add(
        CreditEntry(
            client_id=booking.client_id,
            booking_id=booking.id,
            kind="fee_waived",
            credits=0,
            amount=-amount,
            note=note,
            actor=actor,
        )
    )


def _open_pack(
    session: Session,
    client_id: int,
    *,
    name: str,
    kind: str,
    credits: int | None,
    valid_days: int | None,
    class_type_id: int | None,
    package_id: int | None,
    source: str,
    actor: str | None,
) -> ClientPackage:
    if credits is not None and credits <= 0:
        raise InvalidRequest("a grant must be at least one credit")
    if valid_days is not None and valid_days <= 0:
        raise InvalidRequest("a package must be valid for at least one day")
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("client", client_id)
    now = clock.now()
    pack = ClientPackage(
        studio_id=client.studio_id,
        client_id=client_id,
        package_id=package_id,
        name=name,
        kind=kind,
        unlimited=credits is None,
        class_type_id=class_type_id,
        starts_at=now,
        expires_at=now + timedelta(days=valid_days) if valid_days else None,
        source=source,
    )
    session.add(pack)
    session.flush()
    if credits is not None:
        session.add(
            CreditEntry(
                studio_id=client.studio_id,
                client_id=client_id,
                client_package_id=pack.id,
                kind="grant",
                credits=credits,
                note=name,
                actor=actor,
            )
        )
    return pack


def add_package(
    session: Session, client_id: int, package: Package, *, source: str, actor: str | None = None
) -> ClientPackage:
    """Give a client one of the studio's packages (joins the caller's transaction)."""
    credits = None if package.kind == "membership" or package.credits is None else package.credits
    return _open_pack(
        session,
        client_id,
        name=package.name,
        kind=package.kind,
        credits=credits,
        valid_days=package.valid_days,
        class_type_id=package.class_type_id,
        package_id=package.id,
        source=source,
        actor=actor,
    )


@use_case
def grant_package(
    session: Session, client_id: int, package_id: int, *, source: str = "admin", actor: str | None = None
) -> ClientPackage:
    """Use case: grant a studio package to a client; the caller commits."""
    package = session.get(Package, package_id)
    if package is None:
        raise NotFound("package", package_id)
    pack = add_package(session, client_id, package, source=source, actor=actor)
    return pack


@use_case
def grant_credits(
    session: Session,
    client_id: int,
    credits: int,
    *,
    reason: str,
    valid_days: int | None = None,
    class_type_id: int | None = None,
    actor: str | None = None,
    source: str = "admin",
) -> ClientPackage:
    """Use case: grant loose credits (goodwill, an intro offer's sessions); the caller commits."""
    pack = _open_pack(
        session,
        client_id,
        name=reason,
        kind="grant",
        credits=credits,
        valid_days=valid_days,
        class_type_id=class_type_id,
        package_id=None,
        source=source,
        actor=actor,
    )
    return pack


@use_case
def expire_packs(session: Session, at: datetime | None = None) -> int:
    """Write an ``expire`` row for each pack past its expiry with credits left; the caller commits.

    Idempotent: after the row the pack holds nothing, so a second sweep writes nothing.
    Works in a studio session or, for the nightly sweep, a system session.
    """
    at = at or clock.now()
    totals = (
        select(CreditEntry.client_package_id, func.sum(CreditEntry.credits).label("left"))
        .where(CreditEntry.client_package_id.is_not(None))
        .group_by(CreditEntry.client_package_id)
        .subquery()
    )
    rows = session.execute(
        select(ClientPackage, totals.c.left)
        .join(totals, totals.c.client_package_id == ClientPackage.id)
        .where(
            ClientPackage.expires_at.is_not(None),
            ClientPackage.expires_at <= at,
            totals.c.left > 0,
            or_(ClientPackage.unlimited.is_(False), ClientPackage.unlimited.is_(None)),
        )
    ).all()
    for pack, left in rows:
        session.add(
            CreditEntry(
                studio_id=pack.studio_id,
                client_id=pack.client_id,
                client_package_id=pack.id,
                kind="expire",
                credits=-int(left),
                note=f"{pack.name} expired",
                actor="system",
            )
        )
    return len(rows)
