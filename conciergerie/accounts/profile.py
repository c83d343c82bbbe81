""" "Mon compte": a person changes their own name, phone number (and whether they get texts)
and e-mail address.

A new address counts only once the link mailed to it is followed: until then the account keeps
its address (to sign in, for its mails) and holds the new one as `pending_email`; the last one
asked for is the only one whose link works. Asking needs the current password (a session left
open on a shared computer must not hand the account over), and the old address is told once the
change is made.

An address that already has another account is answered as the sign-up answers one
(accounts.service.sign_up): the page says the same as for a free address, and only the mailbox
of that address learns it has an account, from a mail to its owner. Plain functions over the
session; they flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from conciergerie.accounts import employees, notifications, passwords, tokens
from conciergerie.accounts.service import (
    AccountError,
    EmailTaken,
    find_user_by_email,
    make_reset_token,
    normalise_email,
)
from conciergerie.desk.service import phone_digits
from conciergerie.models import User
from conciergerie.texts import service as texts

EMAIL_CHANGE_DAYS = 2


class WrongPassword(AccountError):
    code = "wrong_password"


class EmailChangeLinkError(AccountError):
    """The link is not (or no longer) one that changes an address."""


@dataclass(frozen=True)
class EmailChangeLinks:
    """How the mails link back to the site (URLs on PUBLIC_URL, made by the view)."""

    secret_key: str
    confirm: Callable[[str], str]  # token → the URL that confirms the new address
    reset: Callable[[str], str]  # token → the new-password URL (for the owner of a taken one)
    reset_max_age: int


# Name and phone ---------------------------------------------------------------------------------


def check_name(full_name: str) -> str:
    full_name = (full_name or "").strip()
    if not 1 <= len(full_name) <= 120:
        raise AccountError(_("Le nom doit faire entre 1 et 120 caractères."), field="full_name")
    return full_name


def check_phone(phone: str | None) -> str | None:
    """The phone number as stored, None without one. Refused (field "phone") unless it has 6
    to 15 digits, as the desk checks a walk-in customer's (desk.service), however written."""
    phone = (phone or "").strip()
    if not phone:
        return None
    if len(phone) > 30:
        raise AccountError(_("Numéro de téléphone trop long."), field="phone")
    if not 6 <= len(phone_digits(phone)) <= 15:
        raise AccountError(_("Numéro de téléphone invalide."), field="phone")
    return phone


def update_details(
    user: User, *, full_name: str, phone: str | None, texts_opt_in: bool | None = None
) -> bool:
    """Change one's own name, phone number and whether one gets texts (None: unchanged);
    returns whether anything changed. Texts need a mobile number (field "texts_opt_in")."""
    full_name, phone = check_name(full_name), check_phone(phone)
    wanted = user.texts_opt_in if texts_opt_in is None else texts_opt_in
    if wanted and texts.e164(phone) is None:
        raise AccountError(
            _("Pour recevoir des SMS, indiquez un numéro de mobile (06 ou 07…)."),
            field="texts_opt_in",
        )
    changed = (full_name, phone, wanted) != (user.full_name, user.phone, user.texts_opt_in)
    user.full_name, user.phone = full_name, phone
    if texts_opt_in is not None:
        changed |= texts.set_texts_opt_in(object_session(user), user, wanted)
    return changed


# The e-mail address -----------------------------------------------------------------------------


SALT = "email-change"


def make_email_change_token(user: User, *, secret_key: str, now: datetime) -> str:
    return tokens.dumps(
        {"user": user.id, "email": user.email, "new": user.pending_email},
        secret_key=secret_key,
        salt=SALT,
        now=now,
    )


def request_email_change(
    session: Session,
    user: User,
    *,
    new_email: str,
    password: str,
    links: EmailChangeLinks,
    now: datetime,
) -> str:
    """Ask for `user`'s address to become `new_email`: returns it as stored, now pending.

    A free address gets the link that makes the change; one that has another account gets, if
    that account is active, a mail to its owner saying so (with a link to choose a new password,
    as after a sign-up). Either way one mail is written and the answer is the same.
    Raises WrongPassword (field "password") or AccountError (field "email")."""
    if not passwords.verify_password(user.password_hash, password):
        raise WrongPassword(_("Le mot de passe est incorrect."), field="password")
    address = normalise_email(new_email)
    if address == user.email:
        raise AccountError(_("C'est déjà l'adresse de votre compte."), field="email")
    user.pending_email = address
    owner = find_user_by_email(session, address)
    if owner is None:
        token = make_email_change_token(user, secret_key=links.secret_key, now=now)
        notifications.send_email_change_link(
            user, links.confirm(token), new_email=address, valid_days=EMAIL_CHANGE_DAYS
        )
    elif owner.is_active_account:
        token = make_reset_token(owner, secret_key=links.secret_key)
        notifications.send_email_taken(
            owner, links.reset(token), valid_minutes=links.reset_max_age // 60
        )
    return address


def cancel_email_change(user: User) -> None:
    """Forget the pending address: its link no longer works."""
    user.pending_email = None


def confirm_email_change(session: Session, token: str, *, secret_key: str, now: datetime) -> User:
    """Follow the link mailed to the new address: it becomes the account's, the old one is told.

    Refused (AccountError) for a link altered, older than EMAIL_CHANGE_DAYS, used already or
    replaced by a newer request; EmailTaken (409) when the address got an account since."""
    user, address = _user_of_link(session, token, secret_key=secret_key, now=now)
    if find_user_by_email(session, address) is not None:
        raise _taken()
    old = user.email
    try:
        with session.begin_nested():  # another account may take the address at this instant
            user.email = address
            user.pending_email = None
            user.email_confirmed_at = now
    except IntegrityError as error:
        raise _taken() from error
    notifications.send_email_changed(user, old_email=old)
    # An employee's new address on one of their company's domains verifies them, as at sign-up.
    employees.verify_by_link(user, now=now)
    return user


def _user_of_link(
    session: Session, token: str, *, secret_key: str, now: datetime
) -> tuple[User, str]:
    refused = EmailChangeLinkError(
        _(
            "Ce lien de changement d'adresse n'est plus valable (il a expiré, a déjà servi ou a "
            "été remplacé par une demande plus récente)."
        )
    )
    max_age = timedelta(days=EMAIL_CHANGE_DAYS)
    data = tokens.loads(token, secret_key=secret_key, salt=SALT, now=now, max_age=max_age)
    if data is None:
        raise refused
    user_id, address = data.get("user"), data.get("new")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active_account or not isinstance(address, str):
        raise refused
    if user.email != data.get("email") or user.pending_email != address:
        raise refused
    return user, address


def _taken() -> EmailTaken:
    return EmailTaken(
        _(
            "Cette adresse est déjà celle d'un autre compte : elle ne peut pas remplacer "
            "l'adresse de votre compte, qui ne change pas."
        ),
        field="email",
    )
