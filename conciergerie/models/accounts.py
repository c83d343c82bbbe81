"""People: user accounts, their roles, and the member companies of La Grappe."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from conciergerie.models.catalogue import Provider


class Role(enum.StrEnum):
    RESIDENT = "resident"  # lives in the Gambetta district
    EMPLOYEE = "employee"  # works for a member company of La Grappe
    VOLUNTEER = "volunteer"  # civic-service volunteer: pickup rounds, events
    PROVIDER = "provider"  # staff of one partner provider
    CONCIERGE = "concierge"  # runs the desk; full admin

    @property
    def is_customer(self) -> bool:
        return self in (Role.RESIDENT, Role.EMPLOYEE)


class MemberCompany(Base):
    """A company of the cluster housed in La Grappe; its employees order as employees."""

    __tablename__ = "member_company"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    headcount: Mapped[int] = mapped_column(default=0)
    # A subscribing company pays a yearly fee; its employees pay no service fee per order.
    # Both are today's state; the accounts read the history (`subscriptions`), kept in step by
    # manage.service.keep_subscription_history.
    is_subscriber: Mapped[bool] = mapped_column(default=False)
    # The yearly subscription while it subscribes (by headcount: 300 to 4,000 €), in cents.
    yearly_fee_cents: Mapped[int] = mapped_column(default=0)
    # The domains of its staff's e-mail addresses, lower-cased, separated by one space
    # ("grands-ensemble.fr ge-lille.org"; see accounts.employees.normalise_domains): an
    # employee whose address on one of them is confirmed by a link is verified at once.
    email_domains: Mapped[str] = mapped_column(sa.Text, default="")
    # On its invoices (the French mentions: a company customer's name, address and SIRET), and
    # where they are mailed (the company has no account of its own to find them under).
    address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    siret: Mapped[str] = mapped_column(sa.String(14), default="", server_default="")
    billing_email: Mapped[str | None] = mapped_column(sa.String(254))

    subscriptions: Mapped[list[CompanySubscription]] = relationship(
        back_populates="company",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CompanySubscription.starts_on",
    )

    __table_args__ = (
        sa.CheckConstraint("headcount >= 0", name="headcount_not_negative"),
        sa.CheckConstraint("yearly_fee_cents >= 0", name="yearly_fee_not_negative"),
    )

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple((self.email_domains or "").split())

    def __repr__(self) -> str:
        return f"<MemberCompany {self.slug}>"


class CompanySubscription(Base):
    """A period during which a member company subscribed at one yearly fee.

    Both `starts_on` and `ends_on` are Paris dates and both count: a period covering a day
    counts that day in the accounts. `ends_on` is None while the period runs; a company has at
    most one running period, which mirrors its `is_subscriber` and `yearly_fee_cents`.
    """

    __tablename__ = "company_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member_company.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    yearly_fee_cents: Mapped[int] = mapped_column()

    company: Mapped[MemberCompany] = relationship(back_populates="subscriptions")

    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("yearly_fee_cents >= 0", name="yearly_fee_not_negative"),
        # One running period per company.
        sa.Index(
            "uq_company_subscription_running",
            "company_id",
            unique=True,
            sqlite_where=sa.text("ends_on IS NULL"),
            postgresql_where=sa.text("ends_on IS NULL"),
        ),
    )

    def __repr__(self) -> str:
        return f"<CompanySubscription {self.company_id} {self.starts_on}–{self.ends_on}>"


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see accounts.service.normalise_email): unique case-insensitively.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    member_company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member_company.id", ondelete="RESTRICT"), index=True
    )
    provider_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("provider.id", ondelete="RESTRICT"), index=True
    )
    # An employee's link to their company (role and member_company_id) is a claim until it is
    # verified: by the confirmation link of an address on one of the company's domains, or by
    # the concierge (accounts.employees). Only then does the company's subscription waive the
    # service fee. None for everyone else.
    company_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Tarif solidaire, granted by the concierge: no service fee on orders.
    solidarity_rate: Mapped[bool] = mapped_column(default=False)
    # Served at the counter without signing up (name, phone and maybe an e-mail): no password;
    # they may claim the account later with "forgotten password" if they gave an e-mail.
    is_walk_in: Mapped[bool] = mapped_column(default=False)
    # Asked on "Mon compte" for texts (SMS) when an order is ready and the day before a slot
    # (conciergerie.texts). Walk-in customers without an e-mail are texted without it.
    texts_opt_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Language of the mails sent to this person.
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr")
    # Part of the login cookie: bumping it signs the user out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the person proved the address is theirs (the link mailed at sign-up); accounts made
    # by the concierge or a command are confirmed when made. None: cannot sign in yet.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the concierge last mailed this account's invitation (accounts.invitations): an
    # account she made for someone of the team, who chooses their password through its link.
    # Until then it has no password (nothing signs in) and `email_confirmed_at` is None.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A new address asked for on "Mon compte", not yet confirmed by the link mailed to it: the
    # account keeps `email` (its sign-in and its mails) until then.
    pending_email: Mapped[str | None] = mapped_column(sa.String(254))
    # Set when the account was erased (RGPD): personal fields gone, accounting records kept.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member_company: Mapped[MemberCompany | None] = relationship()
    provider: Mapped[Provider | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'employee') = (member_company_id IS NOT NULL)", name="employee_has_company"
        ),
        sa.CheckConstraint(
            "(role = 'provider') = (provider_id IS NOT NULL)", name="provider_staff_has_provider"
        ),
        sa.CheckConstraint(
            "company_verified_at IS NULL OR role = 'employee'", name="only_employees_verified"
        ),
    )

    # Flask-Login ---------------------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    # Permissions -----------------------------------------------------------------------------
    def has_role(self, *roles: Role) -> bool:
        """True when the user has one of `roles`; the concierge has every staff right."""
        return self.role is Role.CONCIERGE or self.role in roles

    @property
    def is_customer(self) -> bool:
        return self.role.is_customer

    @property
    def awaits_invitation(self) -> bool:
        """Invited by the concierge, and the password not chosen yet."""
        return self.invited_at is not None and self.email_confirmed_at is None

    @property
    def is_verified_employee(self) -> bool:
        """An employee whose link to their member company is verified (link or concierge)."""
        return self.role is Role.EMPLOYEE and self.company_verified_at is not None

    @property
    def awaits_company_verification(self) -> bool:
        """An employee whose link to their company is still only claimed."""
        return self.role is Role.EMPLOYEE and self.company_verified_at is None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"
