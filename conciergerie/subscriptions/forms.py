"""Forms of the basket subscriptions."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TimeField,
)
from wtforms.validators import InputRequired, NumberRange, ValidationError

from conciergerie.models import PaymentMethod
from conciergerie.subscriptions.service import MAX_QUANTITY


class SubscribeForm(FlaskForm):
    quantity = IntegerField(
        _l("Nombre de paniers"),
        default=1,
        validators=[
            InputRequired(_l("Indiquez une quantité.")),
            NumberRange(1, MAX_QUANTITY, _l("Entre 1 et %(max)d.", max=MAX_QUANTITY)),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_QUANTITY},
    )
    every_weeks = RadioField(
        _l("Fréquence"),
        choices=[
            SelectChoice("1", _l("Chaque semaine")),
            SelectChoice("2", _l("Toutes les deux semaines")),
        ],
        default="1",
        validators=[InputRequired(_l("Choisissez une fréquence."))],
    )
    first_delivery = SelectField(
        _l("Première livraison"),
        validators=[InputRequired(_l("Choisissez la première livraison."))],
    )
    pickup_from = TimeField(
        _l("Heure de retrait habituelle"),
        description=_l(
            "Le premier créneau du comptoir à partir de cette heure, le jour de livraison, "
            "vous est réservé."
        ),
        default=None,
        validators=[InputRequired(_l("Indiquez une heure, par exemple 17:30."))],
    )
    payment = RadioField(
        _l("Paiement de chaque panier"),
        choices=[
            SelectChoice(PaymentMethod.DESK.value, _l("Au comptoir, en espèces ou par carte"))
        ],
        default=PaymentMethod.DESK.value,
        validators=[InputRequired(_l("Choisissez un moyen de paiement."))],
    )


class DeliveryForm(FlaskForm):
    """Skip a delivery, or take the skip back: the day comes in a hidden field."""

    day = HiddenField(validators=[InputRequired()])

    def validate_day(self, field) -> None:
        try:
            field.data = date.fromisoformat(field.data)
        except (TypeError, ValueError) as error:
            raise ValidationError(_l("Jour invalide.")) from error


class PauseForm(FlaskForm):
    until = DateField(
        _l("Pas de panier jusqu'au (inclus)"),
        validators=[
            InputRequired(_l("Indiquez une date, par exemple le dernier jour de vos vacances."))
        ],
    )


class ActionForm(FlaskForm):
    """No fields: resuming or stopping is a POST protected by the CSRF token."""
