"""A new studio owner's first morning, in a real browser (issue 5's list):

sign up, set up a location, a class type and a weekly schedule, generate sessions, see
them on the calendar, add and book a client, cancel the class from its roster and read
the texts in the outbox, talk to the bot in the playground, and check the client in at
the door that evening. Screenshots of the
calendar, dashboard, playground (and a few more pages) at desktop and phone widths go to
``tests/browser/screenshots/`` (git-ignored).

The server's clock is frozen at Monday 23 Nov 2026 09:00 UTC (09:00 in London).
"""

from __future__ import annotations

from datetime import UTC, datetime

from selenium.webdriver.common.by import By

from tests.e2e.browser.pages import DESKTOP, PHONE, Page, sign_up

CLIENT_PHONE = "+44 7700 900123"


def set_up_the_studio(page: Page) -> None:
    page.click("Setup")
    assert page.path.startswith("/admin/setup")

    page.click("Locations")
    page.click("Create")
    page.fill({"Name": "Main studio", "Address": "12 Harbour Street", "Timezone": "Europe/London"})
    page.click("Save")
    assert "Main studio" in page.text, page.text

    page.open("/admin/setup/")
    page.click("Class types")
    page.click("Create")
    page.fill(
        {"Name": "Vinyasa Flow", "Category": "Yoga", "Minutes": "60", "Capacity": "12", "Credits per booking": "1"}
    )
    page.click("Save")
    assert "Vinyasa Flow" in page.text, page.text

    page.open("/admin/setup/")
    page.click("Schedules")
    page.click("Create")
    page.fill(
        {
            "Class": "Vinyasa Flow",
            "Location": "Main studio",
            "Instructor": "Ana Reyes",
            "Mon": True,
            "Wed": True,
            "Fri": True,
            "Starts at": "18:30",
            "From": "2026-11-23",
        }
    )
    page.click("Save")
    assert "Vinyasa Flow" in page.text and "18:30" in page.text, page.text

    page.click("Generate sessions")
    assert "new sessions added" in page.text, page.text


def day_column(page: Page, day: str):
    """The calendar's column for ``day`` (e.g. "Wed 25"), found by its heading."""
    return page.driver.find_element(By.XPATH, f"//section[.//h2[starts-with(normalize-space(), '{day}')]]")


def see_the_week(page: Page) -> None:
    page.click("Calendar")
    assert page.path.startswith("/admin/calendar")
    heading = page.driver.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith("Week of 23") and "Nov" in heading, heading
    slots = [s for s in page.driver.find_elements(By.CSS_SELECTOR, "a[href*='/session/']") if "Vinyasa Flow" in s.text]
    assert len(slots) == 3, [s.text for s in slots]  # Mon, Wed, Fri at 18:30
    for day in ("Mon 23", "Wed 25", "Fri 27"):
        column = day_column(page, day)
        assert "18:30" in column.text and "Vinyasa Flow" in column.text and "0/12 booked" in column.text


def add_and_book_a_client(page: Page) -> str:
    """Returns the client's profile path."""
    page.click("Clients")
    page.click("Add a client")
    page.fill({"Name": "Maya Chen", "Mobile number": CLIENT_PHONE})
    page.click("Add client")
    assert "Added Maya Chen" in page.text

    profile = page.path
    page.fill({"Credits": "5", "Reason": "Welcome pack"})
    page.click("Grant")
    assert "Granted" in page.text
    assert page.driver.find_element(By.CSS_SELECTOR, "[data-credits]").text == "5"

    for day, credits_left in (("Mon 23 Nov", "4"), ("Wed 25 Nov", "3")):
        page.click("Book into a class")
        # the list is grouped under a heading row per day; the class is the row after it
        row = page.driver.find_element(
            By.XPATH, f"//tr[th[normalize-space()='{day}']]/following-sibling::tr[contains(., 'Vinyasa Flow')][1]"
        )
        page.click("Book", within=row)
        assert "Booked Maya Chen into Vinyasa Flow" in page.text, page.text
        assert page.driver.find_element(By.CSS_SELECTOR, "[data-credits]").text == credits_left
    return profile


