"""Helpers for the browser tests: find and fill things the way a person would, take
screenshots, measure sideways overflow; and the sign-up / sign-in steps every test uses."""

from __future__ import annotations

import time
from pathlib import Path

SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = (1366, 900)
PHONE = (390, 844)
PASSWORD = "correct horse battery"


class Page:
    """Small helpers over the Selenium driver: find things the way a person would."""

    def __init__(self, driver, server) -> None:
        self.driver, self.server = driver, server

    def open(self, path: str) -> None:
        self.driver.get(self.server.url + path)

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.server.url)

    @property
    def text(self) -> str:
        """The visible text of the page (waiting out a navigation still in flight)."""
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.common.by import By

        for _ in range(20):
            try:
                return self.driver.find_element(By.TAG_NAME, "body").text
            except (NoSuchElementException, StaleElementReferenceException):
                time.sleep(0.1)
        return self.driver.find_element(By.TAG_NAME, "body").text

    def field(self, label: str):
        """The form control whose <label> starts with ``label`` (exact text first)."""
        from selenium.webdriver.common.by import By

        for xpath in (
            f"//label[normalize-space()={_xpath_literal(label)}]",
            f"//label[starts-with(normalize-space(), {_xpath_literal(label)})]",
        ):
            for found in self.driver.find_elements(By.XPATH, xpath):
                if not found.is_displayed():
                    continue
                target = found.get_attribute("for")
                if target:
                    return self.driver.find_element(By.ID, target)
                inner = found.find_elements(By.CSS_SELECTOR, "input, select, textarea")
                if inner:
                    return inner[0]
        raise AssertionError(f"no visible field labelled {label!r} on {self.path}")

    def fill(self, values: dict[str, str | bool]) -> None:
        """Type into / choose / tick each field found by its label, as a person would.

        Widgets that JavaScript replaces (Select2 selects, date and time pickers) get their
        value set on the underlying control, with the events the widget listens for.
        """
        from selenium.webdriver.support.select import Select

        for label, value in values.items():
            element = self.field(label)
            kind = (element.get_attribute("type") or "").lower()
            role = element.get_attribute("data-role") or ""
            if element.tag_name == "select":
                if element.is_displayed() and not role.startswith("select2"):
                    Select(element).select_by_visible_text(str(value))
                else:
                    self._choose_hidden(element, str(value))
            elif kind in ("checkbox", "radio"):
                if element.is_selected() != bool(value):
                    self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
                    element.click()
            elif kind in ("date", "time", "datetime-local") or "picker" in role:
                self.driver.execute_script(
                    "const e = arguments[0]; e.value = arguments[1];"
                    "e.dispatchEvent(new Event('input', {bubbles: true}));"
                    "e.dispatchEvent(new Event('change', {bubbles: true}));",
                    element,
                    str(value),
                )
            else:
                element.clear()
                element.send_keys(str(value))

    def _choose_hidden(self, element, text: str) -> None:
        chosen = self.driver.execute_script(
            """
            const select = arguments[0], text = arguments[1].trim();
            const option = Array.from(select.options).find(o => o.text.trim() === text);
            if (!option) return Array.from(select.options).map(o => o.text.trim());
            select.value = option.value;
            select.dispatchEvent(new Event('change', {bubbles: true}));
            if (window.jQuery) window.jQuery(select).trigger('change');
            return null;""",
            element,
            text,
        )
        if chosen is not None:
            raise AssertionError(f"no option {text!r} in {element.get_attribute('name')}: {chosen}")

    def row(self, *texts: str):
        """The visible table row (or calendar slot, or list item) that shows every one of ``texts``."""
        from selenium.webdriver.common.by import By

        condition = " and ".join(f"contains(normalize-space(), {_xpath_literal(t)})" for t in texts)
        for element in self.driver.find_elements(By.XPATH, f"//tr[{condition}] | //a[{condition}] | //li[{condition}]"):
            if element.is_displayed():
                return element
        raise AssertionError(f"no row showing {texts} on {self.path}")

    def follow(self, element) -> None:
        """Click a link or submit button and wait for the page it loads (every click here
        loads one: links and plain HTML forms), so the next look is at the new page."""
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        before = self.driver.find_element(By.TAG_NAME, "html")
        label = element.text or element.get_attribute("value")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        try:
            WebDriverWait(self.driver, 15).until(lambda d: _gone(before, WebDriverException))
        except TimeoutException:
            raise AssertionError(
                f"clicking {label!r} on {self.path} loaded no new page (did the browser refuse the form?)"
            ) from None
        WebDriverWait(self.driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def click(self, text: str, within=None) -> None:
        """Click the visible button or link whose text (or value) is ``text``, and wait for the page it loads."""
        from selenium.webdriver.common.by import By

        literal = _xpath_literal(text)
        xpath = (
            f".//button[normalize-space()={literal}] | .//a[normalize-space()={literal}]"
            f" | .//input[(@type='submit' or @type='button') and @value={literal}]"
        )
        scope = within or self.driver
        for element in scope.find_elements(By.XPATH, xpath):
            if element.is_displayed():
                self.follow(element)
                return
        raise AssertionError(f"no visible button or link {text!r} on {self.path}")

    def screenshot(self, name: str, size: tuple[int, int]) -> Path:
        """A full-page PNG at ``size`` (phone widths emulate a mobile viewport)."""
        width, height = size
        mobile = width < 600
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )
        full = self.driver.execute_script("return Math.max(document.documentElement.scrollHeight, innerHeight)")
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": min(int(full), 6000), "deviceScaleFactor": 1, "mobile": mobile},
        )
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}-{'phone' if mobile else 'desktop'}.png"
        self.driver.save_screenshot(str(path))
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return path

    def overflow(self, width: int) -> int:
        """How many CSS pixels the page is wider than a ``width`` viewport (0 when it fits)."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        try:
            return int(
                self.driver.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
            )
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


def sign_up(page: Page, name: str, key: str, owner: str = "Ana Reyes", email: str | None = None) -> str:
    email = email or f"{key}@studio.example"
    page.open("/admin/signup")
    page.fill(
        {
            "Studio name": name,
            "Short name": key,
            "Timezone": "Europe/London",
            "Your name": owner,
            "Email": email,
            "Password": PASSWORD,
        }
    )
    page.click("Create studio")
    return email


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.open("/admin/login")
    page.fill({"Email": email, "Password": password})
    page.click("Sign in")


def _gone(element, error: type[Exception]) -> bool:
    """The old page's root is gone. Selenium's ``staleness_of`` expects a stale-element
    error, but mid-navigation Chromium may instead answer "Node with given id does not
    belong to the document" (a plain WebDriverException): that means gone too."""
    try:
        element.is_enabled()
    except error:
        return True
    return False
