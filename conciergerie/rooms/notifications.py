"""Mails about bookings of rooms: to the requester when their booking is confirmed, declined or
cancelled by the concierge; to the concierge when a request waits, or when bookings were
cancelled because their requester erased their account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from conciergerie.mail import external_url, send_templated
from conciergerie.models import Booking, User


def _context(booking: Booking) -> dict[str, object]:
    return {
        "booking": booking,
        "space": booking.space,
        "booking_url": external_url("rooms.booking", booking_id=booking.id),
    }


def send_requester_left(concierge: User, bookings: list[Booking]) -> None:
    """Tell a concierge which bookings to come were cancelled because their requester erased
    their account (without naming them: the company, the space, the time)."""
    send_templated(
        concierge,
        "booking_requester_left",
        _l("Réservations de salles annulées : un compte a été supprimé"),
        bookings=bookings,
        manage_urls={b.id: external_url("rooms.manage_booking", booking_id=b.id) for b in bookings},
    )


def send_confirmed(booking: Booking) -> None:
    send_templated(
        booking.requester,
        "booking_confirmed",
        _l("Réservation confirmée : %(space)s", space=booking.space.name),
        **_context(booking),
    )


def send_declined(booking: Booking) -> None:
    send_templated(
        booking.requester,
        "booking_declined",
        _l("Réservation refusée : %(space)s", space=booking.space.name),
        **_context(booking),
    )


def send_cancelled(booking: Booking) -> None:
    send_templated(
        booking.requester,
        "booking_cancelled",
        _l("Réservation annulée : %(space)s", space=booking.space.name),
        **_context(booking),
    )


def send_requested(booking: Booking, concierge: User) -> None:
    send_templated(
        concierge,
        "booking_requested",
        _l("Demande de réservation : %(space)s", space=booking.space.name),
        manage_url=external_url("rooms.manage_booking", booking_id=booking.id),
        **_context(booking),
    )
