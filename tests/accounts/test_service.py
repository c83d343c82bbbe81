import pytest
import sqlalchemy as sa

from conciergerie.accounts import passwords, service
from conciergerie.models import Role, User
from tests.factories import NOW, PASSWORD


def create(session, **kw):
    params = {
        "email": "nadia@example.org",
        "password": "un-panier-de-poireaux",
        "full_name": "Nadia B.",
        "role": Role.RESIDENT,
        "now": NOW,
    }
    params.update(kw)
    return service.create_user(session, **params)


def test_resident_signs_up(session):
    user = create(session, email="  Nadia@Example.ORG ")
    assert user.id is not None
    assert user.email == "nadia@example.org"
    assert user.role is Role.RESIDENT and user.member_company is None
    assert user.created_at == NOW and user.created_at.tzinfo is not None


def test_employee_signs_up_with_a_member_company(session, make_member_company):
    company = make_member_company(name="Grands Ensemble")
    user = create(session, role=Role.EMPLOYEE, member_company=company)
    assert user.member_company is company


def test_employee_without_company_is_refused(session):
    with pytest.raises(service.AccountError, match="entreprise"):
        create(session, role=Role.EMPLOYEE)


def test_resident_cannot_claim_a_company(session, make_member_company):
    with pytest.raises(service.AccountError):
        create(session, member_company=make_member_company())


def test_provider_staff_needs_a_provider(session, make_provider):
    with pytest.raises(service.AccountError):
        create(session, role=Role.PROVIDER)
    user = create(session, role=Role.PROVIDER, provider=make_provider())
    assert user.provider is not None


@pytest.mark.parametrize(
    "other_case", ["NADIA@example.org", "nadia@EXAMPLE.org", " Nadia@Example.Org"]
)
def test_email_is_unique_whatever_its_case(session, other_case):
    create(session)
    with pytest.raises(service.EmailTaken):
        create(session, email=other_case)
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_the_same_address_signing_up_twice_at_once_is_refused(session, monkeypatch):
    """The other sign-up is saved between the check and the insert: the unique address stops
    ours in its savepoint, and the session goes on (the refusal is answered, not a 500)."""
    create(session)
    look_up = service.find_user_by_email
    calls = []

    def not_yet_there(session, email):
        calls.append(email)
        return None if len(calls) == 1 else look_up(session, email)

    monkeypatch.setattr(service, "find_user_by_email", not_yet_there)
    with pytest.raises(service.EmailTaken, match="existe déjà") as refused:
        create(session, email="Nadia@example.org")
    assert refused.value.status == 409 and refused.value.field == "email"
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_another_integrity_error_is_not_called_a_taken_address(
    session, make_member_company, monkeypatch
):
    company = make_member_company()
    monkeypatch.setattr(service, "check_role_links", lambda role, **links: None)
    with pytest.raises(sa.exc.IntegrityError):  # a resident with a company: a constraint
        create(session, member_company=company)


@pytest.mark.parametrize(
    "password, reason",
    [
        ("court", "au moins 8"),
        ("x" * (passwords.MAX_LENGTH + 1), "au plus"),
        ("password1", "plus courants"),
        ("azertyuiop", "plus courants"),
        ("motdepasse", "plus courants"),
        ("Sunshine1", "plus courants"),  # case does not make a common password safe
    ],
)
def test_weak_passwords_are_refused(session, password, reason):
    with pytest.raises(service.WeakPassword, match=reason):
        create(session, password=password)


def test_long_passphrases_are_accepted(session):
    user = create(session, password="le cordonnier de la rue Gambetta ressemelle mes bottes " * 2)
    assert user.id is not None


def test_password_is_hashed_with_argon2id_and_strong_parameters(session):
    user = create(session)
    # $argon2id$v=19$m=65536,t=3,p=4$salt$hash: 64 MiB of memory, 3 passes, 4 lanes.
    algorithm, version, params, _salt, _digest = user.password_hash.split("$")[1:]
    assert algorithm == "argon2id" and version == "v=19"
    values = dict(item.split("=") for item in params.split(","))
    assert int(values["m"]) >= 65536 and int(values["t"]) >= 3 and int(values["p"]) >= 1
    assert "un-panier-de-poireaux" not in user.password_hash


def test_authenticate_checks_the_password(session, make_user):
    user = make_user(email="lea@example.org")
    assert service.authenticate(session, "LEA@example.org", PASSWORD, now=NOW) is user
    assert user.last_login_at == NOW
    assert service.authenticate(session, "lea@example.org", "wrong-password", now=NOW) is None
    assert service.authenticate(session, "nobody@example.org", PASSWORD, now=NOW) is None


def test_deactivated_account_cannot_sign_in(session, make_user):
    user = make_user(email="parti@example.org", is_active_account=False)
    assert service.authenticate(session, user.email, PASSWORD, now=NOW) is None


def test_changing_the_password_bumps_the_session_version(session, make_user):
    user = make_user()
    before = user.session_version
    with pytest.raises(service.AccountError):
        service.change_password(user, current_password="wrong", new_password="un-nouveau-secret")
    assert user.session_version == before
    service.change_password(user, current_password=PASSWORD, new_password="un-nouveau-secret")
    assert user.session_version == before + 1
    assert passwords.verify_password(user.password_hash, "un-nouveau-secret")


def test_reset_token_works_once(session, make_user):
    user = make_user()
    token = service.make_reset_token(user, secret_key="k")
    assert service.user_for_reset_token(session, token, secret_key="k", max_age=60) is user
    service.set_password(user, "une-autre-phrase-secrete")
    assert service.user_for_reset_token(session, token, secret_key="k", max_age=60) is None


def test_reset_token_is_refused_when_expired_or_forged(session, make_user):
    user = make_user()
    token = service.make_reset_token(user, secret_key="k")
    assert service.user_for_reset_token(session, token, secret_key="k", max_age=-1) is None
    assert service.user_for_reset_token(session, token, secret_key="other", max_age=60) is None
    assert service.user_for_reset_token(session, "garbage", secret_key="k", max_age=60) is None


@pytest.mark.parametrize(
    "first, second",
    [
        ("ünïcode@exämple.org", "ünïcode@xn--exmple-cua.org"),  # IDNA and Unicode domain
        ("lea@exa\u0301mple.org", "lea@exámple.org"),  # decomposed and composed accent
    ],
)
def test_one_mailbox_one_account_whatever_the_spelling(session, first, second):
    if "ü" in first:
        with pytest.raises(service.AccountError, match="invalide"):  # non-ASCII local part
            create(session, email=first)
        return
    create(session, email=first)
    with pytest.raises(service.EmailTaken):
        create(session, email=second)


def test_names_are_bounded_in_the_service_too(session):
    with pytest.raises(service.AccountError):
        create(session, full_name="x" * 121)
    with pytest.raises(service.AccountError):
        create(session, full_name="   ")
