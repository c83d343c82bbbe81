"""/api/v1: the same service layer as the HTML pages, spoken in JSON.

Each view declares its request, its answer and its refusals (api/contract.py); the OpenAPI
document is generated from these declarations. A request is checked against its schema before
the view runs, after what must come first: the token, then who may call it, then the objects its
path names (a stranger gets a 404 before any remark on the body).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from conciergerie import policy
from conciergerie.accounts import limits
from conciergerie.accounts import service as accounts
from conciergerie.api import schemas
from conciergerie.api import service as tokens
from conciergerie.api.contract import ANY_REQUEST, Blueprint
from conciergerie.api.errors import ApiError
from conciergerie.api.replay import idempotency_mismatch, replay_response, replayed
from conciergerie.extensions import csrf, db, limiter
from conciergerie.models import (
    DeskSlot,
    Offer,
    Order,
    OrderLine,
    PaymentMethod,
    Provider,
    Role,
    RoundAction,
    RoundItem,
    utcnow,
)
from conciergerie.orders import moves, quotes
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.payments.checkout import open_checkout
from conciergerie.payments.gateway import get_gateway, order_settings
from conciergerie.rounds import service as rounds
from conciergerie.slots import service as slots
from conciergerie.timeutils import local_date, start_of_local_day

bp = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="The concierge's services, in JSON."
)
log = logging.getLogger(__name__)
csrf.exempt(bp)  # no cookies here: every call carries its bearer token


bp.register_error_handler(orders.RequestReplayed, replayed)


def token_required(view):
    """The caller's bearer token, checked before anything else (a 401, documented)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        found = (
            tokens.user_for_token(db.session, token.strip(), now=utcnow())
            if scheme.lower() == "bearer"
            else None
        )
        if found is None:
            raise ApiError(401, "unauthorized", _("Jeton d'accès absent, invalide ou révoqué."))
        g.api_user, g.api_token = found
        return view(*args, **kwargs)

    return bp.bearer(wrapped)


