"""`flask --app conciergerie send-reminders`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from conciergerie.database import commit
from conciergerie.extensions import db
from conciergerie.models import utcnow
from conciergerie.orders.jobs import send_reminders


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Mail the customers who have a slot tomorrow (each reminder is sent once)."""
    count = send_reminders(db.session, now=utcnow())
    commit(db.session)
    click.echo(f"Rappels envoyés : {count}")
