"""Test fixtures.

The suite runs on SQLite by default. With DATABASE_URL pointing at a PostgreSQL server, it
creates a throw-away database there for the run and drops it at the end (the database named
in the URL is never touched). The schema is built by the migrations, not by create_all.
Each test runs inside one transaction that is rolled back.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from conciergerie import create_app
from conciergerie.config import TestingConfig, normalise_database_url
from conciergerie.extensions import db as _db
from conciergerie.extensions import limiter
from conciergerie.models import Base, Role, User
from tests import factories


def pytest_unconfigure(config: pytest.Config) -> None:
    """Let the interpreter exit under libfaketime.

    Flask-Limiter's in-memory storage (the `limits` library) keeps a non-daemon 10 ms
    `threading.Timer` per app, which Python waits for at exit. With libfaketime's default faked
    monotonic clock, a timed wait (`pthread_cond_timedwait`) gets its deadline in the faked
    time and the kernel waits a year for it: pytest printed its summary and never exited.
    Cancelling wakes the wait at once. (CI also keeps the monotonic clock real under faketime:
    it measures durations, not dates.)"""
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context (own `g`, own DB session),
    as in production, even while the test itself holds an app context."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _throwaway_postgres(base_url: str) -> tuple[str, Callable[[], None]]:
    url = sa.make_url(normalise_database_url(base_url))
    name = f"evg_test_{uuid.uuid4().hex[:10]}"
    # Administer from the "postgres" database: the one named in the URL need not exist.
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    base = os.environ.get("DATABASE_URL")
    if base and base.startswith(("postgres://", "postgresql")):
        url, drop = _throwaway_postgres(base)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory) -> Iterator[Flask]:
    # Flask-Limiter's init_app sets nothing up (no storage) while the shared limiter is
    # disabled, which an earlier test without the app (see _limits_off) may have left it.
    limiter.enabled = True
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_ROOT=str(tmp_path_factory.mktemp("uploads")),
    )
    app.test_client_class = FreshContextClient
    # The suite signs in thousands of times from one address: the limits are off, except in
    # the tests about them (tests/accounts/test_limits.py switches them on).
    limiter.enabled = False
    with app.app_context():
        flask_migrate.upgrade()
        # Sessions join the test's outer transaction through savepoints: the code under test
        # may commit, and the test still rolls everything back.
        _db.session.configure(join_transaction_mode="create_savepoint")
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def clock(request) -> Iterator[time_machine.Coordinates | None]:
    """The suite's one clock: every test starts at `factories.NOW` (Wednesday 25 November 2026,
    10:30 in Paris) and the clock ticks on from there, whatever the machine's date, so a test
    never mixes a fixed time with the real one. `clock.move_to(...)`/`clock.shift(...)` moves it.

    Tests marked `real_clock` keep the machine's clock: they talk to processes of their own (a
    browser, servers) whose clock cannot be moved, and compute their dates from it."""
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    with time_machine.travel(factories.NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _limits_off() -> None:
    # Another app made by a test (migrations, browser tests) turns the shared limiter back on.
    limiter.enabled = False


@pytest.fixture
def limits_on(app: Flask) -> Iterator[None]:
    """The rate limits switched on for this test, their counters empty."""
    limiter.enabled = True
    limiter.reset()
    yield
    limiter.reset()
    limiter.enabled = False


@pytest.fixture
def db(app: Flask):
    """The database, inside an app context and a transaction rolled back after the test."""
    with app.app_context():
        engines = _db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection  # every session of this test binds to this connection
        try:
            yield _db
        finally:
            _db.session.remove()
            engines[None] = engine
            transaction.rollback()
            connection.close()


@pytest.fixture
def session(db):
    return db.session


@pytest.fixture
def client(app: Flask, db) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(session) -> Callable[..., User]:
    return lambda role=Role.RESIDENT, **kw: factories.make_user(session, role, **kw)


@pytest.fixture
def make_provider(session):
    return lambda **kw: factories.make_provider(session, **kw)


@pytest.fixture
def make_offer(session):
    return lambda **kw: factories.make_offer(session, **kw)


@pytest.fixture
def make_category(session):
    return lambda **kw: factories.make_category(session, **kw)


@pytest.fixture
def make_member_company(session):
    return lambda **kw: factories.make_member_company(session, **kw)


def empty_database(connection: sa.Connection) -> None:
    """Remove what a test committed for real (PostgreSQL concurrency tests), keeping the
    catalogue's version row, which the schema needs as the migrations left it."""
    names = ", ".join(
        f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name != "catalogue_version"
    )
    connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def sign_in(client: FlaskClient, user: User) -> None:
    """Put `user` in the client's session cookie, as a successful sign-in would."""
    with client.session_transaction() as http_session:
        http_session["_user_id"] = user.get_id()
        http_session["_fresh"] = True


@pytest.fixture
def login_as(client: FlaskClient, make_user) -> Callable[..., User]:
    """`login_as(Role.CONCIERGE)` creates a user of that role and signs the client in."""

    def login(role: Role = Role.RESIDENT, **kw) -> User:
        user = make_user(role, **kw)
        sign_in(client, user)
        return user

    return login


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on `url` (fetched with a GET, as a browser would)."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1) or match.group(2)


def submit(client: FlaskClient, url: str, data: dict, *, form_url: str | None = None, **kw):
    """POST `data` to `url` with the CSRF token taken from the form page (default: `url`)."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)}, **kw)


class DeliveringOutbox(list):
    """Flask-Mailman's in-memory outbox that, whenever the test reads it, first sends the outbox
    rows due (with the `send-mails` job's own function, in the test's session): a test asserts
    on the mails that left after a request or a job, as when they were sent at once."""

    def __init__(self, deliver: Callable[[], None]):
        super().__init__()
        self._deliver, self._delivering = deliver, False

    def due(self) -> None:
        if not self._delivering:  # sending appends here
            self._delivering = True
            try:
                self._deliver()
            finally:
                self._delivering = False


def _delivering(name: str):
    def read(self, *args, **kwargs):
        self.due()
        return getattr(list, name)(self, *args, **kwargs)

    read.__name__ = name
    return read


for _name in ("__iter__", "__len__", "__getitem__", "__eq__", "__ne__", "__contains__",
              "__reversed__", "__repr__", "index", "count", "copy", "clear"):  # fmt: skip
    setattr(DeliveringOutbox, _name, _delivering(_name))


@pytest.fixture
def outbox(app: Flask, db) -> list:
    """The mails sent during the test (Flask-Mailman's in-memory backend), the outbox rows due
    delivered each time it is read (`outbox.clear()` too: it forgets what was due until then)."""
    from conciergerie.mail import send_due
    from conciergerie.models import utcnow

    state = app.extensions["mailman"]
    state.outbox = DeliveringOutbox(lambda: send_due(db.session, now=utcnow()))
    return state.outbox
