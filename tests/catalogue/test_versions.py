"""The catalogue's version: drawn again on each change, pushed to every process on PostgreSQL."""

import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.catalogue.versions import APPLICATION_NAME, VersionWatcher, current_version
from conciergerie.config import normalise_database_url
from tests import factories


@pytest.fixture
def engine(app, database_url):  # app: the schema is migrated
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is a PostgreSQL matter; CI runs this on PostgreSQL")
    engine = sa.create_engine(normalise_database_url(database_url))
    yield engine
    engine.dispose()


@pytest.fixture
def watcher(engine):
    watcher = VersionWatcher(engine, heartbeat_s=0.5)
    watcher.ensure_started()
    assert _wait_for(lambda: watcher.token is not None)
    yield watcher
    watcher.stop()


def _wait_for(predicate, seconds=5.0):
    # Returns as soon as the predicate holds: generous limits only cost time on a failure.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _committed_bump(engine) -> str:
    """A change made outside the app (as psql or a migration would): the triggers see it."""
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE category SET position = position"))
        return conn.scalar(sa.text("SELECT token FROM catalogue_version"))


def test_the_watcher_learns_each_committed_change_and_no_rolled_back_one(engine, watcher):
    with Session(engine) as session:
        assert _wait_for(lambda: watcher.token == current_version(session))
    token = _committed_bump(engine)
    assert _wait_for(lambda: watcher.token == token, seconds=10)

    with engine.connect() as conn:
        conn.execute(sa.text("UPDATE offer SET price_cents = price_cents"))
        assert conn.scalar(sa.text("SELECT token FROM catalogue_version")) != token
        conn.rollback()
    time.sleep(0.3)
    assert watcher.token == token


def test_a_watcher_that_has_not_heard_from_the_database_gives_no_token(watcher):
    assert watcher.token is not None
    watcher._heard_at -= 10 * watcher.heartbeat_s  # as after a silent network
    assert watcher.token is None


def test_a_change_through_the_orm_is_pushed_too(engine, watcher):
    before = watcher.token
    with Session(engine) as session:
        category = factories.make_category(session)
        provider = factories.make_provider(session, category=category)
        session.flush()
        session.delete(provider)
        session.delete(category)
        session.commit()
    assert _wait_for(lambda: watcher.token != before, seconds=10)
    with Session(engine) as session:
        assert watcher.token == current_version(session)


def test_the_watcher_forgets_the_version_when_cut_off_and_comes_back(
    engine, watcher, caplog, monkeypatch
):
    forgotten = []
    forget = watcher._forget
    monkeypatch.setattr(watcher, "_forget", lambda: (forgotten.append(1), forget()))
    with engine.connect() as conn:  # as a database restart would
        killed = conn.scalars(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": APPLICATION_NAME},
        ).all()
        conn.commit()
    assert killed == [True]
    # Until it listens again, pages read the version from the database (token None).
    assert _wait_for(lambda: "reconnecting" in caplog.text, seconds=5)
    assert forgotten, "the version was kept through the disconnection"
    token = _committed_bump(engine)
    assert _wait_for(lambda: watcher.token == token, seconds=10)
