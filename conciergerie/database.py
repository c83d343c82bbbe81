"""The database's side of the app: the engine made from DATABASE_URL, its settings, and one
unit of work per request.

A request's changes are committed once, by the request itself (`unit_of_work`), when its view
raised nothing and answered below 400; otherwise they are rolled back. Views and the API never
commit or roll back: services flush, raise a `DomainError` to refuse, and register with
`on_commit` what must happen only once the data is saved (not mails: they are rows written in the
transaction itself, see mail.py). What must be kept even when the request is refused (a failed
sign-in counted, an audit line) is written by its service in a transaction of its own, and its
docstring says so.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from conciergerie.extensions import db

log = logging.getLogger(__name__)


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
    conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


def begin_writing(session: Session | scoped_session) -> None:
    """Begin the session's next transaction as one that will write (call it with no transaction
    under way, e.g. just after a commit).

    On SQLite this is BEGIN IMMEDIATE: the database's write lock is taken now, not at the first
    write. A transaction that reads, then writes, while another writes meets it halfway, and
    SQLite answers "database is locked" at once rather than wait (a deadlock otherwise).
    PostgreSQL's row locks do this job: nothing changes there."""
    real_session(session).connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})


def real_session(session: Session | scoped_session) -> Session:
    """The session behind Flask-SQLAlchemy's scoped session (callbacks are kept on it)."""
    return session() if isinstance(session, scoped_session) else session


def on_commit(session: Session | scoped_session, callback: Callable[[], None]) -> None:
    """Run `callback` once `commit(session)` has committed; never if what it is about is rolled
    back (the whole transaction, or the savepoint it was registered in).

    Mails need none of this: written to the outbox in the transaction (mail.send_templated), they
    are saved or rolled back with it.
    """
    real = real_session(session)
    within = real.get_nested_transaction() or real.get_transaction()
    real.info.setdefault("on_commit", []).append((within, callback))


def commit(session: Session | scoped_session) -> None:
    """Commit, then run the actions registered with `on_commit` (they may load from the DB), then
    commit what they wrote on its own.

    The request does this itself (`unit_of_work`); commands and jobs call it at their end."""
    real = real_session(session)
    idle = not (real.in_transaction() or real.new or real.dirty or real.deleted)
    if idle and not real.info.get("on_commit"):
        return  # nothing read, nothing to write: committing would begin a transaction to end it
    real.commit()
    actions = real.info.pop("on_commit", [])
    for _within, callback in actions:
        try:
            callback()
        except Exception:  # the data is saved: a failing action must not turn it into an error
            log.exception("post-commit action failed")
    if actions:
        try:
            real.commit()
        except Exception:
            log.exception("what the post-commit actions wrote could not be saved")
            real.rollback()


def _inside(transaction: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is rolled_back:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    """Forget the actions registered in the transaction rolled back: all of them for the whole
    transaction, only those of the savepoint (and its own savepoints) for a savepoint."""
    pending = session.info.get("on_commit")
    if not pending:
        return
    if previous_transaction.parent is None:
        session.info.pop("on_commit", None)
        return
    session.info["on_commit"] = [
        (within, callback)
        for within, callback in pending
        if not _inside(within, previous_transaction)
    ]


def unit_of_work(view: Callable) -> Callable:
    """Wrap a view: commit what it did when it answered below 400, roll back otherwise.

    An exception (a `DomainError`, a 404, a failed commit) goes on to the error handlers, which
    answer without committing anything (errors.py). The commit happens before the response
    leaves, so a client never sees a success for data that was not saved."""

    @functools.wraps(view)
    def in_one_transaction(*args: object, **kwargs: object):
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400:
            commit(db.session)
        else:
            db.session.rollback()
        return response

    return in_one_transaction


def init_unit_of_work(app: Flask) -> None:
    """Give every view of `app` its unit of work (call once the blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = unit_of_work(view)


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
