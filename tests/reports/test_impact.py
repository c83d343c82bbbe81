"""The impact report: computed from the orders handed over and the rounds done."""

import csv
import io
from datetime import UTC, date, datetime, time

import pytest

from conciergerie.models import (
    PickupRound,
    Role,
    RoundAction,
    RoundItem,
    RoundStop,
)
from conciergerie.reports import impact
from tests.factories import (
    make_basket_offer,
    make_offer,
    make_order,
    make_provider,
    make_slot,
    make_user,
    make_volunteer,
)
from tests.reports.test_reports import hand_over

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
AFTER = datetime(2026, 12, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "local, off_peak",
    [
        ("2026-11-25 08:30", True),  # before 9:00
        ("2026-11-25 09:00", False),
        ("2026-11-25 12:30", True),  # lunch
        ("2026-11-25 14:00", False),
        ("2026-11-25 18:00", True),  # evening
        ("2026-11-28 10:00", True),  # Saturday
    ],
)
def test_off_peak_slots_in_paris_time(local, off_peak):
    from conciergerie.timeutils import PARIS

    moment = datetime.fromisoformat(local).replace(tzinfo=PARIS)
    assert impact.is_off_peak(moment.astimezone(UTC)) is off_peak


def _round(session, volunteer, day, distance_m, *, tapped=True, line):
    stop_provider = line.provider
    round_ = PickupRound(
        day=day,
        volunteer_id=volunteer.id,
        starts_at=datetime.combine(day, time(9), tzinfo=UTC),
        ends_at=datetime.combine(day, time(11), tzinfo=UTC),
        distance_m=distance_m,
    )
    stop = RoundStop(
        round=round_,
        provider=stop_provider,
        position=1,
        arrive_at=round_.starts_at,
        leave_at=round_.ends_at,
    )
    stop.items.append(
        RoundItem(
            line=line,
            action=RoundAction.DROP,
            done_at=datetime.combine(day, time(10), tzinfo=UTC) if tapped else None,
        )
    )
    session.add(round_)
    session.flush()


def test_a_months_impact(session):
    insertion = make_provider(session, is_integration_enterprise=True, commission_rate_bp=500)
    cobbler = make_provider(session)
    repair = make_offer(
        session, provider=cobbler, is_repair=True, price_cents=2_000, turnaround_days=1
    )
    ironing = make_offer(session, provider=insertion, price_cents=1_000, turnaround_days=1)
    basket = make_basket_offer(session, weight_grams=4_500)
    resident = make_user(session, Role.RESIDENT)
    employee = make_user(session, Role.EMPLOYEE)
    evening = make_slot(session, starts_at=datetime(2026, 12, 9, 17, 0, tzinfo=UTC))  # 18:00
    orders = [
        make_order(session, customer=resident, offer=repair, quantity=2, pickup=evening),
        make_order(session, customer=employee, offer=ironing),
        make_order(
            session,
            customer=resident,
            offer=basket,
            quantity=3,
            pickup=make_slot(session, starts_at=datetime(2026, 12, 3, 9, 0, tzinfo=UTC)),
        ),
    ]
    for order in orders:
        hand_over(session, order, datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    not_yet = make_order(session, customer=employee, offer=repair)  # still at the desk
    foot = make_volunteer(session, transport="foot")
    bike = make_volunteer(session, transport="cargo_bike")
    _round(session, foot, date(2026, 11, 10), 1_200, line=orders[0].lines[0])
    _round(session, bike, date(2026, 11, 12), 5_400, line=orders[1].lines[0])
    _round(session, bike, date(2026, 11, 13), 9_999, tapped=False, line=not_yet.lines[0])

    figures = impact.impact(session, *NOVEMBER, default_rate_bp=1_000, now=AFTER)
    assert figures.orders == 3
    # 40,00 € of repairs less 10 %, 10,00 € of ironing less 5 %, the baskets less 10 %.
    basket_total = 3 * basket.price_cents
    assert figures.to_integration_cents == 950
    assert figures.to_providers_cents == 3_600 + 950 + basket_total - (basket_total + 5) // 10
    assert figures.items_repaired == 2 and figures.produce_grams == 13_500
    assert (figures.resident_customers, figures.employee_customers) == (1, 1)
    # The two services dropped off at 8:00 (the factories' slot); the basket, collected at
    # 10:00 on a Thursday, is not.
    assert figures.off_peak_orders == 2 and figures.off_peak_percent == 67

    assert figures.rounds == 2  # the one nobody tapped did not happen
    assert (figures.distance_on_foot_m, figures.distance_by_bike_m) == (1_200, 5_400)

    # The catalogue changing afterwards does not rewrite what was sold.
    insertion.is_integration_enterprise, insertion.commission_rate_bp = False, 1_500
    repair.is_repair, basket.weight_grams = False, 9_000
    session.flush()
    again = impact.impact(session, *NOVEMBER, default_rate_bp=1_000, now=AFTER)
    assert (again.to_integration_cents, again.to_providers_cents) == (
        figures.to_integration_cents,
        figures.to_providers_cents,
    )
    assert (again.items_repaired, again.produce_grams) == (2, 13_500)


def test_the_page_and_the_csv(client, session, login_as):
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/bilan/impact?mois=2026-11").get_data(as_text=True)
    assert "Rapport d'impact" in html and "Novembre 2026" in html
    year = client.get("/comptoir/bilan/impact?annee=2026")
    assert year.status_code == 200 and "2026" in year.get_data(as_text=True)
    response = client.get("/comptoir/bilan/impact/export.csv?annee=2026")
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0] == ["periode", "indicateur", "valeur"]
    assert ["2026", "objets_repares", "0"] in rows
    assert client.get("/comptoir/bilan/impact?annee=26").status_code == 400


def test_bad_periods_are_clear_400s(client, login_as):
    login_as(Role.CONCIERGE)
    response = client.get("/comptoir/bilan/impact?annee=deux-mille")
    assert response.status_code == 400 and "AAAA" in response.get_data(as_text=True)


def test_what_providers_received_matches_the_month_accounts_when_a_flag_changed(session):
    """A provider that became an integration enterprise during the month: its lines keep each
    their flag, but its commission is still rounded once per rate, as in the month's accounts
    (rounding each part apart would pay it a cent less than its statement says)."""
    from conciergerie.reports.service import month_report

    provider = make_provider(session, commission_rate_bp=1_000)
    offer = make_offer(session, provider=provider, price_cents=5)  # 10 % of 5 c: 0,5 c
    before = make_order(session, offer=offer)
    provider.is_integration_enterprise = True
    after = make_order(session, offer=offer)
    hand_over(session, before, datetime(2026, 11, 3, 9, tzinfo=UTC))
    hand_over(session, after, datetime(2026, 11, 4, 9, tzinfo=UTC))

    accounts = month_report(session, date(2026, 11, 1), default_rate_bp=1_000, cost_cents=0)
    [row] = accounts.providers
    assert (row.gross_cents, row.commission_cents, row.net_cents) == (10, 1, 9)
    figures = impact.impact(session, *NOVEMBER, default_rate_bp=1_000, now=AFTER)
    assert figures.to_providers_cents == row.net_cents == 9
    assert figures.to_integration_cents == 4  # 5 c less its own commission, rounded up
