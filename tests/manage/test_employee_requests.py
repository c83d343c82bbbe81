"""The concierge's pages for employees' links to their company: the companies' e-mail domains,
and the requests waiting to be approved or declined, each decision logged."""

import pytest
import sqlalchemy as sa

from conciergerie.models import AuditEntry, MemberCompany, OutboxMail, Role
from tests.conftest import submit
from tests.factories import make_member_company, make_user

REQUESTS = "/gestion/salaries-a-verifier"


@pytest.fixture
def company(session):
    return make_member_company(
        session, name="Grands Ensemble", email_domains="grands-ensemble.fr", is_subscriber=True
    )


@pytest.fixture
def waiting(session, company):
    return make_user(
        session,
        Role.EMPLOYEE,
        member_company=company,
        full_name="Thomas Vandamme",
        email="thomas@grands-ensemble.fr",
        company_verified_at=None,
    )


def _decisions(session):
    return session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.startswith("verify_")).order_by(AuditEntry.id)
    ).all()


def test_the_requests_are_listed_with_a_count_on_the_management_page(
    client, session, login_as, waiting
):
    login_as(Role.CONCIERGE)
    make_user(session, Role.EMPLOYEE, full_name="Déjà Vérifiée")
    assert "1 demande en attente" in client.get("/gestion/").get_data(as_text=True)
    page = client.get(REQUESTS).get_data(as_text=True)
    assert "Thomas Vandamme" in page and "Grands Ensemble" in page
    assert "sur un domaine de l'entreprise" in page  # confirmed before the domain was listed
    assert "Déjà Vérifiée" not in page
    assert "(à vérifier)" in client.get(f"/gestion/utilisateurs/{waiting.id}").get_data(
        as_text=True
    )


def test_the_concierge_approves_a_request(client, session, login_as, waiting):
    concierge = login_as(Role.CONCIERGE)
    url = f"{REQUESTS}/{waiting.id}/accepter"
    response = submit(client, url, {}, form_url=REQUESTS)
    assert response.status_code == 302 and response.location == REQUESTS
    page = client.get(REQUESTS).get_data(as_text=True)
    assert "Thomas Vandamme est rattaché·e à Grands Ensemble" in page
    assert "Aucune demande en attente." in page
    session.expire_all()
    assert waiting.is_verified_employee
    [entry] = _decisions(session)
    assert (entry.action, entry.actor_id, entry.entity_id) == (
        "verify_approve", concierge.id, waiting.id
    )  # fmt: skip
    log = client.get("/gestion/journal").get_data(as_text=True)
    assert "rattachement accepté" in log and "Thomas Vandamme" not in log  # by number only
    # Decided already (another concierge, a moment ago): the list again, with the reason.
    again = submit(client, url, {}, form_url=REQUESTS)
    assert again.status_code == 409
    assert "n&#39;est plus en attente" in again.get_data(as_text=True)


def test_the_concierge_declines_a_request(client, session, login_as, waiting):
    login_as(Role.CONCIERGE)
    response = submit(client, f"{REQUESTS}/{waiting.id}/refuser", {}, form_url=REQUESTS)
    assert response.status_code == 302
    session.expire_all()
    assert waiting.role is Role.RESIDENT and waiting.member_company_id is None
    assert [e.action for e in _decisions(session)] == ["verify_decline"]
    mails = session.scalars(sa.select(OutboxMail.subject)).all()
    assert mails == ["Et voilà Gambetta : votre entreprise n'a pas pu être vérifiée"]


def test_a_decision_needs_the_csrf_token(client, session, login_as, waiting):
    login_as(Role.CONCIERGE)
    response = client.post(f"{REQUESTS}/{waiting.id}/accepter")
    assert response.status_code == 400
    session.expire_all()
    assert waiting.awaits_company_verification


def test_the_company_form_takes_its_email_domains(client, session, login_as, company):
    login_as(Role.CONCIERGE)
    url = f"/gestion/entreprises/{company.id}"
    form = {"name": "Grands Ensemble", "slug": company.slug, "headcount": "35",
            "is_subscriber": "y", "yearly_fee": "0",
            "email_domains": "Grands-Ensemble.fr; @GE-Lille.org"}  # fmt: skip
    assert submit(client, url, form).status_code == 302
    session.expire_all()
    assert company.email_domains == "grands-ensemble.fr ge-lille.org"
    entry = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.entity == "member_company")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.changes["email_domains"] == [
        "grands-ensemble.fr",
        "grands-ensemble.fr ge-lille.org",
    ]
    page = client.get(url).get_data(as_text=True)
    assert 'value="grands-ensemble.fr, ge-lille.org"' in page
    refused = submit(client, url, {**form, "email_domains": "gmail.com"})
    assert refused.status_code == 422
    assert "ouvert à tous" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(MemberCompany, company.id).email_domains == (
        "grands-ensemble.fr ge-lille.org"
    )
