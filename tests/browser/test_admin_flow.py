"""A new studio owner's first morning, in a real browser (issue 5's list):

sign up, set up a location, a class type and a weekly schedule, generate sessions, see
them on the calendar, add and book a client, cancel the class from its roster and read
the texts in the outbox, then talk to the bot in the playground. Screenshots of the
calendar, dashboard and playground at desktop and phone widths go to
``tests/browser/screenshots/`` (git-ignored).

The server's clock is frozen at Monday 23 Nov 2026 09:00 UTC (09:00 in London).
"""
from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.browser.conftest import DESKTOP, PHONE, Page
from tests.browser.test_admin_access import sign_up

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
    page.fill({"Name": "Vinyasa Flow", "Category": "Yoga", "Minutes": "60", "Capacity": "12",
               "Credits per booking": "1"})
    page.click("Save")
    assert "Vinyasa Flow" in page.text, page.text

    page.open("/admin/setup/")
    page.click("Schedules")
    page.click("Create")
    page.fill({"Class": "Vinyasa Flow", "Location": "Main studio", "Instructor": "Ana Reyes",
               "Mon": True, "Wed": True, "Fri": True, "Starts at": "18:30", "From": "2026-11-23"})
    page.click("Save")
    assert "Vinyasa Flow" in page.text and "18:30" in page.text, page.text

    page.click("Generate sessions")
    assert "new sessions added" in page.text, page.text


def see_the_week(page: Page) -> None:
    page.click("Calendar")
    assert page.path.startswith("/admin/calendar")
    heading = page.driver.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith("Week of 23") and "Nov" in heading, heading
    slots = [s for s in page.driver.find_elements(By.CSS_SELECTOR, "a[href*='/session/']") if "Vinyasa Flow" in s.text]
    assert len(slots) == 3, [s.text for s in slots]  # Mon, Wed, Fri at 18:30
    for day in ("Mon 23", "Wed 25", "Fri 27"):
        column = page.driver.find_element(By.XPATH, f"//section[.//h2[starts-with(normalize-space(), '{day}')]]")
        assert "18:30" in column.text and "Vinyasa Flow" in column.text and "0/12 booked" in column.text


def add_and_book_a_client(page: Page) -> None:
    page.click("Clients")
    page.click("Add a client")
    page.fill({"Name": "Maya Chen", "Mobile number": CLIENT_PHONE})
    page.click("Add client")
    assert "Added Maya Chen" in page.text

    page.fill({"Credits": "5", "Reason": "Welcome pack"})
    page.click("Grant")
    assert "Granted" in page.text
    assert page.driver.find_element(By.CSS_SELECTOR, "[data-credits]").text == "5"

    page.click("Book into a class")
    row = page.row("Vinyasa Flow", "Wed")
    page.click("Book", within=row)
    assert "Booked Maya Chen into Vinyasa Flow" in page.text, page.text
    assert page.driver.find_element(By.CSS_SELECTOR, "[data-credits]").text == "4"


def cancel_the_class_and_read_the_outbox(page: Page) -> None:
    page.click("Calendar")
    slot = page.row("Vinyasa Flow", "1/12 booked")
    slot.click()
    assert "Maya Chen" in page.text and "Wednesday 25 November, 18:30" in page.text, page.text
    page.fill({"Reason": "Instructor ill", "Yes, cancel it": True})
    page.click("Cancel class")
    assert "Class cancelled" in page.text, page.text
    page.open("/admin/calendar/")
    wednesday = page.driver.find_element(By.XPATH, "//section[.//h2[starts-with(normalize-space(), 'Wed 25')]]")
    assert "cancelled" in wednesday.text

    page.click("Messages")
    page.click("Outbox")
    text = page.row("Maya Chen", "Vinyasa Flow").text
    assert "Vinyasa Flow, Wed 25 Nov 18:30 has been cancelled" in text, text


def test_a_new_owner_sets_up_the_week_books_a_client_and_cancels_a_class(page):
    sign_up(page, "Lotus Flow Yoga", "lotus-flow")
    set_up_the_studio(page)
    see_the_week(page)
    add_and_book_a_client(page)
    cancel_the_class_and_read_the_outbox(page)
    page.open("/admin/calendar/")
    for size in (DESKTOP, PHONE):
        page.screenshot("calendar", size)
