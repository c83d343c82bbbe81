"""The provider's staff read their own monthly statements and payouts in the portal, and no
other provider's."""

from __future__ import annotations

from datetime import date

import pytest

from conciergerie import policy
from conciergerie.models import Role
from conciergerie.payouts import service as payouts
from tests.conftest import sign_in
from tests.factories import NOW, make_user
from tests.payouts.conftest import DEFAULT_RATE


@pytest.fixture
def paid(session, sales, concierge):
    """The cobbler paid October in full and 10,00 € of November; the ironing nothing."""
    cobbler, ironing = sales
    made = [
        payouts.record_payout(
            session,
            cobbler,
            month=month,
            paid_on=paid_on,
            amount_cents=amount,
            bank_reference=reference,
            actor=concierge,
            now=NOW,
            default_rate_bp=DEFAULT_RATE,
        )
        for month, paid_on, amount, reference in (
            (date(2026, 10, 1), date(2026, 11, 2), 3_330, "VIR-OCT-CORDO"),
            (date(2026, 11, 1), date(2026, 11, 20), 1_000, "VIR-NOV-CORDO"),
        )
    ]
    return cobbler, ironing, made


def test_the_staff_see_their_months_with_due_paid_and_owed(client, session, paid):
    cobbler, _, _ = paid
    sign_in(client, make_user(session, Role.PROVIDER, provider=cobbler))
    answer = client.get("/prestataire/releves/")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Novembre 2026" in page and "Octobre 2026" in page
    for figure in ("16,65", "10,00", "6,65", "33,30"):  # November: due, paid, owed; October
        assert figure in page
    assert 'href="/prestataire/releves/2026-11"' in page
    assert 'scope="col"' in page and 'scope="row"' in page


def test_a_month_shows_its_lines_and_payouts(client, session, paid):
    cobbler, _, made = paid
    sign_in(client, make_user(session, Role.PROVIDER, provider=cobbler))
    page = client.get("/prestataire/releves/2026-11").get_data(as_text=True)
    assert "Ressemelage" in page and "VIR-NOV-CORDO" in page and "VIR-OCT-CORDO" not in page
    assert "6,65" in page  # still owed
    assert f'href="/prestataire/versements/{made[1].id}"' in page
    advice = client.get(f"/prestataire/versements/{made[1].id}")
    assert advice.status_code == 200
    assert "VIR-NOV-CORDO" in advice.get_data(as_text=True)


def test_another_providers_staff_see_none_of_it(client, session, paid):
    cobbler, ironing, made = paid
    sign_in(client, make_user(session, Role.PROVIDER, provider=ironing))
    for payout in made:
        assert client.get(f"/prestataire/versements/{payout.id}").status_code == 404
    months = client.get("/prestataire/releves/").get_data(as_text=True)
    month = client.get("/prestataire/releves/2026-11").get_data(as_text=True)
    for page in (months, month):
        assert "Cordonnerie" not in page and "VIR-" not in page and "16,65" not in page
    assert "Chemise" in month and "6,75" in month  # their own


def test_a_month_that_is_no_month_is_a_404(client, session, paid):
    cobbler, _, _ = paid
    sign_in(client, make_user(session, Role.PROVIDER, provider=cobbler))
    for month in ("2026-13", "novembre", "1999-11"):
        assert client.get(f"/prestataire/releves/{month}").status_code == 404


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.RESIDENT, Role.CONCIERGE])
def test_the_portals_statements_are_for_provider_staff(client, session, paid, role):
    _, _, made = paid
    sign_in(client, make_user(session, role))
    for url in ("/prestataire/releves/", "/prestataire/releves/2026-11"):
        assert client.get(url).status_code == 403
    assert client.get(f"/prestataire/versements/{made[0].id}").status_code == 403


def test_the_policy_names_the_payouts_provider_only(session, paid):
    cobbler, ironing, made = paid
    assert policy.can_see_payout(make_user(session, Role.PROVIDER, provider=cobbler), made[0])
    assert not policy.can_see_payout(make_user(session, Role.PROVIDER, provider=ironing), made[0])
    assert not policy.can_see_payout(make_user(session, Role.CONCIERGE), made[0])


def test_a_provider_without_sales_has_an_empty_list(client, session, login_as):
    login_as(Role.PROVIDER)
    page = client.get("/prestataire/releves/").get_data(as_text=True)
    assert "Pas encore de vente" in page
