"""Mails: rendered in the recipient's language and written to the outbox in the transaction of the
change they are about; sent by the scheduler's `send-mails` job, never by a request.

So a request never waits for the mail server (a slow one made "forgotten password" answer in 2 s
for a known address and 6 ms for an unknown one), a change refused or rolled back leaves no mail,
and a crash loses none: the row is committed with the change and deleted only once sent.
Delivery is at least once: a sender that dies between the mail server's "accepted" and its own
commit sends the row again, under the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Generic, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from sqlalchemy.orm import Session, object_session

from conciergerie.database import begin_writing, commit, real_session
from conciergerie.extensions import db
from conciergerie.i18n import babel_locale
from conciergerie.models import OutboxMail, OutboxText, User, utcnow

log = logging.getLogger(__name__)

OutboxRow = TypeVar("OutboxRow", OutboxMail, OutboxText)  # a message waiting to leave

# Set while what is done already happened (`held_back`): its mails left at the time.
_HELD_BACK: ContextVar[bool] = ContextVar("mails_held_back", default=False)


@contextmanager
def held_back() -> Iterator[None]:
    """No mail is written inside: for replaying the past through the services (the demo's
    three months, whose mails would have left at the time), never for a change that people
    must hear about."""
    token = _HELD_BACK.set(True)
    try:
        yield
    finally:
        _HELD_BACK.reset(token)


def holding_back() -> bool:
    """Whether messages are held back (see `held_back`): the texts follow the mails."""
    return _HELD_BACK.get()


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for a mail, always on PUBLIC_URL.

    Never built from the request's Host header, which a client chooses: a reset link pointing at
    another site would hand the token over. Nor refused by TRUSTED_HOSTS, which guards the
    requests the site answers, not the links it writes: a mail is rendered in the transaction of
    its change, and must not make that change fail.
    """
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]) as context:
        if context.url_adapter is None:  # PUBLIC_URL's host is not among TRUSTED_HOSTS
            context.url_adapter = current_app.url_map.bind_to_environ(
                context.request.environ, subdomain=current_app.url_map.default_subdomain or ""
            )
        return url_for(endpoint, _external=True, **values)


def can_mail(user: User) -> bool:
    """Whether `user` has an address to write to. Accounts without one (erased accounts, customers
    served at the counter without an e-mail) hold an address under the reserved `.invalid`
    domain (RFC 2606), which is never written to."""
    return bool(user.email) and not user.email.endswith(".invalid")


def send_templated(
    user: User, template: str, subject: object, *, recipient: str | None = None, **context: object
) -> None:
    """Mail `template`.txt and .html (under templates/mail/) to `user`, in their language: the
    mail is rendered now and written to the outbox in `user`'s session, so it leaves once (and
    only if) the transaction commits.

    `subject` is a lazy string (flask_babel.lazy_gettext), translated here. `recipient`: another
    address of the same person than their account's (the new address they asked for, the old
    one they left). Nothing is written for a user without an address (see `can_mail`).
    """
    if _HELD_BACK.get():
        return
    address = recipient or user.email
    if not can_mail(user) or address.endswith(".invalid"):
        log.info("no mail %s: user %s has no address", template, user.id)
        return
    with force_locale(babel_locale(user.locale)):
        title = str(subject)  # the lazy string, in the recipient's language
        text = render_template(f"mail/{template}.txt", user=user, **context)
        html = render_template(f"mail/{template}.html", user=user, **context)
    enqueue(object_session(user) or db.session, address, title, text, html)


def new_message_id() -> str:
    """A Message-ID on the site's own domain (PUBLIC_URL), not the sending machine's name."""
    return make_msgid(domain=urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost")


def enqueue(
    session: Session, recipient: str, subject: str, text: str, html: str | None
) -> OutboxMail | None:
    """Write a rendered mail to the outbox, due now, with its Message-ID (not flushed: it is
    saved with the rest of the transaction); nothing while mails are `held_back`."""
    if _HELD_BACK.get():
        return None
    mail = OutboxMail(
        message_id=new_message_id(),
        recipient=recipient,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        created_at=utcnow(),
        next_attempt_at=utcnow(),
    )
    real_session(session).add(mail)
    return mail


# Sending, mails and texts alike -----------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """5 minutes after the first failure, then twice as long each time, at most 4 hours."""
    return min(timedelta(minutes=5) * 2 ** (attempts - 1), timedelta(hours=4))


GIVE_UP_AFTER = timedelta(days=2)  # a mail about tomorrow's slot is worthless after that


@dataclass
class Delivery:
    """What one run of `send_due` (`send_outbox`) did."""

    sent: int = 0
    failed: int = 0  # to be tried again later
    given_up: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.failed or self.given_up)

    def figures(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "given_up": self.given_up}

    def summary(self) -> str:
        """In the current language (French on the command line): "1 e-mail envoyé, …"."""
        from conciergerie.jobs.summaries import mails

        return mails(self.figures())


