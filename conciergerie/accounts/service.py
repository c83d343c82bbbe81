"""Account rules: sign-up, sign-in, password changes and reset tokens.

Plain functions over the session; they flush, never commit (the request commits once). A
refusal is an `AccountError` naming the form field at fault.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conciergerie.accounts import employees, notifications, passwords
from conciergerie.errors import DomainError
from conciergerie.models import MemberCompany, Provider, Role, User, utcnow

log = logging.getLogger(__name__)


class AccountError(DomainError):
    pass


class EmailTaken(AccountError):
    """The address already has an account (found, or signed up a moment ago by another
    request): a conflict with what is stored."""

    code = "email_taken"
    status = 409


class WeakPassword(AccountError):
    code = "weak_password"


class AddressAlreadyConfirmed(AccountError):
    status = 409


class RoleLinkError(AccountError):
    """A role without its company or provider, or one that has none with one."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field=field)


def normalise_email(email: str) -> str:
    """The one spelling an address is stored and looked up under.

    email-validator's normalised form (Unicode NFC, IDNA domain), lower-cased; addresses with a
    non-ASCII local part are refused, since mail servers and our mailer cannot all deliver them.
    """
    try:
        valid = validate_email(email.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise AccountError(_("Adresse e-mail invalide."), field="email") from error
    return valid.normalized.lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    try:
        normalised = normalise_email(email)
    except AccountError:
        return None
    return session.scalar(sa.select(User).where(User.email == normalised))


def check_password_rules(password: str) -> None:
    """Raise WeakPassword with a readable reason when `password` may not be used."""
    if len(password) < passwords.MIN_LENGTH:
        raise WeakPassword(
            _("Le mot de passe doit faire au moins %(n)d caractères.", n=passwords.MIN_LENGTH),
            field="password",
        )
    if len(password) > passwords.MAX_LENGTH:
        raise WeakPassword(
            _("Le mot de passe doit faire au plus %(n)d caractères.", n=passwords.MAX_LENGTH),
            field="password",
        )
    if passwords.is_common_password(password):
        raise WeakPassword(
            _("Ce mot de passe fait partie des plus courants : choisissez-en un autre."),
            field="password",
        )


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    now: datetime,
    phone: str | None = None,
    member_company: MemberCompany | None = None,
    provider: Provider | None = None,
    locale: str = "fr",
    confirmed: bool = True,
    verify_company: bool = True,
    password_hash: str | None = None,
) -> User:
    """Create an account of any role, enforcing the rules every entry point shares.

    `confirmed`: the address is known to be the person's (an account made by the concierge or a
    command); a sign-up's is not until its link is followed (`sign_up`). Such an account of an
    employee is verified with its company at once, its maker chose the company (logged; see
    accounts.employees), unless `verify_company` is False; a sign-up's claim waits for its link
    or for the concierge. `password_hash`: `password` hashed already (the demo's accounts share
    one password, hashed once: argon2id takes a good part of a second each time).

    Raises EmailTaken when the address has an account, also when the same address signs up
    twice at once: the second insert hits the unique address in a savepoint of its own."""
    email = normalise_email(email)
    full_name = full_name.strip()
    _check_person(full_name, phone)
    taken = _("Un compte existe déjà avec cette adresse e-mail.")
    if find_user_by_email(session, email) is not None:
        raise EmailTaken(taken, field="email")
    check_password_rules(password)
    check_role_links(role, member_company=member_company, provider=provider)
    user = User(
        email=email,
        full_name=full_name,
        phone=(phone or "").strip() or None,
        password_hash=password_hash or passwords.hash_password(password),
        role=role,
        member_company=member_company,
        provider=provider,
        locale=locale,
        created_at=now,
        email_confirmed_at=now if confirmed else None,
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as error:
        if find_user_by_email(session, email) is None:
            raise  # not the address: a fault of ours, not the person's
        raise EmailTaken(taken, field="email") from error  # signed up a moment ago
    if confirmed and verify_company:
        employees.verify_at_creation(user, now=now)
    return user


def _check_person(full_name: str, phone: str | None) -> None:
    if not 1 <= len(full_name.strip()) <= 120:
        raise AccountError(_("Le nom doit faire entre 1 et 120 caractères."), field="full_name")
    if phone is not None and len(phone.strip()) > 30:
        raise AccountError(_("Numéro de téléphone trop long."), field="phone")


@dataclass(frozen=True)
class SignUpLinks:
    """How the sign-up's mails link back to the site (URLs on PUBLIC_URL, made by the view)."""

    secret_key: str
    confirm: Callable[[str], str]  # token → the address-confirmation URL
    reset: Callable[[str], str]  # token → the new-password URL
    reset_max_age: int


CONFIRMATION_DAYS = 7


def sign_up(
    session: Session,
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    now: datetime,
    links: SignUpLinks,
    phone: str | None = None,
    member_company: MemberCompany | None = None,
    locale: str = "fr",
) -> None:
    """Answer a sign-up the same way whether the address is new or has an account, so that no
    one learns who is a customer: a new address gets its account, not confirmed, and a mail
    with the link that confirms it (and signs in); an address with an account gets a mail that
    says so to its owner, with a link to choose a new password. Both do the same work (the
    password is hashed either way) and write one mail to the outbox, so the time tells nothing.

    Raises AccountError for what the form itself got wrong (name, phone, password, company):
    the same whatever the address."""
    _check_person(full_name, phone)
    check_password_rules(password)
    check_role_links(role, member_company=member_company, provider=None)
    existing = find_user_by_email(session, email)
    if existing is None:
        try:
            user = create_user(
                session,
                email=email,
                password=password,
                full_name=full_name,
                role=role,
                now=now,
                phone=phone,
                member_company=member_company,
                locale=locale,
                confirmed=False,
            )
        except EmailTaken:  # the same address signed up a moment ago
            existing = find_user_by_email(session, email)
        else:
            session.flush()
            token = make_confirmation_token(user, secret_key=links.secret_key)
            notifications.send_address_confirmation(
                user,
                links.confirm(token),
                valid_days=CONFIRMATION_DAYS,
                company_by_link=employees.on_company_domain(user),
            )
            return
    passwords.hash_password(password)  # the work a new account costs: the time tells nothing
    if existing is not None and existing.is_active_account:
        token = make_reset_token(existing, secret_key=links.secret_key)
        notifications.send_account_exists(
            existing, links.reset(token), valid_minutes=links.reset_max_age // 60
        )


def resend_confirmation(user: User, *, links: SignUpLinks) -> None:
    """The confirmation link again, for an account that signed up and has not confirmed yet."""
    token = make_confirmation_token(user, secret_key=links.secret_key)
    notifications.send_address_confirmation(
        user,
        links.confirm(token),
        valid_days=CONFIRMATION_DAYS,
        company_by_link=employees.on_company_domain(user),
    )


def _confirmation_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="address-confirmation")


