"""The concierge's form to record a payout to a provider (on the provider's statement)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import TextInput

from conciergerie.manage.forms import FrenchDecimalField
from conciergerie.payouts.service import MAX_REFERENCE


class PayoutForm(FlaskForm):
    amount = FrenchDecimalField(
        _l("Montant versé"),
        places=2,
        widget=TextInput(),  # "412,50" as typed, shown again as typed when refused
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
        validators=[
            InputRequired(_l("Indiquez le montant versé.")),
            NumberRange(
                min=Decimal("0.01"), max=1_000_000, message=_l("Entre 0,01 et 1 000 000 €.")
            ),
        ],
        description=_l("En euros, par exemple 412,50. Pas plus que le reste dû du mois."),
    )
    paid_on = DateField(
        _l("Date du virement"),
        validators=[DataRequired(_l("Indiquez la date du virement."))],
    )
    bank_reference = StringField(
        _l("Référence bancaire"),
        validators=[
            DataRequired(_l("Indiquez la référence du virement.")),
            Length(
                max=MAX_REFERENCE,
                message=_l("%(n)d caractères au plus.", n=MAX_REFERENCE),
            ),
        ],
        description=_l("Celle du relevé de la banque, pour que le prestataire s'y retrouve."),
        render_kw={"maxlength": MAX_REFERENCE, "autocomplete": "off"},
    )
