"""The concierge's forms for the catalogue and the member companies."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import TextInput

from conciergerie.accounts.forms import phone_field
from conciergerie.i18n import WEEKDAY_NAMES
from conciergerie.manage.service import parse_ranges
from conciergerie.models import OfferKind, Role

REQUIRED = _l("Ce champ est obligatoire.")


class FrenchDecimalField(DecimalField):
    """A decimal written the French way too: "18,50" as well as "18.50".

    A text field, not a number one: a browser whose own language is not French drops "18,50"
    from a number field (and shows "18.00" to a French reader), while a French phone keyboard's
    decimal key types a comma. Shown with a comma in French."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        text = super()._value()
        if self.raw_data:  # as it was typed
            return text
        locale = get_locale()
        return text.replace(".", ",") if locale is None or locale.language == "fr" else text

    def process_formdata(self, valuelist):
        if valuelist:
            # "1 200,50" as people write it: spaces between thousands, a decimal comma.
            text = valuelist[0].replace(",", ".")
            valuelist = ["".join(text.split())]  # any space, no-break ones too
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Un nombre est attendu, par exemple 18,50.")) from error
        if self.data is not None:
            if not self.data.is_finite():  # NaN, sNaN, Infinity
                self.data = None
                raise ValueError(_l("Un nombre est attendu, par exemple 18,50."))
            if self.places is not None and self.data.as_tuple().exponent < -self.places:
                self.data = None
                raise ValueError(
                    _l("%(places)d chiffres après la virgule au plus.", places=self.places)
                )


def _text(label, max_length: int, *, required: bool = True, area: bool = False, **kw):
    field = TextAreaField if area else StringField
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    validators.append(Length(max=max_length, message=_l("Trop long.")))
    return field(label, validators=validators, **kw)


def _euros(label, *, required: bool = True):
    return FrenchDecimalField(
        label,
        places=2,
        validators=[
            InputRequired(REQUIRED) if required else Optional(),
            NumberRange(min=0, max=100_000, message=_l("Entre 0 et 100 000 €.")),
        ],
        description=_l("En euros, par exemple 18,50."),
    )


