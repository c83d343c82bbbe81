"""Desk forms for money: amounts typed in euros ("12,50"), kept in cents."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import TextInput

from conciergerie.models import PaymentKind

_EUROS = re.compile(r"^\s*(\d{1,5})(?:[.,](\d{1,2}))?\s*(?:€)?\s*$")


class EuroField(Field):
    """An amount in euros, as typed at a French desk ("12,50", "12.5", "12"); data in cents."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data // 100},{self.data % 100:02d}" if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        match = _EUROS.match(valuelist[0])
        if not match:
            self.data = None
            raise ValueError(_l("Montant invalide : écrivez par exemple 12,50."))
        euros, cents = match.group(1), (match.group(2) or "0").ljust(2, "0")
        self.data = int(euros) * 100 + int(cents)


class DeskPaymentForm(FlaskForm):
    amount = EuroField(
        _l("Montant reçu (€)"), validators=[InputRequired(_l("Indiquez le montant."))]
    )
    kind = RadioField(
        _l("Moyen"),
        choices=[
            SelectChoice(PaymentKind.DESK_CASH.value, _l("Espèces")),
            SelectChoice(PaymentKind.DESK_CARD.value, _l("Carte (terminal du comptoir)")),
        ],
        default=PaymentKind.DESK_CASH.value,
        validators=[InputRequired()],
    )


class RefundForm(FlaskForm):
    amount = EuroField(
        _l("Montant à rembourser (€)"), validators=[InputRequired(_l("Indiquez le montant."))]
    )
    reason = StringField(
        _l("Motif"),
        validators=[DataRequired(_l("Indiquez le motif.")), Length(max=300)],
        render_kw={"placeholder": _l("Retouche impossible chez le prestataire")},
    )


class BalanceForm(FlaskForm):
    """No fields: paying the balance online is a POST protected by the CSRF token."""
