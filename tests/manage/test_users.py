"""The concierge manages accounts: role, company or provider, tarif solidaire, access; logged."""

from datetime import date

import pytest
import sqlalchemy as sa

from conciergerie.manage import users
from conciergerie.manage.service import ManageError
from conciergerie.models import AuditEntry, Role, TransportMode, VolunteerProfile
from conciergerie.rounds.service import volunteers_on
from tests.conftest import sign_in, submit
from tests.factories import NOW, make_member_company, make_provider, make_user


def _update(session, user, actor, **changes):
    wanted = {
        "role": user.role,
        "member_company": user.member_company,
        "provider": user.provider,
        "solidarity_rate": user.solidarity_rate,
        "is_active": user.is_active_account,
        **changes,
    }
    return users.update_user(session, user, actor=actor, now=NOW, **wanted).entry


def _entries(session):
    return session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity == "user").order_by(AuditEntry.id)
    ).all()


# Rules -----------------------------------------------------------------------------------------


@pytest.fixture
def concierge(session):
    return make_user(session, Role.CONCIERGE)


@pytest.mark.parametrize(
    "role, links, field",
    [
        (Role.EMPLOYEE, {}, "member_company_id"),
        (Role.RESIDENT, {"member_company": "company"}, "member_company_id"),
        (Role.PROVIDER, {}, "provider_id"),
        (Role.VOLUNTEER, {"provider": "provider"}, "provider_id"),
    ],
)
def test_a_company_goes_with_employees_and_a_provider_with_its_staff(
    session, concierge, role, links, field
):
    person = make_user(session, Role.RESIDENT)
    objects = {"company": make_member_company(session), "provider": make_provider(session)}
    with pytest.raises(ManageError) as error:
        _update(session, person, concierge, role=role, **{k: objects[v] for k, v in links.items()})
    assert error.value.field == field
    assert _entries(session) == []


def test_a_role_change_is_logged_field_by_field_and_ends_their_sessions(session, concierge):
    person = make_user(session, Role.RESIDENT, full_name="Thomas Vandamme")
    company = make_member_company(session)
    version = person.session_version
    entry = _update(session, person, concierge, role=Role.EMPLOYEE, member_company=company)
    assert person.role is Role.EMPLOYEE and person.member_company is company
    assert person.session_version == version + 1
    assert (entry.entity, entry.entity_id, entry.label) == ("user", person.id, f"#{person.id}")
    assert entry.actor_id == concierge.id and entry.at == NOW and entry.action == "update"
    # She chose the company herself: the link to it is verified at once.
    assert entry.changes == {
        "role": ["resident", "employee"],
        "member_company_id": [None, str(company.id)],
        "company_verified_at": [None, str(NOW)],
    }


def test_a_provider_account_is_tied_to_its_provider(session, concierge):
    person = make_user(session, Role.RESIDENT)
    provider = make_provider(session)
    _update(session, person, concierge, role=Role.PROVIDER, provider=provider)
    assert person.provider is provider
    entry = _update(session, person, concierge, role=Role.RESIDENT, provider=None)
    assert entry.changes["provider_id"] == [str(provider.id), None]


def test_the_tarif_solidaire_alone_is_logged_and_keeps_their_sessions(session, concierge):
    person = make_user(session, Role.RESIDENT)
    version = person.session_version
    entry = _update(session, person, concierge, solidarity_rate=True)
    assert entry.changes == {"solidarity_rate": ["False", "True"]}
    assert person.session_version == version
    assert _update(session, person, concierge) is None  # nothing changed, nothing logged
    assert len(_entries(session)) == 1


def test_the_tarif_solidaire_is_for_customers_only(session, concierge):
    volunteer = make_user(session, Role.VOLUNTEER)
    with pytest.raises(ManageError, match="client·es") as error:
        _update(session, volunteer, concierge, solidarity_rate=True)
    assert error.value.field == "solidarity_rate"
    resident = make_user(session, Role.RESIDENT, solidarity_rate=True)
    with pytest.raises(ManageError, match="client·es"):
        _update(session, resident, concierge, role=Role.VOLUNTEER)  # still ticked
    session.rollback()


def test_the_tarif_solidaire_can_be_withdrawn_from_anyone(session, concierge):
    volunteer = make_user(session, Role.VOLUNTEER, solidarity_rate=True)  # an old mistake
    _update(session, volunteer, concierge, solidarity_rate=False)
    assert volunteer.solidarity_rate is False