def cents(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def _weekday(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _check_hours(form, field) -> None:
    try:
        parse_ranges(field.data or "")
    except ValueError as error:
        raise ValidationError(str(error)) from error


# The provider's fields the form gives as they are (numbers and hours are converted).
PROVIDER_FIELDS = (
    "name", "slug", "category_id", "summary", "description", "ess_status", "local_story",
    "address", "is_active", "is_integration_enterprise",
)  # fmt: skip


class WeekHoursForm(FlaskForm):
    """A provider's opening hours, one text per weekday (`hours_0` … `hours_6`, set below)."""

    def hours(self) -> dict[int, list]:
        return {day: parse_ranges(getattr(self, f"hours_{day}").data or "") for day in range(7)}


class ProviderForm(WeekHoursForm):
    name = _text(_l("Nom"), 160)
    slug = _text(
        _l("Identifiant dans l'adresse"), 80, description=_l("Par exemple cordonnerie-gambetta.")
    )
    category_id = SelectField(_l("Catégorie"), coerce=int, validators=[InputRequired(REQUIRED)])
    summary = _text(_l("Résumé (carte du catalogue)"), 300)
    description = _text(_l("Description"), 5_000, area=True)
    ess_status = _text(_l("Statut (économie sociale et solidaire)"), 160)
    local_story = _text(_l("Pourquoi c'est local"), 5_000, area=True)
    address = _text(_l("Adresse"), 255)
    # Optional here: the address API may find them (manage.service.place_provider says when
    # they are needed).
    latitude = FrenchDecimalField(
        _l("Latitude"),
        places=6,
        validators=[Optional(), NumberRange(min=-90, max=90)],
    )
    longitude = FrenchDecimalField(
        _l("Longitude"),
        places=6,
        validators=[Optional(), NumberRange(min=-180, max=180)],
    )
    position_by_hand = BooleanField(
        _l("Position saisie à la main"),
        description=_l(
            "Cochée, la latitude et la longitude saisies sont gardées telles quelles ; sinon, "
            "quand l'adresse change, la position est cherchée dans la Base Adresse Nationale."
        ),
    )
    commission_rate = FrenchDecimalField(
        _l("Commission du comptoir (%)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=50, message=_l("Entre 0 et 50 %%."))],
        description=_l("Vide : le taux par défaut."),
    )
    is_active = BooleanField(_l("Visible au catalogue"))
    is_integration_enterprise = BooleanField(
        _l("Entreprise d'insertion (structure d'insertion par l'activité économique)")
    )

    def values(self) -> dict[str, object]:
        """The provider's columns, from the validated form."""
        rate = self.commission_rate.data
        return {
            **{name: getattr(self, name).data for name in PROVIDER_FIELDS},
            "latitude": None if self.latitude.data is None else float(self.latitude.data),
            "longitude": None if self.longitude.data is None else float(self.longitude.data),
            "commission_rate_bp": None if rate is None else int(rate * 100),
        }


for _day, _name in WEEKDAY_NAMES.items():
    setattr(
        WeekHoursForm,
        f"hours_{_day}",
        StringField(
            _name,
            validators=[Optional(), Length(max=100), _check_hours],
            description=_l("Par exemple 09:00-12:30, 14:00-19:00 ; vide : fermé."),
        ),
    )


WEEKDAY_CHOICES = [SelectChoice("", "—")] + [
    SelectChoice(str(day), name) for day, name in WEEKDAY_NAMES.items()
]


class OfferForm(FlaskForm):
    name = _text(_l("Nom"), 160)
    description = _text(_l("Description"), 2_000, required=False, area=True)
    kind = SelectField(
        _l("Sorte"),
        choices=[
            SelectChoice(OfferKind.SERVICE.value, _l("Service : l'article est déposé au comptoir")),
            SelectChoice(
                OfferKind.BASKET.value, _l("Panier : livré au comptoir un jour de la semaine")
            ),
        ],
        validators=[InputRequired(REQUIRED)],
    )
    price = _euros(_l("Prix"))
    unit = _text(_l("Unité"), 60, description=_l("la pièce, la paire, le panier…"))
    turnaround_days = IntegerField(
        _l("Délai en jours ouvrés"),
        validators=[InputRequired(REQUIRED), NumberRange(min=0, max=60)],
        default=0,
    )
    position = IntegerField(
        _l("Ordre d'affichage"), validators=[Optional(), NumberRange(min=0, max=10_000)], default=0
    )
    is_active = BooleanField(_l("En vente"), default=True)
    is_repair = BooleanField(_l("Une réparation (un objet réparé plutôt que jeté)"))
    on_quote = BooleanField(
        _l("Sur devis (services)"),
        description=_l(
            "Le prestataire fixe le prix après avoir vu l'article ; le prix ci-dessus est "
            "affiché « à partir de »."
        ),
    )
    weight_kg = FrenchDecimalField(
        _l("Poids (paniers, en kg)"),
        places=3,
        validators=[Optional(), NumberRange(min=0, max=100, message=_l("Entre 0 et 100 kg."))],
        description=_l("Pour les kilos de produits locaux du rapport d'impact."),
    )
    delivery_weekday = SelectField(
        _l("Jour de livraison (paniers)"), choices=WEEKDAY_CHOICES, validators=[Optional()]
    )
    order_cutoff_weekday = SelectField(
        _l("Commandes closes le (paniers)"), choices=WEEKDAY_CHOICES, validators=[Optional()]
    )
    order_cutoff_time = TimeField(_l("à (heure)"), validators=[Optional()])
    stock_per_delivery = IntegerField(
        _l("Paniers par livraison"),
        validators=[Optional(), NumberRange(min=0, max=10_000)],
        description=_l(
            "Combien le producteur en apporte à chaque livraison ; vide : autant que commandé. "
            "Les abonnements passent d'abord, le reste est ouvert aux commandes."
        ),
    )

    def values(self) -> dict[str, object]:
        """The offer's columns, from the validated form."""
        weight = self.weight_kg.data
        names = ("name", "unit", "turnaround_days", "is_active", "is_repair", "on_quote")
        return {
            **{name: getattr(self, name).data for name in names},
            "description": self.description.data or "",
            "position": self.position.data or 0,
            "kind": OfferKind(self.kind.data),
            "price_cents": cents(self.price.data),
            "weight_grams": None if weight is None else int(weight * 1000),
            "delivery_weekday": _weekday(self.delivery_weekday.data),
            "order_cutoff_weekday": _weekday(self.order_cutoff_weekday.data),
            "order_cutoff_time": self.order_cutoff_time.data,
            # A service has no stock: the field is for baskets only.
            "stock_per_delivery": (
                self.stock_per_delivery.data if self.kind.data == OfferKind.BASKET.value else None
            ),
        }

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        basket_fields = (self.delivery_weekday, self.order_cutoff_weekday, self.order_cutoff_time)
        if self.kind.data == OfferKind.BASKET.value:
            for field in basket_fields:
                if field.data in (None, ""):
                    field.errors.append(_l("Obligatoire pour un panier."))
                    ok = False
            if self.is_repair.data:
                self.is_repair.errors.append(_l("Un panier n'est pas une réparation."))
                ok = False
            if self.on_quote.data:
                self.on_quote.errors.append(_l("Un panier n'est pas sur devis."))
                ok = False
        else:
            for field in (*basket_fields, self.weight_kg):
                if field.data not in (None, ""):
                    field.errors.append(_l("Seulement pour un panier."))
                    ok = False
        return ok


class CompanyForm(FlaskForm):
    name = _text(_l("Nom"), 160)
    slug = _text(_l("Identifiant"), 80, description=_l("Par exemple grands-ensemble."))
    headcount = IntegerField(
        _l("Salarié·es dans le bâtiment"),
        validators=[InputRequired(REQUIRED), NumberRange(min=0, max=100_000)],
    )
    is_subscriber = BooleanField(_l("Abonnée à la conciergerie"))
    yearly_fee = _euros(_l("Abonnement annuel (300 à 4 000 € selon l'effectif)"))
    address = _text(
        _l("Adresse (sur ses factures)"),
        300,
        required=False,
        area=True,
    )
    siret = StringField(
        _l("SIRET"),
        filters=[lambda value: "".join((value or "").split())],
        validators=[
            Optional(),
            Regexp(r"^\d{14}$", message=_l("Un SIRET compte 14 chiffres.")),
        ],
    )
    billing_email = EmailField(
        _l("E-mail de facturation"),
        validators=[
            Optional(),
            Length(max=254, message=_l("Trop long.")),
            Email(_l("Adresse e-mail invalide."), allow_smtputf8=False),
        ],
        description=_l("Les factures de l'abonnement y sont envoyées."),
    )
    effective_on = DateField(
        _l("Changement de l'abonnement à partir du"),
        validators=[Optional()],
        description=_l(
            "Laissez vide pour aujourd'hui. Une date passée corrige le bilan des mois depuis "
            "(un abonnement signé plus tôt, par exemple)."
        ),
    )

    email_domains = _text(
        _l("Domaines des adresses e-mail des salarié·es"),
        500,
        required=False,
        description=_l(
            "Par exemple grands-ensemble.fr, séparés par des virgules. Un·e salarié·e qui "
            "s'inscrit avec une adresse sur l'un d'eux est vérifié·e par le lien de "
            "confirmation ; les autres attendent votre accord."
        ),
    )

    def values(self) -> dict[str, object]:
        """The company's columns, from the validated form (the day of the change aside; the
        domains as written, manage.service.save_company normalises them)."""
        return {
            **{name: getattr(self, name).data for name in ("name", "slug", "headcount")},
            "is_subscriber": self.is_subscriber.data,
            "yearly_fee_cents": cents(self.yearly_fee.data),
            "email_domains": self.email_domains.data or "",
            "address": (self.address.data or "").strip(),
            "siret": self.siret.data or "",
            "billing_email": (self.billing_email.data or "").strip().lower() or None,
        }


class DecisionForm(FlaskForm):
    """No fields: approving or declining an employee's request is a POST with its CSRF token."""


ROLE_CHOICES = [
    SelectChoice(Role.RESIDENT.value, _l("Habitant·e du quartier")),
    SelectChoice(Role.EMPLOYEE.value, _l("Salarié·e d'une entreprise de La Grappe")),
    SelectChoice(Role.VOLUNTEER.value, _l("Volontaire en service civique")),
    SelectChoice(Role.PROVIDER.value, _l("Prestataire")),
    SelectChoice(Role.CONCIERGE.value, _l("Concierge")),
]


def _optional_id(value: object) -> int | None:
    return None if value in (None, "") else int(value)


class UserForm(FlaskForm):
    """Someone's role (with its company or provider), tarif solidaire, and active account."""

    role = SelectField(_l("Rôle"), choices=ROLE_CHOICES, validators=[InputRequired(REQUIRED)])
    member_company_id = SelectField(
        _l("Entreprise de La Grappe"),
        coerce=_optional_id,
        description=_l("Pour un·e salarié·e seulement."),
    )
    provider_id = SelectField(
        _l("Prestataire"),
        coerce=_optional_id,
        description=_l("Pour un compte prestataire seulement."),
    )
    solidarity_rate = BooleanField(_l("Tarif solidaire : pas de frais de service"))
    is_active_account = BooleanField(_l("Compte actif (sinon, plus de connexion possible)"))


INVITED_ROLE_CHOICES = [
    SelectChoice(Role.VOLUNTEER.value, _l("Volontaire en service civique")),
    SelectChoice(Role.PROVIDER.value, _l("Prestataire")),
    SelectChoice(Role.CONCIERGE.value, _l("Concierge")),
]


class InviteForm(FlaskForm):
    """An account for someone of the team, opened by invitation (manage.users.invite_user)."""

    full_name = _text(_l("Prénom et nom"), 120)
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("Adresse e-mail trop longue.")),
            Email(_l("Adresse e-mail invalide."), allow_smtputf8=False),
        ],
        description=_l("L'invitation y est envoyée ; c'est aussi l'identifiant de connexion."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    phone = phone_field(_l("Téléphone (facultatif)"))
    role = SelectField(
        _l("Rôle"), choices=INVITED_ROLE_CHOICES, validators=[InputRequired(REQUIRED)]
    )
    provider_id = SelectField(
        _l("Prestataire"),
        coerce=_optional_id,
        description=_l("Pour un compte prestataire seulement."),
    )
    locale = SelectField(
        _l("Langue de ses messages"),
        choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
        validators=[InputRequired(REQUIRED)],
    )


class InvitationForm(FlaskForm):
    """No fields: sending an invitation again is a POST with its CSRF token."""


class RevertForm(FlaskForm):
    """Reverting a provider's change: no fields, a POST protected by the CSRF token."""
