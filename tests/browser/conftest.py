"""Browser tests: the app served for real (werkzeug in a thread) on a fresh database with the
demo neighbourhood (PostgreSQL beside the test database when TEST_DATABASE_URL points there,
else a SQLite file), driven by Playwright through Debian's chromium at phone size. CI runs
them once, on PostgreSQL.

Never `playwright install`: the Python wheel carries its driver, the browser is the system's
/usr/bin/chromium. Without it, or without Playwright, these tests are skipped — unless
REQUIRE_BROWSER=1 (as in CI), which makes that an error."""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import refuse_skips, required
from tests.scratch import scratch_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "buurtpad-demo"  # noqa: S105 - demo accounts of a throwaway database
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}


def missing_parts() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return None


# Last: after `-m`/`-k` have deselected, so only tests that would really run are counted.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needing = [item for item in items if "browser" in item.keywords]
    reason = missing_parts() if needing else None
    if reason is None:
        return
    if required("REQUIRE_BROWSER"):
        refuse_skips("REQUIRE_BROWSER", "browser", reason, len(needing))
    skip = pytest.mark.skip(reason=reason)
    for item in needing:
        item.add_marker(skip)


class LiveServer:
    def __init__(self, app: Any, url: str) -> None:
        self.app = app
        self.url = url

    def query(self, function: Any) -> Any:
        """Run `function()` against the server's database in an app context of its own."""
        from app.db import db

        with self.app.app_context():
            try:
                return function()
            finally:
                db.session.remove()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.db import db
    from app.demo.operations import fill_demo
    from app.timers.operations import tick

    with scratch_database("browser", tmp_path_factory.mktemp("browser")) as database:
        app = create_app({
            **database,
            "SECRET_KEY": "browser-tests-only",
            "SESSION_COOKIE_SECURE": False,
            "DEBUG": False,
            "TESTING": False,
            # Cheap hashing: the demo accounts of a throwaway database.
            "ARGON2_MEMORY_KIB": 1024,
            "ARGON2_TIME_COST": 1,
        })
        with app.app_context():
            upgrade()
            fill_demo(DEMO_PASSWORD)
            db.session.commit()
            tick()  # escalate the demo's long-unanswered handovers
            db.session.remove()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright import sync_api  # present: checked when the tests were collected

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def phone(browser: Any, live_server: LiveServer) -> Any:
    """`phone(email)` → a logged-in page at 360×740 in Dutch; each user a context of its own."""
    contexts = []

    def open_as(email: str) -> Any:
        context = browser.new_context(viewport=PHONE, locale="nl-NL", base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_fits_phone(page: Any) -> None:
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px"


def shows(page: Any, text: str) -> None:
    """Wait until the page (after a click that navigates) shows `text`."""
    from playwright.sync_api import expect

    expect(page.locator("body")).to_contain_text(text)


def unfold(page: Any) -> None:
    """Open the folded sections of the door's form, as a coach taps them open."""
    folded = page.locator("form[data-offline-kind=visit] details:not([open]) > summary")
    while folded.count():
        folded.first.click()
