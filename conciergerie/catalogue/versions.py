"""The catalogue's version: a token that changes with every change to the public catalogue.

Every change to a provider, an offer, a category or opening hours draws a new token in the same
transaction (session events below: the unit of work and bulk statements alike), so whatever is
keyed by the token (catalogue.cache) goes stale when, and only when, that change commits.

Reading the token is one query. On PostgreSQL a process can skip it: each change also sends a
NOTIFY with the new token, and a `VersionWatcher` thread keeps the last one in memory, re-reading
the row every few seconds as a heartbeat. A change then reaches every process of every server
within milliseconds of its commit. While the watcher is not connected, readers fall back to the
query. A change made with raw SQL must call `bump_catalogue_version` itself.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, Session

from conciergerie.models import CatalogueVersion, Category, Offer, Provider, ProviderOpeningRange

log = logging.getLogger(__name__)

CATALOGUE_MODELS = (Category, Provider, Offer, ProviderOpeningRange)
CHANNEL = "catalogue_version"
APPLICATION_NAME = "evg-catalogue-watcher"  # how operators spot its connection


def bump_catalogue_version(session: Session) -> None:
    """Give the catalogue a new version in the current transaction (cached pages go stale)."""
    token = secrets.token_hex(16)
    connection = session.connection()
    connection.execute(sa.update(CatalogueVersion.__table__).values(token=token))
    if connection.dialect.name == "postgresql":  # delivered on commit, dropped on rollback
        connection.execute(sa.select(sa.func.pg_notify(CHANNEL, token)))


def current_version(session: Session) -> str | None:
    return session.scalar(sa.select(CatalogueVersion.token).where(CatalogueVersion.id == 1))


def _changes_catalogue(session: Session) -> bool:
    if any(isinstance(obj, CATALOGUE_MODELS) for obj in session.new | session.deleted):
        return True
    return any(
        isinstance(obj, CATALOGUE_MODELS) and session.is_modified(obj) for obj in session.dirty
    )


def _on_flush(session: Session, _context, _instances) -> None:
    if _changes_catalogue(session):
        bump_catalogue_version(session)


def _on_execute(state: ORMExecuteState) -> None:
    # Bulk statements (session.execute(insert(Offer), rows), update(Provider)…) skip the flush.
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, CATALOGUE_MODELS):
        bump_catalogue_version(state.session)


def track_changes() -> None:
    """Bump the version on every catalogue change made through any session (idempotent)."""
    if not sa.event.contains(Session, "before_flush", _on_flush):
        sa.event.listen(Session, "before_flush", _on_flush)
        sa.event.listen(Session, "do_orm_execute", _on_execute)


class VersionWatcher:
    """The catalogue's version in memory, kept current by PostgreSQL's LISTEN/NOTIFY.

    `token` is None until the watcher is listening, and again as soon as its connection fails
    (it reconnects by itself): callers then read the version from the database.
    """

    def __init__(self, engine: sa.Engine, *, heartbeat_s: float = 5.0) -> None:
        # Its own connection, outside the pool: a listening connection is never lent to a request.
        self.engine = sa.create_engine(
            engine.url,
            poolclass=sa.pool.NullPool,
            connect_args={"application_name": APPLICATION_NAME},
        )
        self._stopping = threading.Event()
        self.heartbeat_s = heartbeat_s
        self.token: str | None = None
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure_started(self) -> None:
        """Start the thread in this process (gunicorn forks workers: each needs its own)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self.token = None
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="catalogue-version", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop listening, waiting for the thread (one heartbeat at most)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except Exception as error:  # noqa: BLE001 (any failure: forget, wait, reconnect)
                self.token = None
                log.warning("catalogue version watcher: %s; reconnecting", error)
                self._stopping.wait(1)
        self.token = None

    def _listen(self) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"LISTEN {CHANNEL}")
            driver = conn.connection.driver_connection
            while not self._stopping.is_set():
                # Read after LISTEN (no change can fall between), then on every heartbeat.
                self.token = conn.scalar(
                    sa.select(CatalogueVersion.token).where(CatalogueVersion.id == 1)
                )
                for notice in driver.notifies(timeout=self.heartbeat_s):
                    self.token = notice.payload
