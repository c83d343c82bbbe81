"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from conciergerie import create_app

app = create_app()
