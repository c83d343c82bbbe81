"""Forms of the basket and the checkout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from conciergerie.i18n import first_upper, slot_day, slot_hours, slot_when
from conciergerie.models import DeskSlot, PaymentMethod
from conciergerie.models.orders import MAX_LINE_QUANTITY
from conciergerie.orders.service import MAX_NOTE_LENGTH
from conciergerie.timeutils import local_date


class AddToBasketForm(FlaskForm):
    offer_id = IntegerField(validators=[InputRequired()])
    quantity = IntegerField(
        _l("Quantité"),
        default=1,
        validators=[
            InputRequired(_l("Indiquez une quantité.")),
            # The basket holds the items of one order at most (basket.add says so).
            NumberRange(1, MAX_LINE_QUANTITY, _l("Entre 1 et %(max)d.", max=MAX_LINE_QUANTITY)),
        ],
        render_kw={"inputmode": "numeric", "min": 1},
    )


class UpdateBasketForm(FlaskForm):
    offer_id = IntegerField(validators=[InputRequired()])
    quantity = IntegerField(
        _l("Quantité"),
        validators=[
            InputRequired(_l("Indiquez une quantité.")),
            NumberRange(0, MAX_LINE_QUANTITY, _l("Entre 0 et %(max)d.", max=MAX_LINE_QUANTITY)),
        ],
        render_kw={"inputmode": "numeric", "min": 0},
    )


def slot_choices(slots: list[DeskSlot]) -> list[SelectChoice]:
    """Slots as options grouped by day (one <optgroup> per day), with the places left."""
    return [
        SelectChoice(
            slot.id,
            f"{slot_when(slot)} · "
            + ngettext("%(num)d place libre", "%(num)d places libres", slot.remaining),
            optgroup=first_upper(slot_day(slot)),
        )
        for slot in slots
    ]


@dataclass(frozen=True)
class SlotDay:
    """A day with open slots: the customer picks the day, then one of its times."""

    day: date
    slots: list[DeskSlot]

    @property
    def places(self) -> int:
        return sum(slot.remaining for slot in self.slots)


def slot_days(slots: list[DeskSlot]) -> list[SlotDay]:
    """Open slots grouped by their day in Paris, in order."""
    days: dict[date, list[DeskSlot]] = {}
    for slot in slots:
        days.setdefault(local_date(slot.starts_at), []).append(slot)
    return [SlotDay(day, day_slots) for day, day_slots in days.items()]


def chosen_day(days: list[SlotDay], raw: str | None, slot_id: int | None = None) -> SlotDay | None:
    """The day holding `slot_id`, else the day `raw` names (YYYY-MM-DD), else the first one."""
    for day in days:
        if slot_id is not None and any(slot.id == slot_id for slot in day.slots):
            return day
    for day in days:
        if raw and day.day.isoformat() == raw:
            return day
    return days[0] if days else None


def time_choices(day: SlotDay | None) -> list[tuple[int, str]]:
    """A day's slots as radio choices: "18:00–18:30 · 3 places libres"."""
    if day is None:
        return []
    return [
        (
            slot.id,
            f"{slot_hours(slot)} · "
            + ngettext("%(num)d place libre", "%(num)d places libres", slot.remaining),
        )
        for slot in day.slots
    ]


class DropoffForm(FlaskForm):
    """Step 1 (services only): when the customer brings the items. A GET form."""

    class Meta:
        csrf = False

    depot = RadioField(
        _l("Créneau de dépôt au comptoir"),
        coerce=int,
        validators=[DataRequired(_l("Choisissez un créneau de dépôt."))],
    )


class CheckoutForm(FlaskForm):
    dropoff_slot = HiddenField()
    pickup_slot = RadioField(
        _l("Créneau de retrait au comptoir"),
        coerce=int,
        validators=[DataRequired(_l("Choisissez un créneau de retrait."))],
    )
    note = TextAreaField(
        _l("Une précision pour le prestataire (facultatif)"),
        validators=[
            Length(
                max=MAX_NOTE_LENGTH, message=_l("%(max)d caractères au plus.", max=MAX_NOTE_LENGTH)
            )
        ],
        description=_l("Par exemple : « talons usés côté gauche »."),
        render_kw={"rows": 3, "maxlength": MAX_NOTE_LENGTH},
    )
    payment = RadioField(
        _l("Paiement"),
        choices=[
            SelectChoice(PaymentMethod.DESK.value, _l("Au comptoir, en espèces ou par carte"))
        ],
        default=PaymentMethod.DESK.value,
        validators=[InputRequired(_l("Choisissez un moyen de paiement."))],
    )


class CancelForm(FlaskForm):
    """No fields: cancelling is a POST protected by the CSRF token."""


class StepForm(FlaskForm):
    """A desk button moving an order one step (the target comes from the button)."""

    to_status = HiddenField(validators=[InputRequired()])


class MoveSlotsForm(FlaskForm):
    """Another drop-off and/or pickup slot for an order: 0 keeps the one it has. The choices are
    the slots with a place left when the page was shown; the service checks the one sent."""

    dropoff_slot = SelectField(
        _l("Nouveau créneau de dépôt"), coerce=int, default=0, validate_choice=False
    )
    pickup_slot = SelectField(
        _l("Nouveau créneau de retrait"), coerce=int, default=0, validate_choice=False
    )

    def offer(self, dropoffs: list[DeskSlot], pickups: list[DeskSlot]) -> None:
        keep = SelectChoice(0, str(_l("Garder le créneau actuel")))
        self.dropoff_slot.choices = [keep, *slot_choices(dropoffs)]
        self.pickup_slot.choices = [keep, *slot_choices(pickups)]
