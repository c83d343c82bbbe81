"""The JSON API fuzzed from its own OpenAPI document (schemathesis, a bounded, derandomised run
of cases generated from the document): it never answers 500, and every answer matches the
document (status, content type, body)."""

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


def bearer(session, user) -> dict:
    """A fresh token of `user`, committed: the API's own rollback after an error must not take
    it away (schemathesis calls the app inside this test's session)."""
    headers = {"Authorization": f"Bearer {tokens.issue_token(session, user, now=NOW)}"}
    session.commit()
    return headers


FUZZ = settings(
    derandomize=True,  # the same cases every run: a failure is reproducible
    max_examples=20,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


PUBLIC = {
    "GET /api/v1/openapi.json",
    "GET /api/v1/providers",
    "GET /api/v1/slots",
    "POST /api/v1/auth/token",
}


def exercise(operation, headers: dict) -> set[int]:
    statuses: set[int] = set()

    @FUZZ
    @given(case=operation.as_strategy())
    def run(case):
        statuses.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    run()
    return statuses


def fuzz(app, session, user) -> dict[str, set[int]]:
    """Run every operation of the document through hypothesis (a token of its own for each:
    one operation revokes it); return the statuses seen per operation."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    seen: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        seen[operation.label] = exercise(operation, bearer(session, user))
    return seen


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.VOLUNTEER])
def test_the_api_holds_to_its_document(app, session, make_user, role):
    user = make_user(role)
    make_order(session, offer=make_offer(session))
    make_slot(session)
    seen = fuzz(app, session, user)
    assert "POST /api/v1/orders" in seen and "GET /api/v1/rounds" in seen
    # The token always held (DELETE /auth/token revokes its own: 401 after the first call).
    refused = sorted(
        label
        for label, codes in seen.items()
        if label not in PUBLIC and label != "DELETE /api/v1/auth/token" and 401 in codes
    )
    assert refused == []
    assert seen["DELETE /api/v1/auth/token"] >= {204}
