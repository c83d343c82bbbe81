"""Backup benchmark: `backup` (pg_dump) and `restore` (pg_restore) of the load benchmark's large
data set (the demo data, 5,000 customers, 50,000 orders with their lines) on PostgreSQL.

Run: .venv/bin/python bench/backup.py
Needs: PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres) and
pg_dump/pg_restore of the server's major version. Two throw-away databases, `evg_bench_backup`
and `evg_bench_restored`, are created there and dropped at the end. Prints, in one run, the
seconds and sizes measured: database, dump file, backup time, restore time, and the rows found
back.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import create_database, load_data  # noqa: E402
from conciergerie.backup import backup, size_label  # noqa: E402
from conciergerie.restore import counts, migration_scripts, restore  # noqa: E402

NAMES = ("evg_bench_backup", "evg_bench_restored")


def database_size(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()


def measure(url: str, restored_url: str, folder: Path) -> None:
    started = time.perf_counter()
    data = load_data(url)
    print(f"data: {data['counts']} loaded in {time.perf_counter() - started:.0f} s")
    source = sa.create_engine(url)
    target = sa.create_engine(restored_url)
    started = time.perf_counter()
    path = backup(source.url, folder, now=datetime.now(UTC))
    backup_seconds = time.perf_counter() - started
    started = time.perf_counter()
    restore(target, path, scripts=migration_scripts(str(ROOT / "migrations")), force=False)
    restore_seconds = time.perf_counter() - started
    found, expected = counts(target), counts(source)
    print(f"database size      {size_label(database_size(source)):>10}")
    print(f"dump file (custom) {size_label(path.stat().st_size):>10}")
    print(f"backup (pg_dump)   {backup_seconds:>8.1f} s")
    print(f"restore            {restore_seconds:>8.1f} s  (pg_restore into an empty database)")
    print(f"restored database  {size_label(database_size(target)):>10}")
    print(f"rows found back: {found} {'(same as the source)' if found == expected else expected}")
    source.dispose()
    target.dispose()


def main() -> None:
    base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    url, admin = create_database(base, NAMES[0])
    restored_url, _ = create_database(base, NAMES[1])
    try:
        with tempfile.TemporaryDirectory() as folder:
            measure(url, restored_url, Path(folder))
    finally:
        with admin.connect() as conn:
            for name in NAMES:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
