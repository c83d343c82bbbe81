"""The contract of /api/v1, declared once: what each request may carry and what each answer
holds. The views validate requests and shape answers with these schemas, and the OpenAPI
document at /api/v1/openapi.json is generated from them (api/document.py).

Request fields speak French when they refuse a value (the API's error format names the field,
see api/document.py); unknown fields of a body are ignored, as the document says.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, post_load, validate

from conciergerie import models
from conciergerie.api.errors import ApiError
from conciergerie.models import (
    OfferKind,
    OrderStatus,
    PaymentMethod,
    QuoteState,
    RoundAction,
    utcnow,
)
from conciergerie.models.orders import MAX_LINE_QUANTITY
from conciergerie.payments import ledger
from conciergerie.rounds.service import provider_opening
from conciergerie.security import MAX_ID
from conciergerie.timeutils import PARIS, local_date

MAX_SLOT_RANGE_DAYS = 62
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
DAY_PATTERN = "^(20[0-9][0-9]|2100)-[0-9][0-9]-[0-9][0-9]$"  # the years of FIRST_DAY to LAST_DAY

# Fields -----------------------------------------------------------------------------------------

REFUSED = {
    "required": _l("Ce champ est requis."),
    "null": _l("Ce champ ne peut pas être null."),
    "validator_failed": _l("Valeur invalide."),
}


class Int(fields.Integer):
    """A JSON integer (5, or 5.0 as JSON Schema counts it), not a string of digits nor a
    boolean."""

    default_error_messages = {
        **REFUSED,
        "invalid": _l("Un nombre entier est attendu."),
        "too_large": _l("Nombre trop grand."),
    }

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: object) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


class Id(Int):
    """A row id: 1 to 2³¹−1 (a PostgreSQL INTEGER key); whether the row exists is the view's
    business (a 422 naming the field)."""

    def __init__(self, unknown: str, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ID, error=unknown), **kwargs)


def storable(text: str) -> bool:
    """No NUL and no lone surrogate: the database could not store them."""
    return "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


class Text(fields.String):
    """A text. One with NUL or a lone surrogate, which the database cannot store, makes the
    request a 400 (`bad_request`); the document excludes NUL (JSON Schema cannot say the other)."""

    default_error_messages = {**REFUSED, "invalid": _l("Un texte est attendu.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", "^[^\\x00]*$")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not storable(text):
            message = _("Le corps de la requête contient un caractère invalide.")
            raise ApiError(400, "bad_request", message, self.data_key or self.name)
        return text


class Day(fields.Date):
    """A day written YYYY-MM-DD, and only so (not 20261126 nor 2026-W48-4, which Python also
    reads), between 2000 and 2100."""

    default_error_messages = {**REFUSED, "invalid": _l("Date attendue au format AAAA-MM-JJ.")}

    def __init__(self, **kwargs):
        bounds = validate.Range(
            min=FIRST_DAY, max=LAST_DAY, error=_l("Date hors des limites (2000–2100).")
        )
        kwargs.setdefault("metadata", {}).setdefault("pattern", DAY_PATTERN)
        super().__init__(validate=bounds, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if not isinstance(value, str) or len(value) != 10 or value[4] + value[7] != "--":
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Items(fields.List):
    default_error_messages = {**REFUSED, "invalid": _l("Une liste est attendue.")}


class Moment(fields.DateTime):
    """An instant, shown in ISO 8601 with the desk's offset: "2026-11-26T08:00:00+01:00"."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs) -> str | None:
        return None if value is None else value.astimezone(PARIS).isoformat()


CLOCK = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "examples": ["09:00"]}


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class Body(ma.Schema):
    """A request body: a JSON object whose unknown fields are ignored."""

    error_messages = {"type": _l("Un objet JSON est attendu."), "unknown": _l("Champ inconnu.")}

    class Meta:
        unknown = ma.EXCLUDE


class Query(Body):
    """Query-string or header parameters (unknown ones are ignored)."""


# Errors -----------------------------------------------------------------------------------------


class ErrorDetail(ma.Schema):
    code = fields.String(required=True, metadata={"examples": ["slot_full"]})
    message = fields.String(required=True, metadata={"description": "For a person to read."})
    field = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The input at fault: a body field (`lines[0].offer_id`), a query "
            "parameter or a header; null when none is.",
            "examples": ["lines[0].quantity"],
        },
    )


class Error(ma.Schema):
    """Every refusal of the API, whatever its status."""

    error = fields.Nested(ErrorDetail, required=True)


