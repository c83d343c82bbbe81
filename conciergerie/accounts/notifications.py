"""Mails about accounts, written to the outbox like every mail (conciergerie.mail)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import object_session

from conciergerie.extensions import db
from conciergerie.mail import can_mail, enqueue, send_templated
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


def send_address_confirmation(
    user: User, confirm_url: str, *, valid_days: int, company_by_link: bool = False
) -> None:
    """After a sign-up with a new address: the link that proves it and opens the account. It
    tells an employee how their company is verified: by this link (`company_by_link`, an
    address on one of its domains) or by the concierge."""
    send_templated(
        user,
        "account_confirm",
        _l("Et voilà Gambetta : confirmez votre adresse"),
        confirm_url=confirm_url,
        valid_days=valid_days,
        company_by_link=company_by_link,
    )


def send_account_exists(user: User, reset_url: str, *, valid_minutes: int) -> None:
    """After a sign-up with an address that has an account: say so to its owner only (the page
    says the same for every address), with a link to choose a new password."""
    send_templated(
        user,
        "account_exists",
        _l("Et voilà Gambetta : vous avez déjà un compte"),
        reset_url=reset_url,
        valid_minutes=valid_minutes,
    )


def send_company_verified(user: User) -> None:
    """The concierge approved the employee's link to their company (accounts.employees)."""
    send_templated(
        user,
        "company_verified",
        _l("Et voilà Gambetta : votre entreprise est vérifiée"),
        company_name=user.member_company.name,
    )


def send_company_declined(user: User, *, company_name: str) -> None:
    """The concierge declined the link: the account goes on as a resident's."""
    send_templated(
        user,
        "company_declined",
        _l("Et voilà Gambetta : votre entreprise n'a pas pu être vérifiée"),
        company_name=company_name,
    )


def send_invitation(user: User, accept_url: str, *, valid_days: int, inviter_name: str) -> None:
    """The concierge made an account for someone of the team: the link to choose a password."""
    send_templated(
        user,
        "invitation",
        _l("Et voilà Gambetta : votre compte vous attend"),
        accept_url=accept_url,
        valid_days=valid_days,
        inviter_name=inviter_name,
    )


def send_email_change_link(
    user: User, confirm_url: str, *, new_email: str, valid_days: int
) -> None:
    """To the new address asked for on "Mon compte": the link that makes it the account's."""
    send_templated(
        user,
        "email_change",
        _l("Et voilà Gambetta : confirmez votre nouvelle adresse"),
        recipient=new_email,
        confirm_url=confirm_url,
        new_email=new_email,
        valid_days=valid_days,
    )


def send_email_taken(owner: User, reset_url: str, *, valid_minutes: int) -> None:
    """Someone asked for `owner`'s address to become their account's: say so to its owner only
    (the page says the same for every address), as after a sign-up with it."""
    send_templated(
        owner,
        "email_taken",
        _l("Et voilà Gambetta : votre adresse a déjà un compte"),
        reset_url=reset_url,
        valid_minutes=valid_minutes,
    )


def send_email_changed(user: User, *, old_email: str) -> None:
    """To the address the account just left: the change is made, and what to do if it was not
    them."""
    send_templated(
        user,
        "email_changed",
        _l("Et voilà Gambetta : l'adresse de votre compte a changé"),
        recipient=old_email,
        old_email=old_email,
        new_email=user.email,
    )
