"""Employees of the member companies: the link to a company claimed at sign-up, and its
verification.

An account that says it works for a member company (`Role.EMPLOYEE` and `member_company_id`)
only claims it. The claim is verified, and only then does the company's subscription waive the
service fee (orders.service.fee_basis), in one of two ways:

- by link: the address is on one of the company's e-mail domains (`MemberCompany.domains`)
  and its owner followed a link mailed to it (the sign-up's confirmation link, or a
  new-password link, which proves the address the same way);
- by the concierge: she approves the request from the list of those waiting
  (`pending_requests`), or declines it, and the account goes on as a resident's. An account
  she makes herself, or whose company she sets on its page, is verified at once: she chose it.

Every decision is written to the audit log, the person by number (as manage.service.record
does): `ACTIONS` names them. Plain functions over the session; they flush, never commit.
"""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.orm import Session, object_session

from conciergerie import policy
from conciergerie.accounts import notifications
from conciergerie.errors import DomainError
from conciergerie.models import AuditEntry, MemberCompany, Role, User

# The audit log's actions for the decisions on a claim (AuditEntry.action, 20 characters).
VERIFIED_BY_LINK = "verify_link"
APPROVED = "verify_approve"
DECLINED = "verify_decline"
VERIFIED_AT_CREATION = "verify_created"
KEPT_FROM_BEFORE = "verify_kept"  # written by the migration that brought verification in
ACTIONS = (VERIFIED_BY_LINK, APPROVED, DECLINED, VERIFIED_AT_CREATION, KEPT_FROM_BEFORE)

# Anyone can have an address there: such a domain proves no one works for a company.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "aol.com", "free.fr", "gmail.com", "googlemail.com", "gmx.fr", "hotmail.com",
        "hotmail.fr", "icloud.com", "laposte.net", "live.com", "live.fr", "me.com", "msn.com",
        "neuf.fr", "orange.fr", "outlook.com", "outlook.fr", "proton.me", "protonmail.com",
        "sfr.fr", "wanadoo.fr", "yahoo.com", "yahoo.fr",
    }
)  # fmt: skip
MAX_DOMAINS = 20


class EmployeeError(DomainError):
    """A decision on an employee's claim is refused; `field` names the input at fault."""


class NotPending(EmployeeError):
    """The claim was decided already (by a link, or by another concierge a moment ago)."""

    code = "not_pending"
    status = 409


class DecisionNotAllowed(EmployeeError):
    code = "forbidden"
    status = 403


# The company's domains ----------------------------------------------------------------------


def normalise_domains(text: str) -> str:
    """The company's e-mail domains as stored: "Grands-Ensemble.fr, @ge-lille.org" →
    "grands-ensemble.fr ge-lille.org" (commas, semicolons or spaces between them; the domain
    part of an address spelt as accounts.service.normalise_email spells it, so that the two
    compare). Raises EmployeeError on the "email_domains" field for a domain that cannot be
    one of an address, or one of a public mail service."""
    domains: list[str] = []
    for part in filter(None, re.split(r"[\s,;]+", text or "")):
        part = part.removeprefix("@")  # written as people see it in an address
        try:
            valid = validate_email(f"x@{part}", check_deliverability=False)
        except EmailNotValidError as error:
            raise EmployeeError(
                _("« %(domain)s » n'est pas un domaine d'adresse e-mail.", domain=part),
                field="email_domains",
            ) from error
        domain = valid.domain.lower()
        if domain in PUBLIC_MAIL_DOMAINS:
            raise EmployeeError(
                _(
                    "« %(domain)s » est un service de messagerie ouvert à tous : il ne prouve "
                    "pas qu'on travaille dans l'entreprise.",
                    domain=domain,
                ),
                field="email_domains",
            )
        if domain not in domains:
            domains.append(domain)
    if len(domains) > MAX_DOMAINS:
        raise EmployeeError(_("%(n)d domaines au plus.", n=MAX_DOMAINS), field="email_domains")
    return " ".join(domains)


def address_domain(user: User) -> str:
    return user.email.rpartition("@")[2]


def on_company_domain(user: User) -> bool:
    """Whether the user's address is on one of the domains of the company they claim."""
    company = user.member_company
    return company is not None and address_domain(user) in company.domains


# Decisions ----------------------------------------------------------------------------------


def _log(
    session: Session,
    user: User,
    action: str,
    changes: dict[str, list],
    *,
    actor: User | None,
    now: datetime,
) -> AuditEntry:
    entry = AuditEntry(
        at=now,
        actor_id=actor.id if actor is not None else None,
        entity="user",
        entity_id=user.id,
        label=f"#{user.id}",
        action=action,
        changes=changes,
    )
    session.add(entry)
    session.flush()
    return entry