def before_the_body(check: Callable[..., dict]):
    """Run `check(**path arguments)` (who may call, which objects the path names: 403, 404)
    before the request is checked against its schema; the view gets what it returns."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **check(**kwargs))

        return wrapped

    return decorator


# Authentication ---------------------------------------------------------------------------------


@bp.route("/auth/token", methods=["POST"])
@limiter.shared_limit(limits.SIGN_IN_PER_ADDRESS, scope="sign-in")
@limiter.shared_limit(
    limits.FAILURES_PER_ACCOUNT_AND_ADDRESS,
    scope="sign-in-failures-here",
    key_func=limits.account_and_address_key,
    deduct_when=limits.failed,
)
@limiter.shared_limit(
    limits.FAILURES_PER_ACCOUNT,
    scope="sign-in-failures",
    key_func=limits.account_key,
    deduct_when=limits.failed,
)
@bp.arguments(schemas.Credentials)
@bp.response(200, schemas.Token, description="A new token, shown once.")
@bp.refusals(
    {
        401: "Wrong e-mail or password (`invalid_credentials`).",
        422: "An e-mail and a password (text) are expected (`invalid`).",
        429: "Too many attempts from this address or for this account (`too_many_requests`).",
    }
)
def create_token(credentials: dict):
    """Exchange an e-mail and password for a bearer token"""
    email, password = credentials["email"], credentials["password"]
    user = accounts.authenticate(db.session, email, password, now=utcnow())
    if user is None:
        limits.wrong_password()
        log.warning("failed API sign-in for account %s", limits.pseudonym(email))
        raise ApiError(401, "invalid_credentials", _("Adresse e-mail ou mot de passe incorrect."))
    return {"token": tokens.issue_token(db.session, user, now=utcnow())}


@bp.route("/auth/token", methods=["DELETE"])
@token_required
@bp.response(204, description="Revoked.")
@bp.refusals({})
def revoke_token():
    """Revoke the token used for this call"""
    tokens.revoke(g.api_token, now=utcnow())
    return current_app.response_class(status=204)


# Catalogue and slots ----------------------------------------------------------------------------


@bp.route("/providers")
@bp.response(200, schemas.Providers, description="The providers.")
@bp.refusals({})
def providers():
    """The catalogue: active providers with their active offers"""
    rows = db.session.scalars(
        sa.select(Provider)
        .where(Provider.is_active)
        .options(selectinload(Provider.offers), selectinload(Provider.category))
        .order_by(Provider.name)
    )
    return {"providers": rows.all()}


@bp.route("/slots")
@bp.arguments(schemas.SlotQuery, location="query")
@bp.response(200, schemas.Slots, description="Open slots, earliest first.")
@bp.refusals(
    {
        422: "`kind`, `from` or `to` is not as documented, `to` is before `from`, or the "
        f"range is longer than {schemas.MAX_SLOT_RANGE_DAYS} days (`invalid`, `field` names it)."
    }
)
def list_slots(query: dict):
    """Desk slots with a place left, for a drop-off or a pickup

    Drop-offs and pickups take places in the same slots, so both kinds list the same open
    slots. Whether a pickup leaves time for the work (turnaround, transport margin, basket
    delivery day) is checked when the order is placed: a 422 on pickup_slot_id says from when.
    """
    # Both uses take places in the same slots: open means in the future with a place left.
    found = slots.open_slots(
        db.session,
        after=max(utcnow(), start_of_local_day(query["start"])),
        until=start_of_local_day(query["end"] + timedelta(days=1)),
    )
    return {"slots": found}


# Orders -----------------------------------------------------------------------------------------


def _fingerprint(data: dict) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def _customer() -> dict:
    if not g.api_user.is_customer:
        raise ApiError(
            403, "forbidden", _("Seuls les habitant·es et salarié·es de La Grappe commandent.")
        )
    return {}


def _requested_lines(lines: list[dict]) -> list[orders.RequestedLine]:
    requested = []
    for index, line in enumerate(lines):
        offer = db.session.get(Offer, line["offer_id"])
        if offer is None:
            raise ApiError(422, "invalid", _("Offre inconnue."), f"lines[{index}].offer_id")
        requested.append(orders.RequestedLine(offer, line["quantity"]))
    return requested


def _slot(slot_id: int | None, field: str) -> DeskSlot | None:
    if slot_id is None:
        return None
    slot = db.session.get(DeskSlot, slot_id)
    if slot is None:
        raise ApiError(422, "invalid", _("Créneau inconnu."), field)
    return slot


@bp.route("/orders", methods=["POST"])
@token_required
@before_the_body(_customer)
@bp.arguments(schemas.OrderRequest)
@bp.arguments(schemas.IdempotencyHeader, location="headers")
@bp.response(
    201,
    schemas.PlacedOrder,
    description="The order (also on a replay of the same Idempotency-Key, with "
    "`Idempotent-Replayed: true`).",
    headers={
        "Location": {"schema": {"type": "string"}, "required": True},
        "Idempotent-Replayed": {"schema": {"const": "true"}},
    },
)
@bp.refusals(
    {
        403: "This account may not order (staff: `forbidden`).",
        409: "A slot is full (`slot_full`), a basket has fewer left for its delivery than "
        "asked (`sold_out`, field `lines[i].quantity`; what subscriptions hold is not for "
        "one-off orders), or the same Idempotency-Key is being used by another request right "
        "now (`idempotency_replay`).",
        422: "Invalid input; `field` names it: a value not as documented, an unknown offer "
        "(`lines[0].offer_id`) or slot, a slot too early for the work, a key already used "
        "for another order (`idempotency_mismatch`). Or a limit of the customer's own orders: "
        "more items in all than an order may hold (`too_many_items`, field `lines`; "
        "MAX_ITEMS_PER_ORDER, 20 unless configured, the lines' quantities added up), or paid "
        "at the desk while the customer already holds as many orders paid at the desk and not "
        "yet dropped off as they may (`too_many_open_orders`, field `payment`; "
        "MAX_OPEN_DESK_ORDERS, 3 unless configured; orders paid online do not count).",
        503: "Online payment is unavailable (`payment_unavailable`), or the database cannot "
        "be reached (`unavailable`).",
    }
)
def create_order(body: dict, headers: dict):
    """Place an order (paid at the desk, or online)"""
    user = g.api_user
    key = headers.get("idempotency_key")
    fingerprint = _fingerprint(request.get_json())
    if key is not None:
        existing = orders.find_by_idempotency_key(db.session, user, key)
        if existing is not None:
            return _replay(existing, fingerprint)
    order = orders.place_order(
        db.session,
        customer=user,
        lines=_requested_lines(body["lines"]),
        dropoff_slot=_slot(body.get("dropoff_slot_id"), "dropoff_slot_id"),
        pickup_slot=_slot(body["pickup_slot_id"], "pickup_slot_id"),
        note=body["note"],
        payment=PaymentMethod(body["payment"]),
        now=utcnow(),
        settings=order_settings(),
        idempotency_key=key,
        idempotency_fingerprint=fingerprint if key else None,
    )
    checkout_url = _start_checkout(order) if order.payment_method is PaymentMethod.ONLINE else None
    placed = schemas.With(order, checkout_url=checkout_url) if checkout_url else order
    return placed, 201, {"Location": f"/api/v1/orders/{order.id}"}


def _start_checkout(order: Order) -> str:
    url = open_checkout(order)
    if url is None:
        raise ApiError(503, "payment_unavailable", _("Le paiement en ligne est indisponible."))
    return url


def _replay(order: Order, fingerprint: str):
    if order.idempotency_fingerprint != fingerprint:
        raise idempotency_mismatch()
    return replay_response(order)


def _own_order(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or not policy.can_view_order(g.api_user, order):
        raise ApiError(404, "not_found", _("Commande introuvable."))
    return order


@bp.route("/orders/<id:order_id>")
@token_required
@bp.response(200, schemas.Order, description="The order.")
@bp.refusals({404: "No such order of the caller's (`not_found`)."})
def get_order(order_id: int):
    """One of the caller's orders"""
    return _own_order(order_id)