# Requests ---------------------------------------------------------------------------------------


class Credentials(Body):
    email = Text(required=True)
    password = Text(
        required=True,
        validate=validate.Length(max=1024, error=_l("Mot de passe trop long.")),
    )


class RequestedLine(Body):
    offer_id = Id(required=True, unknown=_l("Offre inconnue."))
    quantity = Int(
        required=True,
        validate=validate.Range(
            min=1, max=MAX_LINE_QUANTITY, error=_l("Entre 1 et %(max)d.", max=MAX_LINE_QUANTITY)
        ),
        metadata={
            "description": 'Items of this offer (a basket is one, a "lot de 5" is one). The '
            "order holds MAX_ITEMS_PER_ORDER items at most in all (20 unless configured): more "
            "is a 422 `too_many_items`."
        },
    )


class OrderRequest(Body):
    lines = Items(
        fields.Nested(RequestedLine),
        required=True,
        metadata={
            "description": "Lines of the same offer are added up into one line of the order."
        },
        validate=[
            validate.Length(min=1, error=_l("Au moins une ligne est attendue.")),
            validate.Length(max=30, error=_l("Trente lignes au plus.")),
        ],
    )
    dropoff_slot_id = Id(
        allow_none=True,
        unknown=_l("Créneau inconnu."),
        metadata={"description": "Required when a line is a service; null for baskets only."},
    )
    pickup_slot_id = Id(required=True, unknown=_l("Créneau inconnu."))
    note = Text(
        load_default="",
        validate=validate.Length(max=500, error=_l("La note fait au plus 500 caractères.")),
    )
    payment = Text(
        load_default=PaymentMethod.DESK.value,
        validate=validate.OneOf(
            [m.value for m in PaymentMethod], error=_l("« payment » vaut desk ou online.")
        ),
        metadata={
            "description": "online (with Stripe configured): the answer has checkout_url",
            "default": PaymentMethod.DESK.value,
        },
    )


class SlotsMove(Body):
    """Another drop-off and/or pickup slot for an order: either or both."""

    dropoff_slot_id = Id(
        allow_none=True,
        unknown=_l("Créneau inconnu."),
        metadata={"description": "The new drop-off slot; null or absent: unchanged."},
    )
    pickup_slot_id = Id(
        allow_none=True,
        unknown=_l("Créneau inconnu."),
        metadata={"description": "The new pickup slot; null or absent: unchanged."},
    )

    @ma.validates_schema
    def _one_at_least(self, data: dict, **_kwargs) -> None:
        if data.get("dropoff_slot_id") is None and data.get("pickup_slot_id") is None:
            raise ma.ValidationError(
                _("Indiquez dropoff_slot_id, pickup_slot_id ou les deux."), "pickup_slot_id"
            )


class IdempotencyHeader(Query):
    idempotency_key = Text(
        data_key="Idempotency-Key",
        validate=validate.Length(min=1, max=100, error=_l("Idempotency-Key : 1 à 100 caractères.")),
        metadata={"description": "A retry with the same key returns the same order."},
    )


class SlotQuery(Query):
    kind = Text(
        load_default="dropoff",
        validate=validate.OneOf(
            ["dropoff", "pickup"], error=_l("« kind » vaut dropoff ou pickup.")
        ),
    )
    start = Day(data_key="from", metadata={"description": "Today (Paris) by default."})
    end = Day(data_key="to", metadata={"description": "Two weeks after `from` by default."})

    @post_load
    def _range(self, data: dict, **_kwargs) -> dict:
        """Fill in the defaults and hold the range to MAX_SLOT_RANGE_DAYS days."""
        start = data.setdefault("start", local_date(utcnow()))
        end = data.setdefault("end", start + timedelta(days=14))
        if end < start:
            raise ma.ValidationError(_("« to » doit suivre « from »."), "to")
        if (end - start).days > MAX_SLOT_RANGE_DAYS:
            raise ma.ValidationError(
                _("Au plus %(n)d jours à la fois.", n=MAX_SLOT_RANGE_DAYS), "to"
            )
        return data


class QuoteAnswer(Body):
    answer = Text(
        required=True,
        validate=validate.OneOf(
            ["accept", "decline"], error=_l("Réponse attendue : accept ou decline.")
        ),
    )


class RoundsQuery(Query):
    date = Day(metadata={"description": "YYYY-MM-DD; today in Europe/Paris by default."})


