"""Intro leads: payment grants the offer's sessions once and asks for preferences once."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.booking import attendance, credits, leads
from app.booking.credits import grant_package
from app.booking.errors import NoCredits, NotFound
from app.booking.policies import load_policy
from app.fixtures import FixtureError, load_fixture, validate
from app.models import (
    Booking,
    BookingRequest,
    ClassSession,
    ClassType,
    Client,
    ClientPackage,
    IntroOffer,
    Lead,
    LeadMatch,
    Location,
    OutboxMessage,
    Package,
    Staff,
    Studio,
)
from app.notify.leads import remind_owners
from jobs.leads import run_leads

INTRO = Path(__file__).parents[1] / "data" / "intro.toml"
JANE = "+447700900401"


@pytest.fixture
def studio(db, clock):
    load_fixture(db, INTRO)
    with db.unscoped() as s:
        return s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()


def new_lead(db, studio_id, phone=JANE, name="Jane Doe") -> int:
    with db.studio(studio_id) as s:
        offer = s.scalars(select(IntroOffer).where(IntroOffer.key == "intro-pt")).one()
        lead = leads.create_lead(s, offer, leads.LeadForm(name, phone, "jane@example.com", "lower back pain"))
        return lead.id


def test_lead_paid_grants_pt_credits_and_asks_preferences_once(db, clock, studio):
    lead_id = new_lead(db, studio)
    for _ in range(2):  # a replayed webhook changes nothing twice
        with db.studio(studio) as s:
            leads.lead_paid(s, lead_id, paid_at=clock.now())
    with db.studio(studio) as s:
        lead = s.get(Lead, lead_id)
        client = s.get(Client, lead.client_id)
        assert (lead.status, lead.paid_at, client.phone, client.name) == ("paid", clock.now(), JANE, "Jane Doe")
        pack = s.scalars(select(ClientPackage).where(ClientPackage.client_id == client.id)).one()
        pt = s.scalars(select(ClassType).where(ClassType.key == "pt")).one()
        yoga = s.scalars(select(ClassType).where(ClassType.key == "vinyasa")).one()
        assert (pack.kind, pack.source, pack.class_type_id) == ("intro", "intro", pt.id)
        assert credits.balance(s, client.id).credits == 3
        later = clock.now() + timedelta(days=2)
        assert credits.choose_pack(s, client.id, 1, pt.id, later).pack.id == pack.id
        with pytest.raises(NoCredits):
            credits.choose_pack(s, client.id, 1, yoga.id, later)  # the intro pays for 1:1 PT only
        texts = s.scalars(select(OutboxMessage)).all()
        assert [(t.dedupe_key, t.to_addr, t.from_addr) for t in texts] == [
            (f"intro:welcome:lead:{lead_id}", JANE, "+447700900100")
        ]
        assert texts[0].body == (
            "Hi Jane, thanks for buying Intro: 3 PT sessions at Lotus Yoga & Movement! To match you with the "
            "right instructor: which location suits you (Shoreditch or Clapham), which days and times work, "
            "and any goals or injuries we should know about?"
        )


def test_lead_paid_links_an_existing_client(db, clock, studio):
    lead_id = new_lead(db, studio, phone="+447700900301", name="Samuel Lee")  # Sam is a client already
    with db.studio(studio) as s:
        leads.lead_paid(s, lead_id, paid_at=clock.now())
        lead = s.get(Lead, lead_id)
        assert s.get(Client, lead.client_id).name == "Sam Lee"
        assert s.scalar(select(func.count(Client.id)).where(Client.phone == "+447700900301")) == 1


def test_lead_of_another_studio_is_not_found(db, clock, studio):
    lead_id = new_lead(db, studio)
    with db.unscoped() as s:
        other = Studio(key="other", name="Other", timezone="Europe/London")
        s.add(other)
        s.commit()
        other_id = other.id
    with db.studio(other_id) as s:
        with pytest.raises(NotFound):
            leads.lead_paid(s, lead_id, paid_at=clock.now())
    with db.studio(studio) as s:
        assert s.get(Lead, lead_id).status == "new"


def test_a_lead_whose_client_buys_a_package_is_converted(db, clock, studio):
    lead_id = new_lead(db, studio)
    with db.studio(studio) as s:
        leads.lead_paid(s, lead_id, paid_at=clock.now())
        lead = s.get(Lead, lead_id)
        lead.status = "attended"
        assert leads.mark_converted(s) == 0  # the intro pack itself is no conversion
        pack = s.scalars(select(Package).where(Package.key == "ten-pack")).one()
        grant_package(s, lead.client_id, pack.id, source="payment")
        assert leads.mark_converted(s) == 1
        assert leads.mark_converted(s) == 0
        assert s.get(Lead, lead_id).status == "converted"


PREFS = {
    "location": "Clapham",
    "days": [0, 1, 2, 3, 4],
    "windows": [[360, 540]],
    "days_label": "weekday",
    "times_label": "mornings before 9",
}


def asked_owners(db, studio, clock) -> tuple[int, int]:
    """A paid lead with its preferences in, in one unit of work: (lead id, open question id)."""
    lead_id = new_lead(db, studio)
    with db.studio(studio) as s:
        leads.lead_paid(s, lead_id, paid_at=clock.now())
        clapham = s.scalars(select(Location).where(Location.key == "clapham")).one()
        match = leads.preferences_in(s, lead_id, {**PREFS, "location_id": clapham.id})
        return lead_id, match.id


def test_a_refused_pick_undoes_only_itself_on_each_backend(db, clock, studio):
    """A use case refused inside the caller's unit of work leaves what came before it standing."""
    lead_id = new_lead(db, studio)
    with db.studio(studio) as s:
        leads.lead_paid(s, lead_id, paid_at=clock.now())
        clapham = s.scalars(select(Location).where(Location.key == "clapham")).one()
        match = leads.preferences_in(s, lead_id, {**PREFS, "location_id": clapham.id})
        tom = s.scalars(select(Staff).where(Staff.key == "tom")).one()
        with pytest.raises(leads.MatchRefused) as refused:
            leads.choose_slot(s, lead_id, tom.id, [datetime(2026, 11, 24, 6, 0, tzinfo=UTC)], actor="test")
        assert refused.value.kind == "slot"
    with db.studio(studio) as s:
        assert (s.get(Lead, lead_id).status, s.get(LeadMatch, match.id).status) == ("preferences", "open")
        assert s.scalar(select(func.count(BookingRequest.id))) == 0
        kinds = s.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
        assert kinds == ["intro_welcome", "intro_options", "intro_options"]  # the owner and the manager


