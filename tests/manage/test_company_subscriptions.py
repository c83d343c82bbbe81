"""A member company's subscription history: kept in step with its state by one service function,
from the manage page (and the demo loader), a change taking effect today or on the day given."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from conciergerie.manage.service import keep_subscription_history
from conciergerie.models import AuditEntry, CompanySubscription, MemberCompany, Role
from tests.conftest import submit
from tests.factories import make_member_company


def at(day: int, hour: int = 11, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def periods(company):
    return [(p.starts_on, p.ends_on, p.yearly_fee_cents) for p in company.subscriptions]


def set_state(session, company, fee: int | None, now: datetime) -> None:
    company.is_subscriber = fee is not None
    company.yearly_fee_cents = fee or 0
    keep_subscription_history(session, company, now=now)


def test_starting_stopping_and_changing_the_fee_keep_dated_periods(session):
    company = make_member_company(session)
    set_state(session, company, 120_000, at(2))
    assert periods(company) == [(date(2026, 11, 2), None, 120_000)]
    set_state(session, company, 120_000, at(5))  # nothing changed: nothing to do
    assert periods(company) == [(date(2026, 11, 2), None, 120_000)]
    set_state(session, company, 300_000, at(10))  # the new fee from today
    set_state(session, company, None, at(20))  # today no longer paid for
    assert periods(company) == [
        (date(2026, 11, 2), date(2026, 11, 9), 120_000),
        (date(2026, 11, 10), date(2026, 11, 19), 300_000),
    ]
    set_state(session, company, 300_000, at(3, month=12))  # subscribing again
    assert periods(company)[-1] == (date(2026, 12, 3), None, 300_000)


def test_the_day_is_the_day_in_paris(session):
    company = make_member_company(session)
    # 30 November, 23:30 UTC is 1 December, 00:30 in Paris.
    set_state(session, company, 120_000, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert periods(company) == [(date(2026, 12, 1), None, 120_000)]


def test_changes_on_the_same_day_leave_no_period_of_no_day(session):
    company = make_member_company(session)
    set_state(session, company, 120_000, at(2, 9))
    set_state(session, company, 150_000, at(2, 10))  # a typo corrected: the same period
    assert periods(company) == [(date(2026, 11, 2), None, 150_000)]
    set_state(session, company, None, at(2, 11))  # started and stopped today: nothing
    assert periods(company) == []

    other = make_member_company(session)
    set_state(session, other, 120_000, at(2))
    set_state(session, other, None, at(10, 9))  # stopped by mistake...
    set_state(session, other, 120_000, at(10, 10))  # ...and put back: it goes on
    assert periods(other) == [(date(2026, 11, 2), None, 120_000)]
    set_state(session, other, 200_000, at(10, 11))
    set_state(session, other, 120_000, at(10, 12))  # the fee changed and changed back
    assert periods(other) == [(date(2026, 11, 2), None, 120_000)]
    set_state(session, other, 200_000, at(11))  # a fee change the next day does split
    assert periods(other) == [
        (date(2026, 11, 2), date(2026, 11, 10), 120_000),
        (date(2026, 11, 11), None, 200_000),
    ]


def test_a_company_not_subscribing_has_no_period_and_a_free_subscription_has_one(session):
    company = make_member_company(session, is_subscriber=False, yearly_fee_cents=0)
    keep_subscription_history(session, company, now=at(2))
    assert periods(company) == []
    set_state(session, company, 0, at(3))  # subscribing at no fee: its employees pay no fee
    assert periods(company) == [(date(2026, 11, 3), None, 0)]


@pytest.mark.parametrize(
    "row",
    [
        {"starts_on": date(2026, 11, 10), "ends_on": date(2026, 11, 9), "yearly_fee_cents": 1},
        {"starts_on": date(2026, 11, 10), "yearly_fee_cents": -1},
        {"starts_on": date(2026, 11, 10), "yearly_fee_cents": 1},  # a second running period
    ],
)
def test_the_database_refuses_inconsistent_periods(session, row):
    company = make_member_company(session)
    session.add(
        CompanySubscription(company=company, starts_on=date(2026, 1, 1), yearly_fee_cents=5)
    )
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(CompanySubscription(company=company, **row))
        session.flush()


def test_deleting_a_company_deletes_its_history(session):
    company = make_member_company(session)
    set_state(session, company, 0, at(2))  # subscribing at no fee: nothing invoiced
    session.execute(sa.delete(MemberCompany).where(MemberCompany.id == company.id))
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(CompanySubscription)) == 0


def test_a_company_with_invoices_cannot_be_deleted(session):
    """Its invoices are accounting records, kept (the French rules ask for ten years)."""
    company = make_member_company(session)
    set_state(session, company, 120_000, at(2))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(sa.delete(MemberCompany).where(MemberCompany.id == company.id))


def test_the_manage_page_keeps_the_history(client, session, login_as, monkeypatch):
    login_as(Role.CONCIERGE)
    today = {"now": at(2)}
    monkeypatch.setattr("conciergerie.manage.views.utcnow", lambda: today["now"])
    form = {"name": "Coopérative Lilloise", "slug": "coop-lilloise", "headcount": "12",
            "is_subscriber": "y", "yearly_fee": "1 200,00"}  # fmt: skip
    assert submit(client, "/gestion/entreprises/nouvelle", form).status_code == 302
    company = session.scalar(sa.select(MemberCompany).where(MemberCompany.slug == "coop-lilloise"))
    url = f"/gestion/entreprises/{company.id}"

    today["now"] = at(10)
    form["headcount"] = "14"
    assert submit(client, url, form).status_code == 302  # no new period
    assert submit(client, url, {**form, "yearly_fee": "3 000"}).status_code == 302
    today["now"] = at(20)
    stopped = {**form, "yearly_fee": "0"}
    del stopped["is_subscriber"]
    assert submit(client, url, stopped).status_code == 302
    session.expire_all()
    assert periods(company) == [
        (date(2026, 11, 2), date(2026, 11, 9), 120_000),
        (date(2026, 11, 10), date(2026, 11, 19), 300_000),
    ]
    assert (company.is_subscriber, company.yearly_fee_cents) == (False, 0)
    changes = [
        e.changes
        for e in session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.entity == "member_company", AuditEntry.entity_id == company.id)
            .order_by(AuditEntry.id)
        )
    ]
    assert [sorted(c) for c in changes[1:]] == [
        ["headcount"],
        ["yearly_fee_cents"],
        ["is_subscriber", "yearly_fee_cents"],
    ]
    page = client.get(url).get_data(as_text=True)
    assert "Historique de l" in page
    assert (
        "10 novembre 2026" in page and "19 novembre 2026" in page and "3\u202f000,00\xa0€" in page
    )

    # A refused form changes nothing, the history included.
    response = submit(client, url, {**stopped, "yearly_fee": "300"})
    assert response.status_code == 422
    session.expire_all()
    assert len(company.subscriptions) == 2


def _change(session, company, fee: int | None, now: datetime, on: date) -> None:
    company.is_subscriber = fee is not None
    company.yearly_fee_cents = fee or 0
    keep_subscription_history(session, company, now=now, effective_on=on)


def test_a_change_recorded_late_takes_effect_on_the_day_given(session):
    company = make_member_company(session)
    _change(session, company, 120_000, at(15, month=9), on=date(2026, 9, 1))  # signed on the 1st
    _change(session, company, 300_000, at(20, month=10), on=date(2026, 10, 15))
    _change(session, company, None, at(25), on=date(2026, 11, 1))
    assert periods(company) == [
        (date(2026, 9, 1), date(2026, 10, 14), 120_000),
        (date(2026, 10, 15), date(2026, 10, 31), 300_000),
    ]
    # Subscribing again: after the last period only, up to today.
    _change(session, company, 120_000, at(25), on=date(2026, 11, 20))
    assert periods(company)[-1] == (date(2026, 11, 20), None, 120_000)


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (date(2026, 11, 26), "aujourd'hui au plus tard"),  # tomorrow
        (date(2026, 8, 31), "a commencé le 1er septembre 2026"),  # before the running period
    ],
)
def test_a_change_day_in_the_future_or_before_the_running_period_is_refused(session, on, message):
    from conciergerie.manage.service import ManageError

    company = make_member_company(session)
    _change(session, company, 120_000, at(1, month=9), on=date(2026, 9, 1))
    with pytest.raises(ManageError, match=message) as error:
        _change(session, company, 300_000, at(25), on=on)
    assert error.value.field == "effective_on"


def test_subscribing_again_cannot_reach_into_the_last_period(session):
    from conciergerie.manage.service import ManageError

    company = make_member_company(session)
    _change(session, company, 120_000, at(1, month=9), on=date(2026, 9, 1))
    _change(session, company, None, at(1, month=10), on=date(2026, 10, 1))  # paid to 30 Sept
    with pytest.raises(ManageError, match="a pris fin le 30 septembre 2026"):
        _change(session, company, 120_000, at(25), on=date(2026, 9, 30))


def test_the_manage_page_takes_the_day_of_the_change(client, session, login_as, monkeypatch):
    login_as(Role.CONCIERGE)
    monkeypatch.setattr("conciergerie.manage.views.utcnow", lambda: at(25))
    company = make_member_company(session)
    url = f"/gestion/entreprises/{company.id}"
    assert 'name="effective_on"' in client.get(url).get_data(as_text=True)
    form = {"name": company.name, "slug": company.slug, "headcount": "12", "is_subscriber": "y",
            "yearly_fee": "1 200,00", "effective_on": "2026-09-01"}  # fmt: skip
    assert submit(client, url, form).status_code == 302
    session.expire_all()
    assert periods(company) == [(date(2026, 9, 1), None, 120_000)]
    # A day in the future, or no date at all: a form error, nothing saved.
    for day, message in (
        ("2026-12-01", "aujourd&#39;hui au plus tard"),
        ("hier", "pas une date valide"),
    ):
        response = submit(client, url, {**form, "yearly_fee": "3 000", "effective_on": day})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    session.expire_all()
    assert periods(company) == [(date(2026, 9, 1), None, 120_000)]
    assert company.yearly_fee_cents == 120_000


def test_a_new_company_can_be_recorded_as_subscribing_since_a_past_day(
    client, session, login_as, monkeypatch
):
    login_as(Role.CONCIERGE)
    monkeypatch.setattr("conciergerie.manage.views.utcnow", lambda: at(25))
    form = {"name": "Coopérative Lilloise", "slug": "coop-lilloise", "headcount": "12",
            "is_subscriber": "y", "yearly_fee": "1200", "effective_on": "2026-10-01"}  # fmt: skip
    assert submit(client, "/gestion/entreprises/nouvelle", form).status_code == 302
    company = session.scalar(sa.select(MemberCompany).where(MemberCompany.slug == "coop-lilloise"))
    assert periods(company) == [(date(2026, 10, 1), None, 120_000)]


def test_a_new_company_refused_once_written_is_shown_again_as_new(
    client, session, login_as, monkeypatch
):
    # The company is written (for its log line) before its subscription's day is refused: the
    # page shown again is still the new company's, and nothing of it is kept.
    login_as(Role.CONCIERGE)
    monkeypatch.setattr("conciergerie.manage.views.utcnow", lambda: at(25))
    form = {"name": "Coopérative Lilloise", "slug": "coop-lilloise", "headcount": "12",
            "is_subscriber": "y", "yearly_fee": "1200", "effective_on": "2026-12-01"}  # fmt: skip
    response = submit(client, "/gestion/entreprises/nouvelle", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "aujourd&#39;hui au plus tard" in html
    assert "<h1>Nouvelle entreprise</h1>" in html and 'value="coop-lilloise"' in html
    assert session.scalar(sa.select(sa.func.count()).select_from(MemberCompany)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
