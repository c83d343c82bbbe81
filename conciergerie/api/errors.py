"""JSON errors: {"error": {"code", "message", "field"}} — never an HTML page, never a 500 page."""

from __future__ import annotations

from conciergerie.errors import DomainError, error_response  # noqa: F401 (the API's import)


class ApiError(DomainError):
    """A request the API cannot follow as sent (its shape, not a rule of the concierge); it
    reaches the one error handler like any refusal (errors.py)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message, field=field)
        self.status, self.code, self.message = status, code, message
