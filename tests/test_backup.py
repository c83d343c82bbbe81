"""`flask backup` writes a dated, restorable copy of the database."""

import sqlite3
import subprocess
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from conciergerie import create_app
from conciergerie.backup import BackupError, backup
from conciergerie.config import normalise_database_url

NOW = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)


def test_a_sqlite_database_is_copied_with_the_paris_date(tmp_path):
    live = tmp_path / "live.sqlite3"
    with sqlite3.connect(live) as conn:
        conn.execute("CREATE TABLE customer_order (code TEXT)")
        conn.execute("INSERT INTO customer_order VALUES ('EVG-1')")
    conn.close()
    path = backup(sa.make_url(f"sqlite:///{live}"), tmp_path / "saves", now=NOW)
    assert path.name == "conciergerie-2026-11-25T233000.sqlite3"  # 23:30 in Paris
    with sqlite3.connect(path) as copy:
        assert copy.execute("SELECT code FROM customer_order").fetchall() == [("EVG-1",)]
    copy.close()
    assert path.stat().st_mode & 0o777 == 0o600  # every person's data: owner only
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_the_command_writes_into_the_given_folder(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/app.sqlite3")
    with app.app_context():
        from conciergerie.extensions import db

        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    result = app.test_cli_runner().invoke(args=["backup", "--dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    saved = list((tmp_path / "out").glob("conciergerie-*.sqlite3"))
    assert len(saved) == 1 and saved[0].name in result.output


def test_a_database_in_memory_cannot_be_saved_and_says_so(tmp_path):
    with pytest.raises(BackupError, match="no backup"):
        backup(sa.make_url("sqlite://"), tmp_path, now=NOW)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    result = app.test_cli_runner().invoke(args=["backup", "--dir", str(tmp_path)])
    assert result.exit_code != 0 and "no backup" in result.output


def test_postgresql_is_dumped_in_pg_dumps_own_format(app, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_dump is a PostgreSQL matter; CI runs this on PostgreSQL")
    path = backup(sa.make_url(normalise_database_url(database_url)), tmp_path, now=NOW)
    assert path.name == "conciergerie-2026-11-25T233000.dump"
    assert path.read_bytes()[:5] == b"PGDMP"
    assert path.stat().st_mode & 0o777 == 0o600
    listing = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True, text=True)
    assert "TABLE public customer_order" in listing.stdout


def test_a_failing_pg_dump_leaves_no_file_and_says_why(tmp_path):
    url = sa.make_url("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(BackupError, match="pg_dump failed"):
        backup(url, tmp_path, now=NOW)
    assert list(tmp_path.iterdir()) == []
