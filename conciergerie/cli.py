"""Application-wide commands (feature commands register themselves in their init_app)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from conciergerie.database import commit
from conciergerie.demo.service import load_demo_data
from conciergerie.extensions import db
from conciergerie.models import utcnow
from conciergerie.slots.jobs import generate_ahead


@click.command("demo-data")
@click.option("--force", is_flag=True, help="Charger aussi en production (comptes de démo !).")
@with_appcontext
def demo_data_command(force: bool) -> None:
    """Load the demo catalogue, companies, opening hours, accounts and events, and (in a
    database without orders) the desk's last thirteen weeks up to now; then the desk slots of
    the coming weeks.

    Safe to run again: what already exists (by slug or e-mail) is left as it is. Refused in
    production without --force: the demo concierge's password is public.
    """
    if not (current_app.config["DEMO_DATA_ALLOWED"] or force):
        raise click.ClickException(
            "Refusé hors développement : les comptes de démo ont un mot de passe public "
            "(--force pour passer outre)."
        )
    now = utcnow()
    pictures = Path(current_app.config["UPLOAD_ROOT"]) / "events"
    created = load_demo_data(db.session, now=now, pictures=pictures)
    generate_ahead(db.session, now=now)
    commit(db.session)
    if created:
        click.echo(
            "Données de démonstration ajoutées : "
            + ", ".join(f"{n} {k}" for k, n in created.items())
        )
    else:
        click.echo("Données de démonstration déjà présentes : rien à ajouter.")


@click.command("ensure-database")
@with_appcontext
def ensure_database_command() -> None:
    """Create the PostgreSQL database named in DATABASE_URL when it does not exist yet."""
    import sqlalchemy as sa

    url = db.engine.url
    if url.get_backend_name() != "postgresql":
        return  # SQLite creates its file itself
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
                click.echo(f"base {url.database} créée")
    finally:
        admin.dispose()


@click.command("send-mails")
@with_appcontext
def send_mails_command() -> None:
    """Send the mails due now from the outbox, then the texts (the scheduler's `send-mails` job
    does it every 5 seconds). Safe beside it on PostgreSQL: a mail one of them is sending, the
    other passes by."""
    from conciergerie.jobs.summaries import mails
    from conciergerie.mail import send_due
    from conciergerie.texts import service as texts
    from conciergerie.texts.gateway import current_gateway

    done = send_due(db.session, now=utcnow(), budget_seconds=60)
    texted = texts.send_due(db.session, gateway=current_gateway(), now=utcnow(), budget_seconds=60)
    commit(db.session)
    click.echo(mails(texts.figures(done, texted)))


def init_app(app: Flask) -> None:
    from conciergerie.backup import backup_command
    from conciergerie.jobs.cli import run_job_command, scheduler_command
    from conciergerie.orders.cli import send_reminders_command
    from conciergerie.payments.cli import expire_unpaid_command
    from conciergerie.restore import restore_command
    from conciergerie.rounds.cli import plan_rounds_command
    from conciergerie.slots.cli import generate_slots_command

    app.cli.add_command(demo_data_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(ensure_database_command)
    app.cli.add_command(send_mails_command)
    app.cli.add_command(generate_slots_command)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(expire_unpaid_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(run_job_command)
    app.cli.add_command(plan_rounds_command)