@bp.route("/orders/<id:order_id>/cancel", methods=["POST"])
@token_required
@bp.response(200, schemas.Order, description="The cancelled order.")
@bp.refusals(
    {
        403: "Not this account's to cancel (`forbidden`).",
        404: "No such order of the caller's (`not_found`).",
        409: "Too late to cancel (`too_late`), or the order is past the point where it can "
        "be (`invalid_transition`).",
        422: "The refund cannot be made (`payment_error`).",
        502: "The refund was refused by Stripe; nothing changed (`refund_failed`).",
    }
)
def cancel_order(order_id: int):
    """Cancel an order before its drop-off slot starts"""
    order = _own_order(order_id)
    payments.cancel_and_refund(
        db.session, order, actor=g.api_user, gateway=get_gateway(), now=utcnow()
    )
    return order


def _movable_order(order_id: int) -> dict:
    """Customers move their own orders' slots, the concierge any order's; other staff get a
    403, an order not the caller's a 404."""
    if not (g.api_user.is_customer or g.api_user.role is Role.CONCIERGE):
        raise ApiError(
            403, "forbidden", _("Seuls les client·es et la conciergerie changent les créneaux.")
        )
    return {"order": _own_order(order_id)}


@bp.route("/orders/<id:order_id>/slots", methods=["POST"])
@token_required
@before_the_body(_movable_order)
@bp.arguments(schemas.SlotsMove)
@bp.response(200, schemas.Order, description="The order, with its new slots.")
@bp.refusals(
    {
        403: "Not a customer nor the concierge (`forbidden`).",
        404: "No such order of the caller's (`not_found`).",
        409: "A slot is full (`slot_full`), or it is too late (`too_late`): the customer moves "
        "until `cancellable_until`, the concierge before the slot concerned starts; a drop-off "
        "does not move once the items are at the desk; a finished or cancelled order not at all.",
        422: "Invalid input; `field` names it: neither slot given, an unknown slot, a slot "
        "already past, a pickup too early for the work (turnaround, transport margin, basket "
        "delivery day; also when only the drop-off moves later), a drop-off for an order "
        "without one, or the slots the order already has (`invalid`).",
    }
)
def move_order_slots(body: dict, order: Order):
    """Move an order's drop-off and/or pickup to other slots with a place left

    Either or both, as in `POST /orders`. The customer is mailed the new times with the link to
    the updated calendar file (.ics).
    """
    moves.move_slots(
        db.session,
        order,
        g.api_user,
        dropoff_slot=_slot(body.get("dropoff_slot_id"), "dropoff_slot_id"),
        pickup_slot=_slot(body.get("pickup_slot_id"), "pickup_slot_id"),
        now=utcnow(),
        settings=order_settings(),
    )
    return order


# What the customer may answer to a price proposed for a line on quote.
QUOTE_ANSWERS = {"accept": quotes.accept, "decline": quotes.decline}


def _quoted_line(order_id: int, line_id: int) -> dict:
    order = _own_order(order_id)
    line = db.session.get(OrderLine, line_id)
    if line is None or line.order_id != order.id:
        raise ApiError(404, "not_found", _("Cet article n'est pas dans la commande."))
    if order.customer_id != g.api_user.id:
        raise ApiError(403, "forbidden", _("Seul·e le ou la client·e répond au devis."))
    return {"order": order, "line": line}


