"""`flask --app conciergerie expire-unpaid`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from conciergerie.extensions import db
from conciergerie.models import utcnow
from conciergerie.payments.jobs import expire_unpaid


@click.command("expire-unpaid")
@with_appcontext
def expire_unpaid_command() -> None:
    """Cancel the online orders whose payment did not come in time, freeing their places."""
    count = expire_unpaid(db.session, now=utcnow())
    db.session.commit()
    click.echo(f"Commandes non payées annulées : {count}")
