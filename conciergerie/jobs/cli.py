"""`flask --app conciergerie scheduler` (the one scheduler process) and `run-job ID`."""

from __future__ import annotations

import logging
import signal
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from conciergerie.jobs.process import SchedulerProcess, new_holder
from conciergerie.jobs.registry import BY_ID


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs. Start one per site: a second one waits, ready to take over."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler says "Running job…" and "…executed successfully" at every run, every 5 s for
    # the mails: the runner logs what each run did instead (jobs/runner.py).
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    # Stopped by a signal: leave through `finally`, which hands the lease back at once.
    # (SIGINT too: a process started in the background by a shell ignores it otherwise.)
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda *_: sys.exit(0))
    SchedulerProcess(current_app._get_current_object()).run_forever()


@click.command("run-job")
@click.argument("job_id", type=click.Choice(sorted(BY_ID)))
@with_appcontext
def run_job_command(job_id: str) -> None:
    """Run one job now (it takes the scheduler lease for the run, so never beside a live one)."""
    from conciergerie.extensions import db
    from conciergerie.jobs import lease, runner
    from conciergerie.jobs.process import LEASE_TTL
    from conciergerie.models import utcnow

    holder = new_holder()
    if not lease.acquire(db.session, holder, now=utcnow(), ttl=LEASE_TTL):
        raise click.ClickException("Un planificateur tourne déjà : la tâche sera lancée par lui.")
    try:
        run = runner.run_job(current_app._get_current_object(), job_id, holder=holder)
    finally:
        lease.release(db.session, holder)
    if run is None:
        raise click.ClickException("Le verrou du planificateur a été perdu : tâche non lancée.")
    said = run.summary or run.error or "rien à faire"
    click.echo(f"{job_id} : {'ok' if run.ok else 'erreur'} — {said}")
