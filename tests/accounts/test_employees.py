"""An employee's link to their member company: a claim until a link on one of the company's
domains or the concierge verifies it; only then does a subscribing company waive the fee."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.accounts import employees, service
from conciergerie.manage.service import ManageError, save_company
from conciergerie.manage.users import update_user
from conciergerie.models import AuditEntry, OutboxMail, Role
from conciergerie.orders.service import FeeBasis, fee_basis, service_fee_cents
from tests.factories import NOW, SETTINGS, make_member_company, make_user

LINKS = service.SignUpLinks(
    secret_key="un-secret-de-test",
    confirm=lambda token: f"http://127.0.0.1:5000/compte/confirmer/{token}",
    reset=lambda token: f"http://127.0.0.1:5000/compte/reinitialiser/{token}",
    reset_max_age=3600,
)
LATER = NOW + timedelta(hours=2)


@pytest.fixture
def company(session):
    company = make_member_company(
        session,
        name="Grands Ensemble",
        email_domains="grands-ensemble.fr ge-lille.org",
        is_subscriber=True,
        yearly_fee_cents=380_000,
    )
    return company


@pytest.fixture
def concierge(session):
    return make_user(session, Role.CONCIERGE)


def sign_up(session, company, email):
    service.sign_up(
        session,
        email=email,
        password="des-poireaux-pour-jeudi",
        full_name="Thomas Vandamme",
        role=Role.EMPLOYEE,
        member_company=company,
        now=NOW,
        links=LINKS,
    )
    return service.find_user_by_email(session, email)


def confirm(session, user, *, now=LATER):
    token = service.make_confirmation_token(user, secret_key=LINKS.secret_key)
    return service.confirm_address(session, token, secret_key=LINKS.secret_key, now=now)


def entries(session, user):
    return session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.entity == "user", AuditEntry.entity_id == user.id)
        .order_by(AuditEntry.id)
    ).all()


def mails_to(session, email):
    return session.scalars(sa.select(OutboxMail).where(OutboxMail.recipient == email)).all()


# The company's domains ------------------------------------------------------------------------


def test_domains_are_stored_lower_cased_once_each_whatever_the_separators():
    written = " Grands-Ensemble.FR, @ge-lille.org ;grands-ensemble.fr\n"
    assert employees.normalise_domains(written) == "grands-ensemble.fr ge-lille.org"
    assert employees.normalise_domains("") == ""


@pytest.mark.parametrize(
    "written, reason",
    [("pas un domaine", "n'est pas un domaine"), ("localhost", "n'est pas un domaine"),
     ("Gmail.com", "ouvert à tous"), ("grands-ensemble.fr, orange.fr", "ouvert à tous")],
)  # fmt: skip
def test_a_domain_that_proves_nothing_is_refused_on_its_field(written, reason):
    with pytest.raises(employees.EmployeeError, match=reason) as refused:
        employees.normalise_domains(written)
    assert refused.value.field == "email_domains"


# Verified by the link ---------------------------------------------------------------------------


def test_an_address_on_a_company_domain_is_verified_by_its_confirmation_link(session, company):
    user = sign_up(session, company, "Thomas@GE-Lille.org")
    assert user.awaits_company_verification  # not before the link is followed
    assert service_fee_cents(user, SETTINGS) == SETTINGS.resident_fee_cents
    [mail] = mails_to(session, "thomas@ge-lille.org")
    assert "confirme aussi que vous travaillez chez Grands Ensemble" in mail.body_text
    confirm(session, user)
    assert user.is_verified_employee and user.company_verified_at == LATER
    assert fee_basis(user) is FeeBasis.SUBSCRIBING_COMPANY
    assert service_fee_cents(user, SETTINGS) == 0
    [entry] = entries(session, user)
    assert (entry.action, entry.actor_id, entry.at, entry.label) == (
        "verify_link", None, LATER, f"#{user.id}"
    )  # fmt: skip
    assert entry.changes == {
        "company_verified_at": [None, str(LATER)],
        "domain": [None, "ge-lille.org"],
    }


def test_another_address_waits_for_the_concierge_and_pays_the_fee_meanwhile(session, company):
    user = sign_up(session, company, "thomas.vandamme@example.org")
    [mail] = mails_to(session, "thomas.vandamme@example.org")
    assert "La conciergerie vérifiera que vous travaillez chez Grands Ensemble" in mail.body_text
    assert employees.pending_requests(session) == []  # the address is not confirmed yet
    confirm(session, user)
    assert user.awaits_company_verification
    assert fee_basis(user) is FeeBasis.COMPANY_UNVERIFIED
    assert service_fee_cents(user, SETTINGS) == SETTINGS.resident_fee_cents
    assert employees.pending_requests(session) == [user]
    assert employees.count_pending(session) == 1
    assert entries(session, user) == []  # nothing decided yet


def test_a_subdomain_or_a_look_alike_is_not_the_company_domain(session, company):
    for email in ("a@mail.grands-ensemble.fr", "b@grands-ensemble.fr.example.org"):
        user = sign_up(session, company, email)
        confirm(session, user)
        assert user.awaits_company_verification


def test_a_new_password_link_proves_the_address_too(session, company):
    user = sign_up(session, company, "thomas@grands-ensemble.fr")
    service.set_password(user, "un-lien-vaut-une-preuve")  # reached only from a mailed link
    assert user.email_confirmed_at is not None and user.is_verified_employee
    assert [e.action for e in entries(session, user)] == ["verify_link"]


def test_a_resident_is_never_verified_by_a_link(session, company):
    user = make_user(session, Role.RESIDENT, email="nadia@grands-ensemble.fr")
    assert employees.verify_by_link(user, now=NOW) is False
    assert user.company_verified_at is None and entries(session, user) == []


def test_an_account_made_by_the_concierge_or_a_command_is_verified_logged(session, company):
    user = service.create_user(
        session,
        email="lea@example.org",
        password="un-panier-de-poireaux",
        full_name="Léa",
        role=Role.EMPLOYEE,
        member_company=company,
        now=NOW,
    )
    assert user.company_verified_at == NOW
    assert [e.action for e in entries(session, user)] == ["verify_created"]
    waiting = service.create_user(
        session,
        email="julie@example.org",
        password="un-panier-de-poireaux",
        full_name="Julie",
        role=Role.EMPLOYEE,
        member_company=company,
        now=NOW,
        verify_company=False,
    )
    assert waiting.awaits_company_verification and entries(session, waiting) == []


# The concierge decides --------------------------------------------------------------------------


@pytest.fixture
def waiting(session, company):
    return make_user(
        session,
        Role.EMPLOYEE,
        member_company=company,
        email="thomas@example.org",
        full_name="Thomas Vandamme",
        company_verified_at=None,
    )


def test_the_concierge_approves_a_request_logged_and_the_person_told(session, waiting, concierge):
    assert service_fee_cents(waiting, SETTINGS) == SETTINGS.resident_fee_cents
    employees.approve(session, waiting, actor=concierge, now=LATER)
    assert waiting.company_verified_at == LATER and service_fee_cents(waiting, SETTINGS) == 0
    [entry] = entries(session, waiting)
    assert (entry.action, entry.actor_id, entry.at) == ("verify_approve", concierge.id, LATER)
    assert entry.changes == {"company_verified_at": [None, str(LATER)]}
    [mail] = mails_to(session, "thomas@example.org")
    assert "travaillez chez Grands Ensemble" in mail.body_text
    assert employees.pending_requests(session) == []
    with pytest.raises(employees.NotPending):  # another concierge, a moment later
        employees.approve(session, waiting, actor=concierge, now=LATER)
    with pytest.raises(employees.NotPending):
        employees.decline(session, waiting, actor=concierge, now=LATER)


def test_the_concierge_declines_a_request_the_account_goes_on_as_a_resident(
    session, waiting, concierge, company
):
    version = waiting.session_version
    employees.decline(session, waiting, actor=concierge, now=LATER)
    session.flush()
    assert waiting.role is Role.RESIDENT and waiting.member_company_id is None
    assert waiting.company_verified_at is None
    assert waiting.session_version == version + 1  # a change of role: signed out everywhere
    assert fee_basis(waiting) is FeeBasis.STANDARD
    [entry] = entries(session, waiting)
    assert (entry.action, entry.actor_id) == ("verify_decline", concierge.id)
    assert entry.changes == {
        "role": ["employee", "resident"],
        "member_company_id": [str(company.id), None],
    }
    [mail] = mails_to(session, "thomas@example.org")
    assert "n'a pas pu vérifier que vous travaillez chez Grands Ensemble" in mail.body_text
    with pytest.raises(employees.NotPending):
        employees.approve(session, waiting, actor=concierge, now=LATER)


def test_only_the_concierge_decides(session, waiting):
    for role in (Role.EMPLOYEE, Role.VOLUNTEER, Role.PROVIDER):
        with pytest.raises(employees.DecisionNotAllowed):
            employees.approve(session, waiting, actor=make_user(session, role), now=LATER)
    assert waiting.awaits_company_verification and entries(session, waiting) == []


def test_an_address_not_confirmed_yet_cannot_be_decided(session, company, concierge):
    user = sign_up(session, company, "thomas@example.org")
    with pytest.raises(employees.EmployeeError, match="pas encore confirmé"):
        employees.approve(session, user, actor=concierge, now=LATER)


def test_inactive_or_erased_accounts_are_not_listed(session, company):
    make_user(session, Role.EMPLOYEE, member_company=company, company_verified_at=None,
              is_active_account=False)  # fmt: skip
    make_user(session, Role.EMPLOYEE, member_company=company, company_verified_at=None,
              anonymised_at=NOW)  # fmt: skip
    make_user(session, Role.EMPLOYEE, member_company=company)  # verified
    assert employees.pending_requests(session) == []


# The concierge's account page -----------------------------------------------------------------


def _update(session, user, concierge, **changes):
    wanted = {
        "role": user.role,
        "member_company": user.member_company,
        "provider": None,
        "solidarity_rate": user.solidarity_rate,
        "is_active": user.is_active_account,
        **changes,
    }
    return update_user(session, user, actor=concierge, now=LATER, **wanted).entry


def test_the_account_page_leaves_a_waiting_claim_to_the_list(session, waiting, concierge):
    _update(session, waiting, concierge, solidarity_rate=True)
    assert waiting.awaits_company_verification


def test_a_company_set_on_the_account_page_is_verified_another_role_drops_it(
    session, waiting, concierge
):
    other = make_member_company(session)
    entry = _update(session, waiting, concierge, member_company=other)
    assert waiting.company_verified_at == LATER
    assert entry.changes["company_verified_at"] == [None, str(LATER)]
    entry = _update(session, waiting, concierge, role=Role.RESIDENT, member_company=None)
    assert waiting.company_verified_at is None
    assert entry.changes["company_verified_at"] == [str(LATER), None]


def test_only_employees_can_be_verified_in_the_database(session):
    user = make_user(session, Role.RESIDENT)
    user.company_verified_at = NOW
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.flush()


# A company that stops subscribing ---------------------------------------------------------------


def test_a_company_that_stops_subscribing_ends_the_waiver_that_day_logged(
    session, company, concierge
):
    save_company(session, company, values={}, actor=concierge, now=NOW - timedelta(days=30))
    verified = make_user(session, Role.EMPLOYEE, member_company=company)
    waiting = make_user(session, Role.EMPLOYEE, member_company=company, company_verified_at=None)
    assert service_fee_cents(verified, SETTINGS) == 0
    assert fee_basis(waiting) is FeeBasis.COMPANY_UNVERIFIED

    save_company(
        session,
        company,
        values={"is_subscriber": False, "yearly_fee_cents": 0},
        actor=concierge,
        now=NOW,
    )
    # The running period ended yesterday: today is no longer paid for, nor waived.
    assert company.subscriptions[-1].ends_on == date(2026, 11, 24)
    for user in (verified, waiting):
        assert fee_basis(user) is FeeBasis.COMPANY_NOT_SUBSCRIBING
        assert service_fee_cents(user, SETTINGS) == SETTINGS.resident_fee_cents
    entry = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.entity == "member_company")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.changes["is_subscriber"] == ["True", "False"]
    assert entry.changes["fee_waiver_ended"] == [None, f"#{verified.id}"]
    assert verified.company_verified_at is not None  # it applies again if the company resumes


def test_the_domains_are_saved_normalised_and_logged(session, company, concierge):
    save_company(
        session,
        company,
        values={"email_domains": "GE-Lille.org, @grands-ensemble.fr"},
        actor=concierge,
        now=NOW,
    )
    assert company.domains == ("ge-lille.org", "grands-ensemble.fr")
    with pytest.raises(ManageError) as refused:
        save_company(
            session, company, values={"email_domains": "gmail.com"}, actor=concierge, now=NOW
        )
    assert refused.value.field == "email_domains"
