"""Recording payouts to providers, and what is paid and still owed month by month."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from conciergerie.models import AuditEntry, ProviderPayout, Role
from conciergerie.payouts import service as payouts
from conciergerie.reports import service as reports
from tests.factories import NOW, make_user
from tests.payouts.conftest import DEFAULT_RATE

NOVEMBER, OCTOBER = date(2026, 11, 1), date(2026, 10, 1)


def pay(session, provider, actor, *, month=NOVEMBER, amount_cents=1_000, **kw):
    kw.setdefault("paid_on", date(2026, 11, 20))
    kw.setdefault("bank_reference", "VIR-2026-11-001")
    return payouts.record_payout(
        session,
        provider,
        month=month,
        amount_cents=amount_cents,
        actor=actor,
        now=NOW,
        default_rate_bp=DEFAULT_RATE,
        **kw,
    )


def account(session, provider, month=NOVEMBER):
    return payouts.month_account(session, provider, month, default_rate_bp=DEFAULT_RATE)


def test_a_month_is_paid_in_part_then_the_rest_and_each_payout_is_logged(session, sales, concierge):
    cobbler, _ = sales
    assert (account(session, cobbler).net_cents, account(session, cobbler).owed_cents) == (
        1_665,
        1_665,
    )
    first = pay(session, cobbler, concierge, amount_cents=1_000, bank_reference="  VIR-1  ")
    assert (first.month, first.bank_reference, first.recorded_by, first.recorded_at) == (
        NOVEMBER,
        "VIR-1",
        concierge,
        NOW,
    )
    assert account(session, cobbler).owed_cents == 665
    pay(session, cobbler, concierge, amount_cents=665, paid_on=date(2026, 11, 25))
    settled = account(session, cobbler)
    assert (settled.paid_cents, settled.owed_cents) == (1_665, 0)
    assert [p.amount_cents for p in settled.payouts] == [1_000, 665]
    entries = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity == "provider_payout")
    ).all()
    assert [(e.actor_id, e.label, e.changes["amount_cents"]) for e in entries] == [
        (concierge.id, "Cordonnerie Gambetta", [None, "1000"]),
        (concierge.id, "Cordonnerie Gambetta", [None, "665"]),
    ]


def test_paying_more_than_is_still_owed_is_refused_with_what_is_left(session, sales, concierge):
    cobbler, _ = sales
    with pytest.raises(payouts.PayoutError) as refused:
        pay(session, cobbler, concierge, amount_cents=1_666)
    assert refused.value.field == "amount_cents"
    assert "16,65" in str(refused.value) and "16,66" in str(refused.value)
    pay(session, cobbler, concierge, amount_cents=1_000)
    with pytest.raises(payouts.PayoutError, match="6,65"):
        pay(session, cobbler, concierge, amount_cents=700)
    pay(session, cobbler, concierge, amount_cents=665)
    with pytest.raises(payouts.PayoutError, match="Rien n'est dû"):
        pay(session, cobbler, concierge, amount_cents=1)
    with pytest.raises(payouts.PayoutError, match="Rien n'est dû"):  # nothing sold in September
        pay(session, cobbler, concierge, month=date(2026, 9, 1), paid_on=date(2026, 10, 2))
    assert session.scalar(sa.select(sa.func.count(ProviderPayout.id))) == 2


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.VOLUNTEER, Role.RESIDENT, Role.EMPLOYEE])
def test_only_the_concierge_records_a_payout(session, sales, role):
    cobbler, _ = sales
    staff = make_user(session, role, **({"provider": cobbler} if role is Role.PROVIDER else {}))
    with pytest.raises(payouts.PayoutNotAllowed) as refused:
        pay(session, cobbler, staff)
    assert refused.value.status == 403
    assert session.scalar(sa.select(sa.func.count(ProviderPayout.id))) == 0


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"amount_cents": 0}, "amount_cents", "supérieur à zéro"),
        ({"amount_cents": -5}, "amount_cents", "supérieur à zéro"),
        ({"paid_on": date(2026, 11, 26)}, "paid_on", "futur"),  # tomorrow in Paris
        ({"paid_on": date(2026, 10, 31)}, "paid_on", "premier jour"),
        ({"bank_reference": "   "}, "bank_reference", "référence"),
        ({"bank_reference": "x" * 101}, "bank_reference", "100 caractères"),
        ({"month": date(2026, 12, 1), "paid_on": date(2026, 11, 25)}, None, "pas commencé"),
    ],
)
def test_a_payout_is_checked(session, sales, concierge, values, field, message):
    cobbler, _ = sales
    with pytest.raises(payouts.PayoutError, match=message) as refused:
        pay(session, cobbler, concierge, **values)
    assert refused.value.field == field


def test_a_reference_of_100_characters_and_today_are_accepted(session, sales, concierge):
    cobbler, _ = sales
    payout = pay(session, cobbler, concierge, bank_reference="x" * 100, paid_on=date(2026, 11, 25))
    assert len(payout.bank_reference) == 100


def test_the_providers_months_say_what_is_due_paid_and_owed(session, sales, concierge):
    cobbler, ironing = sales
    pay(session, cobbler, concierge, month=OCTOBER, amount_cents=3_330, paid_on=date(2026, 11, 2))
    pay(session, cobbler, concierge, amount_cents=600)
    months = payouts.provider_accounts(session, cobbler, default_rate_bp=DEFAULT_RATE)
    assert [(m.first_day, m.net_cents, m.paid_cents, m.owed_cents) for m in months] == [
        (NOVEMBER, 1_665, 600, 1_065),
        (OCTOBER, 3_330, 3_330, 0),
    ]
    assert payouts.paid_in_month(session, NOVEMBER) == {cobbler.id: 600}
    assert payouts.paid_in_month(session, OCTOBER) == {cobbler.id: 3_330}
    owed = payouts.owed_across_months(session, default_rate_bp=DEFAULT_RATE)
    assert [(o.provider, o.owed_cents, [m.first_day for m in o.months]) for o in owed] == [
        (cobbler, 1_065, [NOVEMBER]),
        (ironing, 675, [NOVEMBER]),
    ]


def test_a_settled_provider_is_not_in_what_is_owed(session, sales, concierge):
    cobbler, ironing = sales
    pay(session, ironing, concierge, amount_cents=675)
    owed = payouts.owed_across_months(session, default_rate_bp=DEFAULT_RATE)
    assert [(o.provider, o.owed_cents) for o in owed] == [(cobbler, 1_665 + 3_330)]


def test_the_net_due_is_the_month_reports(session, sales):
    """The payouts' figures and the month's page never disagree, rates and rounding included."""
    for month in (OCTOBER, NOVEMBER):
        report = reports.month_report(
            session, month, default_rate_bp=DEFAULT_RATE, cost_cents=260_000
        )
        for row in report.providers:
            assert account(session, row.provider, month).net_cents == row.net_cents