class RoundTap(Body):
    action = Text(
        required=True,
        validate=validate.OneOf(
            ["dropped", "collected"], error=_l("« action » vaut dropped ou collected.")
        ),
        metadata={"description": "dropped for a drop item, collected for a collect item."},
    )


# Answers ----------------------------------------------------------------------------------------


class Token(ma.Schema):
    token = fields.String(required=True, metadata={"description": "Shown once."})
    token_type = fields.Constant(
        "Bearer", required=True, metadata={"type": "string", "enum": ["Bearer"]}
    )


class Offer(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.Enum(OfferKind, by_value=True, required=True)
    price_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    unit = fields.String(required=True)
    turnaround_days = fields.Integer(required=True, validate=validate.Range(min=0))


class ActiveOnly(fields.List):
    """The active ones of a collection (a provider's offers still sold)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize([v for v in value if v.is_active], attr, obj, **kwargs)


class Provider(ma.Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True, attribute="category.slug")
    address = fields.String(required=True)
    offers = ActiveOnly(fields.Nested(Offer), required=True)


class Providers(ma.Schema):
    providers = fields.List(fields.Nested(Provider), required=True)


class Slot(ma.Schema):
    id = fields.Integer(required=True)
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=0))
    remaining = fields.Integer(required=True, validate=validate.Range(min=0))


class Slots(ma.Schema):
    slots = fields.List(
        fields.Nested(Slot), required=True, metadata={"description": "Earliest first."}
    )


class SlotRef(ma.Schema):
    id = fields.Integer(required=True)
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)


class Quote(ma.Schema):
    """A line on quote (sur devis): the provider inspects the item and names a price; nothing
    is done before the customer accepts it."""

    state = fields.Enum(QuoteState, by_value=True, required=True, attribute="quote_state")
    unit_price_cents = fields.Integer(
        required=True,
        allow_none=True,
        attribute="quoted_unit_price_cents",
        metadata={"description": "The price proposed, per unit (null until proposed)."},
    )
    note = fields.String(
        required=True,
        attribute="quote_note",
        metadata={"description": "What the work is, by the provider."},
    )
    proposed_at = Moment(required=True, allow_none=True, attribute="quoted_at")
    answered_at = Moment(required=True, allow_none=True, attribute="quote_answered_at")


class LineQuote(fields.Nested):
    """The quote of a line is some of the line's own columns; null on a fixed-price line."""

    def get_value(self, obj: models.OrderLine, attr, accessor=None, default=ma.missing):
        return obj if obj.quote_state is not None else None


def _charge(line: models.OrderLine) -> ledger.LineCharge:
    return ledger.ledger(line.order).charge_of(line)


class OrderLine(ma.Schema):
    id = fields.Integer(required=True)
    offer_id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    unit_price_cents = fields.Function(
        lambda line: None if _charge(line).amount_cents is None else line.unit_price_cents,
        required=True,
        allow_none=True,
        metadata={
            "type": "integer",
            "description": "null on a line on quote while its price is awaited or proposed "
            "(`quote.state` says which)",
        },
    )
    quantity = fields.Integer(required=True)
    total_cents = fields.Function(
        lambda line: _charge(line).amount_cents,
        required=True,
        allow_none=True,
        metadata={
            "type": "integer",
            "description": "What the line charges: null while its price is to come (on quote), "
            "0 when its work is not done (`charge`)",
        },
    )
    charge = fields.Function(
        lambda line: _charge(line).state.value,
        required=True,
        metadata={
            "type": "string",
            "enum": [state.value for state in ledger.ChargeState],
            "description": "Why the line charges what it does: charged, price_to_come, "
            "not_done (the provider could not), declined (the quote), cancelled (the order)",
        },
    )
    quote = LineQuote(Quote, required=True, allow_none=True)


def _figure(name: str, description: str) -> fields.Function:
    return fields.Function(
        lambda order: getattr(ledger.ledger(order), name),
        required=True,
        metadata={"type": "integer", "minimum": 0, "description": description},
    )


class Order(ma.Schema):
    """An order and its money, from its ledger (the same figures as every page and mail):
    `paid_cents - refunded_cents - total_cents = refund_due_cents - balance_due_cents`."""

    id = fields.Integer(required=True)
    code = fields.String(required=True, validate=validate.Regexp("^EVG-[2-9A-Z]{5}$"))
    status = fields.Enum(OrderStatus, by_value=True, required=True)
    payment = fields.Enum(PaymentMethod, by_value=True, required=True, attribute="payment_method")
    lines = fields.List(fields.Nested(OrderLine), required=True)
    subtotal_cents = _figure("subtotal_cents", "What the lines charge (prices to come left out).")
    fee_cents = _figure("fee_cents", "The desk's service fee (0 once no work is done).")
    discount_cents = _figure("discount_cents", "Taken off by the concierge (a gesture).")
    total_cents = _figure("total_cents", "What the order charges: lines, fee, less discount.")
    paid_cents = _figure("paid_cents", "Every payment received, online or at the desk.")
    refunded_cents = _figure("refunded_cents", "Every refund made.")
    balance_due_cents = _figure(
        "balance_due_cents", "What is still to pay (online or at the desk)."
    )
    refund_due_cents = _figure(
        "refund_due_cents",
        "What the desk owes back (work not done, an order cancelled): online payments are "
        "refunded through Stripe within minutes, desk payments at the counter.",
    )
    dropoff_slot = fields.Nested(SlotRef, required=True, allow_none=True)
    pickup_slot = fields.Nested(SlotRef, required=True)
    note = fields.String(required=True)
    placed_at = Moment(required=True)
    cancellable_until = Moment(required=True)


class PlacedOrder(Order):
    checkout_url = fields.String(
        metadata={"description": "Only when paid online: where to pay (Stripe Checkout)."}
    )


PLACED_ORDER = PlacedOrder()  # also for the replays of api/errors.py


class RoundItem(ma.Schema):
    """An order line to drop at the stop's provider or to collect from it. Customers'
    e-mails and phone numbers are never shown."""

    id = fields.Integer(required=True)
    action = fields.Enum(
        RoundAction,
        by_value=True,
        required=True,
        metadata={
            "description": "drop: from the desk to the provider; collect: from the provider back."
        },
    )
    order_code = fields.String(
        required=True, attribute="line.order.code", validate=validate.Regexp("^EVG-[2-9A-Z]{5}$")
    )
    offer = fields.String(
        required=True,
        attribute="line.name",
        metadata={"description": "The name of the order line."},
    )
    quantity = fields.Integer(
        required=True, attribute="line.quantity", validate=validate.Range(min=1)
    )
    note = fields.String(
        required=True,
        attribute="line.order.note",
        metadata={"description": "The customer's note on the order."},
    )
    done_at = Moment(
        required=True,
        allow_none=True,
        metadata={"description": "When the volunteer tapped it; null while still to do."},
    )


class RoundItemTapped(RoundItem):
    repeated = fields.Boolean(
        required=True,
        metadata={"description": "true when the tap had already been recorded: nothing changed."},
    )


class StopProvider(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    latitude = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class RoundStop(ma.Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True, validate=validate.Range(min=0))
    provider = fields.Nested(StopProvider, required=True)
    arrive_at = Moment(required=True)
    leave_at = Moment(required=True)
    opening_hours = fields.Method(
        "_opening_hours",
        required=True,
        metadata={
            "type": "array",
            "items": {"type": "array", "items": CLOCK, "minItems": 2, "maxItems": 2},
            "description": "The provider's opening ranges that day, local time, as "
            '[opens, closes] pairs: [["09:00", "12:30"], ["14:00", "19:00"]]. Empty when '
            "closed (public holidays included).",
        },
    )
    items = fields.List(fields.Nested(RoundItem), required=True)

    def _opening_hours(self, stop: models.RoundStop) -> list[list[str]]:
        return [
            [_clock(opens), _clock(closes)]
            for opens, closes in provider_opening(stop.provider, stop.round.day)
        ]


class Volunteer(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, attribute="full_name")


class PickupRound(ma.Schema):
    id = fields.Integer(required=True)
    day = fields.Date(required=True)
    volunteer = fields.Nested(Volunteer, required=True)
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    distance_m = fields.Integer(required=True, validate=validate.Range(min=0))
    locked = fields.Boolean(
        required=True,
        metadata={"description": "Moved by hand: kept as it is when the day is planned again."},
    )
    stops = fields.List(fields.Nested(RoundStop), required=True)


class Rounds(ma.Schema):
    rounds = fields.List(
        fields.Nested(PickupRound),
        required=True,
        metadata={"description": "Earliest first, with their stops in order."},
    )


class With:
    """`obj` as an answer shows it, with values of the answer's own: the checkout URL of an
    order just placed, whether a tap was repeated."""

    def __init__(self, obj: object, **values: object):
        self._obj = obj
        vars(self).update(values)

    def __getattr__(self, name: str) -> object:
        return getattr(self._obj, name)