def cancel_the_class_and_read_the_outbox(page: Page) -> str:
    """Returns the roster path of the class that stays on (Monday's)."""
    page.click("Calendar")
    page.follow(day_column(page, "Wed 25").find_element(By.PARTIAL_LINK_TEXT, "Vinyasa Flow"))
    assert "Maya Chen" in page.text and "Wednesday 25 November, 18:30" in page.text, page.text
    page.driver.find_element(By.XPATH, "//summary[normalize-space()='Cancel this class']").click()  # issue 16
    page.fill({"Reason": "Instructor ill", "Yes, cancel it": True})
    page.click("Cancel class")
    assert "Class cancelled" in page.text, page.text
    page.open("/admin/calendar/")
    assert "cancelled" in day_column(page, "Wed 25").text
    monday = day_column(page, "Mon 23").find_element(By.PARTIAL_LINK_TEXT, "Vinyasa Flow")
    assert "1/12 booked" in monday.text
    roster = monday.get_attribute("href").removeprefix(page.server.url)

    page.click("Messages")
    page.click("Outbox")
    text = page.row("Maya Chen", "Vinyasa Flow").text
    assert "Vinyasa Flow, Wed 25 Nov 18:30 has been cancelled" in text, text
    return roster


def read_the_dashboard(page: Page) -> None:
    page.click("Dashboard")
    today = page.driver.find_element(By.ID, "today")
    assert "Vinyasa Flow" in today.text and "1/12" in today.text, today.text


def talk_to_the_bot(page: Page) -> None:
    page.click("Playground")
    page.fill({"Text as": CLIENT_PHONE, "Message": "book vinyasa friday"})
    page.click("Send")
    bubbles = [b.text for b in page.driver.find_elements(By.CSS_SELECTOR, "#thread .bubble")]
    assert any(b.startswith("book vinyasa friday") for b in bubbles), bubbles
    replies = [b for b in bubbles if b.startswith("Booked: Vinyasa Flow, Fri 27 Nov 18:30 at Main studio")]
    assert len(replies) == 1 and "3 credits left" in replies[0], bubbles
    page.click("Calendar")  # the bot's booking is a real one
    assert "1/12 booked" in day_column(page, "Fri 27").text


def check_in_at_the_door(page: Page, roster: str) -> None:
    """At 17:45 (check-in opens an hour before) Maya is checked in on Monday's roster."""
    page.server.clock.set(datetime(2026, 11, 23, 17, 45, tzinfo=UTC))  # 17:45 in London
    page.open(roster)
    row = page.row("Maya Chen")
    page.click("Check in", within=row)
    assert "Maya Chen checked in." in page.text, page.text
    assert "checked in" in page.row("Maya Chen").text


SCREENS = {  # name: how to get there
    "dashboard": "/admin/dashboard",
    "calendar": "/admin/calendar/",
    "clients": "/admin/clients",
    "outbox": "/admin/messages/outbox",
    "setup-schedules": "/admin/setup/schedules/",
    "playground": f"/admin/playground/?phone={CLIENT_PHONE.replace(' ', '').replace('+', '%2B')}",
}


def test_a_new_owner_sets_up_the_week_books_cancels_and_tries_the_bot(page):
    sign_up(page, "Lotus Flow Yoga", "lotus-flow")
    set_up_the_studio(page)
    see_the_week(page)
    profile = add_and_book_a_client(page)
    roster = cancel_the_class_and_read_the_outbox(page)
    read_the_dashboard(page)
    talk_to_the_bot(page)
    check_in_at_the_door(page, roster)
    overflowing = {}
    for name, path in {**SCREENS, "client": profile, "roster": roster}.items():
        page.open(path)
        for size in (DESKTOP, PHONE):
            page.screenshot(name, size)
        overflowing[name] = page.overflow(PHONE[0])  # the page itself must not scroll sideways
    wider = {name: px for name, px in overflowing.items() if px > 0}
    assert not wider, f"pages wider than a {PHONE[0]}px phone (CSS px too wide): {wider}"