def verify_by_link(user: User, *, now: datetime) -> bool:
    """A link mailed to the user's address was just followed: the address is theirs. An
    employee waiting for verification whose address is on one of the company's domains is
    verified, logged. Returns whether the claim is verified (also when it already was)."""
    if not user.awaits_company_verification:
        return user.is_verified_employee
    if not on_company_domain(user):
        return False
    user.company_verified_at = now
    _log(
        object_session(user),
        user,
        VERIFIED_BY_LINK,
        {"company_verified_at": [None, str(now)], "domain": [None, address_domain(user)]},
        actor=None,
        now=now,
    )
    return True


def verify_at_creation(user: User, *, now: datetime) -> None:
    """An employee's account made by the concierge or a command (accounts.service.create_user):
    whoever made it chose the company; verified, logged."""
    if not user.awaits_company_verification:
        return
    user.company_verified_at = now
    _log(
        object_session(user),
        user,
        VERIFIED_AT_CREATION,
        {"company_verified_at": [None, str(now)]},
        actor=None,
        now=now,
    )


def follow_role_change(
    user: User, *, role: Role, member_company_id: int | None, now: datetime
) -> None:
    """The concierge sets `user`'s role and company on the account's page (manage.users), before
    they are assigned: a new link to a company is verified at once, since she chose the
    company herself; any other role has no link to verify. With the same role and company, a
    claim waiting stays so: it is decided from the list, on purpose. The change is logged with
    the others of the page (company_verified_at is one of the fields it follows)."""
    if role is not Role.EMPLOYEE:
        user.company_verified_at = None
    elif user.role is not Role.EMPLOYEE or user.member_company_id != member_company_id:
        user.company_verified_at = now


def pending_requests_query() -> sa.Select:
    """The claims the concierge has to decide: employees of active accounts whose address is
    confirmed (the others cannot sign in yet, and may still be verified by their link), oldest
    first."""
    return (
        sa.select(User)
        .options(sa.orm.selectinload(User.member_company))
        .where(
            User.role == Role.EMPLOYEE,
            User.company_verified_at.is_(None),
            User.email_confirmed_at.is_not(None),
            User.is_active_account.is_(True),
            User.anonymised_at.is_(None),
        )
        .order_by(User.created_at, User.id)
    )


def pending_requests(session: Session) -> list[User]:
    return list(session.scalars(pending_requests_query()))


def count_pending(session: Session) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(pending_requests_query().subquery())
    )


def _check_decision(session: Session, user: User, *, actor: User) -> None:
    if not policy.can_decide_company_claims(actor):
        raise DecisionNotAllowed(_("Seul·e la concierge vérifie le rattachement des salarié·es."))
    # Two concierges deciding at once: the second waits for the first and sees its decision.
    session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    session.refresh(user)
    if not user.awaits_company_verification or user.anonymised_at is not None:
        raise NotPending(_("Cette demande de rattachement n'est plus en attente."))
    if user.email_confirmed_at is None:
        raise EmployeeError(
            _("Cette personne n'a pas encore confirmé son adresse : attendez qu'elle le fasse.")
        )


def approve(session: Session, user: User, *, actor: User, now: datetime) -> None:
    """The concierge approves the employee's link to their company: the fee waiver of a
    subscribing company applies from now. Logged; the person is told by mail.

    Raises NotPending (409) when the claim was decided already, EmployeeError when the address
    is not confirmed yet, DecisionNotAllowed (403) for anyone but the concierge."""
    _check_decision(session, user, actor=actor)
    user.company_verified_at = now
    _log(
        session,
        user,
        APPROVED,
        {"company_verified_at": [None, str(now)]},
        actor=actor,
        now=now,
    )
    notifications.send_company_verified(user)


def decline(session: Session, user: User, *, actor: User, now: datetime) -> None:
    """The concierge declines the employee's link to their company: the account goes on as a
    resident's (the standard fee), and, as for any change of role, its sessions end. Logged;
    the person is told by mail, and may ask again with the concierge.

    Raises as `approve` does."""
    _check_decision(session, user, actor=actor)
    company = user.member_company
    user.role = Role.RESIDENT
    user.member_company = None
    user.session_version += 1  # accounts.service.end_all_sessions (that module imports this one)
    _log(
        session,
        user,
        DECLINED,
        {
            "role": [Role.EMPLOYEE.value, Role.RESIDENT.value],
            "member_company_id": [str(company.id), None],
        },
        actor=actor,
        now=now,
    )
    notifications.send_company_declined(user, company_name=company.name)


def verified_employee_ids(session: Session, company: MemberCompany) -> list[int]:
    """The active accounts whose verified link to `company` waives their fee while it
    subscribes (for the log of a company that stops)."""
    return list(
        session.scalars(
            sa.select(User.id)
            .where(
                User.member_company_id == company.id,
                User.role == Role.EMPLOYEE,
                User.company_verified_at.is_not(None),
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )
