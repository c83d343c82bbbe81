"""Forms of the providers' portal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


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
