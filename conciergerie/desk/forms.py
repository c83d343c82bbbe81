"""Desk forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional


class FindOrderForm(FlaskForm):
    """Find an order by the code the customer shows, or by their name or e-mail (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Code, nom ou e-mail"),
        validators=[Optional(), Length(max=120, message=_l("120 caractères au plus."))],
        render_kw={"placeholder": "EVG-…", "autocomplete": "off", "spellcheck": "false"},
    )
