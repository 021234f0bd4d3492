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
import threading
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import got_request_exception
from werkzeug.serving import make_server

from app import clock as clock_module
from app.clock import FrozenClock
from app.config import Settings
from app.db import Database
from app.factory import create_app
from app.migrate import upgrade
from tests.e2e.browser.pages import DESKTOP, Page

CHROMIUM = os.environ.get("FRONTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FRONTDESK_CHROMEDRIVER", "/usr/bin/chromedriver")
REQUIRE_SERVICES = os.environ.get("FRONTDESK_REQUIRE_SERVICES") == "1"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 23 Nov 2026, 09:00 London


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
        message = (
            f"browser tests need Chromium and its driver: {missing}. Enable them with "
            "`apt-get install chromium chromium-driver` (or run .ci/run, which installs them); "
            "FRONTDESK_CHROMIUM / FRONTDESK_CHROMEDRIVER point elsewhere"
        )
        if REQUIRE_SERVICES:
            pytest.fail(message + " (FRONTDESK_REQUIRE_SERVICES=1, so this is a failure)")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--hide-scrollbars",
        "--lang=en-GB",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
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
    live_server.clock.set(START)
    previous = clock_module.install(live_server.clock)
    live_server.app.extensions["frontdesk.limiter"].reset()
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chromium.set_window_size(*DESKTOP)
    live_server.errors.clear()
    yield chromium
    clock_module.install(previous)
    errors, live_server.errors[:] = list(live_server.errors), []
    assert not errors, "the server raised during the test:\n" + "\n".join(errors)


@pytest.fixture
def page(browser, live_server) -> Page:
    return Page(browser, live_server)
