"""Load benchmark: the app under gunicorn on PostgreSQL with a large data set, against a
hello-world Flask app served by the same gunicorn settings on the same machine.

Run: .venv/bin/python bench/load.py [--duration 60] [--connections 64]
Needs: PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres — a
throw-away database `evg_bench` is created there and dropped at the end) and `wrk`
(apt-get install wrk). Prints, in one run, requests per second and p50/p99 latency for the
catalogue page, a provider page and order creation through the API, each as a ratio to the
hello-world app, and the floors under a cached catalogue page and an order (bench/floor.py: the
page with a visitor's CSRF token and nothing else; the order's sixteen statements alone, through
SQLAlchemy Core and through the ORM); then profiles (pyinstrument) of a catalogue
render, a cached catalogue page and an order.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROVIDERS, OFFERS, ORDERS, CUSTOMERS = 200, 2_000, 50_000, 5_000
CLIENTS = 64  # customers placing orders through the API at once, one token each
GUNICORN = [
    str(ROOT / ".venv/bin/gunicorn"),
    "--workers", "2",
    "--worker-class", "gthread",
    "--threads", "8",
    "--log-level", "warning",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database(base: str, name: str = "evg_bench") -> tuple[str, sa.Engine]:
    url = sa.make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin


def bench_app(url: str):
    from conciergerie import create_app

    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=url,
        DEBUG=False,
        MAIL_BACKEND="dummy",
        RATELIMIT_ENABLED=False,
        # Each customer of the run places hundreds of orders: the limit of open orders paid at the
        # desk is still counted under its lock, but set out of reach.
        MAX_OPEN_DESK_ORDERS=10**9,
    )


def load_data(url: str) -> dict:
    """The demo data, then 200 providers, 2,000 offers, 5,000 customers and 50,000 orders."""
    import flask_migrate

    from conciergerie.accounts.passwords import hash_password
    from conciergerie.api import service as tokens
    from conciergerie.demo.service import load_demo_data
    from conciergerie.extensions import db
    from conciergerie.models import (
        Category,
        DeskSlot,
        Offer,
        OfferKind,
        Order,
        OrderLine,
        Provider,
        Role,
        User,
        utcnow,
    )
    from conciergerie.slots.jobs import generate_ahead

    rng = random.Random(7)
    app = bench_app(url)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        now = utcnow()
        load_demo_data(db.session, now=now, lived_in=False)  # the catalogue: the rest is ours
        generate_ahead(db.session, now=now)
        db.session.execute(sa.update(DeskSlot).values(capacity=1_000_000))
        db.session.commit()
        categories = db.session.scalars(sa.select(Category.id)).all()
        existing = db.session.scalar(sa.select(sa.func.count()).select_from(Provider))
        db.session.execute(
            sa.insert(Provider),
            [
                {
                    "slug": f"atelier-{i}",
                    "name": f"Atelier {i}",
                    "category_id": rng.choice(categories),
                    "summary": "Un atelier du quartier.",
                    "description": "Réparations et services.",
                    "ess_status": "Artisan",
                    "local_story": "À deux pas de La Grappe.",
                    "address": f"{i} rue Gambetta, 59000 Lille",
                    "latitude": 50.62 + rng.uniform(-0.02, 0.02),
                    "longitude": 3.05 + rng.uniform(-0.03, 0.03),
                    "is_active": True,
                }
                for i in range(PROVIDERS - existing)
            ],
        )
        provider_ids = db.session.scalars(sa.select(Provider.id)).all()
        offers_now = db.session.scalar(sa.select(sa.func.count()).select_from(Offer))
        db.session.execute(
            sa.insert(Offer),
            [
                {
                    "provider_id": provider_ids[i % len(provider_ids)],
                    "name": f"Service {i}",
                    "description": "",
                    "kind": OfferKind.SERVICE,
                    "price_cents": rng.randint(300, 4000),
                    "unit": "la pièce",
                    "turnaround_days": rng.randint(0, 3),
                    "position": i,
                    "is_active": True,
                }
                for i in range(OFFERS - offers_now)
            ],
        )
        password = hash_password("bench-password-2026")
        db.session.execute(
            sa.insert(User),
            [
                {
                    "email": f"client{i}@bench.invalid",
                    "full_name": f"Client {i}",
                    "password_hash": password,
                    "role": Role.RESIDENT,
                    "locale": "fr",
                    "created_at": now,
                }
                for i in range(CUSTOMERS)
            ],
        )
        db.session.commit()
        customers = db.session.scalars(sa.select(User.id).where(User.role == Role.RESIDENT)).all()
        offers = db.session.execute(
            sa.select(Offer.id, Offer.provider_id, Offer.price_cents, Offer.turnaround_days).where(
                Offer.kind == OfferKind.SERVICE
            )
        ).all()
        slots = db.session.scalars(sa.select(DeskSlot.id).order_by(DeskSlot.starts_at)).all()
        for start in range(0, ORDERS, 5_000):
            rows = []
            for i in range(start, start + 5_000):
                rows.append(
                    {
                        "code": f"EVB-{i:07d}",
                        "customer_id": rng.choice(customers),
                        "status": "confirmed",
                        "payment_method": "desk",
                        "dropoff_slot_id": slots[i % (len(slots) // 2)],
                        "pickup_slot_id": slots[len(slots) // 2 + i % (len(slots) // 2)],
                        "note": "",
                        "subtotal_cents": 0,
                        "fee_cents": 150,
                        "total_cents": 150,
                        "placed_at": now - timedelta(minutes=i),
                        "cancellable_until": now,
                    }
                )
            db.session.execute(sa.insert(Order), rows)
            ids = db.session.scalars(
                sa.select(Order.id).where(Order.code.in_([r["code"] for r in rows]))
            ).all()
            lines = []
            for order_id in ids:
                offer = rng.choice(offers)
                lines.append(
                    {
                        "order_id": order_id,
                        "offer_id": offer.id,
                        "provider_id": offer.provider_id,
                        "kind": OfferKind.SERVICE,
                        "name": "Service",
                        "unit": "la pièce",
                        "unit_price_cents": 0,
                        "quantity": 1,
                        "turnaround_days": offer.turnaround_days,
                    }
                )
            db.session.execute(sa.insert(OrderLine), lines)
            db.session.commit()

        # What the order API will be sent: a same-day service, drop-off and pickup slots that fit.
        quick = db.session.scalar(
            sa.select(Offer).where(Offer.turnaround_days == 0, Offer.kind == OfferKind.SERVICE)
        )
        future = db.session.scalars(
            sa.select(DeskSlot)
            .where(DeskSlot.starts_at > now + timedelta(days=1))
            .order_by(DeskSlot.starts_at)
        ).all()
        bodies = []
        for k in range(40):  # many slot pairs: the bookings do not all queue on one row
            dropoff = future[k]
            pickup = next(s for s in future if s.starts_at >= dropoff.starts_at + timedelta(days=4))
            bodies.append(
                {
                    "lines": [{"offer_id": quick.id, "quantity": 1}],
                    "dropoff_slot_id": dropoff.id,
                    "pickup_slot_id": pickup.id,
                    "payment": "desk",
                }
            )
        # Many residents order at once, each with their own token (one resident placing fifty
        # orders a second would only measure that resident's row lock).
        token = [
            tokens.issue_token(db.session, db.session.get(User, customer_id), now=now)
            for customer_id in customers[:CLIENTS]
        ]
        db.session.commit()
        slug = db.session.scalar(sa.select(Provider.slug).order_by(Provider.id).limit(1))
        counts = {
            name: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for name, model in (
                ("providers", Provider),
                ("offers", Offer),
                ("orders", Order),
            )
        }
    return {"token": token, "bodies": bodies, "provider": slug, "counts": counts}


def serve(module: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [*GUNICORN, "--bind", f"127.0.0.1:{port}", module],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn {module} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.terminate()
        raise RuntimeError(f"gunicorn {module} did not answer on {base}")
    return process, base


WRK_LINE = re.compile(r"Requests/sec:\s+([\d.]+)")


def wrk(url: str, duration: int, connections: int, script: str | None = None) -> dict:
    # A 30 s time-out: wrk leaves timed-out requests out of its percentiles, so a short
    # time-out would hide the slow ones; they are counted as errors here.
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "--latency",
        url,
    ]
    if script:
        command[1:1] = ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return {
        "rps": float(WRK_LINE.search(out).group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        # Answers other than 2xx/3xx, refused or broken connections, time-outs.
        "errors": (int(errors.group(1)) if errors else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def post_script(tokens: list[str], bodies: list[dict]) -> str:
    """A wrk script that posts the order bodies in turn, each with the next customer's token."""
    lines = [
        'wrk.method = "POST"',
        'wrk.headers["Content-Type"] = "application/json"',
        "tokens = {" + ",".join(json.dumps(t) for t in tokens) + "}",
        "bodies = {" + ",".join(json.dumps(json.dumps(b)) for b in bodies) + "}",
        "i = 0",
        "request = function()",
        "  i = i + 1",
        '  wrk.headers["Authorization"] = "Bearer " .. tokens[i % #tokens + 1]',
        "  return wrk.format(nil, nil, nil, bodies[i % #bodies + 1])",
        "end",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write("\n".join(lines))
    return handle.name


def plain_post_script() -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write('wrk.method = "POST"\n')
    return handle.name


def profile(url: str, data: dict) -> str:
    """Where the time goes, in-process: an uncached catalogue render, a cached one, an order."""
    from pyinstrument import Profiler

    app = bench_app(url)
    client = app.test_client(use_cookies=False)
    cache = app.extensions["public_page_cache"]
    headers = {"Authorization": f"Bearer {data['token'][0]}"}
    out = []
    for title, count, call in (
        ("catalogue, rendered (cache emptied each time)", 10, lambda: _fresh(cache, client)),
        ("catalogue, from the cache", 300, lambda: client.get("/catalogue/")),
        (
            "order creation (API)",
            60,
            lambda: client.post("/api/v1/orders", json=data["bodies"][0], headers=headers),
        ),
    ):
        call()  # warm
        profiler = Profiler()
        profiler.start()
        for _ in range(count):
            assert call().status_code in (200, 201)
        profiler.stop()
        out.append(f"--- {title}, {count} requests\n")
        out.append(profiler.output_text(unicode=False, color=False, show_all=False))
    app.extensions["catalogue_version"].stop()  # before the database is dropped
    return "\n".join(out)


def _fresh(cache, client):
    cache.clear()
    return client.get("/catalogue/")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    url, admin = create_database(base)
    try:
        run(url, args)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text('DROP DATABASE IF EXISTS "evg_bench" WITH (FORCE)'))
        admin.dispose()


