"""The JSON API fuzzed from the document it serves.

schemathesis runs every phase (examples, coverage, fuzzing, stateful) and every check of `st run`
against the test app served over HTTP, with the configuration committed beside this file
(schemathesis.toml: bounded and deterministic, a token obtained through the API, the ids of the
data seeded below, and the business refusals allowed for valid requests). Beside schemathesis's
checks, one of ours: a valid request refused with a 422 was refused for what needs the database,
never by the view's own schemas.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import schemathesis
import sqlalchemy as sa
from schemathesis.engine import Status, events, from_schema
from werkzeug.serving import make_server

from conciergerie.models import (
    DeskSlot,
    Offer,
    Order,
    OrderLine,
    OrderStatus,
    PickupRound,
    Role,
    RoundItem,
    RoundStop,
)
from conciergerie.orders import quotes
from conciergerie.orders import service as orders
from conciergerie.rounds import planner
from conciergerie.rounds import service as rounds
from tests import factories
from tests.factories import NOW, PASSWORD

# Under libfaketime (CI's run with the clock a year ahead) a timed wait between threads, such as
# schemathesis's stateful phase waiting on its queue, sleeps as long as the faked clock is off:
# a year. This test's dates come from the suite's clock fixture, not the machine's: the runs on
# the machine's clock (SQLite and PostgreSQL) cover it.
pytestmark = pytest.mark.skipif(
    "libfaketime" in os.environ.get("LD_PRELOAD", ""),
    reason="timed waits between threads never end under libfaketime (see above)",
)

CONFIG = Path(__file__).with_name("schemathesis.toml")
THURSDAY = date(2026, 11, 26)  # the day of the seeded round ("round_days" in the configuration)
WEDNESDAY_EVENING = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # the seeded pickup slot
DEPOT = planner.Place(50.62735, 3.05295)
# The ids of the seeded rows, which the configuration's dictionaries name.
SEEDED_IDS = {
    Offer: 901,
    DeskSlot: 911,
    Order: 921,
    OrderLine: 931,
    PickupRound: 941,
    RoundStop: 951,
    RoundItem: 961,
}


@contextmanager
def seeded_ids() -> Iterator[None]:
    """New rows of the SEEDED_IDS models get the ids that follow the ones given there, whatever
    the database's sequences say: the configuration can name them."""
    following = {model: itertools.count(first) for model, first in SEEDED_IDS.items()}

    def assign(_mapper, _connection, row) -> None:
        if row.id is None:
            row.id = next(following[type(row)])

    for model in SEEDED_IDS:
        sa.event.listen(model, "before_insert", assign)
    try:
        yield
    finally:
        for model in SEEDED_IDS:
            sa.event.remove(model, "before_insert", assign)


def seed(session, role: Role) -> dict[str, str]:
    """The data of the run: the fuzzing account (EVG_FUZZ_EMAIL and EVG_FUZZ_PASSWORD in the
    configuration), an offer with a drop-off and a pickup slot that fit it, an order with a line
    on quote priced by the provider (the account's own for a customer), a round item to drop.
    """
    email = f"fuzz-{role.value}@example.org"
    user = (
        factories.make_volunteer(session, email=email)
        if role is Role.VOLUNTEER
        else factories.make_user(session, role, email=email)
    )
    concierge = factories.make_user(session, Role.CONCIERGE)
    cobbler = factories.open_provider(factories.make_provider(session, latitude=50.63))
    staff = factories.make_user(session, Role.PROVIDER, provider=cobbler)
    customer = user if role.is_customer else factories.make_user(session)
    volunteer = user if role is Role.VOLUNTEER else factories.make_volunteer(session)
    on_quote = factories.make_offer(session, provider=cobbler, on_quote=True)
    with seeded_ids():
        offer = factories.make_offer(session, provider=cobbler, turnaround_days=1)
        dropoff = factories.make_slot(session, capacity=10_000)  # Thursday 8:00
        pickup = factories.make_slot(session, starts_at=WEDNESDAY_EVENING, capacity=10_000)
        to_drop = factories.make_order(session, offer=offer)
        orders.advance_order(session, to_drop, OrderStatus.DROPPED_OFF, actor=concierge, now=NOW)
        rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
        quoted = factories.make_order(session, customer=customer, offer=on_quote)
    for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, quoted, step, actor=concierge, now=NOW)
    [line] = quoted.lines
    quotes.propose(session, line, unit_price_cents=2250, note="Talon", actor=staff, now=NOW)
    [item] = [i for r in rounds.rounds_of_day(session, THURSDAY) for i in r.items]
    # The ids the configuration names.
    assert (offer.id, dropoff.id, pickup.id) == (901, 911, 912)
    assert to_drop.id == 921 and (quoted.id, line.id) == (922, 932)
    assert (item.stop.round_id, item.stop_id, item.id) == (941, 951, 961)
    assert item.stop.round.volunteer_id == volunteer.id and item.line.order_id == to_drop.id
    return {"EVG_FUZZ_EMAIL": email, "EVG_FUZZ_PASSWORD": PASSWORD}


