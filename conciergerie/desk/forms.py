"""Desk forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from conciergerie.desk.service import MAX_REMARKS_LENGTH
from conciergerie.models import OfferKind, Order
from conciergerie.models.orders import MAX_LINE_QUANTITY
from conciergerie.orders.service import MAX_NOTE_LENGTH

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


class DeskDayForm(FlaskForm):
    """The desk's day and what it narrows it to (a GET form: it works without JavaScript)."""

    class Meta:
        csrf = False

    day = DateField(_l("Jour"), validators=[Optional()])
    slot = SelectField(_l("Créneau"), coerce=int, default=0, validate_choice=False)
    state = SelectField(_l("État"), default="", validate_choice=False)
    late = BooleanField(_l("En retard seulement"))


class CounterLineForm(Form):
    """One offer of an order taken at the counter (the first is required, the others not)."""

    offer = SelectField(_l("Prestation"), coerce=int, validate_choice=False)
    quantity = IntegerField(
        _l("Quantité"),
        default=1,
        validators=[
            Optional(),
            # No limit of items at the counter: the desk takes what the customer brings.
            NumberRange(1, MAX_LINE_QUANTITY, _l("Entre 1 et %(max)d.", max=MAX_LINE_QUANTITY)),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_LINE_QUANTITY},
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
        description=_l(
            "Sans adresse e-mail, le client reçoit un SMS sur ce mobile quand sa commande est "
            "prête et la veille de son créneau (il peut répondre STOP)."
        ),
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
    # Shown once the lines are known (the total, and only the pickups that fit their work).
    pickup_day = SelectField(_l("Jour de retrait"), validate_choice=False)
    pickup_slot = RadioField(
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


class CheckInForm(FlaskForm):
    """The reception of an order's items at the desk. Its fields are prefixed with the order
    (many orders on one screen); `check_in_form` adds one "received" number per service line."""

    remarks = TextAreaField(
        _l("État des articles, remarques (facultatif)"),
        description=_l("Par exemple : talon gauche décollé. Le prestataire le verra."),
        validators=[
            Length(
                max=MAX_REMARKS_LENGTH,
                message=_l("%(max)d caractères au plus.", max=MAX_REMARKS_LENGTH),
            )
        ],
        render_kw={"rows": 2, "maxlength": MAX_REMARKS_LENGTH},
    )

    def received(self) -> dict[int, int]:
        """{line id: items received}, once validated."""
        return {
            int(field.name.rpartition(RECEIVED)[2]): field.data
            for field in self
            if field.short_name.startswith(RECEIVED)
        }

    def received_fields(self) -> list:
        return [field for field in self if field.short_name.startswith(RECEIVED)]

    def unknown_lines(self, formdata) -> list[str]:
        """Posted "received" numbers for no service line of this order (a tampered form)."""
        known = {field.name for field in self.received_fields()}
        mine = f"{self._prefix}{RECEIVED}"
        return [key for key in formdata if key.startswith(mine) and key not in known]


RECEIVED = "received_"


def check_in_form(order: Order, **kwargs) -> CheckInForm:
    """The reception form of `order`: one number per service line, the ordered quantity by
    default (1 to that quantity)."""

    class OrderCheckInForm(CheckInForm):
        pass

    for line in order.lines:
        if line.kind is not OfferKind.SERVICE:
            continue
        setattr(
            OrderCheckInForm,
            f"{RECEIVED}{line.id}",
            IntegerField(
                lazy_ngettext(
                    "Articles reçus : %(name)s (%(num)d commandé)",
                    "Articles reçus : %(name)s (%(num)d commandés)",
                    line.quantity,
                    name=line.name,
                ),
                default=line.quantity,
                validators=[
                    InputRequired(_l("Indiquez le nombre d'articles reçus.")),
                    NumberRange(0, line.quantity, _l("Entre 1 et %(max)d.", max=line.quantity)),
                ],
                render_kw={"inputmode": "numeric", "min": 1, "max": line.quantity},
            ),
        )
    return OrderCheckInForm(prefix=f"reception-{order.id}-", **kwargs)
