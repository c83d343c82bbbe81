"""The public front: home page, language switch, legal pages, the health check, and the frame
every page shares (the header's links, the desk's contact in the footer)."""

from __future__ import annotations

from flask import Flask

from conciergerie.home import contact, navigation


def init_app(app: Flask) -> None:
    contact.init_app(app)
    navigation.init_app(app)