def test_a_yes_for_a_time_gone_meanwhile_goes_back_to_the_owners_on_each_backend(db, clock, studio):
    """Y, but the instructor was given a class at that time: nothing is booked or announced,
    the request is cancelled and the owners get the next options saying why."""
    lead_id, match_id = asked_owners(db, studio, clock)
    with db.studio(studio) as s:
        request = leads.choose_option(s, match_id, 1, actor="test")
        pt = s.scalars(select(ClassType).where(ClassType.key == "pt")).one()
        s.add(
            ClassSession(
                class_type_id=pt.id,
                location_id=request.location_id,
                instructor_id=request.staff_id,
                kind="appointment",
                starts_at=request.proposed_start,
                ends_at=request.proposed_start + timedelta(minutes=pt.duration_min),
                capacity=1,
            )
        )
        answered = leads.answer_request(s, request.id, True, actor="test")
        assert (answered.kind, answered.lead_name) == ("slot_gone", "Jane Doe")
        request_id = request.id
    with db.studio(studio) as s:
        request = s.get(BookingRequest, request_id)
        lead = s.get(Lead, lead_id)
        assert (request.status, request.session_id, lead.status, lead.staff_id) == (
            "cancelled",
            None,
            "preferences",
            None,
        )
        assert request.notes.startswith("could not book: ")
        assert s.scalar(select(func.count(Booking.id))) == 0
        assert credits.balance(s, lead.client_id).credits == 3
        texts = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert "intro_booked" not in [t.kind for t in texts]
        question = s.scalars(select(LeadMatch).where(LeadMatch.status == "open")).one()
        again = [t for t in texts if t.dedupe_key.startswith(f"intro:options:match:{question.id}:")]
        assert len(again) == 2
        assert again[0].body.startswith("That time went before it was confirmed for Jane Doe. Clapham,")


