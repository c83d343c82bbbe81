""" "Mon compte": one's name and phone, and a new e-mail address that counts once confirmed."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conciergerie.accounts import profile, service
from conciergerie.models import AuditEntry, Role, User
from tests.conftest import csrf_token, sign_in, submit
from tests.factories import NOW, PASSWORD, make_member_company, make_user

SECRET = "testing-secret-key"  # TestingConfig's: links made here work in the views
LINKS = profile.EmailChangeLinks(
    secret_key=SECRET,
    confirm=lambda token: f"http://127.0.0.1:5000/compte/adresse/confirmer/{token}",
    reset=lambda token: f"http://127.0.0.1:5000/compte/reinitialiser/{token}",
    reset_max_age=3600,
)
CONFIRM = re.compile(r"https?://[^\s\"]+(/compte/adresse/confirmer/[^\s\"<]+)")
RESET = re.compile(r"https?://[^\s\"]+(/compte/reinitialiser/[^\s\"<]+)")


@pytest.fixture
def nadia(session):
    return make_user(session, email="nadia@example.org", full_name="Nadia Benali")


def ask(session, user, new_email="nadia.b@example.net", password=PASSWORD, now=NOW):
    return profile.request_email_change(
        session, user, new_email=new_email, password=password, links=LINKS, now=now
    )


def token_of(mail) -> str:
    return CONFIRM.search(mail.body).group(1).rsplit("/", 1)[1]


# Name and phone -------------------------------------------------------------------------------


def test_name_and_phone_are_changed(nadia):
    assert profile.update_details(nadia, full_name=" Nadia B. ", phone=" +33 6 12 34 56 78 ")
    assert (nadia.full_name, nadia.phone) == ("Nadia B.", "+33 6 12 34 56 78")
    assert not profile.update_details(nadia, full_name="Nadia B.", phone="+33 6 12 34 56 78")
    profile.update_details(nadia, full_name="Nadia B.", phone="")
    assert nadia.phone is None


@pytest.mark.parametrize(
    ("full_name", "phone", "field"),
    [
        ("Nadia", "06 12", "phone"),  # fewer than 6 digits, as the desk refuses a walk-in's
        ("Nadia", "+33 6 12 34 56 78 90 12 3", "phone"),  # more than 15
        ("Nadia", "0" * 31, "phone"),
        ("  ", "06 12 34 56 78", "full_name"),
        ("N" * 121, None, "full_name"),
    ],
)
def test_a_phone_or_name_that_cannot_be_one_is_refused(nadia, full_name, phone, field):
    with pytest.raises(service.AccountError) as error:
        profile.update_details(nadia, full_name=full_name, phone=phone)
    assert error.value.field == field


# The e-mail address -----------------------------------------------------------------------------


def test_a_new_address_counts_only_once_confirmed(session, nadia, outbox):
    assert ask(session, nadia, " Nadia.B@Example.NET ") == "nadia.b@example.net"
    assert nadia.email == "nadia@example.org" and nadia.pending_email == "nadia.b@example.net"
    [mail] = outbox
    assert mail.to == ["nadia.b@example.net"]
    assert "Bonjour Nadia Benali" in mail.body and "valable 2 jours" in mail.body
    # Until then the old address signs in; the new one does not.
    assert service.authenticate(session, "nadia@example.org", PASSWORD, now=NOW) is nadia
    assert service.authenticate(session, "nadia.b@example.net", PASSWORD, now=NOW) is None

    later = NOW + timedelta(hours=5)
    user = profile.confirm_email_change(session, token_of(mail), secret_key=SECRET, now=later)
    assert user is nadia
    assert nadia.email == "nadia.b@example.net" and nadia.pending_email is None
    assert nadia.email_confirmed_at == later
    assert service.authenticate(session, "nadia.b@example.net", PASSWORD, now=NOW) is nadia
    # The old address is told.
    told = outbox[1]
    assert told.to == ["nadia@example.org"]
    assert "est désormais nadia.b@example.net" in told.body
    assert "prévenez tout de suite la conciergerie" in told.body


def test_the_link_works_once(session, nadia, outbox):
    ask(session, nadia)
    token = token_of(outbox[0])
    profile.confirm_email_change(session, token, secret_key=SECRET, now=NOW)
    with pytest.raises(profile.EmailChangeLinkError):
        profile.confirm_email_change(session, token, secret_key=SECRET, now=NOW)


def test_an_unconfirmed_change_expires_and_changes_nothing(session, nadia, outbox):
    ask(session, nadia)
    token = token_of(outbox[0])
    late = NOW + timedelta(days=profile.EMAIL_CHANGE_DAYS, minutes=1)
    with pytest.raises(profile.EmailChangeLinkError, match="n'est plus valable"):
        profile.confirm_email_change(session, token, secret_key=SECRET, now=late)
    assert nadia.email == "nadia@example.org"


def test_only_the_last_address_asked_for_can_be_confirmed(session, nadia, outbox):
    ask(session, nadia, "premiere@example.net")
    ask(session, nadia, "seconde@example.net")
    first, second = (token_of(mail) for mail in outbox)
    with pytest.raises(profile.EmailChangeLinkError):
        profile.confirm_email_change(session, first, secret_key=SECRET, now=NOW)
    profile.confirm_email_change(session, second, secret_key=SECRET, now=NOW)
    assert nadia.email == "seconde@example.net"


def test_a_cancelled_change_cannot_be_confirmed(session, nadia, outbox):
    ask(session, nadia)
    profile.cancel_email_change(nadia)
    assert nadia.pending_email is None
    with pytest.raises(profile.EmailChangeLinkError):
        profile.confirm_email_change(session, token_of(outbox[0]), secret_key=SECRET, now=NOW)


@pytest.mark.parametrize("token", ["jeton-invalide", "eyJ1c2VyIjoxfQ.aaaa.bbbb"])
def test_a_forged_link_is_refused(session, nadia, token):
    with pytest.raises(profile.EmailChangeLinkError):
        profile.confirm_email_change(session, token, secret_key=SECRET, now=NOW)


def test_the_password_is_asked_again(session, nadia, outbox):
    with pytest.raises(profile.WrongPassword) as error:
        ask(session, nadia, password="pas-le-bon-mot")
    assert error.value.field == "password"
    assert nadia.pending_email is None and outbox == []


@pytest.mark.parametrize("same", ["nadia@example.org", "NADIA@Example.org"])
def test_the_current_address_is_not_a_change(session, nadia, same):
    with pytest.raises(service.AccountError, match="déjà l'adresse de votre compte") as error:
        ask(session, nadia, same)
    assert error.value.field == "email"


def test_an_address_that_cannot_be_one_is_refused(session, nadia):
    with pytest.raises(service.AccountError) as error:
        ask(session, nadia, "pas une adresse")
    assert error.value.field == "email"


def test_an_address_with_another_account_is_answered_as_a_free_one(session, nadia, outbox):
    """As at sign-up: the person asking learns nothing; the owner of the address is told, with
    a link to choose a new password."""
    owner = make_user(session, email="karim@example.org", full_name="Karim Haddad")
    assert ask(session, nadia, "Karim@example.org") == "karim@example.org"
    assert nadia.pending_email == "karim@example.org"  # shown as pending, like any
    [mail] = outbox
    assert mail.to == ["karim@example.org"]
    assert "Bonjour Karim Haddad" in mail.body
    assert "Elle est déjà celle de votre compte" in mail.body
    assert RESET.search(mail.body)
    assert "nadia" not in mail.body.lower()  # nothing of who asked
    assert not CONFIRM.search(mail.body)
    assert owner.email == "karim@example.org" and nadia.email == "nadia@example.org"


def test_an_address_that_got_an_account_since_is_refused_at_confirmation(session, nadia, outbox):
    ask(session, nadia)
    token = token_of(outbox[0])
    make_user(session, email="nadia.b@example.net")  # signed up in between
    with pytest.raises(service.EmailTaken) as error:
        profile.confirm_email_change(session, token, secret_key=SECRET, now=NOW)
    assert error.value.status == 409
    assert nadia.email == "nadia@example.org"


def test_a_deactivated_account_changes_nothing(session, nadia, outbox):
    ask(session, nadia)
    nadia.is_active_account = False
    with pytest.raises(profile.EmailChangeLinkError):
        profile.confirm_email_change(session, token_of(outbox[0]), secret_key=SECRET, now=NOW)


def test_an_employee_whose_new_address_is_on_the_company_domain_is_verified(session, outbox):
    company = make_member_company(session, email_domains="grands-ensemble.fr")
    employee = make_user(session, Role.EMPLOYEE, member_company=company, company_verified_at=None)
    ask(session, employee, "prenom.nom@grands-ensemble.fr")
    profile.confirm_email_change(session, token_of(outbox[0]), secret_key=SECRET, now=NOW)
    assert employee.company_verified_at == NOW
    actions = session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_id == employee.id)
    ).all()
    assert actions == ["verify_link"]


# Pages ------------------------------------------------------------------------------------------

PROFILE = "/compte/"


def test_the_page_shows_the_three_forms(client, login_as):
    login_as(full_name="Nadia Benali", phone="06 12 34 56 78")
    html = client.get(PROFILE).get_data(as_text=True)
    assert 'action="/compte/coordonnees"' in html and 'value="06 12 34 56 78"' in html
    assert 'action="/compte/adresse"' in html and 'action="/compte/"' in html
    assert html.count('id="csrf_token"') == 0  # several forms: no id twice


def test_name_and_phone_are_saved_from_the_page(client, session, login_as):
    user = login_as()
    response = submit(
        client,
        "/compte/coordonnees",
        {"full_name": "Nadia B.", "phone": "07 98 76 54 32"},
        form_url=PROFILE,
    )
    assert response.status_code == 302 and response.location == PROFILE
    assert "Vos coordonnées sont enregistrées." in client.get(PROFILE).get_data(as_text=True)
    session.refresh(user)
    assert (user.full_name, user.phone) == ("Nadia B.", "07 98 76 54 32")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "06 12"}, "Numéro de téléphone invalide."),
        ({"phone": "06-12-ab"}, "Chiffres, espaces et + seulement."),
        ({"full_name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_bad_details_are_form_errors(client, session, login_as, data, message):
    user = login_as(full_name="Nadia Benali")
    form = {"full_name": "Nadia", "phone": "", **data}
    response = submit(client, "/compte/coordonnees", form, form_url=PROFILE)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "Le formulaire contient des erreurs" in html
    session.refresh(user)
    assert user.full_name == "Nadia Benali"


def test_the_forms_need_their_csrf_token(client, session, login_as, outbox):
    user = login_as()
    details = {"full_name": "Quelqu'un d'autre", "phone": ""}
    assert client.post("/compte/coordonnees", data=details).status_code == 400
    address = {"new_email": "pirate@example.net", "email_password": PASSWORD}
    assert client.post("/compte/adresse", data=address).status_code == 400
    assert client.post("/compte/adresse/annuler").status_code == 400
    session.refresh(user)
    assert user.full_name != "Quelqu'un d'autre" and user.pending_email is None
    assert outbox == []


def test_an_address_is_changed_from_the_page_and_its_link(client, session, login_as, outbox):
    user = login_as(email="nadia@example.org")
    response = submit(
        client,
        "/compte/adresse",
        {"new_email": "nadia.b@example.net", "email_password": PASSWORD},
        form_url=PROFILE,
    )
    assert response.status_code == 302 and response.location == PROFILE
    html = client.get(PROFILE).get_data(as_text=True)
    assert "Nous avons envoyé un lien à nadia.b@example.net" in html
    assert "En attente de confirmation : nadia.b@example.net" in html
    [mail] = outbox
    link = CONFIRM.search(mail.body).group(1)
    confirmed = client.get(link)
    assert confirmed.status_code == 302 and confirmed.location == PROFILE
    html = client.get(PROFILE).get_data(as_text=True)
    assert "est désormais nadia.b@example.net" in html
    assert "En attente de confirmation" not in html
    session.refresh(user)
    assert user.email == "nadia.b@example.net"
    assert outbox[1].to == ["nadia@example.org"]
    # Followed again, the link says it no longer works and changes nothing.
    again = client.get(link)
    assert again.status_code == 422
    assert "n&#39;est plus valable" in again.get_data(as_text=True)


def test_the_link_works_without_a_session(client, session, make_user, outbox):
    """Opened on another device (the new mailbox's phone): the change is made, no one signed in."""
    user = make_user(email="nadia@example.org")
    ask(session, user)
    response = client.get(CONFIRM.search(outbox[0].body).group(1))
    assert response.status_code == 302 and response.location == "/compte/connexion"
    assert client.get(PROFILE).status_code == 302  # still signed out
    session.refresh(user)
    assert user.email == "nadia.b@example.net"


def test_a_taken_address_gets_the_same_answer_as_a_free_one(client, session, login_as, outbox):
    make_user(session, email="karim@example.org")
    login_as(email="nadia@example.org")
    answers = []
    for address in ("karim@example.org", "libre@example.net"):
        response = submit(
            client,
            "/compte/adresse",
            {"new_email": address, "email_password": PASSWORD},
            form_url=PROFILE,
            follow_redirects=True,
        )
        answers.append(
            (response.status_code, response.get_data(as_text=True).replace(address, "…"))
        )
    assert answers[0] == answers[1]
    assert [mail.to for mail in outbox] == [["karim@example.org"], ["libre@example.net"]]


def test_a_wrong_password_is_a_form_error(client, session, login_as, outbox):
    user = login_as()
    response = submit(
        client,
        "/compte/adresse",
        {"new_email": "nadia.b@example.net", "email_password": "pas-le-bon-mot"},
        form_url=PROFILE,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Le mot de passe est incorrect." in html
    assert 'id="email_password-error"' in html
    session.refresh(user)
    assert user.pending_email is None and outbox == []


def test_wrong_passwords_are_limited(client, login_as, limits_on):
    login_as()
    wrong = {"new_email": "nadia.b@example.net", "email_password": "pas-le-bon-mot"}
    token = csrf_token(client, PROFILE)
    statuses = [
        client.post("/compte/adresse", data={**wrong, "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert statuses == [422] * 5 + [429]


def test_a_pending_change_is_cancelled_from_the_page(client, session, login_as, outbox):
    user = login_as()
    ask(session, user)
    html = client.get(PROFILE).get_data(as_text=True)
    assert "Annuler ce changement" in html
    response = client.post(
        "/compte/adresse/annuler", data={"csrf_token": csrf_token(client, PROFILE)}
    )
    assert response.status_code == 302
    session.refresh(user)
    assert user.pending_email is None
    assert client.get(CONFIRM.search(outbox[0].body).group(1)).status_code == 422


def test_the_my_data_file_holds_the_pending_address(client, session, login_as):
    user = login_as()
    ask(session, user)
    data = client.get("/compte/mes-donnees.json").get_json()
    assert data["account"]["pending_email"] == "nadia.b@example.net"


def test_an_erased_account_forgets_its_pending_address(session, nadia, outbox):
    from conciergerie.accounts import privacy

    ask(session, nadia)
    privacy.anonymise(session, nadia, now=NOW)
    assert nadia.pending_email is None
    assert session.scalar(sa.select(User).where(User.email == "nadia.b@example.net")) is None
    assert outbox == []  # the link waiting in the outbox went with the rest


def test_signed_in_elsewhere_the_link_still_changes_only_its_account(
    app, client, session, make_user, outbox
):
    nadia = make_user(email="nadia@example.org")
    karim = make_user(email="karim@example.org")
    ask(session, nadia)
    sign_in(client, karim)
    response = client.get(CONFIRM.search(outbox[0].body).group(1))
    assert response.status_code == 302
    session.refresh(nadia)
    session.refresh(karim)
    assert nadia.email == "nadia.b@example.net" and karim.email == "karim@example.org"
