"""Browser tests: the app served by a real HTTP server on a free loopback port, with its own
database and the demo data, driven by Debian's Chromium through Playwright.

Screenshots of each journey's key pages go to tests/e2e/artifacts/ (ignored by git).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.demo.data import DEMO_PASSWORD
from conciergerie.extensions import db as _db
from conciergerie.extensions import limiter
from tests.conftest import _throwaway_postgres

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 375, "height": 667}
_LIVE: dict[str, object] = {}  # the live server's app, for reading what it wrote (mails)


def _seed(app) -> None:
    """The demo data, plus round-the-clock hours for one volunteer and every provider, so that
    a journey can plan rounds whatever the hour the suite runs at."""
    from conciergerie.accounts.service import find_user_by_email
    from conciergerie.demo.service import load_demo_data
    from conciergerie.models import Provider, ProviderOpeningRange, VolunteerAvailability, utcnow
    from conciergerie.slots.jobs import generate_ahead

    session = _db.session
    load_demo_data(session, now=utcnow(), pictures=Path(app.config["UPLOAD_ROOT"]) / "events")
    generate_ahead(session, now=utcnow())
    volunteer = find_user_by_email(session, "benevole@example.org")
    for weekday in range(7):
        session.add(
            VolunteerAvailability(
                volunteer_id=volunteer.id,
                weekday=weekday,
                starts_at=time(0, 0),
                ends_at=time(23, 59),
            )
        )
        for provider in session.query(Provider):
            provider.opening_ranges.append(
                ProviderOpeningRange(weekday=weekday, opens_at=time(0, 0), closes_at=time(23, 59))
            )
    session.commit()


def _buffered(app):
    """The app with each response read whole, and its file closed, before the server writes it.

    When the browser drops a connection mid-response (a page left while its favicon loads),
    werkzeug's development server can fail reading the reset socket before it closes the
    response, leaving a static file open; under `filterwarnings = error` that ResourceWarning
    fails whichever test is running. A buffered response has no file left to leak."""

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """The base URL of a running server of its own (never the unit tests' database)."""
    base = os.environ.get("DATABASE_URL")
    drop = None
    if base and base.startswith(("postgres://", "postgresql")):
        url, drop = _throwaway_postgres(base)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.sqlite3'}"
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        UPLOAD_ROOT=str(tmp_path_factory.mktemp("e2e-uploads")),
        PUBLIC_URL="http://127.0.0.1",
    )
    limiter.enabled = False  # many sign-ins from 127.0.0.1 (the limit tests switch it on)
    with app.app_context():
        flask_migrate.upgrade()
        _seed(app)
    _LIVE["app"] = app
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            _db.engine.dispose()
        if drop is not None:
            drop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)


@pytest.fixture
def new_page(browser, live_server):
    """`new_page(viewport=PHONE, locale="fr-FR")`: a page in a fresh browser context."""
    contexts = []

    def make(viewport=None, locale="fr-FR", **kw):
        context = browser.new_context(
            base_url=live_server,
            viewport=viewport or {"width": 1024, "height": 800},
            locale=locale,
            **kw,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/compte/connexion")
    page.locator("input[name=email]").fill(email)  # any language
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^(?!.*/compte/connexion).*$"))


def last_link_mailed(email: str, path: str) -> str:
    """The path of the last link to `path` (e.g. "/compte/confirmer/") mailed to `email`: read
    from the live server's outbox, as the person would read it in their mailbox."""
    from conciergerie.models import OutboxMail

    app = _LIVE["app"]
    with app.app_context():
        bodies = _db.session.scalars(
            sa.select(OutboxMail.body_text)
            .where(OutboxMail.recipient == email)
            .order_by(OutboxMail.id.desc())
        ).all()
    for body in bodies:
        found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no link to {path} mailed to {email}")


def open_menu(page) -> None:
    """Open the header's menu (a <details>), where a phone finds the links its row has no room
    for, the language switch and, for everyone signed in, signing out."""
    menu = page.locator("details.nav-menu")
    if not menu.evaluate("(details) => details.open"):
        menu.locator("summary").click()


def expect_signed_in(page) -> None:
    """The header offers to sign out (behind its menu button)."""
    expect(page.locator("header form[action='/compte/deconnexion']")).to_have_count(1)


def sign_out(page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Se déconnecter").click()


def first_working_day_after(today=None):
    """The next working day at the desk, counted from today in Paris (not the machine's day)."""
    from conciergerie.models import utcnow
    from conciergerie.timeutils import is_working_day, local_date

    today = today or local_date(utcnow())

    day = today + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
