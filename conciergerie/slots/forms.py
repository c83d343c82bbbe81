"""Forms of the concierge's opening hours and closure days."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length

from conciergerie.i18n import WEEKDAY_NAMES


class OpeningRangeForm(FlaskForm):
    weekday = SelectField(
        _l("Jour"),
        coerce=int,
        choices=[SelectChoice(day, name) for day, name in WEEKDAY_NAMES.items()],
        validators=[InputRequired()],
    )
    opens_at = TimeField(_l("Ouverture"), validators=[DataRequired(_l("Heure invalide."))])
    closes_at = TimeField(_l("Fermeture"), validators=[DataRequired(_l("Heure invalide."))])


class ClosureForm(FlaskForm):
    day = DateField(_l("Jour de fermeture"), validators=[DataRequired(_l("Date invalide."))])
    reason = StringField(
        _l("Motif"),
        validators=[DataRequired(_l("Ce champ est obligatoire.")), Length(max=160)],
        render_kw={"placeholder": _l("Congés du comptoir")},
    )


class DeleteForm(FlaskForm):
    """No fields: deleting is a POST protected by the CSRF token."""
