"""The invited person follows the link, chooses a password and is signed in; the link works
once, for INVITATION_DAYS, and only the last one mailed."""

import re
from datetime import timedelta

import pytest

from conciergerie.accounts import invitations, passwords, service
from conciergerie.manage import users
from conciergerie.models import Role
from tests.conftest import submit
from tests.factories import NOW, make_provider, make_user

SECRET = "testing-secret-key"  # TestingConfig's: the links work in the views too
LINKS = invitations.InvitationLinks(
    secret_key=SECRET, accept=lambda token: f"http://127.0.0.1:5000/compte/invitation/{token}"
)
PASSWORD = "une-phrase-de-passe-a-moi"


@pytest.fixture
def invited(session):
    """An invited volunteer and the path of their link."""
    concierge = make_user(session, Role.CONCIERGE)
    user = users.invite_user(
        session,
        full_name="Yanis Benali",
        email="yanis@example.org",
        phone=None,
        role=Role.VOLUNTEER,
        provider=None,
        locale="fr",
        actor=concierge,
        now=NOW,
        links=LINKS,
    )
    return user, invitations.make_token(user, secret_key=SECRET, now=NOW)


# Rules ----------------------------------------------------------------------------------------


def test_choosing_the_password_opens_the_account(session, invited):
    user, token = invited
    assert invitations.invited_user(session, token, secret_key=SECRET, now=NOW) is user
    invitations.accept_invitation(user, password=PASSWORD, now=NOW)
    assert user.email_confirmed_at == NOW and not user.awaits_invitation
    assert passwords.verify_password(user.password_hash, PASSWORD)
    assert service.authenticate(session, "yanis@example.org", PASSWORD, now=NOW) is user


def test_the_link_works_once(session, invited):
    user, token = invited
    invitations.accept_invitation(user, password=PASSWORD, now=NOW)
    with pytest.raises(invitations.InvitationAccepted, match="déjà ouvert"):
        invitations.invited_user(session, token, secret_key=SECRET, now=NOW)
    with pytest.raises(invitations.InvitationAccepted):
        invitations.accept_invitation(user, password="une-autre-phrase-encore", now=NOW)
    assert passwords.verify_password(user.password_hash, PASSWORD)


def test_the_link_lasts_seven_days(session, invited):
    user, token = invited
    last_day = NOW + timedelta(days=invitations.INVITATION_DAYS, minutes=-1)
    assert invitations.invited_user(session, token, secret_key=SECRET, now=last_day) is user
    too_late = last_day + timedelta(days=1)
    with pytest.raises(invitations.InvitationError, match="n'est plus valable"):
        invitations.invited_user(session, token, secret_key=SECRET, now=too_late)


@pytest.mark.parametrize("token", ["jeton-invalide", "eyJ1c2VyIjoxfQ.aaaa.bbbb"])
def test_a_forged_link_is_refused(session, invited, token):
    with pytest.raises(invitations.InvitationError):
        invitations.invited_user(session, token, secret_key=SECRET, now=NOW)


def test_a_link_signed_with_another_key_or_for_a_reset_is_refused(session, invited):
    user, _token = invited
    other_key = invitations.make_token(user, secret_key="another-secret-key", now=NOW)
    reset = service.make_reset_token(user, secret_key=SECRET)  # another salt
    for token in (other_key, reset):
        with pytest.raises(invitations.InvitationError):
            invitations.invited_user(session, token, secret_key=SECRET, now=NOW)


def test_a_deactivated_account_opens_no_more(session, invited):
    user, token = invited
    user.is_active_account = False
    with pytest.raises(invitations.InvitationError):
        invitations.invited_user(session, token, secret_key=SECRET, now=NOW)


def test_a_weak_password_is_refused_and_the_link_still_works(session, invited):
    user, token = invited
    with pytest.raises(service.WeakPassword):
        invitations.accept_invitation(user, password="motdepasse", now=NOW)
    assert user.awaits_invitation and user.password_hash == invitations.NO_PASSWORD
    assert invitations.invited_user(session, token, secret_key=SECRET, now=NOW) is user


def test_a_forgotten_password_link_opens_the_account_too(session, invited):
    """The reset link proves the address as well: the invitation is then accepted."""
    user, token = invited
    service.set_password(user, PASSWORD)
    assert not user.awaits_invitation
    with pytest.raises(invitations.InvitationAccepted):
        invitations.invited_user(session, token, secret_key=SECRET, now=NOW)


# Pages ------------------------------------------------------------------------------------------


def test_the_volunteer_chooses_a_password_and_lands_on_their_rounds(client, session, invited):
    user, token = invited
    url = f"/compte/invitation/{token}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bienvenue, Yanis Benali" in html and "yanis@example.org" in html
    response = submit(client, url, {"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.location == "/tournees/"
    assert client.get("/compte/").status_code == 200  # signed in
    session.refresh(user)
    assert user.email_confirmed_at is not None
    # The link is spent: it says so, and signs no one in.
    client.delete_cookie("session")
    again = client.get(url)
    assert again.status_code == 409
    assert "Votre compte est déjà ouvert" in again.get_data(as_text=True)


def test_provider_staff_land_on_their_work_list(client, session):
    concierge = make_user(session, Role.CONCIERGE)
    user = users.invite_user(
        session,
        full_name="Paul Cordonnier",
        email="paul@example.org",
        phone=None,
        role=Role.PROVIDER,
        provider=make_provider(session),
        locale="fr",
        actor=concierge,
        now=NOW,
        links=LINKS,
    )
    url = f"/compte/invitation/{invitations.make_token(user, secret_key=SECRET, now=NOW)}"
    response = submit(client, url, {"password": PASSWORD, "confirm": PASSWORD})
    assert response.location == "/prestataire/"


def test_form_errors_on_the_invitation_page(client, session, invited):
    user, token = invited
    url = f"/compte/invitation/{token}"
    mismatch = submit(client, url, {"password": PASSWORD, "confirm": "autre-chose-encore"})
    assert mismatch.status_code == 422
    assert "Les deux mots de passe ne correspondent pas." in mismatch.get_data(as_text=True)
    common = submit(client, url, {"password": "motdepasse", "confirm": "motdepasse"})
    assert common.status_code == 422
    assert "plus courants" in common.get_data(as_text=True)
    assert client.post(url, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 400
    session.refresh(user)
    assert user.awaits_invitation


def test_an_expired_link_says_to_ask_the_desk(client, session, invited, clock):
    _user, token = invited
    clock.shift(timedelta(days=invitations.INVITATION_DAYS + 1))
    response = client.get(f"/compte/invitation/{token}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "demandez à la conciergerie de vous le renvoyer" in html
    assert re.search(r"<form[^>]*novalidate", html) is None  # no password form


def test_an_invited_account_cannot_sign_in_before_choosing_its_password(client, invited):
    response = submit(client, "/compte/connexion", {"email": "yanis@example.org", "password": "!"})
    assert response.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