@bp.route("/orders/<id:order_id>/lines/<id:line_id>/quote", methods=["POST"])
@token_required
@before_the_body(_quoted_line)
@bp.arguments(schemas.QuoteAnswer)
@bp.response(200, schemas.Order, description="The order, with the answer recorded.")
@bp.refusals(
    {
        403: "Not the customer of this order (`forbidden`).",
        404: "No such order of the caller's, or line (`not_found`).",
        409: "No price to answer yet, or already answered (`invalid_transition`).",
        422: "`answer` is neither accept nor decline (`invalid`).",
    }
)
def answer_quote(body: dict, order: Order, line: OrderLine):
    """Accept or decline the price proposed for a line on quote

    Accepted, the price becomes the line's and the totals follow (balance_due_cents: pay at
    the desk, or online on the website); declined, the item comes back free. Only the customer
    answers (the concierge, who may read the order, gets a 403).
    """
    QUOTE_ANSWERS[body["answer"]](db.session, line, actor=g.api_user, now=utcnow())
    return order


# Pickup rounds (the volunteers' phone view) -----------------------------------------------------

# What the volunteer says they did, for each kind of item.
TAPS = {"dropped": RoundAction.DROP, "collected": RoundAction.COLLECT}


def _round_staff(**path: int) -> dict:
    """Rounds are the volunteers' and the concierge's business only."""
    if not policy.can_work_on_rounds(g.api_user):
        raise ApiError(
            403, "forbidden", _("Les tournées sont réservées aux volontaires et à la conciergerie.")
        )
    return path


@bp.route("/rounds")
@token_required
@before_the_body(_round_staff)
@bp.arguments(schemas.RoundsQuery, location="query", error_status_code=400)
@bp.response(
    200, schemas.Rounds, description="The rounds, earliest first, with their stops in order."
)
@bp.refusals(
    {
        400: "The date is not YYYY-MM-DD (`bad_request`, `field`: date).",
        403: "Not a volunteer nor the concierge (`forbidden`).",
    }
)
def list_rounds(query: dict):
    """The pickup rounds of a day

    A volunteer sees their own rounds; the concierge sees all of them. Other accounts get a 403.
    """
    user = g.api_user
    day = query.get("date") or local_date(utcnow())
    found = rounds.rounds_of_day(
        db.session, day, volunteer=user if user.role is Role.VOLUNTEER else None
    )
    return {"rounds": found}


def _round_item(round_id: int, stop_id: int, item_id: int) -> dict:
    _round_staff()
    item = db.session.get(RoundItem, item_id)
    if item is None or item.stop_id != stop_id or item.stop.round_id != round_id:
        raise ApiError(404, "not_found", _("Élément de tournée introuvable."))
    if not policy.can_act_on_round(g.api_user, item.stop.round):
        raise ApiError(403, "forbidden", _("Cette tournée n'est pas la vôtre."))
    return {"item": item}


@bp.route("/rounds/<id:round_id>/stops/<id:stop_id>/items/<id:item_id>", methods=["POST"])
@token_required
@before_the_body(_round_item)
@bp.arguments(schemas.RoundTap)
@bp.response(200, schemas.RoundItemTapped, description="The item, as recorded.")
@bp.refusals(
    {
        403: "Not the round's volunteer nor the concierge (`forbidden`).",
        404: "No such item in that stop, or no such stop in that round (`not_found`).",
        409: "The order is not ready for it, e.g. not dropped off at the desk yet "
        "(`invalid_transition`).",
        422: "`action` is neither dropped nor collected (`invalid`), or does not match the "
        "item (`action_mismatch`).",
    }
)
def mark_round_item(body: dict, item: RoundItem):
    """Record that an item was dropped at its provider or collected

    The order moves on (a drop puts the line at the provider, a collect brings it back to the
    desk and, with its last line, mails the customer). A repeated tap, such as a retry after a
    lost connection, changes nothing and answers `repeated: true`.
    """
    if TAPS[body["action"]] is not item.action:
        message = (
            _("Cet article est à déposer chez le prestataire, pas à reprendre.")
            if item.action is RoundAction.DROP
            else _("Cet article est à reprendre chez le prestataire, pas à déposer.")
        )
        raise ApiError(422, "action_mismatch", message, "action")
    # An order not where the tap says it goes next (not yet dropped off at the desk…) is a
    # 409 (InvalidTransition); a line back at the desk mails the customer once committed.
    changed = rounds.mark_item(db.session, item, actor=g.api_user, now=utcnow())
    return schemas.With(item, repeated=not changed)


@bp.route("/openapi.json")
@bp.response(
    200,
    {"type": "object"},
    description="This document, generated from the API's own declarations.",
)
@bp.refusals({}, common={status: ANY_REQUEST[status] for status in (400, 413)})
def openapi():
    """The OpenAPI 3.1 document of this API"""
    return current_app.response_class(
        current_app.extensions["api_document"], mimetype="application/json"
    )
