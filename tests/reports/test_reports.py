"""The monthly economics: sales per provider, commissions, fees, subscriptions, the post's cost."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from conciergerie.manage.service import keep_subscription_history
from conciergerie.models import OrderEvent, OrderStatus, Role
from conciergerie.reports import service
from tests.factories import make_member_company, make_offer, make_order, make_provider

NOVEMBER = date(2026, 11, 1)


def hand_over(session, order, at):
    session.add(
        OrderEvent(order=order, from_status=order.status, to_status=OrderStatus.HANDED_OVER, at=at)
    )
    order.status = OrderStatus.HANDED_OVER
    session.flush()


@pytest.fixture
def month(session):
    """November 2026: two providers' work handed over, and what must not count."""
    cobbler = make_provider(session, name="Cordonnerie", slug="cordo", commission_rate_bp=750)
    ironing = make_provider(session, name="=Repassage", slug="repassage")  # the default rate
    resole = make_offer(session, provider=cobbler, price_cents=1800, turnaround_days=1)
    shirt = make_offer(session, provider=ironing, price_cents=250, turnaround_days=1)
    one = make_order(session, offer=resole)  # 18,00 € + 1,50 € fee
    two = make_order(session, offer=shirt, quantity=3)  # 7,50 € + 1,50 € fee
    three = make_order(session, offer=resole, quantity=2)  # handed over in December
    make_order(session, offer=shirt)  # never handed over
    hand_over(session, one, datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    # 30 November, 23:30 UTC is 1 December, 00:30 in Paris: December's.
    hand_over(session, two, datetime(2026, 11, 30, 22, 30, tzinfo=UTC))
    hand_over(session, three, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    # Two companies subscribing since October (all of November), one not subscribing.
    for fee in (120_000, 300_000):
        company = make_member_company(session, is_subscriber=True, yearly_fee_cents=fee)
        keep_subscription_history(session, company, now=datetime(2026, 10, 1, 10, 0, tzinfo=UTC))
    make_member_company(session, is_subscriber=False, yearly_fee_cents=99_900)
    return cobbler, ironing


def test_commission_is_rounded_half_up_to_the_cent():
    assert service.commission(1_000, 750) == 75
    assert service.commission(1_006, 750) == 75  # 75.45
    assert service.commission(1_007, 750) == 76  # 75.525
    assert service.commission(0, 1_000) == 0


def test_a_month_counts_the_work_handed_over_in_it_by_paris_time(session, month):
    cobbler, ironing = month
    report = service.month_report(session, NOVEMBER, default_rate_bp=1_000, cost_cents=260_000)
    rows = {row.provider.slug: row for row in report.providers}
    assert set(rows) == {"cordo", "repassage"}
    assert (rows["cordo"].orders, rows["cordo"].gross_cents, rows["cordo"].rate_bp) == (
        1,
        1_800,
        750,
    )
    assert rows["cordo"].commission_cents == 135 and rows["cordo"].net_cents == 1_665
    assert (rows["repassage"].gross_cents, rows["repassage"].rate_bp) == (750, 1_000)
    assert rows["repassage"].commission_cents == 75
    assert report.fees_cents == 300 and report.orders == 2
    assert report.subscriptions_cents == 35_000  # (1,200 € + 3,000 €) / 12: the whole month
    assert report.income_cents == 135 + 75 + 300 + 35_000
    assert report.balance_cents == report.income_cents - 260_000
    assert report.coverage_percent == 14  # 35,510 / 260,000
    # A note on a finished order later on (a refund, say) keeps its status: not a new sale.
    session.add(
        OrderEvent(
            order=one_order(session, cobbler),
            from_status=OrderStatus.HANDED_OVER,
            to_status=OrderStatus.HANDED_OVER,
            at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
            note="Remboursé : 5,00 €",
        )
    )
    session.flush()
    december = service.month_report(
        session, date(2026, 12, 1), default_rate_bp=1_000, cost_cents=260_000
    )
    assert [r.gross_cents for r in december.providers] == [3_600]
    assert december.orders == 1
    lines = service.provider_statement(session, cobbler, date(2026, 12, 1), default_rate_bp=1_000)
    assert [line.quantity for line in lines] == [2]


def one_order(session, provider):
    from conciergerie.models import Order, OrderLine

    return session.scalars(
        sa.select(Order)
        .join(OrderLine)
        .where(OrderLine.provider_id == provider.id, OrderLine.quantity == 1)
    ).first()


def test_gestures_come_off_the_desks_balance_and_refunds_are_shown_apart(session, month):
    from conciergerie.models import Payment, PaymentKind
    from conciergerie.payments import service as payments
    from tests.factories import make_user

    cobbler, _ = month
    order = one_order(session, cobbler)
    concierge = make_user(session, Role.CONCIERGE)
    payment = Payment(order=order, kind=PaymentKind.DESK_CASH, amount_cents=order.total_cents)
    session.add(payment)
    session.flush()
    # 5 € given back as a gesture: the order's price is lowered as much.
    payments.manual_refund(
        session,
        order,
        amount_cents=500,
        reason="geste",
        actor=concierge,
        gateway=None,
        now=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    )
    report = service.month_report(session, NOVEMBER, default_rate_bp=1_000, cost_cents=260_000)
    assert (report.discounts_cents, report.given_back_cents) == (500, 500)
    assert report.balance_cents == report.income_cents - 500 - 260_000


def test_the_concierge_sees_the_month_and_each_providers_statement(client, login_as, month):
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/bilan/?mois=2026-11").get_data(as_text=True)
    assert "Novembre 2026" in html
    assert "18,00\xa0€" in html and "7,5\xa0%" in html and "1,35\xa0€" in html
    assert "350,00\xa0€" in html  # the month's share of the subscriptions
    assert "poste couvert à 14" in html
    statement = client.get("/comptoir/bilan/prestataires/cordo?mois=2026-11")
    page = statement.get_data(as_text=True)
    assert statement.status_code == 200 and "Relevé mensuel" in page
    assert "16,65\xa0€" in page  # due to the cobbler


def test_the_csv_is_safe_in_a_spreadsheet(client, login_as, month):
    login_as(Role.CONCIERGE)
    response = client.get("/comptoir/bilan/export.csv?mois=2026-11")
    assert response.headers["Content-Disposition"] == 'attachment; filename="bilan-2026-11.csv"'
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    names = [row[1] for row in rows[1:]]
    assert "'=Repassage" in names and "=Repassage" not in names
    cordo = next(row for row in rows if row[1] == "Cordonnerie")
    assert cordo[2:] == ["1", "1800", "750", "135", "1665", "0", "1665"]  # nothing paid yet
    assert ["2026-11", "cout_du_poste_centimes", "", "260000", "", "", "", "", ""] in rows
    assert ["2026-11", "abonnements_du_mois_centimes", "", "35000", "", "", "", "", ""] in rows


@pytest.mark.parametrize("month_arg", ["2026-13", "novembre", "2026-1", "1999-01"])
def test_a_bad_month_is_a_clear_400(client, login_as, month_arg):
    login_as(Role.CONCIERGE)
    response = client.get(f"/comptoir/bilan/?mois={month_arg}")
    assert response.status_code == 400
    assert "AAAA-MM" in response.get_data(as_text=True)


def test_an_empty_month_says_so(client, login_as):
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/bilan/?mois=2020-02").get_data(as_text=True)
    assert "Aucune commande remise au client ce mois-ci." in html


def test_work_left_uncollected_is_owed_to_the_provider_once(session):
    provider = make_provider(session, slug="cordo-2", commission_rate_bp=1_000)
    order = make_order(session, offer=make_offer(session, provider=provider, price_cents=2_000))
    session.add(
        OrderEvent(
            order=order,
            from_status=OrderStatus.BACK_AT_DESK,
            to_status=OrderStatus.UNCOLLECTED,
            at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        )
    )
    order.status = OrderStatus.UNCOLLECTED
    session.flush()
    hand_over(session, order, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # collected at last

    def gross(first_day):
        report = service.month_report(session, first_day, default_rate_bp=1_000, cost_cents=0)
        return [(row.provider.slug, row.gross_cents) for row in report.providers]

    assert gross(NOVEMBER) == [("cordo-2", 2_000)]
    assert gross(date(2026, 12, 1)) == []


def test_a_rate_changed_later_does_not_rewrite_the_months_already_sold(session, client, login_as):
    cobbler = make_provider(session, slug="cordo-3", commission_rate_bp=750)
    resole = make_offer(session, provider=cobbler, price_cents=2_000, turnaround_days=1)
    before = make_order(session, offer=resole)  # sold at 7,5 %
    cobbler.commission_rate_bp = 1_200
    session.flush()
    after = make_order(session, offer=resole)  # sold at 12 %
    hand_over(session, before, datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    hand_over(session, after, datetime(2026, 11, 6, 9, 0, tzinfo=UTC))
    report = service.month_report(session, NOVEMBER, default_rate_bp=1_000, cost_cents=0)
    [row] = report.providers
    assert row.sales == {750: 2_000, 1_200: 2_000} and row.rate_bp is None
    assert row.commission_cents == 150 + 240
    assert row.net_cents == 4_000 - 390
    login_as(Role.CONCIERGE)
    page = client.get("/comptoir/bilan/prestataires/cordo-3?mois=2026-11").get_data(as_text=True)
    assert "3,90" in page and "36,10" in page
    csv_text = client.get("/comptoir/bilan/export.csv?mois=2026-11").get_data(as_text=True)
    assert "750/1200" in csv_text
