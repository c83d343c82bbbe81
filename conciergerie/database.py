"""Engine-level settings that depend on the database in use."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from conciergerie.extensions import db


def _sqlite_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 (DBAPI objects)
    # Let SQLAlchemy, not the pysqlite driver, emit BEGIN: this makes SAVEPOINT work (the
    # tests' transaction-per-test relies on it), and enforces foreign keys like PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_connect)
            sa.event.listen(engine, "begin", _sqlite_begin)
