"""Sending mail: rendered in the recipient's language, sent only once the data is committed."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from sqlalchemy.orm import Session

from conciergerie.i18n import babel_locale
from conciergerie.models import PendingMail, User, utcnow

log = logging.getLogger(__name__)


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for a mail, always on PUBLIC_URL.

    Never built from the request's Host header, which a client chooses: a reset link pointing at
    another site would hand the token over.
    """
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)


def can_mail(user: User) -> bool:
    """Whether `user` has an address to write to. Accounts without one (erased accounts, customers
    served at the counter without an e-mail) hold an address under the reserved `.invalid`
    domain (RFC 2606), which is never written to."""
    return bool(user.email) and not user.email.endswith(".invalid")


def send_templated(user: User, template: str, subject: object, **context: object) -> None:
    """Send `template`.txt and .html (under templates/mail/) to `user`, in their language.

    `subject` is a lazy string (flask_babel.lazy_gettext), translated here. Nothing is sent to
    a user without an address (see `can_mail`).
    """
    if not can_mail(user):
        log.info("no mail %s: user %s has no address", template, user.id)
        return
    with force_locale(babel_locale(user.locale)):
        title = str(subject)  # the lazy string, in the recipient's language
        text = render_template(f"mail/{template}.txt", user=user, **context)
        html = render_template(f"mail/{template}.html", user=user, **context)
    deliver(user.email, title, text, html)


def _message(recipient: str, subject: str, text: str, html: str | None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject=subject, body=text, to=[recipient])
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


def deliver(recipient: str, subject: str, text: str, html: str | None) -> None:
    """Send a mail now. If the mail server fails, the mail is kept (a PendingMail row, saved by
    `commit`) and the `retry-mails` job tries again: a mail server down for an hour delays the
    mails, it does not lose them."""
    try:
        _message(recipient, subject, text, html).send()
    except Exception as error:
        log.warning("mail not sent (%s): kept to try again", type(error).__name__)
        from conciergerie.database import real_session
        from conciergerie.extensions import db

        session = real_session(db.session)
        session.add(
            PendingMail(
                recipient=recipient,
                subject=subject[:300],
                body_text=text,
                body_html=html,
                next_attempt_at=utcnow() + retry_delay(1),
                last_error=f"{type(error).__name__}: {error}"[:300],
            )
        )
        session.info["pending_mail"] = True


def retry_delay(attempts: int) -> timedelta:
    """5 minutes after the first failure, then twice as long each time, at most 4 hours."""
    return min(timedelta(minutes=5) * 2 ** (attempts - 1), timedelta(hours=4))


GIVE_UP_AFTER = timedelta(days=2)  # a mail about tomorrow's slot is worthless after that


def retry_pending(session: Session, *, now: datetime, limit: int = 200) -> tuple[int, int, int]:
    """Try again the mails due (a job); returns (sent, failed again, given up)."""
    due = session.scalars(
        sa.select(PendingMail)
        .where(PendingMail.next_attempt_at <= now)
        .order_by(PendingMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    sent = failed = given_up = 0
    for pending in due:
        try:
            _message(
                pending.recipient, pending.subject, pending.body_text, pending.body_html
            ).send()
        except Exception as error:
            # A server down or silent would make every other mail wait for it too: the rest
            # waits for the next run. A refused address or text concerns this mail only.
            server_down = isinstance(error, OSError) and not isinstance(
                error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError
            )
            pending.attempts += 1
            pending.last_error = f"{type(error).__name__}: {error}"[:300]
            if now - pending.created_at >= GIVE_UP_AFTER:
                log.error("mail %s given up after %d attempts", pending.id, pending.attempts)
                session.delete(pending)
                given_up += 1
            else:
                pending.next_attempt_at = now + retry_delay(pending.attempts)
                failed += 1
            if server_down:
                break
        else:
            session.delete(pending)  # it holds an address and words about a person
            sent += 1
    session.flush()
    return sent, failed, given_up
