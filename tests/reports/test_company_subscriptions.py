"""A month's subscription income: each company's yearly fee for the days of the month it
subscribed, from the kept periods; what happens today does not rewrite past months."""

from datetime import UTC, date, datetime

from conciergerie.manage.service import keep_subscription_history
from conciergerie.models import CompanySubscription, Role
from conciergerie.reports import service
from tests.factories import NOW, make_member_company

SEPTEMBER, OCTOBER, NOVEMBER, DECEMBER = (date(2026, m, 1) for m in (9, 10, 11, 12))


def at(day: date) -> datetime:
    """Noon in Paris on `day`."""
    return datetime(day.year, day.month, day.day, 11, 0, tzinfo=UTC)


def income(session, first_day: date) -> int:
    report = service.month_report(session, first_day, default_rate_bp=1_000, cost_cents=0)
    assert report.subscriptions_cents == service.subscriptions_in(session, first_day)
    return report.subscriptions_cents


def subscribe(session, fee: int, *, on: date, company=None):
    """The company subscribes (or changes its fee) on `on`, as the manage page does."""
    company = company or make_member_company(session)
    company.is_subscriber, company.yearly_fee_cents = True, fee
    keep_subscription_history(session, company, now=at(on))
    return company


def stop(session, company, *, on: date) -> None:
    company.is_subscriber, company.yearly_fee_cents = False, 0
    keep_subscription_history(session, company, now=at(on))


def test_a_company_stopping_today_leaves_the_past_months_as_they_were(session):
    company = subscribe(session, 360_000, on=date(2026, 9, 1))  # 300 € a month
    before = [income(session, month) for month in (SEPTEMBER, OCTOBER, NOVEMBER)]
    assert before == [30_000, 30_000, 30_000]  # a twelfth, whatever the month's length
    stop(session, company, on=NOW.date())  # Wednesday 25 November: paid until the 24th
    assert [income(session, month) for month in (SEPTEMBER, OCTOBER)] == before[:2]
    assert income(session, NOVEMBER) == 24_000  # 300 € × 24 / 30
    assert income(session, DECEMBER) == 0


def test_a_company_joining_mid_month_counts_from_its_first_day(session):
    subscribe(session, 360_000, on=date(2026, 11, 16))
    assert income(session, OCTOBER) == 0
    assert income(session, NOVEMBER) == 15_000  # 16 to 30 November, both counted: 15 / 30
    assert income(session, DECEMBER) == 30_000  # still running: the whole month


def test_a_fee_changed_mid_month_splits_the_month(session):
    company = subscribe(session, 120_000, on=date(2026, 10, 1))
    subscribe(session, 300_000, on=date(2026, 11, 11), company=company)
    periods = [(p.starts_on, p.ends_on, p.yearly_fee_cents) for p in company.subscriptions]
    assert periods == [
        (date(2026, 10, 1), date(2026, 11, 10), 120_000),
        (date(2026, 11, 11), None, 300_000),
    ]
    # 100 € a month for 10 days of 30, then 250 € a month for 20: 33.33 + 166.67 = 200 €
    assert income(session, NOVEMBER) == 20_000
    assert income(session, OCTOBER) == 10_000  # as before


def test_the_sum_is_rounded_once_not_period_by_period(session):
    # Each company alone: 5,256 / 12 × 1 / 30 = 14.6 cents. Both: 29.2 → 29 (not 15 + 15).
    subscribe(session, 5_256, on=date(2026, 11, 30))
    subscribe(session, 5_256, on=date(2026, 11, 30))
    assert income(session, NOVEMBER) == 29


def test_a_year_of_months_adds_up_to_the_yearly_fee(session):
    subscribe(session, 120_000, on=date(2025, 12, 1))
    months_2026 = [income(session, date(2026, m, 1)) for m in range(1, 13)]
    assert months_2026 == [10_000] * 12  # February as much as January
    assert income(session, date(2028, 2, 1)) == 10_000  # a leap February too


def test_part_of_a_short_month_counts_its_share_of_that_month(session):
    subscribe(session, 120_000, on=date(2028, 2, 15))
    assert income(session, date(2028, 2, 1)) == 5_172  # 100 € × 15 / 29 = 51.72 €


def test_periods_before_or_after_the_month_count_nothing(session):
    company = make_member_company(session)
    session.add_all(
        [
            CompanySubscription(
                company=company,
                starts_on=date(2026, 9, 1),
                ends_on=date(2026, 10, 31),
                yearly_fee_cents=360_000,
            ),
            CompanySubscription(
                company=company, starts_on=date(2026, 12, 1), yearly_fee_cents=360_000
            ),
        ]
    )
    session.flush()
    assert income(session, NOVEMBER) == 0
    assert income(session, OCTOBER) == 30_000


def test_the_month_page_and_its_csv_show_the_days_subscribed(client, session, login_as):
    subscribe(session, 360_000, on=date(2026, 11, 16))
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/bilan/?mois=2026-11").get_data(as_text=True)
    assert "Abonnements des entreprises" in html and "150,00\xa0€" in html
    assert "abonnées aujourd" not in html
    csv_text = client.get("/comptoir/bilan/export.csv?mois=2026-10").get_data(as_text=True)
    assert "2026-10;abonnements_du_mois_centimes;;0;" in csv_text
