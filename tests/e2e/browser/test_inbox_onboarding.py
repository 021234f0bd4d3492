"""Issue 16 in a real browser: a new owner's sign-up and checklist, and the inbox with
human takeover (a client asks for a person, staff answer, the bot stays quiet until
handed back). Screenshots of sign-up, the dashboard checklist, the inbox and a thread at
desktop and phone widths go to ``tests/e2e/browser/screenshots/``."""

from __future__ import annotations

import itertools

from selenium.webdriver.common.by import By
from sqlalchemy import select

from app.conversation.engine import Inbound, handle_inbound
from app.models import Conversation, OutboxMessage, Staff, Studio
from tests.e2e.browser.pages import DESKTOP, PASSWORD, PHONE, Page, sign_up

_numbers = itertools.count(1)


def test_sign_up_sets_the_studio_up_from_its_country_and_shows_the_checklist(page: Page):
    n = next(_numbers)
    page.open("/admin/signup")
    page.fill({"Studio name": f"Sunset Yoga Co {n}"})
    key = page.field("Short name").get_attribute("value")
    assert key == f"sunset-yoga-co-{n}", key  # suggested from the name
    page.fill({"Country": "United States", "Timezone": "America/Los_Angeles"})
    assert page.field("Currency").get_attribute("value") == "USD"
    assert page.field("Dates").get_attribute("value") == "MDY"
    page.screenshot("signup", DESKTOP)
    page.screenshot("signup", PHONE)
    page.fill({"Your name": "Dana Ruiz", "Email": f"dana{n}@sunset.example", "Password": PASSWORD})
    page.click("Create studio")
    checklist = page.driver.find_element(By.ID, "checklist")
    steps = [li.get_attribute("data-step") for li in checklist.find_elements(By.CSS_SELECTOR, "li.todo")]
    assert steps == ["location", "class_type", "schedule", "sessions", "twilio", "stripe", "playground"], steps
    assert "0 of 7 done" in checklist.text
    page.screenshot("checklist", DESKTOP)
    page.screenshot("checklist", PHONE)
    page.follow(checklist.find_element(By.LINK_TEXT, "Add a location"))
    assert page.path.startswith("/admin/setup/locations/new"), page.path
    assert page.field("Timezone").get_attribute("value") == "America/Los_Angeles"  # not Africa/Abidjan
    page.fill({"Name": "Venice Beach"})
    page.click("Save")
    page.open("/admin/")
    assert "1 of 7 done" in page.driver.find_element(By.ID, "checklist").text
    done = page.driver.find_elements(By.CSS_SELECTOR, "#checklist li.done")
    assert [li.get_attribute("data-step") for li in done] == ["location"]
    page.open("/admin/setup/studio/")
    assert page.field("Currency").get_attribute("value") == "USD"
    assert page.field("Dates and times").get_attribute("value") == "MDY"
    title = page.driver.title
    assert title == f"Studio & policies · Setup · Sunset Yoga Co {n} · Frontdesk", title


def _text(server, number: str, phone: str, body: str) -> list[str]:
    sid = f"SM{next(_numbers):032x}"
    return handle_inbound(server.database, Inbound("sms", phone, number, body, sid)).replies


def test_a_client_asks_for_a_person_and_staff_take_over_from_the_inbox(page: Page):
    n = next(_numbers)
    number, phone = f"+4477009{n:05d}", f"+4477008{n:05d}"
    sign_up(page, f"Harbour Pilates {n}", f"harbour-inbox-{n}", owner="Ana Reyes")
    page.open("/admin/setup/studio/")
    page.fill({"SMS number (Twilio)": number})
    page.click("Save settings")
    assert "Settings saved." in page.text, page.text

    with page.server.database.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.sms_number == number)).one()
    with page.server.database.studio(studio_id) as s:  # the owner's phone, for the hand-off alert
        s.scalars(select(Staff).where(Staff.role == "owner")).one().phone = f"+4477007{n:05d}"
    _text(page.server, number, phone, "hi")  # a new number: the bot asks the name first
    _text(page.server, number, phone, "Maya")
    replies = _text(page.server, number, phone, "I want to talk to someone")
    assert replies and "team" in replies[0], replies  # the bot says a person will answer
    page.open("/admin/")
    page.click("Messages")
    page.click("Needs a person 1")
    row = page.driver.find_element(By.CSS_SELECTOR, f"li.thread-row[data-phone='{phone}']")
    assert "Needs a person: asked for a person" in row.text and "Unread" in row.text, row.text
    page.screenshot("inbox", DESKTOP)
    page.screenshot("inbox", PHONE)
    page.follow(row.find_element(By.CSS_SELECTOR, "a.row-link"))
    assert "Needs a person: asked for a person" in page.text
    bubbles = page.driver.find_elements(By.CSS_SELECTOR, ".phone-thread .bubble")
    authors = [b.get_attribute("data-author") for b in bubbles]
    assert authors[:2] == ["them", "Bot"] and authors[-2:] == ["them", "Bot"] and set(authors) == {"them", "Bot"}
    assert bubbles[0].text == "hi" and bubbles[-2].text == "I want to talk to someone"  # oldest at the top
    page.fill({"Your reply": "Hi, this is Ana at the front desk. How can I help?"})
    page.click("Send reply")
    assert "The bot stays quiet in this conversation" in page.text, page.text
    assert "Ana Reyes has this conversation" in page.text
    page.screenshot("thread", DESKTOP)
    page.screenshot("thread", PHONE)

    with page.server.database.studio(studio_id) as s:
        alert = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "handoff")).one()
        assert alert.to_addr == f"+4477007{n:05d}" and "asked for a person" in alert.body
        sent = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reply")).all()
        assert [(r.to_addr, r.from_addr, r.body) for r in sent] == [
            (phone, number, "Hi, this is Ana at the front desk. How can I help?")
        ]

    assert _text(page.server, number, phone, "can I book reformer tomorrow at 6?") == []  # a person has it
    page.driver.refresh()
    assert "can I book reformer tomorrow at 6?" in page.text
    page.click("Hand back to the bot")
    assert "Handed back" in page.text
    with page.server.database.studio(studio_id) as s:
        assert s.scalars(select(Conversation.human_until).where(Conversation.phone == phone)).one() is None
    assert _text(page.server, number, phone, "hello") != []  # the bot answers again
