"""The concierge opens the team's accounts by invitation, and sends an invitation again; logged."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conciergerie.accounts import invitations, service
from conciergerie.manage import users
from conciergerie.manage.service import ManageConflict, ManageError
from conciergerie.models import AuditEntry, Role, User, VolunteerProfile
from tests.conftest import csrf_token, submit
from tests.factories import NOW, make_provider, make_user

LINK = re.compile(r"https?://[^\s\"]+(/compte/invitation/[^\s\"<]+)")
LINKS = invitations.InvitationLinks(
    secret_key="testing-secret-key",
    accept=lambda token: f"http://127.0.0.1:5000/compte/invitation/{token}",
)


@pytest.fixture
def concierge(session):
    return make_user(session, Role.CONCIERGE, full_name="Claire Concierge")


def invite(session, concierge, **kw):
    params = {
        "full_name": "Yanis Benali",
        "email": "yanis@example.org",
        "phone": "06 12 34 56 78",
        "role": Role.VOLUNTEER,
        "provider": None,
        "locale": "fr",
        "actor": concierge,
        "now": NOW,
        "links": LINKS,
    }
    return users.invite_user(session, **{**params, **kw})


def _entries(session, user):
    return session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.entity == "user", AuditEntry.entity_id == user.id)
        .order_by(AuditEntry.id)
    ).all()


# Rules ----------------------------------------------------------------------------------------


def test_an_invited_volunteer_has_no_password_until_they_choose_one(session, concierge, outbox):
    user = invite(session, concierge, email=" Yanis@Example.ORG ")
    assert user.email == "yanis@example.org" and user.role is Role.VOLUNTEER
    assert user.invited_at == NOW and user.email_confirmed_at is None
    assert user.awaits_invitation
    assert session.get(VolunteerProfile, user.id) is not None  # the rounds need it
    # Nothing signs in to it, not even the marker that stands for "no password".
    assert service.authenticate(session, "yanis@example.org", "!", now=NOW) is None
    [mail] = outbox
    assert mail.to == ["yanis@example.org"]
    assert "Claire Concierge vous a ouvert un compte" in mail.body
    assert "Volontaire en service civique" in mail.body
    assert "valable 7 jours" in mail.body
    assert LINK.search(mail.body)


def test_the_invitation_is_logged_without_personal_data(session, concierge):
    user = invite(session, concierge)
    [entry] = _entries(session, user)
    assert entry.action == users.INVITED and entry.actor_id == concierge.id
    assert entry.label == f"#{user.id}"
    assert entry.changes["role"] == [None, "volunteer"]
    assert entry.changes["invited_at"][1] is not None
    assert "yanis" not in str(entry.changes).lower()


def test_provider_staff_are_invited_with_their_provider(session, concierge):
    with pytest.raises(service.RoleLinkError) as error:
        invite(session, concierge, role=Role.PROVIDER)
    assert error.value.field == "provider_id"
    provider = make_provider(session)
    user = invite(session, concierge, role=Role.PROVIDER, provider=provider)
    assert user.provider is provider
    assert _entries(session, user)[0].changes["provider_id"] == [None, str(provider.id)]


def test_a_volunteer_has_no_provider(session, concierge):
    with pytest.raises(service.RoleLinkError):
        invite(session, concierge, provider=make_provider(session))


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EMPLOYEE])
def test_customers_sign_up_by_themselves(session, concierge, role):
    with pytest.raises(ManageError) as error:
        invite(session, concierge, role=role)
    assert error.value.field == "role"


@pytest.mark.parametrize("taken", ["YANIS@example.org", "yanis@EXAMPLE.ORG"])
def test_an_address_with_an_account_is_refused_on_its_field(session, concierge, outbox, taken):
    make_user(session, email="yanis@example.org")
    with pytest.raises(service.EmailTaken) as error:
        invite(session, concierge, email=taken)
    assert error.value.field == "email"
    assert "Un compte existe déjà avec cette adresse e-mail." in str(error.value)
    assert outbox == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "06 12"}, "phone"),  # too few digits, as at the desk
        ({"phone": "0033 6 12 34 56 78 90 12"}, "phone"),  # too many
        ({"full_name": "   "}, "full_name"),
        ({"email": "pas-une-adresse"}, "email"),
    ],
)
def test_a_name_phone_or_address_that_cannot_be_one_is_refused(session, concierge, changes, field):
    with pytest.raises(service.AccountError) as error:
        invite(session, concierge, **changes)
    assert error.value.field == field


def test_the_invitation_can_be_sent_again_and_only_the_last_link_works(session, concierge, outbox):
    user = invite(session, concierge)
    first = LINK.search(outbox[0].body).group(1).rsplit("/", 1)[1]
    later = NOW + timedelta(days=8)  # the first link has expired: the concierge sends it again
    users.resend_invitation(session, user, actor=concierge, now=later, links=LINKS)
    assert user.invited_at == later
    second = LINK.search(outbox[1].body).group(1).rsplit("/", 1)[1]
    assert second != first
    with pytest.raises(invitations.InvitationError):
        invitations.invited_user(session, first, secret_key=LINKS.secret_key, now=NOW)
    assert invitations.invited_user(session, second, secret_key=LINKS.secret_key, now=later) is user
    entries = _entries(session, user)
    assert [entry.action for entry in entries] == [users.INVITED, users.INVITED_AGAIN]
    assert entries[1].changes == {"invited_at": [str(NOW), str(later)]}


def test_an_accepted_invitation_is_not_sent_again(session, concierge):
    user = invite(session, concierge)
    invitations.accept_invitation(user, password="une-phrase-de-passe-a-moi", now=NOW)
    with pytest.raises(ManageConflict, match="a déjà choisi son mot de passe"):
        users.resend_invitation(session, user, actor=concierge, now=NOW, links=LINKS)
    other = make_user(session, Role.VOLUNTEER)  # made by a command: never invited
    with pytest.raises(ManageConflict):
        users.resend_invitation(session, other, actor=concierge, now=NOW, links=LINKS)


def test_a_deactivated_account_gets_no_invitation(session, concierge, outbox):
    user = invite(session, concierge)
    user.is_active_account = False
    outbox.clear()
    with pytest.raises(ManageError, match="désactivé"):
        users.resend_invitation(session, user, actor=concierge, now=NOW, links=LINKS)
    assert outbox == []


# Pages ------------------------------------------------------------------------------------------

NEW = "/gestion/utilisateurs/nouveau"


def form(**kw):
    return {
        "full_name": "Yanis Benali",
        "email": "yanis@example.org",
        "phone": "06 12 34 56 78",
        "role": "volunteer",
        "provider_id": "",
        "locale": "fr",
        **kw,
    }


def test_the_concierge_invites_from_the_accounts_page(client, session, login_as, outbox):
    login_as(Role.CONCIERGE)
    listing = client.get("/gestion/utilisateurs").get_data(as_text=True)
    assert f'href="{NEW}"' in listing
    page = client.get(NEW)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Volontaire en service civique" in html and "Habitant" not in html
    response = submit(client, NEW, form())
    assert response.status_code == 302
    user = session.scalar(sa.select(User).where(User.email == "yanis@example.org"))
    assert response.location == f"/gestion/utilisateurs/{user.id}"
    shown = client.get(response.location).get_data(as_text=True)
    assert "une invitation à choisir son mot de passe est partie à yanis@example.org" in shown
    assert "mot de passe pas encore choisi" in shown
    assert "Renvoyer l'invitation" in shown
    assert len(outbox) == 1
    listing = client.get("/gestion/utilisateurs?q=yanis").get_data(as_text=True)
    assert "invité·e, mot de passe pas encore choisi" in listing
    log = client.get("/gestion/journal").get_data(as_text=True)
    assert "création, invitation envoyée" in log


def test_an_english_speaker_is_invited_in_english(client, session, login_as, outbox):
    login_as(Role.CONCIERGE)
    provider = make_provider(session, name="Cordonnerie")
    data = form(role="provider", provider_id=str(provider.id), locale="en")
    assert submit(client, NEW, data).status_code == 302
    [mail] = outbox
    assert mail.subject == "Et voilà Gambetta: your account is waiting for you"
    assert "Provider: Cordonnerie" in mail.body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "claire@example.org"}, "Un compte existe déjà avec cette adresse e-mail."),
        ({"role": "provider"}, "Un compte prestataire doit être rattaché à un prestataire."),
        ({"role": "resident"}, None),  # not among the choices
        ({"phone": "12"}, "Numéro de téléphone invalide."),
        ({"phone": "06 abc"}, "Chiffres, espaces et + seulement."),
        ({"full_name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_a_refused_invitation_is_a_form_error(client, session, login_as, outbox, data, message):
    login_as(Role.CONCIERGE, email="claire@example.org")
    response = submit(client, NEW, form(**data))
    assert response.status_code in (409, 422)
    html = response.get_data(as_text=True)
    assert "Le formulaire contient des erreurs" in html or 'class="error"' in html
    assert message is None or message.replace("'", "&#39;") in html
    assert session.scalar(sa.select(User).where(User.email == "yanis@example.org")) is None
    assert outbox == []


def test_the_invitation_forms_need_their_csrf_token(client, session, login_as, outbox):
    login_as(Role.CONCIERGE)
    assert client.post(NEW, data=form()).status_code == 400
    concierge = session.scalar(sa.select(User).where(User.role == Role.CONCIERGE))
    user = invite(session, concierge)
    outbox.clear()
    url = f"/gestion/utilisateurs/{user.id}/invitation"
    assert client.post(url).status_code == 400
    assert outbox == []


def test_the_concierge_sends_the_invitation_again(client, session, login_as, outbox, clock):
    concierge = login_as(Role.CONCIERGE)
    user = invite(session, concierge)
    outbox.clear()
    clock.shift(timedelta(days=8))
    page = f"/gestion/utilisateurs/{user.id}"
    response = client.post(f"{page}/invitation", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302 and response.location == page
    assert "L&#39;invitation est renvoyée à yanis@example.org." in client.get(page).get_data(
        as_text=True
    )
    assert [mail.to for mail in outbox] == [["yanis@example.org"]]


def test_sending_again_an_accepted_invitation_says_why_on_the_account_page(
    client, session, login_as, outbox
):
    concierge = login_as(Role.CONCIERGE)
    user = invite(session, concierge)
    invitations.accept_invitation(user, password="une-phrase-de-passe-a-moi", now=NOW)
    outbox.clear()
    page = f"/gestion/utilisateurs/{user.id}"
    html = client.get(page).get_data(as_text=True)
    assert "acceptée : le compte est ouvert" in html and "Renvoyer" not in html
    response = client.post(f"{page}/invitation", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 409
    assert "a déjà choisi son mot de passe" in response.get_data(as_text=True)
    assert outbox == []


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.VOLUNTEER, Role.PROVIDER])
def test_only_the_concierge_invites(client, session, login_as, role):
    login_as(role)
    assert client.get(NEW).status_code == 403
