"""The concierge manages accounts: role (with its company or provider), tarif solidaire, active;
and she opens the team's accounts (concierge, volunteers, providers' staff) by invitation.

Every change is logged like the catalogue's (see manage.service.record), the person by number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conciergerie.accounts import employees, invitations, profile
from conciergerie.accounts import service as accounts
from conciergerie.manage.service import ManageConflict, ManageError, record
from conciergerie.models import AuditEntry, MemberCompany, Provider, Role, User, VolunteerProfile
from conciergerie.rounds.jobs import plan_without
from conciergerie.rounds.service import ROUND_ROLES


def search_users(*, text: str = "", role: Role | None = None) -> sa.Select:
    """Accounts whose name or e-mail contains `text`, of `role` if given, by name."""
    query = sa.select(User).options(
        sa.orm.selectinload(User.member_company), sa.orm.selectinload(User.provider)
    )
    if text:
        query = query.where(
            sa.or_(
                User.full_name.icontains(text, autoescape=True),
                User.email.icontains(text, autoescape=True),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    return query.order_by(User.full_name, User.id)


def _other_active_concierges(session: Session, user: User) -> int:
    """How many other active concierges there are, their rows locked (PostgreSQL) until the
    commit: two concierges deactivating each other at once run one after the other, and the
    second sees that the first left no one else."""
    concierges = session.scalars(
        sa.select(User.id)
        .where(
            User.role == Role.CONCIERGE,
            User.is_active_account.is_(True),
            User.anonymised_at.is_(None),
        )
        .order_by(User.id)  # always in the same order: no deadlock
        .with_for_update()
    ).all()
    return len([user_id for user_id in concierges if user_id != user.id])


@dataclass(frozen=True)
class UserUpdate:
    entry: AuditEntry | None  # None: nothing changed
    replanned: list[date] = field(default_factory=list)  # days whose rounds were planned again


def update_user(
    session: Session,
    user: User,
    *,
    role: Role,
    member_company: MemberCompany | None,
    provider: Provider | None,
    solidarity_rate: bool,
    is_active: bool,
    actor: User,
    now: datetime,
) -> UserUpdate:
    """Change someone's role, tarif solidaire and whether the account is active; log it.

    A change of role or a deactivation signs them out everywhere; a new volunteer gets the
    profile the rounds need; someone who no longer does rounds has theirs not yet begun planned
    again. Returns the log entry (None when nothing changed) and the days planned again.
    Raises ManageError (with the form field at fault) when a rule forbids the change;
    ManageConflict (409) when it would leave no active concierge.
    """
    # No flush before the changes are logged: a flush would clear their history.
    with session.no_autoflush:
        return _update_user(
            session,
            user,
            role=role,
            member_company=member_company,
            provider=provider,
            solidarity_rate=solidarity_rate,
            is_active=is_active,
            actor=actor,
            now=now,
        )


def _update_user(
    session, user, *, role, member_company, provider, solidarity_rate, is_active, actor, now
):
    if user.anonymised_at is not None:
        raise ManageError(_("Ce compte a été effacé : il ne peut plus être modifié."))
    if user.id == actor.id and role is not Role.CONCIERGE:
        raise ManageError(_("Vous ne pouvez pas retirer votre propre rôle de concierge."), "role")
    if user.id == actor.id and not is_active:
        raise ManageError(
            _("Vous ne pouvez pas désactiver votre propre compte."), "is_active_account"
        )
    if user.is_walk_in and not role.is_customer:
        # Nobody can sign in to that account (no password yet): a role in the team needs one.
        raise ManageError(
            _(
                "Ce compte de client·e du comptoir n'a pas encore de mot de passe : "
                "il ne peut pas recevoir un rôle de l'équipe."
            ),
            "role",
        )
    was_concierge = user.role is Role.CONCIERGE and user.is_active_account
    leaves = role is not Role.CONCIERGE or not is_active
    if was_concierge and leaves and not _other_active_concierges(session, user):
        raise ManageConflict(  # another concierge just left (they deactivated each other)
            _("C'est la dernière personne concierge active : nommez-en une autre d'abord."),
            "role" if role is not Role.CONCIERGE else "is_active_account",
        )
    try:
        accounts.check_role_links(role, member_company=member_company, provider=provider)
    except accounts.RoleLinkError as error:
        raise ManageError(str(error), error.field) from error
    sign_out = role is not user.role or (user.is_active_account and not is_active)
    # Volunteers do rounds, and so may the concierge (a round given by hand).
    stops_rounds = (
        user.role in ROUND_ROLES
        and user.is_active_account
        and (role not in ROUND_ROLES or not is_active)
    )
    # Before the role changes: she chose the company herself (verified), or took it away.
    employees.follow_role_change(
        user,
        role=role,
        member_company_id=member_company.id if member_company else None,
        now=now,
    )
    # The ids, not the relationships: their history is what the log records.
    user.role = role
    user.member_company_id = member_company.id if member_company else None
    user.provider_id = provider.id if provider else None
    user.is_active_account = is_active
    try:
        accounts.set_solidarity_rate(user, solidarity_rate, actor=actor)
    except accounts.AccountError as error:
        raise ManageError(str(error), "solidarity_rate") from error
    if role is Role.VOLUNTEER and session.get(VolunteerProfile, user.id) is None:
        session.add(VolunteerProfile(user_id=user.id))  # rounds by bike until they say otherwise
    entry = record(session, user, actor=actor, now=now)
    if sign_out:
        accounts.end_all_sessions(user)
    session.flush()
    replanned = plan_without(session, user, now=now) if stops_rounds else []
    session.expire(user, ["member_company", "provider"])
    return UserUpdate(entry, replanned)


# Invitations -------------------------------------------------------------------------------------

# The accounts the concierge opens (customers sign up by themselves).
INVITED_ROLES = (Role.VOLUNTEER, Role.PROVIDER, Role.CONCIERGE)
# The log's actions (AuditEntry.action).
INVITED = "invite"
INVITED_AGAIN = "invite_again"


def invite_user(
    session: Session,
    *,
    full_name: str,
    email: str,
    phone: str | None,
    role: Role,
    provider: Provider | None,
    locale: str,
    actor: User,
    now: datetime,
    links: invitations.InvitationLinks,
) -> User:
    """Open an account for someone of the team and mail them the link to choose their password
    (accounts.invitations); until they do, nothing signs in to it. Logged.

    Raises ManageError (field "role") for a customer's role, AccountError for a name, phone or
    address that cannot be one ("full_name", "phone", "email"), EmailTaken when the address
    has an account (also one made a moment ago), RoleLinkError ("provider_id")."""
    if role not in INVITED_ROLES:
        raise ManageError(
            _("Les client·es créent leur compte eux-mêmes, en s'inscrivant sur le site."), "role"
        )
    address = accounts.normalise_email(email)
    full_name, phone = profile.check_name(full_name), profile.check_phone(phone)
    taken = accounts.EmailTaken(
        _("Un compte existe déjà avec cette adresse e-mail."), field="email"
    )
    if accounts.find_user_by_email(session, address) is not None:
        raise taken
    accounts.check_role_links(role, member_company=None, provider=provider)
    user = User(
        email=address,
        full_name=full_name,
        phone=phone,
        password_hash=invitations.NO_PASSWORD,
        role=role,
        provider_id=provider.id if provider else None,  # the id: what the log records
        locale=locale,
        is_active_account=True,
        created_at=now,
        invited_at=now,
    )
    try:
        with session.begin_nested():
            session.add(user)
            record(session, user, actor=actor, now=now, action=INVITED)
    except IntegrityError as error:
        if accounts.find_user_by_email(session, address) is None:
            raise  # not the address: a fault of ours
        raise taken from error  # opened a moment ago by another concierge
    if role is Role.VOLUNTEER:
        session.add(VolunteerProfile(user_id=user.id))  # rounds by bike until they say otherwise
    invitations.send_invitation(user, links=links, inviter=actor, now=now)
    return user


def resend_invitation(
    session: Session,
    user: User,
    *,
    actor: User,
    now: datetime,
    links: invitations.InvitationLinks,
) -> None:
    """Mail the invitation again (lost, or past its days): the links mailed before stop working.
    Logged. Raises ManageConflict when the password was chosen already, ManageError for an
    account erased or deactivated."""
    if user.anonymised_at is not None:
        raise ManageError(_("Ce compte a été effacé : il ne peut plus être modifié."))
    if not user.awaits_invitation:
        raise ManageConflict(
            _(
                "%(name)s a déjà choisi son mot de passe : son compte est ouvert.",
                name=user.full_name,
            )
        )
    if not user.is_active_account:
        raise ManageError(
            _("Ce compte est désactivé : réactivez-le avant de renvoyer l'invitation.")
        )
    user.invited_at = now
    accounts.end_all_sessions(user)  # the token's version: older links no longer match
    record(session, user, actor=actor, now=now, action=INVITED_AGAIN)
    invitations.send_invitation(user, links=links, inviter=actor, now=now)
