"""What a booking costs and what it charges: pure functions, no database, no clock.

- A booking is priced from its space's prices for the booker's kind (member company, district
  association, anyone else): by the hour (each hour begun), or the half-day price for up to
  four hours, or the day price — whichever is cheapest.
- A member company's bookings first use the hours its subscription includes that month
  (`RoomQuota`); only the minutes beyond are priced, at the member price.
- What a booking charges follows its state, as an order's ledger does: a confirmed booking
  its price; a request nothing yet (the price is to come); a declined booking or one cancelled
  in time nothing; one cancelled after the free-cancellation deadline its whole price.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from conciergerie.models import Booking, BookingStatus

HALF_DAY_MINUTES = 4 * 60


def price_for(prices: tuple[int, int, int], minutes: int) -> int:
    """The cheapest of: each hour begun, the half-day (up to four hours), the day; in cents.
    A half-day or day price of 0 means the space is not let that way."""
    if minutes <= 0:
        return 0
    hour, half_day, day = prices
    candidates = [math.ceil(minutes / 60) * hour]
    if half_day > 0 and minutes <= HALF_DAY_MINUTES:
        candidates.append(half_day)
    if day > 0:
        candidates.append(day)
    return min(candidates)


@dataclass(frozen=True)
class Quote:
    included_minutes: int  # taken from the company's quota of the month
    price_cents: int  # for the minutes beyond


def quote(prices: tuple[int, int, int], minutes: int, *, quota_left_minutes: int = 0) -> Quote:
    """The price of `minutes` at `prices`, the quota's minutes left taken off first."""
    included = max(0, min(minutes, quota_left_minutes))
    return Quote(included_minutes=included, price_cents=price_for(prices, minutes - included))


class ChargeState(enum.StrEnum):
    PRICE_TO_COME = "price_to_come"  # a request: priced when confirmed
    CHARGED = "charged"  # confirmed, or cancelled too late
    NOT_CHARGED = "not_charged"  # declined, or cancelled in time


@dataclass(frozen=True)
class BookingCharge:
    """A booking's ledger: what it charges, what was paid, what is due."""

    state: ChargeState
    amount_cents: int | None  # None while the price is to come
    paid_cents: int
    refunded_cents: int = 0

    @property
    def kept_cents(self) -> int:
        return self.paid_cents - self.refunded_cents

    @property
    def balance_due_cents(self) -> int:
        return max((self.amount_cents or 0) - self.kept_cents, 0)

    @property
    def refund_due_cents(self) -> int:
        return max(self.kept_cents - (self.amount_cents or 0), 0)


def charge(booking: Booking) -> BookingCharge:
    """What `booking` charges now (see the module's docstring). A payment recorded at the desk
    pays the price the booking had then (`paid_at`); what was owed back was given back at the
    desk (`refunded_at`)."""
    paid = (booking.price_cents or 0) if booking.paid_at is not None else 0
    refunded = paid if booking.refunded_at is not None else 0
    if booking.status is BookingStatus.REQUESTED:
        return BookingCharge(ChargeState.PRICE_TO_COME, None, paid, refunded)
    if booking.status is BookingStatus.CONFIRMED or booking.cancellation_charged:
        return BookingCharge(ChargeState.CHARGED, booking.price_cents or 0, paid, refunded)
    return BookingCharge(ChargeState.NOT_CHARGED, 0, paid, refunded)
