"""What a booking costs and charges (pure functions)."""

from types import SimpleNamespace

from conciergerie.models import BookingStatus
from conciergerie.rooms import pricing

PRICES = (1500, 5000, 9000)  # hour, half-day, day


def test_the_cheapest_of_hours_half_day_and_day():
    assert pricing.price_for(PRICES, 60) == 1500
    assert pricing.price_for(PRICES, 61) == 3000  # each hour begun
    assert pricing.price_for(PRICES, 4 * 60) == 5000  # 6,000 by the hour: the half-day
    assert pricing.price_for(PRICES, 5 * 60) == 7500  # past four hours: no half-day
    assert pricing.price_for(PRICES, 8 * 60) == 9000  # the day
    assert pricing.price_for((1500, 0, 0), 8 * 60) == 12000  # let by the hour only


def test_the_quota_is_taken_first_and_only_the_rest_is_priced():
    assert pricing.quote(PRICES, 120, quota_left_minutes=180) == pricing.Quote(120, 0)
    assert pricing.quote(PRICES, 180, quota_left_minutes=60) == pricing.Quote(60, 3000)
    assert pricing.quote(PRICES, 60, quota_left_minutes=0) == pricing.Quote(0, 1500)


def _booking(status, price=3000, charged=False, paid=False, refunded=False):
    return SimpleNamespace(
        status=status,
        price_cents=price,
        cancellation_charged=charged,
        paid_at=paid or None,
        refunded_at=refunded or None,
    )


def test_what_a_booking_charges_follows_its_state():
    assert pricing.charge(_booking(BookingStatus.REQUESTED, None)).amount_cents is None
    assert pricing.charge(_booking(BookingStatus.CONFIRMED)).balance_due_cents == 3000
    assert pricing.charge(_booking(BookingStatus.DECLINED)).amount_cents == 0
    assert pricing.charge(_booking(BookingStatus.CANCELLED)).amount_cents == 0
    late = pricing.charge(_booking(BookingStatus.CANCELLED, charged=True))
    assert (late.state, late.amount_cents) == (pricing.ChargeState.CHARGED, 3000)
    paid = pricing.charge(_booking(BookingStatus.CONFIRMED, paid=True))
    assert (paid.paid_cents, paid.balance_due_cents) == (3000, 0)
    refund = pricing.charge(_booking(BookingStatus.CANCELLED, paid=True))
    assert refund.refund_due_cents == 3000  # paid, then cancelled in time: owed back
    given = pricing.charge(_booking(BookingStatus.CANCELLED, paid=True, refunded=True))
    assert (given.refund_due_cents, given.kept_cents) == (0, 0)
