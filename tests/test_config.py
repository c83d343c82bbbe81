import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conciergerie import create_app
from conciergerie.config import DEV_SECRET_KEY, ProductionConfig, normalise_database_url


def test_production_refuses_the_default_secret_key():
    class Prod(ProductionConfig):
        SECRET_KEY = DEV_SECRET_KEY
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://db/evg"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Prod)


def test_production_refuses_a_missing_database_url():
    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 40
        SQLALCHEMY_DATABASE_URI = None

    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(Prod)


class RealProd(ProductionConfig):
    SECRET_KEY = "a-real-random-secret-of-more-than-32-chars"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PUBLIC_URL = "https://etvoila-gambetta.fr"
    MAIL_BACKEND = "smtp"


@pytest.mark.parametrize(
    "setting, value, message",
    [
        ("PUBLIC_URL", "http://etvoila-gambetta.fr", "PUBLIC_URL"),
        ("MAIL_BACKEND", "console", "MAIL_SERVER"),
    ],
)
def test_production_refuses_unsafe_mail_settings(setting, value, message):
    Prod = type("Prod", (RealProd,), {setting: value})
    with pytest.raises(RuntimeError, match=message):
        create_app(Prod)


def test_production_refuses_per_process_limits_with_several_workers():
    Prod = type("Prod", (RealProd,), {"WEB_CONCURRENCY": 4})
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app(Prod)
    shared = type("Prod", (Prod,), {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"})
    assert create_app(shared).config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    one_worker = type("Prod", (RealProd,), {"WEB_CONCURRENCY": 1})
    assert create_app(one_worker).config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_demo_data_is_refused_in_production(tmp_path):
    app = create_app(RealProd, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/prod.db")
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0 and "--force" in result.output


def test_production_starts_with_real_settings():
    Prod = RealProd

    app = create_app(Prod)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_configuration_name_is_refused():
    with pytest.raises(RuntimeError, match="Unknown configuration"):
        create_app("staging")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "url, shown, reason",
    [
        (
            "postgresql://postgres:s3cret-pw@127.0.0.1:1/nope",
            "postgresql+psycopg://postgres:***@127.0.0.1:1/nope",
            "Connection refused",
        ),
        ("foo://x", "foo://x", "sqlalchemy.dialects:foo"),
        ("not a url at all", "not a url at all", "Could not parse"),
        (
            "postgresql://postgres:s3cret-pw@db:port/x",
            "postgresql+psycopg://postgres:***@db:port/x",
            "invalid literal",
        ),
        (
            "sqlite:////nonexistent/folder/db.sqlite3",
            "sqlite:////nonexistent/folder/db.sqlite3",
            "unable to open database file",
        ),
    ],
    ids=["unreachable", "unknown-scheme", "unparsable", "bad-port", "sqlite-folder-missing"],
)
def test_a_bad_database_url_ends_a_command_in_one_line(tmp_path, url, shown, reason):
    """`make run` begins with `flask db upgrade`: a wrong DATABASE_URL is one line naming it (the
    password hidden) and what failed, and a non-zero exit, not a long traceback."""
    env = {
        # The machine's clock for the command (CI also runs this suite under libfaketime): its
        # one line has nothing to do with the date, and under a faked monotonic clock the
        # process would wait a year at exit for Flask-Limiter's timer thread.
        **{
            k: v
            for k, v in os.environ.items()
            if k != "LD_PRELOAD" and not k.startswith("FAKETIME")
        },
        "DATABASE_URL": url,
        "CONCIERGERIE_CONFIG": "development",
        "PYTHONPATH": str(ROOT),
    }
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "conciergerie", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert shown in lines[0] and reason in lines[0]
    assert "s3cret" not in result.stderr + result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, "http://127.0.0.1:5101"), ("https://etvoila.test", "https://etvoila.test")],
    ids=["from-port", "given"],
)
def test_make_run_gives_every_command_the_address_it_serves(tmp_path, given, expected):
    """The links of the mails written by `make run PORT=5101` (the demo data's, the rounds
    planned, the scheduler's) are on the port it serves: every command of the run has
    PUBLIC_URL set from PORT, unless PUBLIC_URL is set already. A stand-in for flask records
    what each command was given (`-o setup`: no venv is made)."""
    record = tmp_path / "commands"
    flask = tmp_path / "flask"
    flask.write_text(
        "#!/bin/sh\n"
        f'echo "$PUBLIC_URL $*" >> {record}\n'
        # The web server stays up until the scheduler beside it has started.
        f'[ "$1" = run ] && for i in $(seq 100); do grep -q scheduler {record} && break; '
        "sleep 0.05; done\n"
        "exit 0\n"
    )
    flask.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_URL", "MAKEFLAGS")}
    if given:
        env["PUBLIC_URL"] = given
    result = subprocess.run(
        ["make", "-s", "-o", "setup", "run", "PORT=5101", f"FLASK={flask}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    commands = sorted(record.read_text().splitlines())
    assert [line.split()[1] for line in commands] == [
        "db",
        "demo-data",
        "plan-rounds",
        "run",
        "scheduler",
    ]
    assert {line.split()[0] for line in commands} == {expected}
    assert "run --host 127.0.0.1 --port 5101" in "\n".join(commands)


def test_public_url_is_read_from_the_environment(tmp_path):
    """Each command reads PUBLIC_URL, the base of its mails' links, from its environment."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKE")},
        "PUBLIC_URL": "http://127.0.0.1:5101",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", "from conciergerie.config import Config; print(Config.PUBLIC_URL)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "http://127.0.0.1:5101", result.stderr
