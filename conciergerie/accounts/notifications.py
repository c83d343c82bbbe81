"""Mails about accounts. Sent through Flask-Mailman: console in development, SMTP when set."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_mailman import EmailMessage

from conciergerie.mail import can_mail
from conciergerie.models import User


def send_password_reset(user: User, reset_url: str, *, valid_minutes: int) -> None:
    if not can_mail(user):
        return
    body = render_template(
        "accounts/email/reset_password.txt",
        user=user,
        reset_url=reset_url,
        valid_minutes=valid_minutes,
    )
    EmailMessage(
        subject=_("Et voilà Gambetta : choisir un nouveau mot de passe"),
        body=body,
        to=[user.email],
    ).send()
