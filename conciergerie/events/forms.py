"""Event forms."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from PIL import Image
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from conciergerie.events import images
from conciergerie.events.service import MAX_CAPACITY, MAX_DESCRIPTION, MAX_PLACE, MAX_TITLE


def _within_our_years(form, field) -> None:
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_("Une date entre 2000 et 2100."))


class EventForm(FlaskForm):
    title = StringField(
        _l("Titre"),
        validators=[DataRequired(_l("Ce champ est obligatoire.")), Length(max=MAX_TITLE)],
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=MAX_DESCRIPTION)], render_kw={"rows": 5}
    )
    place = StringField(
        _l("Lieu"),
        validators=[DataRequired(_l("Ce champ est obligatoire.")), Length(max=MAX_PLACE)],
        default="La Grappe, salle de conférence — 75 rue Gambetta, Lille",
    )
    starts_at = DateTimeLocalField(
        _l("Début"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Date et heure invalides.")), _within_our_years],
    )
    ends_at = DateTimeLocalField(
        _l("Fin"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Date et heure invalides.")), _within_our_years],
    )
    capacity = IntegerField(
        _l("Nombre de places (facultatif)"),
        validators=[
            Optional(),
            NumberRange(1, MAX_CAPACITY, _l("Entre 1 et %(max)d.", max=MAX_CAPACITY)),
        ],
        description=_l("Laissez vide pour un nombre illimité."),
    )
    providers = SelectMultipleField(
        _l("Prestataires associés"), coerce=int, validators=[Optional()]
    )
    image = FileField(_l("Image (JPEG, PNG ou WebP, 5 Mo au plus)"))

    picture: Image.Image | None = None  # the uploaded image, once read

    def validate_image(self, field: FileField) -> None:
        """Read the picture now (by its content): a file that is not one is a form error."""
        if not getattr(field.data, "filename", ""):
            return
        try:
            self.picture = images.read_image(field.data.stream)
        except images.UnreadableImage as error:
            raise ValidationError(str(error)) from error


class MessageForm(FlaskForm):
    subject = StringField(
        _l("Objet"), validators=[DataRequired(_l("Ce champ est obligatoire.")), Length(max=160)]
    )
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(_l("Ce champ est obligatoire.")), Length(max=5000)],
        render_kw={"rows": 6},
    )


class ActionForm(FlaskForm):
    """No fields: register, unregister and cancel are POSTs protected by the CSRF token."""
