"""`flask --app conciergerie plan-rounds --date YYYY-MM-DD`."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask.cli import with_appcontext

from conciergerie.database import commit
from conciergerie.extensions import db
from conciergerie.models import utcnow
from conciergerie.rounds.jobs import plan_and_tell
from conciergerie.rounds.service import RoundError
from conciergerie.timeutils import local_date


@click.command("plan-rounds")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Le jour à planifier (par défaut : demain).",
)
@with_appcontext
def plan_rounds_command(day) -> None:
    """Plan (or plan again) the pickup rounds of a day; rounds locked or under way are kept."""
    target: date = day.date() if day else local_date(utcnow()) + timedelta(days=1)
    try:
        report = plan_and_tell(db.session, target, now=utcnow())
    except RoundError as error:
        raise click.ClickException(str(error)) from None
    commit(db.session)
    click.echo(report.summary())
    for unmet in report.unmet:
        click.echo(f"  ligne {unmet['line_id']} ({unmet['action']}) : {unmet['reason']}")
