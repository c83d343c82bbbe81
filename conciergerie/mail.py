"""Sending mail: rendered in the recipient's language, sent only once the data is committed."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from conciergerie.i18n import babel_locale
from conciergerie.models import User

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
        message = EmailMultiAlternatives(
            subject=str(subject),
            body=render_template(f"mail/{template}.txt", user=user, **context),
            to=[user.email],
        )
        message.attach_alternative(
            render_template(f"mail/{template}.html", user=user, **context), "text/html"
        )
    message.send()


def _real(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def on_commit(session: Session | scoped_session, callback: Callable[[], None]) -> None:
    """Run `callback` once `commit(session)` has committed; never if what it is about is rolled
    back (the whole transaction, or the savepoint it was registered in).

    Mails about an order must not go out for an order that was finally not saved.
    """
    real = _real(session)
    within = real.get_nested_transaction() or real.get_transaction()
    real.info.setdefault("on_commit", []).append((within, callback))


def commit(session: Session | scoped_session) -> None:
    """Commit, then run the actions registered with `on_commit` (they may load from the DB)."""
    real = _real(session)
    real.commit()
    for _within, callback in real.info.pop("on_commit", []):
        try:
            callback()
        except Exception:  # the data is saved: a mail failure must not turn it into an error
            log.exception("post-commit action failed")


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