def test_the_lead_services_end_to_end_on_each_backend(db, clock, studio):
    """The SMS flow's services without the bot: match, decline, time-out, accept, remind, next offer."""
    lead_id = new_lead(db, studio)
    with db.studio(studio) as s:
        leads.lead_paid(s, lead_id, paid_at=clock.now())
        clapham = s.scalars(select(Location).where(Location.key == "clapham")).one()
        staff = {m.key: m.id for m in s.scalars(select(Staff))}
        match = leads.preferences_in(
            s,
            lead_id,
            {
                "location_id": clapham.id,
                "location": "Clapham",
                "days": [0, 1, 2, 3, 4],
                "windows": [[360, 540]],
                "days_label": "weekday",
                "times_label": "mornings before 9",
            },
        )
        assert [o["staff_id"] for o in match.options] == [staff["jess"], staff["tom"], staff["jess"]]
        tom_request = leads.choose_option(s, match.id, 2, actor="test")
        leads.answer_request(s, tom_request.id, False, actor="test")
        second = leads.open_question(s)
        assert staff["tom"] not in [o["staff_id"] for o in second.options]
        jess_request = leads.choose_option(s, second.id, 1, actor="test")
        with pytest.raises(leads.MatchRefused):
            leads.choose_option(s, second.id, 2, actor="test")  # answered already
    clock.set(clock.now() + timedelta(hours=3))  # Jess had 2 working hours
    with db.studio(studio) as s:
        run_leads(s)
        assert s.get(BookingRequest, jess_request.id).status == "expired"
        third = leads.open_question(s)
        assert {o["staff_id"] for o in third.options} == {staff["sara"]}  # nobody else fits: nearest at Clapham
        at = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
        request = leads.choose_slot(s, lead_id, staff["jess"], [at], actor="test")
        assert request.location_id == clapham.id
        answered = leads.answer_request(s, request.id, True, actor="test")
        assert answered.kind == "booked"
        lead = s.get(Lead, lead_id)
        booking = s.scalars(select(Booking).where(Booking.client_id == lead.client_id)).one()
        assert (lead.status, booking.credits_spent, credits.balance(s, lead.client_id).credits) == ("booked", 1, 2)
        run_leads(s)
        assert s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "intro_reminder")) == 0
    clock.set(datetime(2026, 11, 26, 8, 30, tzinfo=UTC))
    with db.studio(studio) as s:
        attendance.check_in(s, booking.id, actor="test")
    clock.set(datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    with db.studio(studio) as s:
        assert run_leads(s) == 1 and run_leads(s) == 0
        assert s.get(Lead, lead_id).status == "attended"
        assert s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "intro_next")).all() == [
            f"intro:next:lead:{lead_id}"
        ]


def test_owners_are_reminded_once_per_stage_on_each_backend(db, clock, studio):
    lead_id = new_lead(db, studio)
    with db.studio(studio) as s:
        leads.lead_paid(s, lead_id, paid_at=clock.now())  # Monday 09:00 London
    clock.set(datetime(2026, 11, 23, 12, 59, tzinfo=UTC))
    with db.studio(studio) as s:
        assert remind_owners(s) == 0
    clock.set(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    with db.studio(studio) as s:
        assert remind_owners(s) == 2 and remind_owners(s) == 0  # owner and manager, once
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    with db.studio(studio) as s:
        assert remind_owners(s) == 2 and remind_owners(s) == 0
        keys = sorted(s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "intro_reminder")))
        assert [k.split(":")[2] for k in keys] == ["24h", "24h", "4h", "4h"]


def test_fixture_sets_the_lead_hours(db, clock, studio):
    with db.studio(studio) as s:
        policy = load_policy(s)
        assert (policy.lead_match_hours, policy.instructor_reply_hours, policy.working_start, policy.working_end) == (
            4,
            2,
            time(7),
            time(20),
        )


def test_fixture_refuses_bad_working_hours(tmp_path):
    data = tomllib.loads(
        INTRO.read_text().replace('working_hours = ["07:00", "20:00"]', 'working_hours = ["20:00", "07:00"]')
    )
    with pytest.raises(FixtureError, match="working_hours"):
        validate(data, "intro.toml")
