"""Desk forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from conciergerie.orders.service import MAX_NOTE_LENGTH, MAX_QUANTITY

COUNTER_LINES = 3  # lines of an order taken at the counter (one is enough most of the time)


class FindOrderForm(FlaskForm):
    """Find an order by the code the customer shows, or by their name or e-mail (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Code, nom, e-mail ou téléphone"),
        validators=[Optional(), Length(max=120, message=_l("120 caractères au plus."))],
        render_kw={"placeholder": "EVG-…", "autocomplete": "off", "spellcheck": "false"},
    )


class CounterLineForm(Form):
    """One offer of an order taken at the counter (the first is required, the others not)."""

    offer = SelectField(_l("Prestation"), coerce=int, validate_choice=False)
    quantity = IntegerField(
        _l("Quantité"),
        default=1,
        validators=[
            Optional(),
            NumberRange(1, MAX_QUANTITY, _l("Entre 1 et %(max)d.", max=MAX_QUANTITY)),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_QUANTITY},
    )


class CounterOrderForm(FlaskForm):
    """An order taken at the counter for someone who has no account, or is not signed in: the
    items are handed in now and paid at the desk."""

    name = StringField(
        _l("Nom du client"),
        validators=[
            DataRequired(_l("Indiquez le nom du client.")),
            Length(max=120, message=_l("120 caractères au plus.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    phone = StringField(
        _l("Téléphone"),
        validators=[Optional(), Length(max=30, message=_l("30 caractères au plus."))],
        render_kw={"type": "tel", "autocomplete": "off", "inputmode": "tel"},
    )
    email = StringField(
        _l("E-mail (facultatif)"),
        validators=[Optional(), Length(max=254, message=_l("254 caractères au plus."))],
        description=_l("Avec une adresse, le client reçoit les messages de sa commande."),
        render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"},
    )
    lines = FieldList(
        FormField(CounterLineForm), min_entries=COUNTER_LINES, max_entries=COUNTER_LINES
    )
    pickup_slot = SelectField(
        _l("Créneau de retrait"),
        coerce=int,
        validators=[DataRequired(_l("Choisissez un créneau de retrait."))],
    )
    note = TextAreaField(
        _l("État des articles, précisions (facultatif)"),
        validators=[
            Length(
                max=MAX_NOTE_LENGTH, message=_l("%(max)d caractères au plus.", max=MAX_NOTE_LENGTH)
            )
        ],
        render_kw={"rows": 3, "maxlength": MAX_NOTE_LENGTH},
    )
