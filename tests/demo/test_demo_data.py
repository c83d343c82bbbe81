import sqlalchemy as sa

from conciergerie.demo.service import load_demo_data
from conciergerie.models import (
    Category,
    CompanySubscription,
    DeskOpeningRange,
    Event,
    MemberCompany,
    Offer,
    Provider,
    Role,
    User,
)
from tests.factories import NOW

MODELS = (
    MemberCompany,
    CompanySubscription,
    Category,
    Provider,
    Offer,
    DeskOpeningRange,
    User,
    Event,
)


def counts(session):
    return {
        model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in MODELS
    }


def test_demo_data_has_the_real_partners_and_one_account_per_role(session):
    load_demo_data(session, now=NOW, lived_in=False)
    found = counts(session)
    assert found["Provider"] == 8
    assert found["Offer"] >= 40
    names = set(session.scalars(sa.select(Provider.name)))
    assert {
        "Cordonnerie Gambetta",
        "Repassage Lille Sud Insertion",
        "Paniers de Terre d'Opale",
    } <= names
    roles = set(session.scalars(sa.select(User.role)))
    assert roles == set(Role)
    # Early morning, lunch, evening and Saturday.
    saturday = session.scalars(
        sa.select(DeskOpeningRange).where(DeskOpeningRange.weekday == 5)
    ).all()
    assert len(saturday) == 1


def test_loading_the_demo_data_twice_duplicates_nothing(session):
    first = load_demo_data(session, now=NOW, lived_in=False)
    after_first = counts(session)
    second = load_demo_data(session, now=NOW, lived_in=False)
    assert first["prestataires"] == 8
    assert second == {}
    assert counts(session) == after_first


def test_the_demo_events_get_their_pictures_once(session, tmp_path):
    from PIL import Image

    load_demo_data(session, now=NOW, pictures=tmp_path, lived_in=False)
    events = session.scalars(sa.select(Event)).all()
    assert len(events) == 3 and all(event.image_name for event in events)
    for event in events:
        with Image.open(tmp_path / event.image_name) as picture:
            assert picture.format == "JPEG" and picture.size == (1200, 675)
    load_demo_data(session, now=NOW, pictures=tmp_path, lived_in=False)
    assert len(list(tmp_path.iterdir())) == 3


def test_without_a_folder_the_demo_events_have_no_picture(session):
    load_demo_data(session, now=NOW, lived_in=False)
    assert session.scalars(sa.select(Event.image_name)).all() == [None, None, None]


def test_demo_companies_subscribe_since_the_first_of_january(session):
    from datetime import date

    from conciergerie.reports.service import subscriptions_in

    load_demo_data(session, now=NOW, lived_in=False)
    rows = session.execute(
        sa.select(MemberCompany.slug, MemberCompany.is_subscriber, CompanySubscription)
        .outerjoin(CompanySubscription)
        .order_by(MemberCompany.slug)
    ).all()
    history = {
        slug: (subscribing, period and (period.starts_on, period.ends_on, period.yearly_fee_cents))
        for slug, subscribing, period in rows
    }
    assert history == {
        "et-voila-gambetta": (True, (date(2026, 1, 1), None, 30_000)),
        "grands-ensemble": (True, (date(2026, 1, 1), None, 380_000)),
        "initiatives-et-cite": (True, (date(2026, 1, 1), None, 110_000)),
        "smart": (False, None),
    }
    # November: (300 + 3,800 + 1,100 €) / 12 = 433.33 €; nothing in December 2025.
    assert subscriptions_in(session, date(2026, 11, 1)) == 43_333
    assert subscriptions_in(session, date(2025, 12, 1)) == 0


def test_demo_companies_have_domains_and_one_employee_waits_for_the_concierge(session):
    from conciergerie.accounts import employees
    from conciergerie.accounts.service import find_user_by_email

    load_demo_data(session, now=NOW, lived_in=False)
    company = session.scalar(sa.select(MemberCompany).where(MemberCompany.slug == "smart"))
    assert company.domains == ("smart.example.org",)
    assert find_user_by_email(session, "salarie@example.org").is_verified_employee
    [waiting] = employees.pending_requests(session)
    assert waiting.email == "salariee@example.org"


def test_demo_command_is_idempotent(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0 and "8 prestataires" in first.output
    assert "tournées" in first.output and "commandes" in first.output  # the weeks past
    session.expire_all()
    after_first = counts(session)
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0 and "rien à ajouter" in second.output
    assert counts(session) == after_first


def test_demo_accounts_can_sign_in(client, session):
    from conciergerie.demo.data import DEMO_PASSWORD, USERS
    from tests.conftest import submit

    load_demo_data(session, now=NOW, lived_in=False)
    email = USERS[0][0]
    response = submit(client, "/compte/connexion", {"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/gestion/utilisateurs").status_code == 200  # the first one is the concierge
