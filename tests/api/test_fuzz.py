"""The JSON API fuzzed from its own OpenAPI document (schemathesis, a bounded run): whatever it
is sent, it never answers 500, and every answer matches the document (status, content type,
body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from conciergerie.api import service as tokens
from conciergerie.models import Role
from tests.factories import NOW, make_offer, make_order, make_slot

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def bearer(session, make_user, role: Role) -> dict:
    """A token of a user of `role`, with some data to find."""
    user = make_user(role)
    make_order(session, offer=make_offer(session))
    make_slot(session)
    return {"Authorization": f"Bearer {tokens.issue_token(session, user, now=NOW)}"}


FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


def fuzz(app, headers: dict) -> list[str]:
    """Run every operation of the document through hypothesis; return the operations run."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    done = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
        done.append(operation.label)
    return done


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.VOLUNTEER])
def test_the_api_holds_to_its_document(app, session, make_user, role):
    done = fuzz(app, bearer(session, make_user, role))
    assert "POST /api/v1/orders" in done and "GET /api/v1/rounds" in done
