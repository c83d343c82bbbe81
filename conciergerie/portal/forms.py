"""Forms of the providers' portal."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ReadyForm(FlaskForm):
    """The "ready" button: no fields, a POST protected by the CSRF token."""
