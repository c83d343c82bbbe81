import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conciergerie.accounts import passwords, service
from conciergerie.models import Role, User
from tests.conftest import csrf_token, sign_in, submit
from tests.factories import PASSWORD

SIGNUP = "/compte/inscription"
LOGIN = "/compte/connexion"
LOGOUT = "/compte/deconnexion"
PROFILE = "/compte/"


def signup_data(**kw):
    data = {
        "full_name": "Nadia Benali",
        "email": "nadia@example.org",
        "phone": "06 12 34 56 78",
        "customer_type": "resident",
        "member_company": "0",
        "password": "des-poireaux-pour-jeudi",
        "confirm": "des-poireaux-pour-jeudi",
    }
    data.update(kw)
    return data


def user_by_email(session, email):
    session.expire_all()
    return session.scalar(sa.select(User).where(User.email == email))


CONFIRM_LINK = re.compile(r"http://[^\s\"]+/compte/confirmer/[^\s\"<]+")
RESET_LINK = re.compile(r"http://[^\s\"]+/compte/reinitialiser/[^\s\"<]+")


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_new_address_gets_a_link_and_is_signed_in_only_once_it_is_followed(
    client, session, outbox
):
    response = submit(client, SIGNUP, signup_data())
    assert response.status_code == 200
    assert "Vérifiez votre boîte mail" in response.get_data(as_text=True)
    user = user_by_email(session, "nadia@example.org")
    assert user.role is Role.RESIDENT and user.phone == "06 12 34 56 78"
    assert user.email_confirmed_at is None
    assert client.get(PROFILE).status_code == 302  # not signed in yet
    [mail] = list(outbox)
    assert mail.to == ["nadia@example.org"] and "confirmez votre adresse" in mail.subject
    link = _path(CONFIRM_LINK.search(mail.body).group(0))
    followed = client.get(link)
    assert followed.status_code == 302 and followed.headers["Location"] == "/catalogue/"
    assert client.get(PROFILE).status_code == 200
    assert user_by_email(session, "nadia@example.org").email_confirmed_at is not None
    again = client.get(link)  # the link works once
    assert again.status_code == 409 and "déjà confirmée" in again.get_data(as_text=True)


def test_employee_signs_up_with_their_company(client, session, make_member_company):
    company = make_member_company(name="Grands Ensemble")
    form = client.get(SIGNUP).get_data(as_text=True)
    assert "Grands Ensemble" in form
    response = submit(
        client,
        SIGNUP,
        signup_data(
            email="thomas@example.org", customer_type="employee", member_company=str(company.id)
        ),
    )
    assert response.status_code == 200
    assert user_by_email(session, "thomas@example.org").member_company_id == company.id


def _employee_signs_up(client, make_member_company, email):
    company = make_member_company(
        name="Grands Ensemble", email_domains="grands-ensemble.fr", is_subscriber=True
    )
    data = signup_data(email=email, customer_type="employee", member_company=str(company.id))
    assert submit(client, SIGNUP, data).status_code == 200


def test_an_employee_with_an_address_on_the_company_domain_is_verified_by_the_link(
    client, session, outbox, make_member_company
):
    _employee_signs_up(client, make_member_company, "thomas@grands-ensemble.fr")
    assert user_by_email(session, "thomas@grands-ensemble.fr").awaits_company_verification
    [mail] = list(outbox)
    assert "confirme aussi que vous travaillez chez Grands Ensemble" in mail.body
    page = client.get(_path(CONFIRM_LINK.search(mail.body).group(0)), follow_redirects=True)
    assert "Votre adresse professionnelle confirme que vous travaillez chez Grands Ensemble" in (
        page.get_data(as_text=True)
    )
    assert user_by_email(session, "thomas@grands-ensemble.fr").is_verified_employee
    assert "(à vérifier)" not in client.get(PROFILE).get_data(as_text=True)


