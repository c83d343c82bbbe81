"""Mails about accounts, written to the outbox like every mail (conciergerie.mail)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy.orm import object_session

from conciergerie.extensions import db
from conciergerie.mail import can_mail, enqueue
from conciergerie.models import User


def send_password_reset(user: User, reset_url: str, *, valid_minutes: int) -> None:
    """The reset link, in the language of the page it was asked from. Only written to the outbox
    here: the request answers as fast for a known address as for an unknown one, whatever the
    mail server's speed (no probing who has an account)."""
    if not can_mail(user):
        return
    body = render_template(
        "accounts/email/reset_password.txt",
        user=user,
        reset_url=reset_url,
        valid_minutes=valid_minutes,
    )
    subject = _("Et voilà Gambetta : choisir un nouveau mot de passe")
    enqueue(object_session(user) or db.session, user.email, subject, body, None)
