"""Desk forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional


class FindOrderForm(FlaskForm):
    """Find an order by the code the customer shows (a GET form)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Code de commande"),
        validators=[Optional(), Length(max=16)],
        render_kw={"placeholder": "EVG-…", "autocapitalize": "characters"},
    )
