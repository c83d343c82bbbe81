"""The form of a provider's closure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from conciergerie.closures.service import MAX_REASON


class ClosureForm(FlaskForm):
    first_day = DateField(_l("Premier jour fermé"), validators=[DataRequired(_l("Date invalide."))])
    last_day = DateField(
        _l("Dernier jour fermé"),
        validators=[Optional()],
        description=_l("Vide : un seul jour."),
    )
    reason = StringField(
        _l("Motif, lu par les clients"),
        validators=[DataRequired(_l("Ce champ est obligatoire.")), Length(max=MAX_REASON)],
        render_kw={"placeholder": _l("Congés d'été")},
    )


class RemoveForm(FlaskForm):
    """No fields: removing is a POST protected by the CSRF token."""
