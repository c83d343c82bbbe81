"""Forms of the providers' portal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from conciergerie.manage.forms import FrenchDecimalField, WeekHoursForm, cents


class ReadyForm(FlaskForm):
    """The "ready" button: no fields, a POST protected by the CSRF token."""


class CannotDoForm(FlaskForm):
    """The provider cannot do a line: why, for the concierge and the customer."""

    reason = TextAreaField(
        _l("Pourquoi ?"),
        validators=[
            DataRequired(_l("Dites en quelques mots pourquoi.")),
            Length(max=280, message=_l("280 caractères au plus.")),
        ],
        render_kw={"rows": 2},
    )


class QuoteForm(FlaskForm):
    """The provider's price for a line on quote, once the item is seen."""

    price = FrenchDecimalField(
        _l("Prix proposé (par unité)"),
        places=2,
        validators=[
            InputRequired(_l("Indiquez un prix.")),
            NumberRange(min=0, max=100_000, message=_l("Entre 0 et 100 000 €.")),
        ],
        description=_l("En euros, par exemple 12,50."),
    )
    note = TextAreaField(
        _l("Le travail à faire"),
        validators=[
            DataRequired(_l("Dites en quelques mots ce que vous ferez.")),
            Length(max=280, message=_l("280 caractères au plus.")),
        ],
        render_kw={"rows": 2},
    )


class OwnOfferForm(FlaskForm):
    """What a provider's staff change of one of their offers (portal/offers.py)."""

    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=2_000, message=_l("2 000 caractères au plus."))],
        render_kw={"rows": 3, "maxlength": 2_000},
    )
    price = FrenchDecimalField(
        _l("Prix"),
        places=2,
        validators=[
            InputRequired(_l("Indiquez un prix.")),
            NumberRange(min=0, max=100_000, message=_l("Entre 0 et 100 000 €.")),
        ],
        description=_l("En euros, par exemple 18,50. Vaut pour les nouvelles commandes."),
    )
    is_active = BooleanField(_l("En vente"))

    def values(self) -> dict[str, object]:
        return {
            "description": (self.description.data or "").strip(),
            "price_cents": cents(self.price.data),
            "is_active": bool(self.is_active.data),
        }


class OwnHoursForm(WeekHoursForm):
    """The provider's opening hours, by its staff."""
