"""JSON errors: {"error": {"code", "message", "field"}} — never an HTML page, never a 500 page."""

from __future__ import annotations

from flask import jsonify

from conciergerie.errors import DomainError


class ApiError(DomainError):
    """A request the API cannot follow as sent (its shape, not a rule of the concierge); it
    reaches the one error handler like any refusal (errors.py)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message, field=field)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str, field: str | None = None):
    response = jsonify(error={"code": code, "message": message, "field": field})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
