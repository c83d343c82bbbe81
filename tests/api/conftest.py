"""API test helpers: every response is validated against the OpenAPI document the app serves
(generated from the API's own declarations)."""

from __future__ import annotations

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from conciergerie.api import service as tokens
from conciergerie.models import Role
from tests.factories import NOW


class _AnsweredRequest(WerkzeugOpenAPIRequest):
    """The request of a finished test call: its body stream is spent, and response validation
    does not need it."""

    @property
    def body(self):
        return None


@pytest.fixture(scope="session")
def document(app) -> dict:
    """The OpenAPI document, as served at /api/v1/openapi.json."""
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture(scope="session")
def openapi(document):
    return OpenAPI.from_dict(document)


class Api:
    """Calls /api/v1 and checks each answer against the OpenAPI document."""

    def __init__(self, client, openapi, token=None):
        self.client, self.openapi, self.token = client, openapi, token

    def call(self, method, path, *, token=..., headers=None, **kw):
        headers = dict(headers or {})
        token = self.token if token is ... else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = getattr(self.client, method)(f"/api/v1{path}", headers=headers, **kw)
        self.openapi.validate_response(
            _AnsweredRequest(response.request), WerkzeugOpenAPIResponse(response)
        )
        return response

    def get(self, path, **kw):
        return self.call("get", path, **kw)

    def post(self, path, **kw):
        return self.call("post", path, **kw)

    def delete(self, path, **kw):
        return self.call("delete", path, **kw)


@pytest.fixture
def api(client, openapi):
    return Api(client, openapi)


@pytest.fixture
def customer_api(client, openapi, session, make_user):
    """An API client with the token of a new resident (its user as `.user`)."""
    user = make_user(Role.RESIDENT)
    api = Api(client, openapi, tokens.issue_token(session, user, now=NOW))
    api.user = user
    return api
