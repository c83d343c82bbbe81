"""How the schemas become the API (flask-smorest): requests checked against them, refusals in
the API's error format, and the OpenAPI document generated from the same declarations.

Each view declares its request (`@bp.arguments(schema)`, body, query or headers), its answer
(`@bp.response(status, schema)`) and its refusals (`@bp.refusals({status: why})`); nothing else
describes the API. A request that does not fit its schema is refused here, before the view runs:

- a body that is not a JSON object (missing, not JSON, a list…), or a text in it that the
  database could not store (NUL, a lone surrogate), is a 400 `bad_request`;
- a value that does not fit is a 422 `invalid` (a 400 `bad_request` where the operation says so:
  the rounds' `date`), whose `field` is the path of the first value at fault, such as
  `lines[0].offer_id`, `payment`, `from` or `Idempotency-Key`.

What needs the database (an unknown offer or slot, whose order it is, the idempotency key seen
before) stays in the views, and is documented as their refusals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import flask_smorest
from flask import Flask
from flask_babel import gettext as _
from webargs.flaskparser import FlaskParser

from conciergerie.api.errors import ApiError
from conciergerie.api.schemas import Error
from conciergerie.security import MAX_ID, IdConverter

# Every operation may answer these, in the error format.
ANY_REQUEST = {
    400: "Malformed request: the body is not a JSON object or holds a character no text may "
    "hold (NUL, a lone surrogate), or a query parameter holds NUL (`bad_request`).",
    413: "The request is too large (`too_large`).",
    503: "The database cannot be reached for a moment: try again (`unavailable`).",
}
BEARER = [{"bearer": []}]


def first_error(messages: Mapping) -> tuple[str | None, str]:
    """The first refusal in marshmallow's nested messages and the path of its field:
    {"json": {"lines": {0: {"offer_id": ["…"]}}}} gives ("lines[0].offer_id", "…")."""
    path = ""
    node: Any = next(iter(messages.values()))  # under the location: json, query, headers
    while isinstance(node, Mapping):
        key, node = next(iter(node.items()))
        if isinstance(key, int):
            path += f"[{key}]"
        elif key != "_schema":  # the object itself (a line that is not an object…)
            path += f".{key}" if path else key
    while isinstance(node, list | tuple):
        node = node[0]
    return path or None, str(node)


class ApiParser(FlaskParser):
    """webargs' parser, refusing in the API's format (module docstring)."""

    # Unknown fields are the schemas' business (ignored: `Body.Meta.unknown`).
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {}

    def load_json(self, req, schema):
        data = req.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiError(400, "bad_request", _("Le corps de la requête doit être un objet JSON."))
        return data  # its texts are checked by their fields (schemas.Text)

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        status = error_status_code or self.DEFAULT_VALIDATION_STATUS
        field, message = first_error(error.messages)
        raise ApiError(status, "bad_request" if status == 400 else "invalid", message, field)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ApiParser()

    def refusals(self, answers: Mapping[int, str], *, common: Mapping[int, str] = ANY_REQUEST):
        """Document the refusals an operation may answer, `{status: why}`, besides those any
        request may get (400, 413, 503); all in the error format."""

        def decorator(view):
            for status, why in sorted({**common, **answers}.items(), reverse=True):
                view = self.alt_response(status, schema=Error, description=why)(view)
            return view

        return decorator

    def bearer(self, view):
        """Document the bearer token an operation needs, and its 401."""
        view = self.alt_response(
            401,
            schema=Error,
            description="No token, or an invalid or revoked one (`unauthorized`).",
            headers={"WWW-Authenticate": {"schema": {"type": "string"}}},
        )(view)
        return self.doc(security=BEARER)(view)


class JsonApi(flask_smorest.Api):
    """The API's document. Errors are answered by the application's own handlers (errors.py:
    JSON under /api/), not by flask-smorest's."""

    ERROR_SCHEMA = Error
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists its refusals

    def __init__(self, app: Flask):
        super().__init__(
            app,
            spec_kwargs={
                "title": "Et voilà Gambetta API",
                "version": "1.0.0",
                "openapi_version": "3.1.0",
                "info": {
                    "description": "The neighbourhood concierge of La Grappe, Lille. Amounts "
                    "are integer euro cents; times are ISO 8601 with the Paris offset. Errors "
                    'are `{"error": {"code", "message", "field"}}`; a method a path does not '
                    "take is a 405 (`method_not_allowed`) with an `Allow` header."
                },
                "servers": [{"url": "/"}],
            },
        )
        self.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
        self.register_converter(
            IdConverter, lambda _converter: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        )

    def _register_error_handlers(self) -> None:
        pass

    def _register_pagination_header(self) -> None:
        pass  # nothing is paginated

    def document(self) -> dict:
        """The OpenAPI document, each operation's answers in the order of their status."""
        spec = self.spec.to_dict()
        for operations in spec["paths"].values():
            for operation in operations.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"] = dict(
                        sorted(operation["responses"].items(), key=lambda item: str(item[0]))
                    )
        return spec


def init_app(app: Flask, bp: Blueprint) -> None:
    """Register the API's blueprint and generate its document, once (served as it is)."""
    api = JsonApi(app)
    api.register_blueprint(bp)
    app.extensions["api_document"] = json.dumps(api.document())
