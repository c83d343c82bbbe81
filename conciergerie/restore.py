"""`flask restore FILE`: bring a backup (`flask backup`, the nightly job) back into a database.

PostgreSQL through pg_restore, SQLite by copying the file. The target must be empty (no table
holding a row) unless `--force`, which empties it first. A backup from a migration revision the
code does not know (a newer version of the app) is refused; one from an older revision is
upgraded by the migrations once restored. Sequences come back with pg_restore (the next order id
follows on), `document_counter` with the rows (the next invoice number follows on), and the
trigger that keeps documents immutable with the schema.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
import flask_migrate
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext

from conciergerie.backup import BackupError
from conciergerie.extensions import db

# What the command reports, when the table exists (invoices came with a later migration).
COUNTED = (
    ("commandes", "customer_order"),
    ("paiements", "payment"),
    ("remboursements", "refund"),
    ("factures, reçus et avoirs", "billing_document"),
    ("comptes", "user_account"),
)
# Tables whose rows the migrations themselves write: an empty database may hold these.
SEEDED = {"alembic_version", "catalogue_version", "apscheduler_jobs", "scheduler_lease"}


def migration_scripts(directory: str) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config)


def backup_revision(path: Path) -> str | None:
    """The migration revision the backup was taken at (None: no alembic_version in it)."""
    if path.read_bytes()[:5] == b"PGDMP":
        done = subprocess.run(
            ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore cannot read {path}: {done.stderr.strip()}")
        found = re.search(r"^COPY public\.alembic_version .*?\n(\w+)\n", done.stdout, re.M)
        return found.group(1) if found else None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is neither a pg_dump nor a SQLite backup: {error}") from error
    return row[0] if row else None


def check_revision(revision: str | None, scripts: ScriptDirectory) -> bool:
    """True when the backup needs upgrading after its restore; raise when the code is older."""
    head = scripts.get_current_head()
    if revision is None:
        raise BackupError("the backup has no migration revision (alembic_version): not ours")
    try:
        scripts.get_revision(revision)
    except Exception as error:  # alembic raises several kinds for an unknown revision
        raise BackupError(
            f"the backup is at revision {revision}, unknown to this code (head {head}): it was "
            "taken by a newer version of the app; restore it with that version"
        ) from error
    return revision != head


def holds_data(engine: sa.Engine) -> list[str]:
    """The tables of the database that hold at least one row (beyond the migrations' own)."""
    names = [n for n in sa.inspect(engine).get_table_names() if n not in SEEDED]
    with engine.connect() as conn:
        return [n for n in names if conn.execute(sa.text(f'SELECT 1 FROM "{n}" LIMIT 1')).first()]


def empty(engine: sa.Engine) -> None:
    """Remove every object of the database (tables, sequences, the documents' trigger)."""
    if engine.url.get_backend_name() == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        return
    engine.dispose()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{engine.url.database}{suffix}").unlink(missing_ok=True)


def _pg_restore(url: sa.URL, path: Path) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed (Debian: apt-get install postgresql-client)")
    command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
    for option, value in (("--host", url.host), ("--port", url.port), ("--username", url.username)):
        if value:
            command.append(f"{option}={value}")
    command += [f"--dbname={url.database}", str(path)]
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _sqlite_restore(url: sa.URL, path: Path) -> None:
    target = url.database
    if target in (None, "", ":memory:"):
        raise BackupError("no restore into a SQLite database in memory")
    with sqlite3.connect(path) as saved, sqlite3.connect(target) as live:
        saved.backup(live)
    live.close()
    saved.close()


def counts(engine: sa.Engine) -> dict[str, int]:
    """How many rows of what matters the database holds (tables it has only)."""
    present = set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            label: conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for label, table in COUNTED
            if table in present
        }


def restore(engine: sa.Engine, path: Path, *, scripts: ScriptDirectory, force: bool) -> bool:
    """Restore the backup at `path` into the database of `engine`; True when it was upgraded
    from an older revision afterwards (the caller runs the migrations: they need the app)."""
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    is_dump = path.read_bytes()[:5] == b"PGDMP"
    backend = engine.url.get_backend_name()
    if is_dump != (backend == "postgresql"):
        raise BackupError(f"{path.name} is not a backup for a {backend} database")
    upgrade = check_revision(backup_revision(path), scripts)
    full = holds_data(engine)
    if full and not force:
        raise BackupError(
            "the database holds data (" + ", ".join(sorted(full)[:5]) + "…): restore into an "
            "empty database, or empty this one with --force"
        )
    empty(engine)
    engine.dispose()
    if backend == "postgresql":
        _pg_restore(engine.url, path)
    else:
        _sqlite_restore(engine.url, path)
    return upgrade


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Vider d'abord une base qui contient des données.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Restore a backup (flask backup) into the app's database, then upgrade it if older."""
    directory = current_app.extensions["migrate"].directory
    scripts = migration_scripts(directory)
    try:
        upgraded = restore(db.engine, path, scripts=scripts, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    if upgraded:
        flask_migrate.upgrade(directory=directory)
    figures = ", ".join(f"{n} {label}" for label, n in counts(db.engine).items())
    click.echo(f"restauré : {path.name} — {figures}")
