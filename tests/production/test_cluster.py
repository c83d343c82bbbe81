"""Production shape: two gunicorn servers and two schedulers on one PostgreSQL database.

Everything runs as real processes with the production configuration. The servers reach the
database through a TCP proxy that the outage test cuts, so that "the database is down" for them
while the rest of the suite goes on with the same PostgreSQL server.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from conciergerie.config import normalise_database_url
from conciergerie.jobs.registry import JOBS
from conciergerie.payments.testing import signed_event
from tests.production.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WEBHOOK_SECRET = "whsec_cluster_test"
PASSWORD = "demo-gambetta-59"  # the demo accounts'
# Real processes (servers, schedulers) run on the machine's clock: so does this test.
pytestmark = pytest.mark.real_clock


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster_db(database_url):
    """A database of its own, migrated and loaded with the demo data (committed for real)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several servers on one database is a PostgreSQL matter; CI runs it there")
    base = sa.make_url(normalise_database_url(database_url))
    name = f"evg_cluster_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name)
    env = _env(url)
    for command in (["db", "upgrade"], ["demo-data", "--force"]):
        subprocess.run([str(BIN / "flask"), "--app", "conciergerie", *command], env=env,
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # room for the tests' orders, except where they say otherwise
        conn.execute(sa.text("UPDATE desk_slot SET capacity = 1000"))
    yield url, engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _env(url: sa.URL, **extra: str) -> dict:
    return {
        **os.environ,
        "CONCIERGERIE_CONFIG": "production",
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "SECRET_KEY": "cluster-test-secret-shared-by-every-server",
        "PUBLIC_URL": "https://etvoila-gambetta.test",
        "TRUSTED_HOSTS": "127.0.0.1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": "9",  # nobody listens: mails fail and are logged, orders do not
        "WEB_CONCURRENCY": "1",
        "STRIPE_SECRET_KEY": "sk_test_cluster",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "PYTHONUNBUFFERED": "1",
        # One resident places every order of these tests, paid at the desk: out of the reach of
        # the limit of such orders not yet dropped off (tests/orders/test_limits.py tests it).
        "MAX_OPEN_DESK_ORDERS": "1000000",
        **extra,
    }


@pytest.fixture(scope="module")
def proxy(cluster_db):
    url, _ = cluster_db
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def servers(cluster_db, proxy, tmp_path_factory):
    """Two app servers, each its own gunicorn, reaching the database through the proxy."""
    url, _ = cluster_db
    env = _env(url.set(host="127.0.0.1", port=proxy.port))
    logs = tmp_path_factory.mktemp("servers")
    processes, bases, files = [], [], []
    for n in range(2):
        port = _free_port()
        log = (logs / f"server{n}.log").open("w")
        files.append(log)
        processes.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            _wait_until(lambda b=base: _healthy(b), seconds=30, what=f"{base} to start")
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        for log in files:
            log.close()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_until(predicate, *, seconds: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


@pytest.fixture(scope="module")
def customer(servers):
    response = httpx.post(
        servers[0] + "/api/v1/auth/token",
        json={"email": "habitante@example.org", "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _order_body(engine, k: int) -> dict:
    """A same-day service with the k-th future drop-off slot and a pickup four days later."""
    with engine.connect() as conn:
        offer = conn.scalar(
            sa.text("SELECT id FROM offer WHERE kind = 'service' AND turnaround_days = 0 LIMIT 1")
        )
        slots = conn.execute(
            sa.text(
                "SELECT id, starts_at FROM desk_slot WHERE starts_at > now() + interval '1 day' "
                "ORDER BY starts_at"
            )
        ).all()
    dropoff = slots[k]
    pickup = next(s for s in slots if s.starts_at >= dropoff.starts_at + timedelta(days=4))
    return {
        "lines": [{"offer_id": offer, "quantity": 1}],
        "dropoff_slot_id": dropoff.id,
        "pickup_slot_id": pickup.id,
        "payment": "desk",
    }


def _count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text(sql), params)


def test_orders_placed_on_either_server_land_exactly_once(cluster_db, servers, customer):
    _, engine = cluster_db
    before = _count(engine, "SELECT count(*) FROM customer_order")
    body = _order_body(engine, 0)
    keys = [f"cluster-{uuid.uuid4().hex}" for _ in range(20)]

    def place(n: int, server: str):
        headers = {**customer, "Idempotency-Key": keys[n]}
        return httpx.post(server + "/api/v1/orders", json=body, headers=headers, timeout=30)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        first = list(pool.map(lambda n: place(n, servers[n % 2]), range(20)))
        # The same requests again, on the other server (a client retrying after a time-out).
        again = list(pool.map(lambda n: place(n, servers[(n + 1) % 2]), range(20)))
    assert [r.status_code for r in first] == [201] * 20, [r.text for r in first][:3]
    assert [r.status_code for r in again] == [201] * 20
    assert all(r.headers["Idempotent-Replayed"] == "true" for r in again)
    assert [r.json()["id"] for r in first] == [r.json()["id"] for r in again]
    assert _count(engine, "SELECT count(*) FROM customer_order") == before + 20
    assert len({r.json()["code"] for r in first}) == 20


def test_a_slots_capacity_holds_across_both_servers(cluster_db, servers, customer):
    _, engine = cluster_db
    body = _order_body(engine, 1)
    slot = body["dropoff_slot_id"]
    booked = _count(engine, "SELECT booked FROM desk_slot WHERE id = :id", id=slot)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE desk_slot SET capacity = booked + 3 WHERE id = :id"),
                     {"id": slot})  # fmt: skip
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        answers = list(
            pool.map(
                lambda n: httpx.post(
                    servers[n % 2] + "/api/v1/orders", json=body, headers=customer, timeout=30
                ),
                range(12),
            )
        )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] * 3 + [409] * 9, statuses
    assert _count(engine, "SELECT booked FROM desk_slot WHERE id = :id", id=slot) == booked + 3


def test_a_database_outage_is_a_clear_503_and_the_servers_recover(
    cluster_db, servers, customer, proxy
):
    _, engine = cluster_db
    body = _order_body(engine, 2)
    placed_before = _count(engine, "SELECT count(*) FROM customer_order")
    proxy.cut()
    try:
        page = httpx.get(servers[0] + "/evenements/", timeout=30)
        assert page.status_code == 503
        assert "Service momentanément indisponible" in page.text
        order = httpx.post(servers[1] + "/api/v1/orders", json=body, headers=customer, timeout=30)
        assert order.status_code == 503 and order.json()["error"]["code"] == "unavailable"
        health = httpx.get(servers[0] + "/healthz", timeout=30)
        assert health.status_code == 503
        # Stripe retries a webhook answered with a 5xx.
        payload, signature = signed_event(
            "customer.created", {"id": "cus_1"}, secret=WEBHOOK_SECRET,
            timestamp=int(time.time()), event_id="evt_during_outage",
        )  # fmt: skip
        headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
        hook = httpx.post(
            servers[1] + "/payments/stripe/webhook", content=payload, headers=headers, timeout=30
        )
        assert hook.status_code >= 500
    finally:
        proxy.restore()
    # Back by themselves: no restart.
    for server in servers:
        _wait_until(lambda s=server: _healthy(s), seconds=30, what=f"{server} to recover")
    placed = [
        httpx.post(server + "/api/v1/orders", json=body, headers=customer, timeout=30)
        for server in servers
    ]
    assert [r.status_code for r in placed] == [201, 201]
    hook = httpx.post(
        servers[0] + "/payments/stripe/webhook", content=payload, headers=headers, timeout=30
    )
    assert hook.status_code == 200
    # Nothing half-written: the refused order left no row, each order has its line and history.
    assert _count(engine, "SELECT count(*) FROM customer_order") == placed_before + 2
    assert (
        _count(
            engine,
            "SELECT count(*) FROM customer_order o WHERE NOT EXISTS "
            "(SELECT 1 FROM order_line l WHERE l.order_id = o.id) OR NOT EXISTS "
            "(SELECT 1 FROM order_event e WHERE e.order_id = o.id)",
        )
        == 0
    )


def test_one_scheduler_runs_the_jobs_and_another_takes_over_once(cluster_db, tmp_path):
    url, engine = cluster_db
    env = _env(url)
    processes, files = [], []
    for n in range(2):
        log = (tmp_path / f"scheduler{n}.log").open("w")
        files.append(log)
        processes.append(
            subprocess.Popen(
                [str(BIN / "flask"), "--app", "conciergerie", "scheduler"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
    try:
        _wait_until(
            lambda: (
                _count(engine, "SELECT count(*) FROM scheduler_lease WHERE expires_at > now()") == 1
            ),
            seconds=30,
            what="a scheduler to take the lease",
        )
        with engine.connect() as conn:
            holder = conn.scalar(sa.text("SELECT holder FROM scheduler_lease"))
        pid = int(holder.split(":")[1])
        [leader] = [p for p in processes if p.pid == pid]
        [follower] = [p for p in processes if p.pid != pid]
        leader_log = tmp_path / f"scheduler{processes.index(leader)}.log"
        # Wait for the leader's scheduler to have started, not for its first stored job: it
        # writes its jobs one by one while starting, and would overwrite the change made below.
        _wait_until(
            lambda: "holds the lease: jobs are running" in leader_log.read_text(),
            seconds=30,
            what="the leader to start its jobs",
        )
        assert _count(engine, "SELECT count(*) FROM apscheduler_jobs") == len(JOBS)
        # A run of "expire-unpaid" falls due while the leader is dying: the next one catches it
        # up once, from the shared job store. The leader is frozen first, so that it cannot
        # wake up between the change and its death and run the job itself.
        leader.send_signal(signal.SIGSTOP)
        runs_before = _count(engine, "SELECT count(*) FROM job_run")
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))  # fail, never hang
            changed = conn.execute(
                sa.text(
                    "UPDATE apscheduler_jobs SET next_run_time = "
                    "extract(epoch FROM now()) - 1 WHERE id = 'expire-unpaid'"
                )
            ).rowcount
        assert changed == 1
        leader.send_signal(signal.SIGKILL)  # no goodbye: the lease must expire
        leader.wait()
        took = _wait_until(
            lambda: (
                _count(
                    engine,
                    "SELECT count(*) FROM job_run "
                    "WHERE job_id = 'expire-unpaid' AND holder <> :old",
                    old=holder,
                )
                >= 1
            ),
            seconds=60,
            what="the other scheduler to take over and catch up",
        )
        assert took < 60
        time.sleep(3)  # room for a wrong second run to show
        with engine.connect() as conn:
            runs = conn.execute(
                sa.text("SELECT job_id, holder FROM job_run ORDER BY id OFFSET :n"),
                {"n": runs_before},
            ).all()
            new_holder = conn.scalar(sa.text("SELECT holder FROM scheduler_lease"))
        assert [r.job_id for r in runs].count("expire-unpaid") == 1
        assert all(r.holder == new_holder for r in runs)
        assert int(new_holder.split(":")[1]) == follower.pid
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)  # a frozen leader must hear the SIGTERM
                process.terminate()
                process.wait(timeout=20)
        for log in files:
            log.close()
