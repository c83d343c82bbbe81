"""`flask backup` writes a dated, restorable copy of the database."""

import re
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from conciergerie import create_app
from conciergerie.backup import BackupError, backup, prune
from conciergerie.config import normalise_database_url
from conciergerie.i18n import file_size
from conciergerie.jobs import lease, runner
from conciergerie.jobs.process import build_scheduler
from conciergerie.models import Role

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


def _touch(folder, *names):
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"x")


def test_prune_keeps_the_newest_of_the_last_days_and_months_and_only_its_own_files(tmp_path):
    days = [f"conciergerie-2026-{m:02d}-{d:02d}T014500.dump" for m in (9, 10, 11) for d in (1, 15)]
    evening = "conciergerie-2026-11-15T220000.dump"  # a second copy that day, by hand
    others = ["notes.txt", "conciergerie-avant-migration.dump", "pg_dumpall.sql"]
    _touch(tmp_path, *days, evening, *others)
    deleted = prune(tmp_path, keep_daily=2, keep_monthly=2)
    left = sorted(p.name for p in tmp_path.iterdir())
    # Days: 15 Nov (the evening copy) and 1 Nov; months: November (15 Nov, evening) and October
    # (the 15th, its newest). Everything else of ours goes; the others' files stay.
    assert left == sorted([evening, days[4], days[3], *others])  # days[4] = 1 Nov, days[3] = 15 Oct
    assert {p.name for p in deleted} == {days[0], days[1], days[2], days[5]}


def test_the_nightly_job_saves_prunes_and_says_what_it_wrote(app, session, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "saves"))
    monkeypatch.setitem(app.config, "BACKUP_KEEP_DAILY", 1)
    monkeypatch.setitem(app.config, "BACKUP_KEEP_MONTHLY", 0)
    _touch(tmp_path / "saves", "conciergerie-2026-11-20T014500.sqlite3", "mine.txt")
    lease.acquire(session, "me", now=NOW, ttl=timedelta(days=3650))
    run = runner.run_job(app, "backup-database", holder="me")
    assert run.ok, run.error
    saved = [p for p in (tmp_path / "saves").iterdir() if p.name != "mine.txt"]
    assert len(saved) == 1 and saved[0].name in run.summary  # the old copy is gone
    assert saved[0].stat().st_mode & 0o777 == 0o600
    assert re.search(r"\d+(,\d)? [kM]?o ; 1 ancienne copie supprimée", run.summary)


def test_a_failed_nightly_backup_is_on_the_jobs_page_and_mailed_to_the_concierge(
    app, session, client, login_as, outbox, monkeypatch
):
    def broken(url, directory, *, now):
        raise BackupError("pg_dump failed: disk full")

    monkeypatch.setattr("conciergerie.backup.backup", broken)
    concierge = login_as(Role.CONCIERGE)
    lease.acquire(session, "me", now=NOW, ttl=timedelta(days=3650))
    run = runner.run_job(app, "backup-database", holder="me")
    assert not run.ok and "disk full" in run.error
    assert [m.to for m in outbox] == [[concierge.email]]
    assert "disk full" in outbox[0].body and "échoué" in outbox[0].subject
    html = client.get("/comptoir/taches/").get_data(as_text=True)
    assert "backup-database" in html and "disk full" in html


def test_the_nightly_backup_runs_at_the_configured_hour(app, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_HOUR", 4)
    monkeypatch.setitem(app.config, "BACKUP_MINUTE", 10)
    job = build_scheduler(app).get_job("backup-database")
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert fields["hour"] == "4" and fields["minute"] == "10"
    assert job.coalesce and job.max_instances == 1


def test_sizes_read_as_a_person_reads_them(app):
    sizes = (0, 1023, 1536, 5 * 1024**2, 3 * 1024**3)
    with app.test_request_context(), force_locale("fr"):
        assert [file_size(n) for n in sizes] == ["0 o", "1023 o", "1,5 ko", "5,0 Mo", "3,0 Go"]
    with app.test_request_context(), force_locale("en_GB"):
        assert [file_size(n) for n in sizes] == ["0 B", "1023 B", "1.5 kB", "5.0 MB", "3.0 GB"]