def test_a_deactivation_ends_their_sessions_and_is_logged(session, concierge):
    person = make_user(session, Role.EMPLOYEE)
    version = person.session_version
    entry = _update(session, person, concierge, is_active=False)
    assert person.is_active_account is False and person.session_version == version + 1
    assert entry.changes == {"is_active_account": ["True", "False"]}
    _update(session, person, concierge, is_active=True)  # back: nothing to sign out of
    assert person.is_active_account is True and person.session_version == version + 1


def test_a_new_volunteer_gets_the_profile_the_rounds_need(session, concierge):
    person = make_user(session, Role.RESIDENT)
    _update(session, person, concierge, role=Role.VOLUNTEER)
    assert session.get(VolunteerProfile, person.id).transport is TransportMode.BIKE
    assert person.id in [v.user.id for v in volunteers_on(session, date(2026, 11, 26))]
    _update(session, person, concierge, role=Role.RESIDENT)
    _update(session, person, concierge, role=Role.VOLUNTEER)  # the profile is kept, not doubled
    assert session.scalar(sa.select(sa.func.count()).select_from(VolunteerProfile)) == 1


def test_the_concierge_cannot_demote_nor_deactivate_themselves(session, concierge):
    make_user(session, Role.CONCIERGE)  # another one: not the last
    with pytest.raises(ManageError, match="votre propre rôle") as error:
        _update(session, concierge, concierge, role=Role.RESIDENT)
    assert error.value.field == "role"
    with pytest.raises(ManageError, match="désactiver votre propre compte") as error:
        _update(session, concierge, concierge, is_active=False)
    assert error.value.field == "is_active_account"


def test_the_last_active_concierge_stays(session, concierge):
    other = make_user(session, Role.CONCIERGE)
    make_user(session, Role.CONCIERGE, is_active_account=False)  # does not count
    _update(session, other, concierge, role=Role.RESIDENT)  # two active: fine
    # As a script might, acting for someone who is no longer the concierge.
    with pytest.raises(ManageError, match="dernière personne concierge") as error:
        _update(session, concierge, other, is_active=False)
    assert error.value.field == "is_active_account"
    with pytest.raises(ManageError, match="dernière personne concierge") as error:
        _update(session, concierge, other, role=Role.VOLUNTEER)
    assert error.value.field == "role"


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.CONCIERGE, Role.PROVIDER])
def test_a_walk_in_customer_without_a_password_gets_no_team_role(session, concierge, role):
    walk_in = make_user(session, Role.RESIDENT, is_walk_in=True, password_hash="!")
    links = {"provider": make_provider(session)} if role is Role.PROVIDER else {}
    with pytest.raises(ManageError, match="mot de passe") as error:
        _update(session, walk_in, concierge, role=role, **links)
    assert error.value.field == "role" and walk_in.role is Role.RESIDENT
    assert _entries(session) == []
    # A customer role is fine (an employee of a member company, say).
    company = make_member_company(session)
    _update(session, walk_in, concierge, role=Role.EMPLOYEE, member_company=company)
    assert walk_in.role is Role.EMPLOYEE


def test_a_walk_in_customer_who_chose_a_password_has_an_online_account(session, concierge):
    from conciergerie.accounts import service as accounts

    walk_in = make_user(session, Role.RESIDENT, is_walk_in=True, password_hash="!")
    accounts.set_password(walk_in, "un-mot-de-passe-solide-59")
    assert not walk_in.is_walk_in
    _update(session, walk_in, concierge, role=Role.VOLUNTEER)
    assert walk_in.role is Role.VOLUNTEER


def test_an_erased_account_cannot_be_edited(session, concierge):
    erased = make_user(session, Role.RESIDENT, anonymised_at=NOW, is_active_account=False)
    with pytest.raises(ManageError, match="effacé"):
        _update(session, erased, concierge, is_active=True)
    assert _entries(session) == []


# Pages -----------------------------------------------------------------------------------------


