"""Objects as the API shows them (the OpenAPI document describes exactly these shapes)."""

from __future__ import annotations

from datetime import datetime

from conciergerie.models import DeskSlot, Offer, Order, Provider
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


def order(item: Order) -> dict:
    return {
        "id": item.id,
        "code": item.code,
        "status": item.status.value,
        "payment": item.payment_method.value,
        "lines": [
            {
                "offer_id": line.offer_id,
                "name": line.name,
                "unit": line.unit,
                "unit_price_cents": line.unit_price_cents,
                "quantity": line.quantity,
                "total_cents": line.total_cents,
            }
            for line in item.lines
        ],
        "subtotal_cents": item.subtotal_cents,
        "fee_cents": item.fee_cents,
        "total_cents": item.total_cents,
        "dropoff_slot": slot_ref(item.dropoff_slot),
        "pickup_slot": slot_ref(item.pickup_slot),
        "note": item.note,
        "placed_at": iso(item.placed_at),
        "cancellable_until": iso(item.cancellable_until),
    }
