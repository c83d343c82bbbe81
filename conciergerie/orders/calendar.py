"""The order's desk slots as an iCalendar file, for the customer's phone calendar."""

from __future__ import annotations

from flask_babel import gettext as _
from icalendar import Calendar, Event

from conciergerie.models import Order


def order_calendar(order: Order, *, desk_address: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Et voila Gambetta//conciergerie//FR")
    calendar.add("version", "2.0")
    visits = []
    if order.dropoff_slot is not None:
        visits.append(
            ("dropoff", order.dropoff_slot, _("Dépôt au comptoir — %(code)s", code=order.code))
        )
    visits.append(
        ("pickup", order.pickup_slot, _("Retrait au comptoir — %(code)s", code=order.code))
    )
    for kind, slot, summary in visits:
        moves = [e for e in order.events if e.note_key == f"{kind}_moved"]
        event = Event()
        event.add("uid", f"order-{order.id}-{kind}@etvoila-gambetta")
        # A slot moved: the same event, a higher sequence, so a calendar updates it in place.
        event.add("dtstamp", moves[-1].at if moves else order.placed_at)
        event.add("sequence", len(moves))
        event.add("dtstart", slot.starts_at)
        event.add("dtend", slot.ends_at)
        event.add("summary", summary)
        event.add("location", desk_address)
        event.add(
            "description", ", ".join(f"{line.quantity} × {line.name}" for line in order.lines)
        )
        calendar.add_component(event)
    return calendar.to_ical()
