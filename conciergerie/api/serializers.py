"""Objects as the API shows them (the OpenAPI document describes exactly these shapes)."""

from __future__ import annotations

from datetime import date, datetime

from conciergerie.models import (
    DeskSlot,
    Offer,
    Order,
    OrderLine,
    PickupRound,
    Provider,
    RoundItem,
    RoundStop,
)
from conciergerie.rounds.service import provider_opening
from conciergerie.timeutils import PARIS


def iso(moment: datetime) -> str:
    """ISO 8601 with the desk's offset: "2026-11-26T08:00:00+01:00"."""
    return moment.astimezone(PARIS).isoformat()


def offer(item: Offer) -> dict:
    return {
        "id": item.id,
        "name": item.name,
        "kind": item.kind.value,
        "price_cents": item.price_cents,
        "unit": item.unit,
        "turnaround_days": item.turnaround_days,
    }


def provider(item: Provider, offers: list[Offer]) -> dict:
    return {
        "id": item.id,
        "slug": item.slug,
        "name": item.name,
        "category": item.category.slug,
        "address": item.address,
        "offers": [offer(o) for o in offers],
    }


def slot(item: DeskSlot) -> dict:
    return {
        "id": item.id,
        "starts_at": iso(item.starts_at),
        "ends_at": iso(item.ends_at),
        "capacity": item.capacity,
        "remaining": item.remaining,
    }


def slot_ref(item: DeskSlot | None) -> dict | None:
    if item is None:
        return None
    return {"id": item.id, "starts_at": iso(item.starts_at), "ends_at": iso(item.ends_at)}


def quote(line: OrderLine) -> dict | None:
    """A line on quote: where the price stands (None for a fixed-price line)."""
    if line.quote_state is None:
        return None
    return {
        "state": line.quote_state.value,
        "unit_price_cents": line.quoted_unit_price_cents,
        "note": line.quote_note,
        "proposed_at": iso(line.quoted_at) if line.quoted_at else None,
        "answered_at": iso(line.quote_answered_at) if line.quote_answered_at else None,
    }


def order(item: Order) -> dict:
    return {
        "id": item.id,
        "code": item.code,
        "status": item.status.value,
        "payment": item.payment_method.value,
        "lines": [
            {
                "id": line.id,
                "offer_id": line.offer_id,
                "name": line.name,
                "unit": line.unit,
                "unit_price_cents": line.unit_price_cents,
                "quantity": line.quantity,
                "total_cents": line.total_cents,
                "quote": quote(line),
            }
            for line in item.lines
        ],
        "subtotal_cents": item.subtotal_cents,
        "fee_cents": item.fee_cents,
        "total_cents": item.total_cents,
        "balance_due_cents": item.balance_due_cents,
        "dropoff_slot": slot_ref(item.dropoff_slot),
        "pickup_slot": slot_ref(item.pickup_slot),
        "note": item.note,
        "placed_at": iso(item.placed_at),
        "cancellable_until": iso(item.cancellable_until),
    }


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def round_item(item: RoundItem) -> dict:
    """What the volunteer carries: the order's code and note, never the customer's contact."""
    line = item.line
    return {
        "id": item.id,
        "action": item.action.value,
        "order_code": line.order.code,
        "offer": line.name,
        "quantity": line.quantity,
        "note": line.order.note,
        "done_at": iso(item.done_at) if item.done_at is not None else None,
    }


def round_stop(stop: RoundStop, day: date) -> dict:
    place = stop.provider
    return {
        "id": stop.id,
        "position": stop.position,
        "provider": {
            "id": place.id,
            "name": place.name,
            "address": place.address,
            "latitude": place.latitude,
            "longitude": place.longitude,
        },
        "arrive_at": iso(stop.arrive_at),
        "leave_at": iso(stop.leave_at),
        "opening_hours": [
            [_clock(opens), _clock(closes)] for opens, closes in provider_opening(place, day)
        ],
        "items": [round_item(i) for i in stop.items],
    }


def pickup_round(item: PickupRound) -> dict:
    return {
        "id": item.id,
        "day": item.day.isoformat(),
        "volunteer": {"id": item.volunteer.id, "name": item.volunteer.full_name},
        "starts_at": iso(item.starts_at),
        "ends_at": iso(item.ends_at),
        "distance_m": item.distance_m,
        "locked": item.locked,
        "stops": [round_stop(s, item.day) for s in item.stops],
    }
