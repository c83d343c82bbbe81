"""/api/v1: the same service layer as the HTML pages, spoken in JSON."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import date, timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from conciergerie.accounts import limits
from conciergerie.accounts import service as accounts
from conciergerie.api import serializers
from conciergerie.api import service as tokens
from conciergerie.api.errors import ApiError, idempotency_mismatch, replay_response, replayed
from conciergerie.api.openapi import build_spec
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
from conciergerie.orders import quotes
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.payments.checkout import open_checkout
from conciergerie.payments.gateway import get_gateway, order_settings
from conciergerie.rounds import service as rounds
from conciergerie.security import is_valid_id
from conciergerie.slots import service as slots
from conciergerie.timeutils import local_date, start_of_local_day

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)
csrf.exempt(bp)  # no cookies here: every call carries its bearer token

MAX_SLOT_RANGE_DAYS = 62


bp.register_error_handler(orders.RequestReplayed, replayed)


def token_required(view):
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

    return wrapped


def _storable(value: object) -> bool:
    """No NUL and no lone surrogate anywhere: the database could not store them."""
    if isinstance(value, str):
        return "\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


def _json_object() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", _("Le corps de la requête doit être un objet JSON."))
    if not _storable(data):
        raise ApiError(
            400, "bad_request", _("Le corps de la requête contient un caractère invalide.")
        )
    return data


def _int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, "invalid", _("Un nombre entier est attendu."), field)
    return value


# Authentication ---------------------------------------------------------------------------------


@bp.post("/auth/token")
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
def create_token():
    data = _json_object()
    email, password = data.get("email"), data.get("password")
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > 1024:
        raise ApiError(422, "invalid", _("E-mail et mot de passe sont attendus."), "email")
    user = accounts.authenticate(db.session, email, password, now=utcnow())
    if user is None:
        limits.wrong_password()
        log.warning("failed API sign-in for account %s", limits.pseudonym(email))
        raise ApiError(401, "invalid_credentials", _("Adresse e-mail ou mot de passe incorrect."))
    token = tokens.issue_token(db.session, user, now=utcnow())
    return jsonify(token=token, token_type="Bearer")


@bp.delete("/auth/token")
@token_required
def revoke_token():
    tokens.revoke(g.api_token, now=utcnow())
    return "", 204


# Catalogue and slots ----------------------------------------------------------------------------


@bp.get("/providers")
def providers():
    rows = db.session.scalars(
        sa.select(Provider)
        .where(Provider.is_active)
        .options(selectinload(Provider.offers), selectinload(Provider.category))
        .order_by(Provider.name)
    )
    return jsonify(
        providers=[serializers.provider(p, [o for o in p.offers if o.is_active]) for p in rows]
    )


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "invalid", _("Date attendue au format AAAA-MM-JJ."), name) from None
    if not date(2000, 1, 1) <= value <= date(2100, 12, 31):
        raise ApiError(422, "invalid", _("Date hors des limites (2000–2100)."), name)
    return value


@bp.get("/slots")
def list_slots():
    kind = request.args.get("kind", "dropoff")
    if kind not in ("dropoff", "pickup"):
        raise ApiError(422, "invalid", _("« kind » vaut dropoff ou pickup."), "kind")
    now = utcnow()
    today = local_date(now)
    start = _date_arg("from", today)
    end = _date_arg("to", start + timedelta(days=14))
    if end < start:
        raise ApiError(422, "invalid", _("« to » doit suivre « from »."), "to")
    if (end - start).days > MAX_SLOT_RANGE_DAYS:
        raise ApiError(
            422, "invalid", _("Au plus %(n)d jours à la fois.", n=MAX_SLOT_RANGE_DAYS), "to"
        )
    # Both uses take places in the same slots: open means in the future with a place left.
    found = slots.open_slots(
        db.session,
        after=max(now, start_of_local_day(start)),
        until=start_of_local_day(end + timedelta(days=1)),
    )
    return jsonify(slots=[serializers.slot(s) for s in found])


# Orders -----------------------------------------------------------------------------------------


def _fingerprint(data: dict) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def _requested_lines(data: dict) -> list[orders.RequestedLine]:
    raw = data.get("lines")
    if not isinstance(raw, list) or not raw:
        raise ApiError(422, "invalid", _("Au moins une ligne est attendue."), "lines")
    if len(raw) > 30:
        raise ApiError(422, "invalid", _("Trente lignes au plus."), "lines")
    lines = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ApiError(422, "invalid", _("Chaque ligne est un objet."), f"lines[{index}]")
        offer_id = _int(item.get("offer_id"), f"lines[{index}].offer_id")
        quantity = _int(item.get("quantity"), f"lines[{index}].quantity")
        offer = db.session.get(Offer, offer_id) if is_valid_id(offer_id) else None
        if offer is None:
            raise ApiError(422, "invalid", _("Offre inconnue."), f"lines[{index}].offer_id")
        lines.append(orders.RequestedLine(offer, quantity))
    return lines


def _slot(data: dict, field: str, *, required: bool) -> DeskSlot | None:
    value = data.get(field)
    if value is None and not required:
        return None
    slot_id = _int(value, field)
    slot = db.session.get(DeskSlot, slot_id) if is_valid_id(slot_id) else None
    if slot is None:
        raise ApiError(422, "invalid", _("Créneau inconnu."), field)
    return slot


@bp.post("/orders")
@token_required
def create_order():
    user = g.api_user
    if not user.is_customer:  # refused before anything else is looked at
        raise ApiError(
            403, "forbidden", _("Seuls les habitant·es et salarié·es de La Grappe commandent.")
        )
    data = _json_object()
    key = request.headers.get("Idempotency-Key")
    fingerprint = _fingerprint(data)
    if key is not None:
        if not 1 <= len(key) <= 100:
            raise ApiError(
                422, "invalid", _("Idempotency-Key : 1 à 100 caractères."), "Idempotency-Key"
            )
        existing = orders.find_by_idempotency_key(db.session, user, key)
        if existing is not None:
            return _replay(existing, fingerprint)

    payment = data.get("payment", "desk")
    if not isinstance(payment, str) or payment not in {m.value for m in PaymentMethod}:
        raise ApiError(422, "invalid", _("« payment » vaut desk ou online."), "payment")
    note = data.get("note", "")
    if not isinstance(note, str):
        raise ApiError(422, "invalid", _("La note est un texte."), "note")
    order = orders.place_order(
        db.session,
        customer=user,
        lines=_requested_lines(data),
        dropoff_slot=_slot(data, "dropoff_slot_id", required=False),
        pickup_slot=_slot(data, "pickup_slot_id", required=True),
        note=note,
        payment=PaymentMethod(payment),
        now=utcnow(),
        settings=order_settings(),
        idempotency_key=key,
        idempotency_fingerprint=fingerprint if key else None,
    )
    checkout_url = _start_checkout(order) if order.payment_method is PaymentMethod.ONLINE else None
    body = serializers.order(order)
    if checkout_url is not None:
        body["checkout_url"] = checkout_url
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/orders/{order.id}"
    return response


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
    if order is None or not order.can_view(g.api_user):
        raise ApiError(404, "not_found", _("Commande introuvable."))
    return order


@bp.get("/orders/<id:order_id>")
@token_required
def get_order(order_id: int):
    return jsonify(serializers.order(_own_order(order_id)))


@bp.post("/orders/<id:order_id>/cancel")
@token_required
def cancel_order(order_id: int):
    order = _own_order(order_id)
    payments.cancel_and_refund(
        db.session, order, actor=g.api_user, gateway=get_gateway(), now=utcnow()
    )
    return jsonify(serializers.order(order))


# What the customer may answer to a price proposed for a line on quote.
QUOTE_ANSWERS = {"accept": quotes.accept, "decline": quotes.decline}


@bp.post("/orders/<id:order_id>/lines/<id:line_id>/quote")
@token_required
def answer_quote(order_id: int, line_id: int):
    """The customer accepts or declines the price proposed for a line on quote. Only the
    customer answers (the concierge, who may read the order, gets a 403)."""
    order = _own_order(order_id)
    line = db.session.get(OrderLine, line_id)
    if line is None or line.order_id != order.id:
        raise ApiError(404, "not_found", _("Cet article n'est pas dans la commande."))
    if order.customer_id != g.api_user.id:
        raise ApiError(403, "forbidden", _("Seul·e le ou la client·e répond au devis."))
    answer = _json_object().get("answer")
    if not isinstance(answer, str) or answer not in QUOTE_ANSWERS:
        raise ApiError(422, "invalid", _("Réponse attendue : accept ou decline."), "answer")
    QUOTE_ANSWERS[answer](db.session, line, actor=g.api_user, now=utcnow())
    return jsonify(serializers.order(order))


# Pickup rounds (the volunteers' phone view) -----------------------------------------------------

# What the volunteer says they did, for each kind of item.
TAPS = {"dropped": RoundAction.DROP, "collected": RoundAction.COLLECT}
DAY_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _round_staff() -> None:
    """Rounds are the volunteers' and the concierge's business only."""
    if g.api_user.role not in (Role.VOLUNTEER, Role.CONCIERGE):
        raise ApiError(
            403, "forbidden", _("Les tournées sont réservées aux volontaires et à la conciergerie.")
        )


def _day_arg() -> date:
    """`?date=YYYY-MM-DD`, today (Paris) by default; a malformed date is a 400."""
    raw = request.args.get("date")
    if raw is None:
        return local_date(utcnow())
    try:
        # fromisoformat also takes "20261126" or "2026-W48-4": hold it to the documented form.
        if not DAY_FORMAT.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            400, "bad_request", _("Date invalide : attendu AAAA-MM-JJ."), "date"
        ) from None


@bp.get("/rounds")
@token_required
def list_rounds():
    _round_staff()
    user = g.api_user
    day = _day_arg()
    found = rounds.rounds_of_day(
        db.session, day, volunteer=user if user.role is Role.VOLUNTEER else None
    )
    return jsonify(rounds=[serializers.pickup_round(r) for r in found])


@bp.post("/rounds/<id:round_id>/stops/<id:stop_id>/items/<id:item_id>")
@token_required
def mark_round_item(round_id: int, stop_id: int, item_id: int):
    _round_staff()
    user = g.api_user
    item = db.session.get(RoundItem, item_id)
    if item is None or item.stop_id != stop_id or item.stop.round_id != round_id:
        raise ApiError(404, "not_found", _("Élément de tournée introuvable."))
    if not rounds.may_act_on(user, item.stop.round):
        raise ApiError(403, "forbidden", _("Cette tournée n'est pas la vôtre."))
    action = _json_object().get("action")
    if not isinstance(action, str) or action not in TAPS:
        raise ApiError(422, "invalid", _("« action » vaut dropped ou collected."), "action")
    if TAPS[action] is not item.action:
        message = (
            _("Cet article est à déposer chez le prestataire, pas à reprendre.")
            if item.action is RoundAction.DROP
            else _("Cet article est à reprendre chez le prestataire, pas à déposer.")
        )
        raise ApiError(422, "action_mismatch", message, "action")
    # An order not where the tap says it goes next (not yet dropped off at the desk…) is a
    # 409 (InvalidTransition); a line back at the desk mails the customer once committed.
    changed = rounds.mark_item(db.session, item, actor=user, now=utcnow())
    return jsonify({**serializers.round_item(item), "repeated": not changed})


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
