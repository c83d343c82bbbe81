"""`flask backup`: a dated copy of the database (pg_dump, or SQLite's own backup), for cron."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from conciergerie.extensions import db
from conciergerie.timeutils import PARIS


class BackupError(Exception):
    pass


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
