"""The dashboard: twelve weeks drawn as bar charts, values readable by screen readers too."""

import re
from datetime import UTC, datetime

from conciergerie.models import OrderStatus, Role
from tests.factories import NOW, make_offer, make_order, make_provider, make_user
from tests.reports.test_reports import hand_over


def test_the_dashboard_draws_the_last_weeks(client, session, login_as, monkeypatch):
    monkeypatch.setattr("conciergerie.reports.views.utcnow", lambda: NOW)
    login_as(Role.CONCIERGE)
    cobbler = make_provider(session, name="Cordonnerie")
    offer = make_offer(session, provider=cobbler, price_cents=1_800, turnaround_days=1)
    employee = make_user(session, Role.EMPLOYEE)
    first = make_order(session, offer=offer)  # a resident's, dropped off at 8:00 (off-peak)
    make_order(session, offer=offer, customer=employee)
    cancelled = make_order(session, offer=offer)
    cancelled.status = OrderStatus.CANCELLED
    hand_over(session, first, datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    html = client.get("/comptoir/bilan/tableau-de-bord").get_data(as_text=True)
    descriptions = dict(re.findall(r'<desc id="([\w-]+)-desc">([^<]*)</desc>', html))
    assert "23/11 : 2" in descriptions["orders"]  # the week of Monday 23 November
    assert descriptions["providers"] == "Cordonnerie : 18,00\xa0€"
    assert descriptions["off-peak"] == "heures décalées : 2 ; heures de bureau : 0"
    assert descriptions["customers"] == "habitant·es : 1 ; salarié·es : 1"
    assert "Rien sur la période." in html  # no round done yet
    # 12 weeks, 1 provider, 2 + 2 shares (a zero drawn thin); rounds and distance: none
    assert html.count('class="chart-bar"') == 12 + 1 + 2 + 2
    assert html.count("Rien sur la période.") == 2