def test_an_employee_with_another_address_is_told_the_concierge_will_check(
    client, session, outbox, make_member_company
):
    _employee_signs_up(client, make_member_company, "thomas@example.org")
    [mail] = list(outbox)
    page = client.get(_path(CONFIRM_LINK.search(mail.body).group(0)), follow_redirects=True)
    assert "La conciergerie va vérifier que vous travaillez chez Grands Ensemble" in (
        page.get_data(as_text=True)
    )
    assert user_by_email(session, "thomas@example.org").awaits_company_verification
    assert "Salarié·e de Grands Ensemble (à vérifier)" in client.get(PROFILE).get_data(as_text=True)


def test_employee_must_choose_a_company(client, session):
    response = submit(client, SIGNUP, signup_data(customer_type="employee"))
    assert response.status_code == 422
    assert "Choisissez votre entreprise" in response.get_data(as_text=True)
    assert user_by_email(session, "nadia@example.org") is None


@pytest.mark.parametrize("email", ["NADIA@example.org", "nadia@EXAMPLE.ORG"])
def test_a_known_address_gets_the_same_page_and_its_owner_a_note(
    client, session, make_user, outbox, email
):
    """Nothing on the page tells a known address from a new one: only the owner's mailbox."""
    make_user(email="nadia@example.org", full_name="Nadia Benali")
    known = submit(client, SIGNUP, signup_data(email=email))
    new = submit(client, SIGNUP, signup_data(email=re.sub("nadia", "nadine", email, flags=re.I)))
    assert known.status_code == new.status_code == 200
    assert re.sub("nadia", "X", known.get_data(as_text=True), flags=re.I) == re.sub(
        "nadine", "X", new.get_data(as_text=True), flags=re.I
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
    note, confirmation = list(outbox)
    assert note.to == ["nadia@example.org"] and "déjà un compte" in note.subject
    assert RESET_LINK.search(note.body) and not CONFIRM_LINK.search(note.body)
    assert confirmation.to == ["nadine@example.org"]
    assert client.get(PROFILE).status_code == 302


def test_a_known_and_a_new_address_cost_the_same_work(client, session, make_user, monkeypatch):
    """The same work either way (one password hash, one mail written): the time tells
    nothing. (A password hash is most of a sign-up's time.)"""
    make_user(email="nadia@example.org")
    hashed = []
    real_hash = service.passwords.hash_password
    monkeypatch.setattr(
        service.passwords, "hash_password", lambda p: hashed.append(p) or real_hash(p)
    )
    submit(client, SIGNUP, signup_data())
    submit(client, SIGNUP, signup_data(email="nadine@example.org"))
    assert len(hashed) == 2


def test_the_same_address_signing_up_twice_at_once_gets_the_same_answer(
    client, session, make_user, monkeypatch, outbox
):
    """The other sign-up is saved between our check and our insert: the unique address
    refuses ours, and the person reads the same page, still signed out."""
    make_user(email="nadia@example.org")  # the other request's account
    look_up = service.find_user_by_email
    calls = []

    def not_yet_there(session, email):
        calls.append(email)
        return None if len(calls) == 1 else look_up(session, email)

    monkeypatch.setattr(service, "find_user_by_email", not_yet_there)
    response = submit(client, SIGNUP, signup_data())
    assert response.status_code == 200
    assert "Vérifiez votre boîte mail" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert client.get(PROFILE).status_code == 302  # not signed in
    [note] = list(outbox)
    assert "déjà un compte" in note.subject


def test_signing_in_before_confirming_sends_the_link_again(client, session, outbox):
    submit(client, SIGNUP, signup_data())
    outbox.clear()
    response = submit(
        client, LOGIN, {"email": "nadia@example.org", "password": "des-poireaux-pour-jeudi"}
    )
    assert response.status_code == 200
    assert "abord votre adresse" in response.get_data(as_text=True)
    assert client.get(PROFILE).status_code == 302
    [mail] = list(outbox)
    assert CONFIRM_LINK.search(mail.body)


def test_a_forged_or_expired_confirmation_link_is_refused(client, session, outbox, clock):
    submit(client, SIGNUP, signup_data())
    link = _path(CONFIRM_LINK.search(list(outbox)[0].body).group(0))
    assert client.get(link + "x").status_code == 422
    clock.shift(timedelta(days=8))
    response = client.get(link)
    assert response.status_code == 422 and "expiré" in response.get_data(as_text=True)
    assert user_by_email(session, "nadia@example.org").email_confirmed_at is None


def test_common_password_is_a_form_error(client, session):
    response = submit(client, SIGNUP, signup_data(password="azertyuiop", confirm="azertyuiop"))
    assert response.status_code == 422
    assert "plus courants" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "field, value",
    [
        ("full_name", "N" * 5000),
        ("email", "a" * 300 + "@example.org"),
        ("email", "pas-une-adresse"),
        ("phone", "<script>alert(1)</script>"),
        ("password", "x" * 10_000),
        ("customer_type", "concierge"),  # a customer cannot make themselves staff
        ("member_company", "not-a-number"),
    ],
)
def test_oversized_or_malformed_fields_are_form_errors(client, session, field, value):
    data = signup_data(**{field: value})
    if field == "password":
        data["confirm"] = value
    response = submit(client, SIGNUP, data)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_request_larger_than_the_limit_is_refused_in_the_layout(client):
    response = client.post(SIGNUP, data={"full_name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Et voilà" in response.get_data(as_text=True)


def test_form_without_csrf_token_is_refused(client, session):
    response = client.post(SIGNUP, data=signup_data())
    assert response.status_code == 400
    assert "Formulaire expiré" in response.get_data(as_text=True)
    assert user_by_email(session, "nadia@example.org") is None


def test_form_with_a_forged_csrf_token_is_refused(client, session):
    response = client.post(SIGNUP, data={**signup_data(), "csrf_token": "forged"})
    assert response.status_code == 400


def test_sign_in_with_the_right_password(client, make_user):
    make_user(email="lea@example.org")
    response = submit(client, LOGIN, {"email": "Lea@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    profile = client.get(PROFILE)
    assert profile.status_code == 200 and "lea@example.org" in profile.get_data(as_text=True)


def test_sign_in_with_a_wrong_password_is_refused(client, make_user):
    make_user(email="lea@example.org")
    response = submit(client, LOGIN, {"email": "lea@example.org", "password": "pas-le-bon"})
    assert response.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get(PROFILE).status_code == 302  # still anonymous


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    response = submit(client, LOGIN, {"email": "personne@example.org", "password": "pas-le-bon"})
    assert response.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/catalogue/", "/catalogue/"),
        # An unsafe next is ignored: the person starts where they always do (a resident: their
        # orders).
        ("https://evil.example/", "/commandes/"),
        ("//evil.example", "/commandes/"),
    ],
)
def test_sign_in_follows_only_local_next_urls(client, make_user, target, expected):
    make_user(email="lea@example.org")
    url = f"{LOGIN}?next={target}"
    response = submit(client, url, {"email": "lea@example.org", "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_signing_out_ends_the_other_sessions(app, client, make_user):
    user = make_user()
    phone = app.test_client()
    sign_in(client, user)
    sign_in(phone, user)
    assert phone.get(PROFILE).status_code == 200
    response = submit(client, LOGOUT, {}, form_url=PROFILE)
    assert response.status_code == 302
    assert client.get(PROFILE).status_code == 302
    assert phone.get(PROFILE).status_code == 302  # the other device is signed out too


def test_sign_out_is_a_post_with_csrf(client, login_as):
    login_as(Role.RESIDENT)
    assert client.get(LOGOUT).status_code == 405
    assert client.post(LOGOUT).status_code == 400
    assert client.get(PROFILE).status_code == 200


def test_changing_the_password_ends_other_sessions_but_not_this_one(
    app, client, session, make_user
):
    user = make_user()
    laptop = app.test_client()
    sign_in(client, user)
    sign_in(laptop, user)
    response = submit(
        client,
        PROFILE,
        {
            "current_password": PASSWORD,
            "password": "nouvelle-phrase-secrete",
            "confirm": "nouvelle-phrase-secrete",
        },
    )
    assert response.status_code == 302
    assert client.get(PROFILE).status_code == 200
    assert laptop.get(PROFILE).status_code == 302
    session.refresh(user)
    assert passwords.verify_password(user.password_hash, "nouvelle-phrase-secrete")


def test_changing_the_password_needs_the_current_one(client, session, login_as):
    user = login_as(Role.RESIDENT)
    response = submit(
        client,
        PROFILE,
        {
            "current_password": "pas-le-bon",
            "password": "nouvelle-phrase-secrete",
            "confirm": "nouvelle-phrase-secrete",
        },
    )
    assert response.status_code == 422
    session.refresh(user)
    assert passwords.verify_password(user.password_hash, PASSWORD)


def test_password_reset_by_mailed_link(client, session, make_user, outbox):
    user = make_user(email="lea@example.org", full_name="Léa Dufour")
    response = submit(client, "/compte/mot-de-passe-oublie", {"email": "LEA@example.org"})
    assert response.status_code == 302
    assert len(outbox) == 1 and outbox[0].to == ["lea@example.org"]
    body = outbox[0].body
    assert "Léa Dufour" in body
    link = re.search(r"http://127.0.0.1:5000(/compte/reinitialiser/\S+)", body).group(1)

    response = submit(
        client, link, {"password": "le-lien-marche-bien", "confirm": "le-lien-marche-bien"}
    )
    assert response.status_code == 302 and response.headers["Location"] == LOGIN
    session.refresh(user)
    assert passwords.verify_password(user.password_hash, "le-lien-marche-bien")

    # The link works only once.
    again = client.get(link)
    assert again.status_code == 302 and again.headers["Location"] == "/compte/mot-de-passe-oublie"


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client, outbox):
    response = submit(
        client,
        "/compte/mot-de-passe-oublie",
        {"email": "inconnu@example.org"},
        follow_redirects=True,
    )
    assert outbox == []
    assert "Si un compte existe pour cette adresse" in response.get_data(as_text=True)


def test_forged_reset_link_is_refused(client):
    response = client.get("/compte/reinitialiser/not-a-token")
    assert response.status_code == 302


# Role checks on the concierge's pages -----------------------------------------------------------
STAFF_PAGES = ["/compte/utilisateurs"]


@pytest.mark.parametrize("path", STAFF_PAGES)
@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EMPLOYEE, Role.VOLUNTEER, Role.PROVIDER])
def test_staff_pages_are_forbidden_to_other_roles(client, login_as, path, role):
    login_as(role)
    response = client.get(path)
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(LOGIN)


def test_the_old_accounts_page_leads_to_the_management_one(client, login_as):
    login_as(Role.CONCIERGE)
    response = client.get("/compte/utilisateurs")
    assert response.status_code == 301 and response.location == "/gestion/utilisateurs"


def test_csrf_token_helper_finds_the_token(client):
    assert len(csrf_token(client, LOGIN)) > 20


def test_language_choice_is_kept_for_mails(client, session, login_as):
    user = login_as(Role.RESIDENT)
    submit(client, "/langue", {"lang": "en", "next": "/"}, form_url="/")
    session.refresh(user)
    assert user.locale == "en"


def test_sign_up_in_english_keeps_english_mails(client, session):
    submit(client, "/langue", {"lang": "en", "next": "/"}, form_url="/")
    submit(client, SIGNUP, signup_data())
    assert user_by_email(session, "nadia@example.org").locale == "en"


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.CONCIERGE, "/comptoir/"),
        (Role.VOLUNTEER, "/tournees/"),
        (Role.PROVIDER, "/prestataire/"),
        (Role.RESIDENT, "/commandes/"),
        (Role.EMPLOYEE, "/commandes/"),
    ],
)
def test_each_person_starts_at_their_own_home_after_signing_in(client, make_user, role, home):
    make_user(role, email="lea@example.org")
    response = submit(client, LOGIN, {"email": "lea@example.org", "password": PASSWORD})
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200