def claim_due(
    session: Session, model: type[OutboxRow], now: datetime, *conditions: sa.ColumnElement[bool]
) -> OutboxRow | None:
    """The oldest row of the outbox `model` due at `now` (and meeting `conditions`), row-locked
    until the commit. SKIP LOCKED: a row another sender is sending is passed by, never waited
    for nor sent twice at once (PostgreSQL; on SQLite the sender holds the database's write
    lock instead, see `send_outbox`)."""
    return session.scalar(
        sa.select(model)
        .where(model.next_attempt_at <= now, *conditions)
        .order_by(model.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


@dataclass(frozen=True)
class Courier(Generic[OutboxRow]):
    """How the messages of one outbox (mails, texts) leave, for `send_outbox`."""

    claim: Callable[[Session, datetime], OutboxRow | None]  # the oldest due, row-locked
    # Send one and mark it sent (True), or drop it unsent (False); raises `failures` when the
    # server or gateway did not take it.
    send: Callable[[Session, OutboxRow, datetime], bool]
    failures: type[Exception]
    stops: Callable[[Exception], bool]  # whether such a failure stops the run (server down)
    log: logging.Logger
    noun: str  # "mail", "text": in the log


def _attempt(
    session: Session, courier: Courier, row: OutboxRow, now: datetime, done: Delivery
) -> bool:
    """Send `row`; or note the failure: tried again after `retry_delay`, given up after
    `GIVE_UP_AFTER`. True when the server itself is down (the run stops there)."""
    try:
        sent = courier.send(session, row, now)
    except courier.failures as error:
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:300]
        row.failed_at = now
        name = f"{courier.noun} {row.id}"
        if now - row.created_at >= GIVE_UP_AFTER:
            courier.log.error("%s given up after %d attempts", name, row.attempts)
            session.delete(row)
            done.given_up += 1
        else:
            courier.log.warning("%s not sent (%s): tried again later", name, type(error).__name__)
            row.next_attempt_at = now + retry_delay(row.attempts)
            done.failed += 1
        return courier.stops(error)
    if sent:
        done.sent += 1
    return False


def send_outbox(
    session: Session, courier: Courier, *, now: datetime, limit: int, budget_seconds: float
) -> Delivery:
    """Send the rows due at `now` of `courier`'s outbox, oldest first, each claimed, sent and
    marked in a transaction of its own, committed at once (see `send_due`). The run stops at a
    server down, after `limit` rows or `budget_seconds`. What `session` holds is committed
    first."""
    done = Delivery()
    deadline = time.monotonic() + budget_seconds
    commit(session)
    for _ in range(limit):
        begin_writing(session)  # SQLite: the claim's lock, taken before reading
        row = courier.claim(session, now)
        stop = row is not None and _attempt(session, courier, row, now, done)
        commit(session)
        if row is None or stop or time.monotonic() > deadline:
            break
    return done


# Sending mails ----------------------------------------------------------------------------------


def _message(mail: OutboxMail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        to=[mail.recipient],
        headers={"Message-ID": mail.message_id},
    )
    if mail.body_html is not None:
        message.attach_alternative(mail.body_html, "text/html")
    return message


def claim_next(session: Session, now: datetime) -> OutboxMail | None:
    """The oldest mail due, row-locked until the commit (`claim_due`)."""
    return claim_due(session, OutboxMail, now)


def _send(session: Session, mail: OutboxMail, now: datetime) -> bool:
    _message(mail).send()
    session.delete(mail)  # it holds an address and words about a person
    return True


def _server_down(error: Exception) -> bool:
    """A server down or silent would make every other mail wait for it too: the rest waits for
    the next run. A refused address or text concerns this mail only."""
    return isinstance(error, OSError) and not isinstance(
        error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError
    )


MAILS = Courier(
    claim=claim_next, send=_send, failures=Exception, stops=_server_down, log=log, noun="mail"
)


def send_due(
    session: Session, *, now: datetime, limit: int = 200, budget_seconds: float = 4.0
) -> Delivery:
    """Send the mails due at `now`, oldest first (the `send-mails` job, every few seconds).

    Each mail is claimed, sent and deleted in a transaction of its own, committed at once: a
    crash re-sends at most the mail in flight, under its Message-ID. A failure waits longer
    each time (`retry_delay`); a mail still failing after `GIVE_UP_AFTER` is given up. The run
    stops at a server down, after `limit` mails or `budget_seconds` (the job runs again soon).
    What `session` holds is committed first (the job's runner has only read its lease).
    """
    return send_outbox(session, MAILS, now=now, limit=limit, budget_seconds=budget_seconds)


# The concierge's view ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxState:
    waiting: int
    oldest: datetime | None  # when the oldest mail waiting was written
    failing: int  # waiting after a failure
    last_error: str
    failed_at: datetime | None


def outbox_state(session: Session) -> OutboxState:
    """How many mails wait, since when, and the last failure among them (the jobs page)."""
    return state_of(session, OutboxMail)


def state_of(
    session: Session, model: type[OutboxRow], *waiting: sa.ColumnElement[bool]
) -> OutboxState:
    """How many rows of the outbox `model` wait (those meeting `waiting`; all when none),
    since when, and the last failure among them."""
    count, oldest, failing = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.min(model.created_at),
            sa.func.count().filter(model.attempts > 0),
        ).where(*waiting)
    ).one()
    last = session.execute(
        sa.select(model.last_error, model.failed_at)
        .where(*waiting, model.failed_at.is_not(None))
        .order_by(model.failed_at.desc(), model.id.desc())
        .limit(1)
    ).first()
    return OutboxState(
        waiting=count,
        oldest=oldest,
        failing=failing,
        last_error=last.last_error if last else "",
        failed_at=last.failed_at if last else None,
    )
