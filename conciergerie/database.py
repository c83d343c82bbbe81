"""The database engine: made from DATABASE_URL, with settings that depend on the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import click
import sqlalchemy as sa
from flask import Flask

from conciergerie.extensions import db


class DatabaseURLError(RuntimeError):
    """DATABASE_URL names no database the app can use: unreadable, of an unknown kind, or
    without its driver installed."""


def shown_url(url: str) -> str:
    """The database URL as it may be printed: its password hidden."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):  # unreadable: hide what stands for a password
        return re.sub(r"(//[^/:@]*):[^/@]*@", r"\1:***@", url)


@contextmanager
def _one_line_errors(url: str) -> Iterator[None]:
    """A command that cannot use the database ends with one line naming the URL and the reason
    (click prints "Error: …" and exits with 1), not a traceback of a hundred lines."""
    try:
        yield
    except DatabaseURLError as error:
        raise click.ClickException(str(error)) from None
    except sa.exc.OperationalError as error:
        if error.statement is not None:  # connected, then a statement failed: a real traceback
            raise
        reason = str(error.orig or error).strip().splitlines()[0]
        raise click.ClickException(
            f"impossible de se connecter à la base de données {shown_url(url)} : {reason}"
        ) from None


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
    """Make the engine for SQLALCHEMY_DATABASE_URI (Flask-SQLAlchemy) and set it up.

    Under the `flask` command line (a click context is current while the app is made), the
    command's errors about the database are reported in one line (`_one_line_errors`).
    """
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    command = click.get_current_context(silent=True)
    if command is not None:
        command.with_resource(_one_line_errors(url))
    try:
        db.init_app(app)
    except (sa.exc.ArgumentError, ValueError, ImportError) as error:  # URL, dialect, driver
        reason = str(error).strip().splitlines()[0]
        raise DatabaseURLError(f"DATABASE_URL inutilisable {shown_url(url)} : {reason}") from error
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_connect)
            sa.event.listen(engine, "begin", _sqlite_begin)