def test_the_list_searches_by_name_or_address_and_filters_by_role(client, login_as, make_user):
    login_as(Role.CONCIERGE, full_name="Camille Delattre")
    make_user(Role.EMPLOYEE, full_name="Thomas Vandamme", email="thomas@example.org")
    make_user(Role.PROVIDER, full_name="Jean-Marc Lefebvre", email="jm@cordonnerie.example")
    make_user(Role.RESIDENT, full_name="Nadia 100%", solidarity_rate=True)
    html = client.get("/gestion/utilisateurs").get_data(as_text=True)
    assert all(n in html for n in ("Thomas Vandamme", "Jean-Marc Lefebvre", "Camille Delattre"))
    html = client.get("/gestion/utilisateurs?q=CORDONNERIE").get_data(as_text=True)
    assert "Jean-Marc Lefebvre" in html and "Thomas Vandamme" not in html
    html = client.get("/gestion/utilisateurs?q=vandamme").get_data(as_text=True)
    assert "Thomas Vandamme" in html and "Jean-Marc Lefebvre" not in html
    html = client.get("/gestion/utilisateurs?role=employee").get_data(as_text=True)
    assert "Thomas Vandamme" in html and "Camille Delattre" not in html
    html = client.get("/gestion/utilisateurs?q=100%25").get_data(as_text=True)  # % is a letter
    assert "Nadia 100%" in html and "Thomas Vandamme" not in html
    odd = client.get("/gestion/utilisateurs?role=roi&page=x")
    assert odd.status_code == 200 and "Thomas Vandamme" in odd.get_data(as_text=True)


def test_walk_in_customers_without_an_address_show_none(client, login_as, make_user):
    login_as(Role.CONCIERGE)
    make_user(
        Role.RESIDENT,
        full_name="Mme Lemaire",
        email="comptoir-7@sans-adresse.invalid",
        is_walk_in=True,
    )
    html = client.get("/gestion/utilisateurs?q=lemaire").get_data(as_text=True)
    assert "pas d'adresse" in html and "sans-adresse.invalid" not in html
    assert "client·e au comptoir" in html


def test_the_list_is_paginated(client, login_as, make_user):
    login_as(Role.CONCIERGE)
    for n in range(51):
        make_user(Role.RESIDENT, full_name=f"Habitant {n:02d}")
    first = client.get("/gestion/utilisateurs?role=resident").get_data(as_text=True)
    assert "Habitant 49" in first and "Habitant 50" not in first and "Page suivante" in first
    second = client.get("/gestion/utilisateurs?role=resident&page=2").get_data(as_text=True)
    assert "Habitant 50" in second and "Habitant 00" not in second


def test_the_management_index_links_the_accounts(client, login_as):
    login_as(Role.CONCIERGE)
    assert 'href="/gestion/utilisateurs"' in client.get("/gestion/").get_data(as_text=True)


