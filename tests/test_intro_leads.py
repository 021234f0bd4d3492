"""Intro leads: payment grants the offer's sessions once and asks for preferences once."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.booking import credits, leads
from app.booking.errors import NoCredits, NotFound
from app.fixtures import load_fixture
from app.models import ClassType, Client, ClientPackage, IntroOffer, Lead, OutboxMessage, Studio

INTRO = Path(__file__).parent / "data" / "intro.toml"
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
        s.commit()
        return lead.id


def test_lead_paid_grants_pt_credits_and_asks_preferences_once(db, clock, studio):
    lead_id = new_lead(db, studio)
    for _ in range(2):  # a replayed webhook changes nothing twice
        with db.studio(studio) as s:
            leads.lead_paid(s, lead_id, paid_at=clock.now())
            s.commit()
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
            (f"intro:welcome:lead:{lead_id}", JANE, "+447700900100")]
        assert texts[0].body == (
            "Hi Jane, thanks for buying Intro: 3 PT sessions at Lotus Yoga & Movement! To match you with the "
            "right instructor: which location suits you (Shoreditch or Clapham), which days and times work, "
            "and any goals or injuries we should know about?")


def test_lead_paid_links_an_existing_client(db, clock, studio):
    lead_id = new_lead(db, studio, phone="+447700900301", name="Samuel Lee")  # Sam is a client already
    with db.studio(studio) as s:
        leads.lead_paid(s, lead_id, paid_at=clock.now())
        s.commit()
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
