"""Forms of the rounds: the volunteer's availability, the tap on an item, the concierge's plan."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from conciergerie.i18n import WEEKDAY_NAMES
from conciergerie.models import TransportMode


class TransportForm(FlaskForm):
    transport = SelectField(
        _l("Je me déplace"),
        choices=[
            SelectChoice(TransportMode.FOOT.value, _l("À pied")),
            SelectChoice(TransportMode.BIKE.value, _l("À vélo")),
            SelectChoice(TransportMode.CARGO_BIKE.value, _l("En vélo cargo")),
        ],
        validators=[InputRequired()],
    )
    max_round_minutes = IntegerField(
        _l("Au plus, minutes de tournées par jour (facultatif)"),
        description=_l(
            "Les tournées s'arrêtent là, sauf pour un objet qui doit être livré ou rapporté "
            "le jour même."
        ),
        validators=[Optional(), NumberRange(15, 600, _l("Entre 15 et 600 minutes."))],
        render_kw={"inputmode": "numeric", "min": 15, "max": 600},
    )


class AvailabilityForm(FlaskForm):
    weekday = SelectField(
        _l("Jour"),
        coerce=int,
        choices=[SelectChoice(day, name) for day, name in WEEKDAY_NAMES.items()],
        validators=[InputRequired()],
    )
    starts_at = TimeField(_l("De"), validators=[DataRequired(_l("Heure invalide."))])
    ends_at = TimeField(_l("À"), validators=[DataRequired(_l("Heure invalide."))])

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("La fin doit venir après le début."))


class AbsenceForm(FlaskForm):
    first_day = DateField(_l("Du"), validators=[DataRequired(_l("Date invalide."))])
    last_day = DateField(_l("Au (inclus)"), validators=[DataRequired(_l("Date invalide."))])
    reason = StringField(
        _l("Motif (facultatif)"),
        validators=[Optional(), Length(max=160)],
        render_kw={"placeholder": _l("Examens, arrêt maladie, formation…")},
    )

    def validate_last_day(self, field) -> None:
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError(_l("Le dernier jour ne peut pas précéder le premier."))


class MarkForm(FlaskForm):
    """The tap on an item; its action is checked against the item (a stale page cannot drop
    what should be collected)."""

    action = HiddenField(validators=[AnyOf(["drop", "collect"])])


class MoveStopForm(FlaskForm):
    target_round = SelectField(_l("Vers la tournée"), coerce=int, validators=[InputRequired()])


class AssignForm(FlaskForm):
    volunteer = SelectField(_l("Volontaire"), coerce=int, validators=[InputRequired()])
    # Shown when the volunteer chosen is not free then (the service says why); it confirms the
    # choice it was shown for (`warned`), not another volunteer picked meanwhile.
    confirm = BooleanField(_l("Confier quand même"))
    warned = HiddenField()

    @property
    def confirmed(self) -> bool:
        return bool(self.confirm.data) and self.warned.data == str(self.volunteer.data)


class DayForm(FlaskForm):
    day = DateField(_l("Jour"), validators=[DataRequired(_l("Date invalide."))])

    def validate_day(self, field) -> None:
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Date invalide."))


class EmptyForm(FlaskForm):
    """No fields: a POST protected by the CSRF token."""


class ScanForm(FlaskForm):
    """An item's label read on a round: typed by a scanner, or filled by the phone's camera."""

    code = StringField(
        _l("Code de l'étiquette"),
        validators=[DataRequired(_l("Scannez ou tapez le code de l'étiquette.")), Length(max=24)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
