"""Forms of the rooms: a request, the concierge's answer, a space's description, a quota."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from PIL import Image
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from conciergerie.events import images
from conciergerie.models import BookerKind, SpaceKind
from conciergerie.rooms.service import MAX_ASSOCIATION, MAX_NOTE, MAX_PURPOSE, MAX_REASON

REQUIRED = _l("Ce champ est obligatoire.")


def _within_our_years(form, field) -> None:
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_("Une date entre 2000 et 2100."))


def kind_label(kind: BookerKind | str) -> str:
    kind = BookerKind(kind)
    return {
        BookerKind.MEMBER: _("Entreprise membre de La Grappe"),
        BookerKind.ASSOCIATION: _("Association du quartier"),
        BookerKind.PUBLIC: _("Autre (plein tarif)"),
    }[kind]


def space_kind_label(kind: SpaceKind) -> str:
    return {
        SpaceKind.CONFERENCE_ROOM: _("Salle de conférence"),
        SpaceKind.MEETING_ROOM: _("Salle de réunion"),
        SpaceKind.TRAINING_ROOM: _("Salle de formation"),
        SpaceKind.COWORKING_DESK: _("Poste de coworking"),
    }[kind]


class BookingForm(FlaskForm):
    day = DateField(_l("Jour"), validators=[DataRequired(_l("Date invalide.")), _within_our_years])
    starts_at = TimeField(_l("De"), validators=[DataRequired(_l("Heure invalide."))])
    ends_at = TimeField(_l("À"), validators=[DataRequired(_l("Heure invalide."))])
    purpose = StringField(
        _l("Objet (réunion, formation, assemblée générale…)"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_PURPOSE)],
    )
    attendees = IntegerField(
        _l("Nombre de personnes"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 500)],
        default=1,
    )
    layout = SelectField(_l("Disposition"), validators=[Optional()])
    catering_note = TextAreaField(
        _l("Restauration (la cantine de La Grappe ; facultatif)"),
        validators=[Length(max=MAX_NOTE)],
        render_kw={"rows": 2},
        description=_l("Café d'accueil, déjeuner… : la conciergerie transmet à la cantine."),
    )
    association_name = StringField(
        _l("Pour une association du quartier (son nom ; facultatif)"),
        validators=[Length(max=MAX_ASSOCIATION)],
        description=_l("La conciergerie vérifie et applique le tarif associatif."),
    )


class ConfirmForm(FlaskForm):
    kind = RadioField(
        _l("Qui réserve (fixe le prix)"),
        choices=[SelectChoice(kind.value, kind.value) for kind in BookerKind],
        validators=[InputRequired(REQUIRED)],
    )
    association_name = StringField(
        _l("Nom de l'association"), validators=[Length(max=MAX_ASSOCIATION)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind_label(kind)) for kind in BookerKind]


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Raison (envoyée au demandeur)"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_REASON)],
        render_kw={"rows": 2},
    )


class ActionForm(FlaskForm):
    """No fields: cancel and record a payment are POSTs protected by the CSRF token."""


class CancelForm(FlaskForm):
    """Cancelling; the concierge may waive a late cancellation's charge (the house's doing)."""

    free_of_charge = BooleanField(
        _l("Sans frais pour le demandeur : l'annulation vient de nous (salle indisponible…)")
    )


class QuotaForm(FlaskForm):
    hours_per_month = IntegerField(
        _l("Heures de salle incluses par mois"),
        validators=[InputRequired(REQUIRED), NumberRange(0, 744)],
    )


def _price(label) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(REQUIRED), NumberRange(0, 1_000_000)])


class SpaceForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind = SelectField(_l("Type"), choices=[SelectChoice(k.value, k.value) for k in SpaceKind])
    description = TextAreaField(
        _l("Description"), validators=[Length(max=5000)], render_kw={"rows": 4}
    )
    capacity = IntegerField(
        _l("Capacité (personnes)"), validators=[InputRequired(REQUIRED), NumberRange(1, 500)]
    )
    equipment = StringField(_l("Équipement"), validators=[Length(max=500)])
    layouts = TextAreaField(
        _l("Dispositions possibles (une par ligne)"),
        validators=[Length(max=300)],
        render_kw={"rows": 3},
    )
    opens_at = TimeField(_l("Ouvre à"), validators=[DataRequired(_l("Heure invalide."))])
    closes_at = TimeField(_l("Ferme à"), validators=[DataRequired(_l("Heure invalide."))])
    open_weekdays = StringField(
        _l("Jours d'ouverture"),
        validators=[DataRequired(REQUIRED), Length(max=7)],
        description=_l("Chiffres des jours, lundi = 0 : 01234 pour du lundi au vendredi."),
    )
    member_hour_cents = _price(_l("Entreprise membre : heure (centimes)"))
    member_half_day_cents = _price(_l("Entreprise membre : demi-journée (centimes)"))
    member_day_cents = _price(_l("Entreprise membre : journée (centimes)"))
    association_hour_cents = _price(_l("Association : heure (centimes)"))
    association_half_day_cents = _price(_l("Association : demi-journée (centimes)"))
    association_day_cents = _price(_l("Association : journée (centimes)"))
    public_hour_cents = _price(_l("Plein tarif : heure (centimes)"))
    public_half_day_cents = _price(_l("Plein tarif : demi-journée (centimes)"))
    public_day_cents = _price(_l("Plein tarif : journée (centimes)"))
    is_active = BooleanField(_l("Réservable"), default=True)
    photos = MultipleFileField(
        _l("Ajouter des photos (JPEG, PNG ou WebP ; 6 Mo au plus par envoi)")
    )

    pictures: list[Image.Image]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k.value, space_kind_label(k)) for k in SpaceKind]

    def validate_open_weekdays(self, field) -> None:
        if not field.data or any(c not in "0123456" for c in field.data):
            raise ValidationError(_("Des chiffres de 0 (lundi) à 6 (dimanche)."))

    def validate_closes_at(self, field) -> None:
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_("La fermeture doit suivre l'ouverture."))

    def validate_photos(self, field: MultipleFileField) -> None:
        """Read the pictures now (by their content), as events do."""
        self.pictures = []
        for upload in field.data or []:
            if not getattr(upload, "filename", ""):
                continue
            try:
                self.pictures.append(images.read_image(upload.stream))
            except images.UnreadableImage as error:
                raise ValidationError(str(error)) from error
