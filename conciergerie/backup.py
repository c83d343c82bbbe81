"""Backups: a dated copy of the database (pg_dump, or SQLite's own backup), taken by `flask backup`
or the scheduler's nightly `backup-database` job, which keeps the last N daily and M monthly
copies it wrote (see `prune`). `conciergerie.restore` brings one back."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from conciergerie.extensions import db
from conciergerie.timeutils import PARIS


class BackupError(Exception):
    pass


# The names `backup` gives its files: only these are ever deleted by `prune`.
NAME = re.compile(r"^conciergerie-(\d{4})-(\d{2})-(\d{2})T(\d{6})\.(dump|sqlite3)$")


def backup(url: sa.URL, directory: Path, *, now: datetime) -> Path:
    """Write a copy of the database at `url` into `directory`, named by the date (Paris)."""
    # The copy holds every person's data and password hashes: readable by its owner only.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = now.astimezone(PARIS).strftime("%Y-%m-%dT%H%M%S")
    if url.get_backend_name() == "postgresql":
        target = directory / f"conciergerie-{stamp}.dump"
        _private(target)
        return _pg_dump(url, target)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        target = directory / f"conciergerie-{stamp}.sqlite3"
        _private(target)
        return _sqlite_copy(Path(url.database), target)
    raise BackupError(f"no backup for the database {url.render_as_string()!r}")


def _private(target: Path) -> None:
    """Create the file empty, owner-only, before anything is written into it."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def _pg_dump(url: sa.URL, target: Path) -> Path:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"]
    for option, value in (("--host", url.host), ("--port", url.port), ("--username", url.username)):
        if value:
            command.append(f"{option}={value}")
    command.append(url.database or "postgres")
    # The password goes through the environment, never the command line (visible in ps).
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return target


def _sqlite_copy(source: Path, target: Path) -> Path:
    # SQLite's backup API copies a consistent state even while the app writes.
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    copy.close()
    return target


def prune(directory: Path, *, keep_daily: int, keep_monthly: int) -> list[Path]:
    """Delete the copies `backup` wrote into `directory` beyond the newest one of each of the
    last `keep_daily` days and of the last `keep_monthly` months; return what was deleted.

    Only files named as `backup` names them are considered: anything else in the folder (a
    copy set aside by hand, another tool's files) is never touched."""
    ours = sorted(
        (p for p in directory.iterdir() if p.is_file() and NAME.match(p.name)),
        key=lambda p: p.name[len("conciergerie-") :],
        reverse=True,  # newest first: the names sort by date and time
    )
    kept: set[Path] = set()
    for width, keep in ((10, keep_daily), (7, keep_monthly)):  # "YYYY-MM-DD", "YYYY-MM"
        periods: dict[str, Path] = {}
        for path in ours:
            periods.setdefault(path.name[13 : 13 + width], path)  # the newest of its period
        kept.update(list(periods.values())[:keep])
    deleted = [path for path in ours if path not in kept]
    for path in deleted:
        path.unlink()
    return deleted


def nightly(
    url: sa.URL, directory: Path, *, keep_daily: int, keep_monthly: int, now: datetime
) -> dict[str, object]:
    """The scheduler's backup: a new copy, then the old ones pruned; the figures for the jobs
    page (jobs/summaries.py)."""
    path = backup(url, directory, now=now)
    deleted = prune(directory, keep_daily=keep_daily, keep_monthly=keep_monthly)
    return {"file": path.name, "bytes": path.stat().st_size, "deleted": len(deleted)}


def run_nightly(session: Session, *, now: datetime) -> dict[str, object]:
    """The `backup-database` job, its settings from the config (a failure is raised: the jobs
    page shows it, and the runner calls `mail_failure`)."""
    config = current_app.config
    return nightly(
        session.get_bind().engine.url,
        Path(config["BACKUP_DIR"]),
        keep_daily=config["BACKUP_KEEP_DAILY"],
        keep_monthly=config["BACKUP_KEEP_MONTHLY"],
        now=now,
    )


def mail_failure(session: Session, error: str, now: datetime) -> None:
    """Tell the concierges that the night's backup failed (written to the outbox of `session`,
    the transaction that records the failed run)."""
    from conciergerie.accounts.service import active_concierges
    from conciergerie.mail import send_templated

    for concierge in active_concierges(session):
        send_templated(
            concierge,
            "backup_failed",
            _l("La sauvegarde de la nuit a échoué"),
            error=error,
            when=now,
            directory=current_app.config["BACKUP_DIR"],
        )


@click.command("backup")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dossier des sauvegardes (défaut : BACKUP_DIR).",
)
@with_appcontext
def backup_command(directory: Path | None) -> None:
    """Save a dated copy of the database (pg_dump custom format, or a SQLite file)."""
    try:
        path = backup(
            db.engine.url,
            directory or Path(current_app.config["BACKUP_DIR"]),
            now=datetime.now(PARIS),
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"sauvegarde : {path} ({path.stat().st_size} octets)")
