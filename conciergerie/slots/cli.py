"""`flask --app conciergerie generate-slots --weeks 4`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from conciergerie.extensions import db
from conciergerie.jobs import summaries
from conciergerie.models import utcnow
from conciergerie.slots.jobs import generate_ahead


@click.command("generate-slots")
@click.option(
    "--weeks",
    type=click.IntRange(1, 26),
    default=None,
    help="Semaines à l'avance (défaut : SLOT_WEEKS_AHEAD).",
)
@with_appcontext
def generate_slots_command(weeks: int | None) -> None:
    """Create the desk slots from the opening hours; never duplicates, never drops a booking."""
    report = generate_ahead(db.session, now=utcnow(), weeks=weeks)
    db.session.commit()
    figures = {
        "created": report.created,
        "removed": report.removed,
        "kept": report.kept_with_bookings,
    }
    click.echo(summaries.slots(figures))
