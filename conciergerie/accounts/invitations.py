"""Invitations: an account the concierge made for someone of the team (manage.users.invite_user)
has no password; its owner chooses one through the link mailed to them, which also proves the
address and signs them in.

The link is signed like a reset link (itsdangerous, with a salt of its own) and carries the
account's session version: choosing the password bumps it (accounts.service.set_password), and
so does mailing the invitation again, so a link works once and only the last one mailed works.
It lasts longer than a reset link (INVITATION_DAYS): the person may read their mail days later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from conciergerie.accounts import notifications, tokens
from conciergerie.accounts.service import AccountError, check_password_rules, set_password
from conciergerie.models import User

INVITATION_DAYS = 7
# The password hash of an account that has none yet: it matches no password (see
# accounts.passwords.verify_password), so nothing signs in with one.
NO_PASSWORD = "!"


class InvitationError(AccountError):
    """The link is not (or no longer) one that opens an account."""


class InvitationAccepted(AccountError):
    """The account's password was chosen already (with this link or another way)."""

    code = "invitation_accepted"
    status = 409


@dataclass(frozen=True)
class InvitationLinks:
    """How the invitation links back to the site (made by the view, on PUBLIC_URL)."""

    secret_key: str
    accept: Callable[[str], str]  # token → the URL where the password is chosen


SALT = "invitation"


def make_token(user: User, *, secret_key: str, now: datetime) -> str:
    return tokens.dumps(
        {"user": user.id, "version": user.session_version},
        secret_key=secret_key,
        salt=SALT,
        now=now,
    )


def send_invitation(user: User, *, links: InvitationLinks, inviter: User, now: datetime) -> None:
    """Mail the link to `user` (flushed already: the token names its id)."""
    notifications.send_invitation(
        user,
        links.accept(make_token(user, secret_key=links.secret_key, now=now)),
        valid_days=INVITATION_DAYS,
        inviter_name=inviter.full_name,
    )


def invited_user(session: Session, token: str, *, secret_key: str, now: datetime) -> User:
    """The account an invitation link opens. Raises InvitationError for a link altered, older
    than INVITATION_DAYS, replaced by a newer one or made for an account since deactivated;
    InvitationAccepted when the password was chosen already."""
    refused = InvitationError(
        _(
            "Ce lien d'invitation n'est plus valable (il a expiré, a déjà servi ou a été "
            "remplacé par un plus récent) : demandez à la conciergerie de vous le renvoyer."
        )
    )
    max_age = timedelta(days=INVITATION_DAYS)
    data = tokens.loads(token, secret_key=secret_key, salt=SALT, now=now, max_age=max_age)
    if data is None:
        raise refused
    user_id = data.get("user")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active_account or user.invited_at is None:
        raise refused
    if not user.awaits_invitation:
        raise InvitationAccepted(
            _("Votre compte est déjà ouvert : connectez-vous avec votre mot de passe.")
        )
    if user.session_version != data.get("version"):
        raise refused
    return user


def accept_invitation(user: User, *, password: str, now: datetime) -> None:
    """The invited person chose their password (from a link `invited_user` accepted): the
    address is theirs, the account opens, and the link stops working."""
    if not user.awaits_invitation:
        raise InvitationAccepted(
            _("Votre compte est déjà ouvert : connectez-vous avec votre mot de passe.")
        )
    check_password_rules(password)
    user.email_confirmed_at = now  # the link came through the address
    set_password(user, password)  # a new session version: the link stops working
