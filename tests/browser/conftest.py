"""Browser tests: the admin panel served over real HTTP and driven by headless Chromium.

One Chromium (Selenium 4 with Debian's ``chromedriver``) and one server per test run.
The server is werkzeug's threaded WSGI server on 127.0.0.1 with a free port, running the
real app on a throwaway SQLite database migrated like production. Its clock is frozen at
Monday 23 Nov 2026 09:00 UTC and installed only while a browser test runs, so the rest
of the suite keeps its own clock.

Nothing is downloaded: the driver path is given to ``Service`` (Selenium Manager is
skipped when a driver path is set) and the browser path to ``binary_location``. Without
``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (Debian: ``apt-get install chromium
chromium-driver``) the tests skip saying so, unless ``FRONTDESK_REQUIRE_SERVICES=1``
(CI), where they fail.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
import traceback
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask import got_request_exception
from werkzeug.serving import make_server

from admin.security import sign_in_limit
from app import clock as clock_module
from app import create_app
from app.clock import FrozenClock
from app.config import Settings
from app.db import Database
from app.migrate import upgrade

CHROMIUM = os.environ.get("FRONTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FRONTDESK_CHROMEDRIVER", "/usr/bin/chromedriver")
REQUIRE_SERVICES = os.environ.get("FRONTDESK_REQUIRE_SERVICES") == "1"
START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # Monday 23 Nov 2026, 09:00 London
SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = (1366, 900)
PHONE = (390, 844)


def _missing_browser() -> str | None:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} not found (package {package})"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


class LiveServer:
    """The app on a real socket, in a daemon thread; server errors are kept for the test to report."""

    def __init__(self, app, database: Database, clock: FrozenClock) -> None:
        self.app, self.database, self.clock = app, database, clock
        self.errors: list[str] = []
        got_request_exception.connect(self._record, app)
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="browser-test-server", daemon=True)

    def _record(self, sender, exception: BaseException, **extra) -> None:
        from flask import request

        trace = "".join(traceback.format_exception(exception))
        self.errors.append(f"{request.method} {request.full_path}\n{trace}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("browser") / "frontdesk.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    database = Database(url)
    app = create_app(Settings(database_url=url, secret_key="browser-test-secret", redis_url=None), database=database)
    server = LiveServer(app, database, FrozenClock(START))
    server.start()
    yield server
    server.stop()
    database.dispose()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Chromium for the whole run."""
    missing = _missing_browser()
    if missing:
        message = (f"browser tests need Chromium and its driver: {missing}. Enable them with "
                   "`apt-get install chromium chromium-driver` (or run .ci/run, which installs them); "
                   "FRONTDESK_CHROMIUM / FRONTDESK_CHROMEDRIVER point elsewhere")
        if REQUIRE_SERVICES:
            pytest.fail(message + " (FRONTDESK_REQUIRE_SERVICES=1, so this is a failure)")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking", "--hide-scrollbars", "--lang=en-GB",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(argument)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium refuses to sandbox as root
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium, live_server) -> Iterator[object]:
    """The shared Chromium, signed out, at desktop size, with the server's clock installed."""
    previous = clock_module.install(live_server.clock)
    sign_in_limit.hits.clear()
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chromium.set_window_size(*DESKTOP)
    live_server.errors.clear()
    yield chromium
    clock_module.install(previous)
    errors, live_server.errors[:] = list(live_server.errors), []
    assert not errors, "the server raised during the test:\n" + "\n".join(errors)


class Page:
    """Small helpers over the Selenium driver: find things the way a person would."""

    def __init__(self, driver, server: LiveServer) -> None:
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

        for xpath in (f"//label[normalize-space()={_xpath_literal(label)}]",
                      f"//label[starts-with(normalize-space(), {_xpath_literal(label)})]"):
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
                    "e.dispatchEvent(new Event('change', {bubbles: true}));", element, str(value))
            else:
                element.clear()
                element.send_keys(str(value))

    def _choose_hidden(self, element, text: str) -> None:
        chosen = self.driver.execute_script("""
            const select = arguments[0], text = arguments[1].trim();
            const option = Array.from(select.options).find(o => o.text.trim() === text);
            if (!option) return Array.from(select.options).map(o => o.text.trim());
            select.value = option.value;
            select.dispatchEvent(new Event('change', {bubbles: true}));
            if (window.jQuery) window.jQuery(select).trigger('change');
            return null;""", element, text)
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

    def click(self, text: str, within=None) -> None:
        """Click the visible button or link whose text (or value) is ``text``."""
        from selenium.webdriver.common.by import By

        literal = _xpath_literal(text)
        xpath = (f".//button[normalize-space()={literal}] | .//a[normalize-space()={literal}]"
                 f" | .//input[(@type='submit' or @type='button') and @value={literal}]")
        scope = within or self.driver
        for element in scope.find_elements(By.XPATH, xpath):
            if element.is_displayed():
                self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
                element.click()
                return
        raise AssertionError(f"no visible button or link {text!r} on {self.path}")

    def screenshot(self, name: str, size: tuple[int, int]) -> Path:
        """A full-page PNG at ``size`` (phone widths emulate a mobile viewport)."""
        width, height = size
        mobile = width < 600
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        full = self.driver.execute_script("return Math.max(document.documentElement.scrollHeight, innerHeight)")
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": min(int(full), 6000), "deviceScaleFactor": 1, "mobile": mobile})
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}-{'phone' if mobile else 'desktop'}.png"
        self.driver.save_screenshot(str(path))
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return path

    def overflow(self, width: int) -> int:
        """How many CSS pixels the page is wider than a ``width`` viewport (0 when it fits)."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 844, "deviceScaleFactor": 1, "mobile": width < 600})
        try:
            return int(self.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"))
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


@pytest.fixture
def page(browser, live_server) -> Page:
    return Page(browser, live_server)