def make_confirmation_token(user: User, *, secret_key: str) -> str:
    return _confirmation_serializer(secret_key).dumps({"user": user.id, "email": user.email})


def confirm_address(session: Session, token: str, *, secret_key: str, now: datetime) -> User:
    """Confirm the address a sign-up's link was sent to; the account may then sign in. An
    employee whose address is on one of their company's domains is verified with it
    (accounts.employees.verify_by_link); another waits for the concierge.

    The link works once: an address already confirmed, an expired or altered link, or an
    address changed since, is refused (AccountError, 409 or 422)."""
    try:
        data = _confirmation_serializer(secret_key).loads(
            token, max_age=CONFIRMATION_DAYS * 24 * 3600
        )
    except (SignatureExpired, BadSignature):
        raise AccountError(
            _("Ce lien de confirmation n'est pas valable ou a expiré : inscrivez-vous à nouveau.")
        ) from None
    user_id = data.get("user") if isinstance(data, dict) else None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.email != data.get("email") or not user.is_active_account:
        raise AccountError(_("Ce lien de confirmation ne correspond à aucun compte."))
    if user.email_confirmed_at is not None:
        raise AddressAlreadyConfirmed(
            _("Votre adresse est déjà confirmée : connectez-vous avec votre mot de passe.")
        )
    user.email_confirmed_at = now
    employees.verify_by_link(user, now=now)
    return user


