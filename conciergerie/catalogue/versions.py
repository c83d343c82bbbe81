"""The catalogue's version: a token that changes with every change to the public catalogue.

Triggers on the catalogue's tables (category, provider, offer, provider_opening_range; created by
the migration b3c1d2e4f5a6) draw a new token in the same transaction as any change, whatever
makes it, so whatever is keyed by the token (catalogue.cache) goes stale when, and only when, that
change commits.

Reading the token is one query. On PostgreSQL a process can skip it: the triggers also NOTIFY the
new token, and a `VersionWatcher` thread keeps the last one in memory, re-reading the row on every
heartbeat. A change then reaches every process of every server within milliseconds of its commit.
A watcher that is not connected, or has not heard from the database for two heartbeats (a silent
network), gives no token, and readers fall back to the query.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.models import CatalogueVersion

log = logging.getLogger(__name__)

CHANNEL = "catalogue_version"
APPLICATION_NAME = "evg-catalogue-watcher"  # how operators spot its connection
CATALOGUE_TABLES = (
    "category",
    "provider",
    "offer",
    "provider_opening_range",
    "provider_closure",
)


def current_version(session: Session) -> str | None:
    return session.scalar(sa.select(CatalogueVersion.token).where(CatalogueVersion.id == 1))


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
            connect_args={
                "application_name": APPLICATION_NAME,
                "connect_timeout": 5,
                # A silent network breaks the connection within about half a minute.
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
                "tcp_user_timeout": 30_000,
            },
        )
        self._token: str | None = None
        self._heard_at = 0.0  # time.monotonic() of the last word from the database
        self._stopping = threading.Event()
        self.heartbeat_s = heartbeat_s
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def token(self) -> str | None:
        """The version, if the database spoke within two heartbeats; else None (ask it)."""
        if time.monotonic() - self._heard_at > 2 * self.heartbeat_s:
            return None
        return self._token

    def _heard(self, token: str | None) -> None:
        self._token, self._heard_at = token, time.monotonic()

    def _forget(self) -> None:
        self._token, self._heard_at = None, 0.0

    def ensure_started(self) -> None:
        """Start the thread in this process (gunicorn forks workers: each needs its own)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._forget()
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
                self._forget()
                log.warning("catalogue version watcher: %s; reconnecting", error)
                self._stopping.wait(1)
        self._forget()

    def _listen(self) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"LISTEN {CHANNEL}")
            driver = conn.connection.driver_connection
            while not self._stopping.is_set():
                # Read after LISTEN (no change can fall between), then on every heartbeat.
                self._heard(
                    conn.scalar(sa.select(CatalogueVersion.token).where(CatalogueVersion.id == 1))
                )
                for notice in driver.notifies(timeout=self.heartbeat_s):
                    self._heard(notice.payload)
