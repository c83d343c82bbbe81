"""Accounts: sign-up, sign-in, roles, password reset."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from conciergerie.extensions import db, login_manager
from conciergerie.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user from the cookie's "id.session_version"; a stale version means signed out."""
    raw_id, _sep, raw_version = user_id.partition(".")
    if not (raw_id.isdigit() and raw_version.isdigit()):
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_version != int(raw_version):
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from conciergerie.accounts.cli import create_user_command

    app.cli.add_command(create_user_command)