def check_role_links(
    role: Role, *, member_company: MemberCompany | None, provider: Provider | None
) -> None:
    """An employee has a member company and a provider's staff a provider; no one else does."""
    if role is Role.EMPLOYEE and member_company is None:
        raise RoleLinkError(
            _("Un·e salarié·e est rattaché·e à une entreprise de La Grappe."), "member_company_id"
        )
    if role is not Role.EMPLOYEE and member_company is not None:
        raise RoleLinkError(
            _("Seuls les salariés de La Grappe sont rattachés à une entreprise."),
            "member_company_id",
        )
    if role is Role.PROVIDER and provider is None:
        raise RoleLinkError(
            _("Un compte prestataire doit être rattaché à un prestataire."), "provider_id"
        )
    if role is not Role.PROVIDER and provider is not None:
        raise RoleLinkError(
            _("Seul un compte prestataire est rattaché à un prestataire."), "provider_id"
        )


def active_concierges(session: Session) -> list[User]:
    """Who to alert when the desk must act (erased accounts are never active)."""
    return list(
        session.scalars(
            sa.select(User)
            .where(User.role == Role.CONCIERGE, User.is_active_account.is_(True))
            .order_by(User.id)
        )
    )


def authenticate(session: Session, email: str, password: str, *, now: datetime) -> User | None:
    """The active user with these credentials, or None (same cost whether or not they exist)."""
    user = find_user_by_email(session, email)
    if not passwords.verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active_account:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now
    return user


def set_solidarity_rate(user: User, granted: bool, *, actor: User) -> None:
    """Grant or withdraw the tarif solidaire (no service fee); the concierge decides."""
    if actor.role is not Role.CONCIERGE:
        raise AccountError(_("Seul·e la concierge accorde le tarif solidaire."))
    if granted and not user.is_customer:
        raise AccountError(_("Le tarif solidaire concerne les client·es."))
    user.solidarity_rate = granted


def end_all_sessions(user: User) -> None:
    """Invalidate every login cookie of `user`, on every device."""
    user.session_version += 1


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError(_("Le mot de passe actuel est incorrect."), field="current_password")
    set_password(user, new_password)


def set_password(user: User, new_password: str) -> None:
    """Set a new password and sign the user out of every other session."""
    check_password_rules(new_password)
    user.password_hash = passwords.hash_password(new_password)
    user.is_walk_in = False  # a customer served at the counter who now has an online account
    if user.email_confirmed_at is None:  # only a link mailed to the address leads here
        user.email_confirmed_at = utcnow()
        employees.verify_by_link(user, now=user.email_confirmed_at)
    end_all_sessions(user)


# Reset links ------------------------------------------------------------------------------------
# The token carries the session version: resetting bumps it, so a link works once.


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-reset")


def make_reset_token(user: User, *, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"user": user.id, "version": user.session_version})


def send_reset_link(
    session: Session,
    email: str,
    *,
    secret_key: str,
    max_age: int,
    link: Callable[[str], str],
) -> None:
    """Mail a link to choose a new password (`link(token)`: its URL) to the active account of
    `email`, if there is one. Nothing tells the caller whether there was, not even a failing
    mail server: no one can probe who is a customer."""
    user = find_user_by_email(session, email)
    if user is None or not user.is_active_account:
        return
    token = make_reset_token(user, secret_key=secret_key)
    try:
        notifications.send_password_reset(user, link(token), valid_minutes=max_age // 60)
    except Exception:  # same answer as for an unknown address
        log.exception("password reset mail to user %s failed", user.id)


def user_for_reset_token(
    session: Session, token: str, *, secret_key: str, max_age: int
) -> User | None:
    """The user a valid, unused, unexpired reset token was made for; None otherwise."""
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = session.get(User, data.get("user")) if isinstance(data.get("user"), int) else None
    if user is None or user.session_version != data.get("version") or not user.is_active_account:
        return None
    return user
