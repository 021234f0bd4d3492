"""Roles in the browser: staff see only the pages their role may open, and a page they
may not open is refused by the server when they type its address (not just hidden)."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from admin.accounts import add_staff
from tests.e2e.browser.pages import PASSWORD, Page, sign_in, sign_up


def nav_labels(page: Page) -> list[str]:
    return [a.text for a in page.driver.find_elements(By.CSS_SELECTOR, "header nav a")]


def status_of(page: Page, path: str) -> int:
    """The HTTP status the signed-in browser gets for ``path`` (its own cookies, a real request)."""
    return page.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {redirect: 'manual', credentials: 'same-origin'}).then(r => done(r.status));",
        path,
    )


def test_front_desk_and_instructor_see_and_open_only_their_pages(page, live_server):
    owner = sign_up(page, "Cedar Barre", "cedar-barre")
    assert "Setup" in nav_labels(page) and "Playground" in nav_labels(page)
    page.click("Sign out")
    for role in ("front_desk", "instructor"):
        add_staff(
            live_server.database,
            studio_key="cedar-barre",
            email=f"{role}@cedar.example",
            password=PASSWORD,
            role=role,
            name=role.replace("_", " ").title(),
        )

    sign_in(page, "front_desk@cedar.example")
    labels = nav_labels(page)
    assert {"Calendar", "Clients", "Messages", "Playground"} <= set(labels), labels
    assert "Setup" not in labels
    assert status_of(page, "/admin/setup/") == 403
    assert status_of(page, "/admin/setup/class-types/new/") == 403
    assert status_of(page, "/admin/clients") == 200
    page.click("Sign out")

    sign_in(page, "instructor@cedar.example")
    labels = nav_labels(page)
    # issue 16: instructors have Messages too, with only their own clients' threads
    assert {"Calendar", "Messages"} <= set(labels) and not {"Dashboard", "Clients", "Playground", "Setup"} & set(
        labels
    ), labels
    for path in ("/admin/clients", "/admin/messages/outbox", "/admin/playground/", "/admin/setup/"):
        assert status_of(page, path) == 403, path
    assert status_of(page, "/admin/calendar/") == 200
    page.click("Sign out")

    sign_in(page, owner)
    assert status_of(page, "/admin/setup/") == 200
