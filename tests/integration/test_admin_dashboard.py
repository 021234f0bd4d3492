"""The dashboard's figures come from real rows of the studio's own, in its timezone."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from app.booking import booking as svc
from app.booking import credits
from app.models import Booking, ClassType, Package, Payment, WaitlistEntry
from tests.factories import grant_pack, local, make_client, make_session, make_studio
from tests.integration.test_admin_calendar import app, sign_in  # noqa: F401  (the app fixture)


def _section(page: str, ident: str) -> str:
    """From the card with ``id=ident`` to the next card with an id."""
    start = page.index(f'id="{ident}">') + len(f'id="{ident}">')
    end = page.find(' id="', start)
    section = page[start : end if end != -1 else len(page)]
    return section[: section.rfind("<")]  # the next card's opening tag


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def lotus(db, clock):
    world = make_studio(db, "lotus")
    with db.studio(world.studio_id) as s:
        hiit = ClassType(key="hiit", name="HIIT 45", category="HIIT", duration_min=45, capacity=10, credits=1)
        ten = Package(
            key="ten", name="10 Class Pack", kind="class_pack", credits=10, price=Decimal("150"), valid_days=90
        )
        unlimited = Package(key="unl", name="Unlimited", kind="membership", price=Decimal("129"), valid_days=30)
        s.add_all([hiit, ten, unlimited])
        s.commit()
        ids = {"hiit": hiit.id, "ten": ten.id, "unlimited": unlimited.id}
    now = clock.now()
    # this week: Vinyasa Mon 18:00 (4 places), Vinyasa Wed 18:00 (4), HIIT Tue 07:00 (10), a cancelled HIIT Thu
    mon = make_session(db, world, local(world, 2026, 11, 23, 18), capacity=4)
    wed = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=4)
    make_session(db, world, local(world, 2026, 11, 24, 7), capacity=10, class_type_id=ids["hiit"], minutes=45)
    gone = make_session(db, world, local(world, 2026, 11, 26, 7), capacity=10, class_type_id=ids["hiit"])
    make_session(db, world, local(world, 2026, 12, 1, 18), capacity=4)  # next week: not in this week's fill
    clients = []
    for n, phone in enumerate(["+447700900301", "+447700900302", "+447700900303"]):
        cid = make_client(db, world, phone, f"Client {n}")
        grant_pack(db, world, cid, 5, starts_at=now)
        clients.append(cid)
    with db.studio(world.studio_id) as s:
        svc.book(s, clients[0], mon)
        svc.book(s, clients[1], mon)
        svc.book(s, clients[2], wed)
        svc.cancel_session(s, gone, reason="closed")
    # the past: Fri 20 Nov (booked Wed 18 Nov): one no-show, one attended; Sun 1 Nov: a no-show
    fri = make_session(db, world, local(world, 2026, 11, 20, 18))
    nov1 = make_session(db, world, local(world, 2026, 11, 1, 10))
    with db.studio(world.studio_id) as s:
        wed18 = local(world, 2026, 11, 18, 12)
        s.add_all(
            [
                Booking(client_id=clients[0], session_id=fri, status="no_show", booked_at=wed18),
                Booking(client_id=clients[1], session_id=fri, status="attended", booked_at=wed18),
                Booking(
                    client_id=clients[2], session_id=nov1, status="no_show", booked_at=local(world, 2026, 10, 30, 9)
                ),
            ]
        )
        # waitlist: 3 offers in the last month (2 claimed), one still waiting, one offer from long ago
        for status, offered in (
            ("claimed", now - timedelta(days=2)),
            ("claimed", now - timedelta(days=3)),
            ("expired", now - timedelta(days=4)),
            ("waiting", None),
            ("claimed", now - timedelta(days=45)),
        ):
            s.add(
                WaitlistEntry(
                    session_id=fri,
                    client_id=clients[2],
                    status=status,
                    offered_at=offered,
                    joined_at=now - timedelta(days=50),
                )
            )
        s.commit()
        # sold: a 10-pack and a membership (a loose goodwill grant is not a sale); one paid online
        credits.grant_package(s, clients[0], ids["ten"])
        credits.grant_package(s, clients[1], ids["unlimited"])
        credits.grant_credits(s, clients[2], 3, reason="sorry about Thursday")
        s.add(
            Payment(
                kind="package",
                package_id=ids["ten"],
                client_id=clients[0],
                item_name="10 Class Pack",
                amount=Decimal("150.00"),
                amount_refunded=Decimal("0"),
                currency="GBP",
                status="paid",
                token="tok1",
                checkout_url="https://x/pay/tok1",
                paid_at=now - timedelta(days=1),
            )
        )
        s.commit()
    return world


def test_dashboard_figures_from_real_rows(db, app, lotus, clock):  # noqa: F811
    other = make_studio(db, "harbour", tz="America/New_York")  # its rows must not count
    busy = make_session(db, other, local(other, 2026, 11, 25, 9), capacity=2)
    cid = make_client(db, other, "+12125550101")
    grant_pack(db, other, cid, 5, starts_at=clock.now())
    with db.studio(other.studio_id) as s:
        svc.book(s, cid, busy)

    page = sign_in(app, "lotus", "front_desk").get("/admin/dashboard/").get_data(as_text=True)
    assert _text(_section(page, "fill-rate")) == "This week's fill 17% 3 booked of 18 places"
    fill = _text(_section(page, "fill-by-type"))
    assert "HIIT 45 0% (0/10)" in fill and "Vinyasa Flow 38% (3/8)" in fill
    assert _text(_section(page, "no-shows")) == "No-shows 1 last 7 days 2 in the last 30 days · 1 checked in"
    assert _text(_section(page, "waitlist")) == "Waitlist offers claimed 2 of 3 67% converted, last 30 days"
    # the front desk sees what was sold; the money taken is for managers and the owner
    assert _text(_section(page, "sold")) == "Sold, last 30 days 10 credits 1 pack · 1 membership"
    manager = sign_in(app, "lotus", "manager").get("/admin/dashboard/").get_data(as_text=True)
    assert _text(_section(manager, "sold")) == "Sold, last 30 days 10 credits 1 pack · 1 membership · £150.00 paid"
    today = _text(_section(page, "today"))
    assert "09:00" not in today and "18:00 Vinyasa Flow Maya Patel Main 2/4" in today
    bars = dict(re.findall(r'<div title="(\w+ \d+): (\d+)"', page))
    assert len(bars) == 14 and bars["Mon 23"] == "3" and bars["Wed 18"] == "2" and bars["Tue 10"] == "0"
    # each bar is labelled in two short lines that fit 14 abreast on a phone: weekday initial over the date
    labels = re.findall(r'<span><abbr title="(\w+ (\d+))">(\w)</abbr>(\d+)</span>', page)
    assert len(labels) == 14 and labels[-1] == ("Mon 23", "23", "M", "23") and labels[0] == ("Tue 10", "10", "T", "10")
    assert all(initial == hint[0] and number == day for hint, day, initial, number in labels)
    assert (
        ".vbars span { font-size:.7rem; line-height:1.15; color:var(--muted); white-space:nowrap; text-align:center; }"
        in page
    )
    # on a phone the instructor and location columns step aside, so the table doesn't scroll sideways
    assert page.count('class="wide-only"') == 4 and ".wide-only { display:none; }" in page


def test_home_is_the_dashboard_for_the_desk_and_the_week_for_instructors(db, app, lotus):  # noqa: F811
    desk = sign_in(app, "lotus", "manager")
    home = desk.get("/admin/")
    assert home.status_code == 200 and 'id="fill-by-type"' in home.get_data(as_text=True)
    teacher = sign_in(app, "lotus", "instructor", name="Tom")
    assert teacher.get("/admin/dashboard/").status_code == 403
    page = teacher.get("/admin/").get_data(as_text=True)
    assert "Your classes this week." in page and 'id="fill-by-type"' not in page
    assert "Vinyasa Flow" not in page  # Maya's classes, not Tom's