def test_an_edit_is_saved_logged_and_signs_the_person_out(
    app, client, session, login_as, make_user
):
    login_as(Role.CONCIERGE)
    person = make_user(Role.RESIDENT, full_name="Nadia B.")
    company = make_member_company(session)
    theirs = app.test_client()
    sign_in(theirs, person)
    assert theirs.get("/compte/").status_code == 200
    url = f"/gestion/utilisateurs/{person.id}"
    form = {"role": "employee", "member_company_id": str(company.id), "provider_id": "",
            "solidarity_rate": "y", "is_active_account": "y"}  # fmt: skip
    response = submit(client, url, form)
    assert response.status_code == 302 and response.location == "/gestion/utilisateurs"
    session.refresh(person)
    assert person.role is Role.EMPLOYEE and person.member_company_id == company.id
    assert person.solidarity_rate is True
    assert theirs.get("/compte/").status_code == 302  # signed out
    [entry] = _entries(session)
    assert set(entry.changes) == {
        "role", "member_company_id", "company_verified_at", "solidarity_rate"
    }  # fmt: skip
    assert "Le compte de Nadia B. est enregistré." in client.get(response.location).get_data(
        as_text=True
    )
    log = client.get("/gestion/journal").get_data(as_text=True)
    assert f"#{person.id}" in log and "Nadia B." not in log


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"role": "employee"}, "rattaché·e à une entreprise"),
        ({"role": "provider"}, "doit être rattaché à un prestataire"),
        ({"role": "volunteer", "solidarity_rate": "y"}, "concerne les client·es"),
        ({"member_company_id": "abc"}, "Choix non valide"),
        ({"provider_id": "999999"}, "pas un choix valide"),
        ({"role": "roi"}, "pas un choix valide"),
    ],
)
def test_bad_edits_are_form_errors(client, session, login_as, make_user, changes, message):
    login_as(Role.CONCIERGE)
    person = make_user(Role.RESIDENT)
    url = f"/gestion/utilisateurs/{person.id}"
    response = submit(client, url, {"role": "resident", "is_active_account": "y", **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Le formulaire contient des erreurs" in html
    assert message in html.replace("&#39;", "'")
    session.refresh(person)
    assert person.role is Role.RESIDENT and _entries(session) == []


def test_the_concierge_keeps_their_own_role_and_access(client, session, login_as):
    me = login_as(Role.CONCIERGE)
    url = f"/gestion/utilisateurs/{me.id}"
    response = submit(client, url, {"role": "resident"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "votre propre rôle de concierge" in html
    session.refresh(me)
    assert me.role is Role.CONCIERGE and me.is_active_account
    response = submit(client, url, {"role": "concierge"})  # the box unticked: deactivate
    assert "désactiver votre propre compte" in response.get_data(as_text=True)


def test_an_erased_account_shows_why_it_cannot_be_edited(client, session, login_as, make_user):
    login_as(Role.CONCIERGE)
    erased = make_user(Role.RESIDENT, anonymised_at=NOW, is_active_account=False)
    url = f"/gestion/utilisateurs/{erased.id}"
    page = client.get(url)
    assert page.status_code == 200 and "ne peut plus être modifié" in page.get_data(as_text=True)
    assert 'name="role"' not in page.get_data(as_text=True)


def test_the_edit_form_needs_its_csrf_token(client, session, login_as, make_user):
    login_as(Role.CONCIERGE)
    person = make_user(Role.RESIDENT)
    url = f"/gestion/utilisateurs/{person.id}"
    assert 'name="csrf_token"' in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"role": "resident", "solidarity_rate": "y"})
    assert response.status_code == 400
    session.refresh(person)
    assert person.solidarity_rate is False


def test_an_erased_account_is_refused_on_post_too(
    app, client, session, login_as, make_user, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # the page has no form to read
    login_as(Role.CONCIERGE)
    erased = make_user(Role.RESIDENT, anonymised_at=NOW, is_active_account=False)
    url = f"/gestion/utilisateurs/{erased.id}"
    response = client.post(url, data={"role": "resident", "is_active_account": "y"})
    assert response.status_code == 422
    assert "ne peut plus être modifié" in response.get_data(as_text=True)
    session.refresh(erased)
    assert erased.is_active_account is False


def test_the_form_shows_the_account_as_it_is_and_a_plain_save_logs_nothing(
    client, session, login_as, make_user
):
    login_as(Role.CONCIERGE)
    company = make_member_company(session, name="Coopérative Lilloise")
    person = make_user(Role.EMPLOYEE, member_company=company, solidarity_rate=True)
    url = f"/gestion/utilisateurs/{person.id}"
    html = client.get(url).get_data(as_text=True)
    assert f'<option selected value="{company.id}">Coopérative Lilloise</option>' in html
    assert '<option selected value="employee">' in html
    form = {"role": "employee", "member_company_id": str(company.id), "provider_id": "",
            "solidarity_rate": "y", "is_active_account": "y"}  # fmt: skip
    response = submit(client, url, form, follow_redirects=True)
    assert "Rien n&#39;a changé." in response.get_data(as_text=True)
    assert _entries(session) == []


def test_the_concierge_is_told_which_days_were_planned_again(
    client, session, login_as, monkeypatch
):
    from tests.rounds.test_jobs import EVENING, _two_volunteers_and_a_planned_round

    monkeypatch.setattr("conciergerie.manage.views.utcnow", lambda: EVENING)
    leaving, staying, _round = _two_volunteers_and_a_planned_round(session)
    login_as(Role.CONCIERGE)
    form = {"role": "resident", "member_company_id": "", "provider_id": "",
            "is_active_account": "y"}  # fmt: skip
    response = submit(client, f"/gestion/utilisateurs/{leaving.id}", form)
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "planifiées à nouveau" in html and "jeudi 26 novembre" in html
    # Nothing of the kind for someone with no rounds.
    again = {**form, "solidarity_rate": "y"}
    response = submit(client, f"/gestion/utilisateurs/{leaving.id}", again)
    assert response.status_code == 302
    assert "planifiées à nouveau" not in client.get(response.location).get_data(as_text=True)
