"""Account forms. Every field has a length limit: an oversized value is a form error."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from conciergerie.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from conciergerie.models import Role

REQUIRED = _l("Ce champ est obligatoire.")


def _email_field() -> EmailField:
    return EmailField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("Adresse e-mail trop longue.")),
            Email(_l("Adresse e-mail invalide."), allow_smtputf8=False),
        ],
        render_kw={"autocomplete": "email"},
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Mot de passe"),
        validators=[
            DataRequired(REQUIRED),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=_l("Entre %(min)d et %(max)d caractères.", min=MIN_LENGTH, max=MAX_LENGTH),
            ),
        ],
        description=_l(
            "Au moins %(min)d caractères. Une phrase de passe de plusieurs mots est idéale.",
            min=MIN_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_LENGTH),
            EqualTo("password", message=_l("Les deux mots de passe ne correspondent pas.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class SignUpForm(FlaskForm):
    full_name = StringField(
        _l("Prénom et nom"),
        validators=[DataRequired(REQUIRED), Length(max=120, message=_l("120 caractères au plus."))],
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    phone = StringField(
        _l("Téléphone (facultatif)"),
        validators=[
            Optional(),
            Length(max=30, message=_l("30 caractères au plus.")),
            Regexp(r"^[0-9 +().-]+$", message=_l("Chiffres, espaces et + seulement.")),
        ],
        description=_l("Pour vous prévenir quand votre commande est prête."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    customer_type = RadioField(
        _l("Vous êtes"),
        choices=[
            SelectChoice(Role.RESIDENT.value, _l("Habitant·e du quartier Gambetta")),
            SelectChoice(Role.EMPLOYEE.value, _l("Salarié·e d'une entreprise de La Grappe")),
        ],
        validators=[
            InputRequired(_l("Dites-nous si vous habitez le quartier ou travaillez à La Grappe."))
        ],
    )
    member_company = SelectField(
        _l("Votre entreprise à La Grappe"),
        coerce=int,
        validators=[Optional()],
        description=_l(
            "Seulement si vous travaillez à La Grappe. Avec votre adresse e-mail "
            "professionnelle, le lien de confirmation suffit à le vérifier ; sinon, la "
            "conciergerie le vérifie, et vos commandes ont d'ici là les frais de service "
            "habituels."
        ),
    )
    password, confirm = _new_password_fields()

    def __init__(self, *args: object, companies: list[tuple[int, str]] = (), **kwargs: object):
        super().__init__(*args, **kwargs)
        self.member_company.choices = [
            SelectChoice(0, _l("— Choisissez —")),
            *(SelectChoice(company_id, name) for company_id, name in companies),
        ]

    def validate_member_company(self, field: SelectField) -> None:
        if self.customer_type.data == Role.EMPLOYEE.value and not field.data:
            raise ValidationError(_l("Choisissez votre entreprise de La Grappe."))


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Rester connecté·e sur cet appareil"))


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields()


def phone_field(label: object, description: object = None) -> StringField:
    """An optional phone number, checked again by accounts.profile.check_phone (its digits)."""
    return StringField(
        label,
        validators=[
            Optional(),
            Length(max=30, message=_l("30 caractères au plus.")),
            Regexp(r"^[0-9 +().-]+$", message=_l("Chiffres, espaces et + seulement.")),
        ],
        description=description,
        render_kw={"autocomplete": "tel", "inputmode": "tel", "type": "tel"},
    )


class DetailsForm(FlaskForm):
    """ "Mon compte": one's name and phone number."""

    full_name = StringField(
        _l("Prénom et nom"),
        validators=[DataRequired(REQUIRED), Length(max=120, message=_l("120 caractères au plus."))],
        render_kw={"autocomplete": "name"},
    )
    phone = phone_field(
        _l("Téléphone (facultatif)"),
        _l("Pour vous prévenir quand votre commande est prête, ou pendant une tournée."),
    )
    texts_opt_in = BooleanField(
        _l("Recevoir un SMS quand ma commande est prête et la veille de mes créneaux"),
        description=_l(
            "Sur ce numéro de mobile. Répondez STOP à l'un de nos SMS, ou décochez ici, pour ne "
            "plus en recevoir."
        ),
    )


class EmailChangeForm(FlaskForm):
    """ "Mon compte": a new address, which counts once confirmed; asks the password again."""

    new_email = EmailField(
        _l("Nouvelle adresse e-mail"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("Adresse e-mail trop longue.")),
            Email(_l("Adresse e-mail invalide."), allow_smtputf8=False),
        ],
        render_kw={"autocomplete": "email"},
    )
    email_password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_LENGTH)],
        description=_l(
            "Changer d'adresse est sensible : votre mot de passe nous assure que c'est vous."
        ),
        render_kw={"autocomplete": "current-password"},
    )


class CancelEmailChangeForm(FlaskForm):
    """No fields: forgetting the pending address is a POST with its CSRF token."""


class DeleteAccountForm(FlaskForm):
    """Erasing one's account: asked again for the password, and ticked on purpose."""

    password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        _l("Je comprends que mon compte sera effacé et que je ne pourrai plus m'y connecter."),
        validators=[DataRequired(_l("Cochez cette case pour confirmer."))],
    )


class LogoutForm(FlaskForm):
    """No fields: signing out is a POST, protected by the CSRF token."""