def run(url: str, args) -> None:
    started = time.perf_counter()
    data = load_data(url)
    print(f"data: {data['counts']} loaded in {time.perf_counter() - started:.0f} s")
    env = {"BENCH_DATABASE_URL_APP": url}
    results = {}
    hello, hello_url = serve("bench.hello:app", env)
    try:
        wrk(hello_url + "/", 3, 8)  # warm the workers, as for the app
        results["hello world"] = wrk(hello_url + "/", args.duration, args.connections)
    finally:
        hello.terminate()
        hello.wait()
    app, app_url = serve("bench.app:app", env)
    script = post_script(data["token"], data["bodies"])
    try:
        wrk(app_url + "/catalogue/", 3, 8)  # warm the workers
        results["catalogue"] = wrk(app_url + "/catalogue/", args.duration, args.connections)
        results["provider page"] = wrk(
            app_url + f"/catalogue/prestataires/{data['provider']}",
            args.duration,
            args.connections,
        )
        results["order creation (API)"] = wrk(
            app_url + "/api/v1/orders", args.duration, args.connections, script
        )
    finally:
        app.terminate()
        app.wait()
        os.unlink(script)
    # The floor under an order: its sixteen statements and nothing else (bench/floor.py).
    floor, floor_url = serve("bench.floor:app", env)
    post = plain_post_script()
    try:
        wrk(floor_url + "/core", 3, 8, post)  # warm the workers
        results["floor: cached page"] = wrk(floor_url + "/page", args.duration, args.connections)
        for name, path in (("floor: order SQL, Core", "/core"), ("floor: order SQL, ORM", "/orm")):
            results[name] = wrk(floor_url + path, args.duration, args.connections, post)
    finally:
        floor.terminate()
        floor.wait()
        os.unlink(post)

    reference = results["hello world"]
    print(
        f"\ngunicorn {' '.join(GUNICORN[1:])}, {args.connections} connections, "
        f"{args.duration} s each, PostgreSQL\n"
    )
    print(
        f"{'endpoint':<22} {'req/s':>8} {'× hello':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'p99 × hello':>11} {'errors':>7}"
    )
    for name, r in results.items():
        print(
            f"{name:<22} {r['rps']:>8.0f} {r['rps'] / reference['rps']:>8.2f} {r['p50']:>8.1f} "
            f"{r['p99']:>8.1f} {r['p99'] / reference['p99']:>11.1f} {r['errors']:>7}"
        )
    print("\nWhere the time goes (pyinstrument, in-process):\n")
    print(profile(url, data))


if __name__ == "__main__":
    main()