class FreshContext:
    """Each request in an app context of its own (own `g`, own session), as in production."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return self.app(environ, start_response)


@contextmanager
def served(app) -> Iterator[str]:
    """The app on a local HTTP server (the requests are sent as `st run` sends them)."""
    server = make_server("127.0.0.1", 0, FreshContext(app))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()


def request_schemas(app) -> dict[str, list[tuple[str, object]]]:
    """The schemas each operation checks its request with ((location, schema) pairs), read from
    the declarations the document is generated from."""
    found: dict[str, list[tuple[str, object]]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            declared = getattr(app.view_functions[rule.endpoint], "_apidoc", {})
            arguments = declared.get("arguments", {}).get("parameters", [])
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found[f"{method} {path}"] = [
                    (a["in"], a["schema"]() if isinstance(a["schema"], type) else a["schema"])
                    for a in arguments
                ]
    return found


SCHEMAS: dict[str, list[tuple[str, object]]] = {}  # filled by the test, read by the check below


@schemathesis.check
def refused_by_the_database_not_the_schemas(ctx, response, case):
    """A request valid by the document may be refused (422) for what needs the database (an
    unknown offer…), never by the view's own schemas, which the document is generated from."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code != 422:
        return None
    sent = {"json": case.body, "query": case.query, "headers": case.headers}
    for location, schema in SCHEMAS.get(case.operation.label, []):
        errors = schema.validate(sent[location] or {})
        if errors:
            raise AssertionError(
                f"Valid by the document, refused by its schema ({location}): {errors}\n"
                f"Answer: {response.text}"
            )
    return None


class MissingAllowHeader(AssertionError):
    """The only failures of the run are 405 answers without an `Allow` header."""


def fuzz(base_url: str) -> tuple[list[tuple[str, str]], dict[str, set[int]]]:
    """Run schemathesis's engine (what `st run` runs) with the configuration: the failures found
    as (check, report) pairs, and the statuses seen per operation."""
    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/v1/openapi.json", config=schemathesis.Config.from_path(CONFIG)
    )
    failures: set[tuple[str, str]] = set()
    seen: dict[str, set[int]] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            label = event.recorder.label
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    seen.setdefault(label, set()).add(interaction.response.status_code)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status in (Status.FAILURE, Status.ERROR):
                        info = check.failure_info
                        report = (
                            f"{info.failure.message}\n    {info.code_sample}" if info else "error"
                        )
                        failures.add((check.name, f"{event.phase.value}: {label}: {report}"))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.add(("engine", repr(event)))
        elif isinstance(event, events.EngineFinished):
            failures.update(("after the run", failure.message) for failure in event.failures)
    return sorted(failures), seen


OPERATIONS = {  # all but GET /api/v1/openapi.json, which schemathesis leaves out
    "POST /api/v1/auth/token",
    "DELETE /api/v1/auth/token",
    "GET /api/v1/providers",
    "GET /api/v1/slots",
    "POST /api/v1/orders",
    "GET /api/v1/orders/{order_id}",
    "POST /api/v1/orders/{order_id}/cancel",
    "POST /api/v1/orders/{order_id}/slots",
    "POST /api/v1/orders/{order_id}/lines/{line_id}/quote",
    "GET /api/v1/rounds",
    "POST /api/v1/rounds/{round_id}/stops/{stop_id}/items/{item_id}",
}


# Hypothesis warns when it prints a large generated body; pytest would make that an error.
@pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)
@pytest.mark.parametrize("role", [Role.RESIDENT, Role.VOLUNTEER], ids=str)
def test_the_api_holds_to_its_document(app, session, monkeypatch, role):
    for name, value in seed(session, role).items():
        monkeypatch.setenv(name, value)
    session.commit()  # the requests have sessions of their own (on the test's connection)
    monkeypatch.setattr(f"{__name__}.SCHEMAS", request_schemas(app))
    with served(app) as base_url:
        failures, seen = fuzz(base_url)

    # Every operation was run, and the seeded data gave the answers that need it.
    assert seen.keys() >= OPERATIONS
    assert 200 in seen["GET /api/v1/providers"] and 200 in seen["GET /api/v1/slots"]
    assert 204 in seen["DELETE /api/v1/auth/token"]
    if role is Role.RESIDENT:
        assert 201 in seen["POST /api/v1/orders"]
        assert 200 in seen["GET /api/v1/orders/{order_id}"]
        assert 200 in seen["POST /api/v1/orders/{order_id}/lines/{line_id}/quote"]
    else:
        assert 200 in seen["GET /api/v1/rounds"]
        assert 200 in seen["POST /api/v1/rounds/{round_id}/stops/{stop_id}/items/{item_id}"]

    no_allow = [r for check, r in failures if check == "unsupported_method" and "`Allow`" in r]
    others = [f"{check}: {report}" for check, report in failures if report not in no_allow]
    assert others == [], "\n".join(others)
    if no_allow:
        raise MissingAllowHeader("\n".join(no_allow))
