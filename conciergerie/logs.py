"""Logs: one line per event, JSON in production, each with the id of the request it belongs to.

The request id comes from the reverse proxy's `X-Request-ID` when it looks like one (so a line of
the proxy's log and ours can be matched), else it is drawn here; it is sent back in the same
header. What is logged never holds passwords, tokens or customers' addresses (see accounts).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import TextIO

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")
access = logging.getLogger("conciergerie.access")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request: jobs, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _handler_of(app: Flask, stream: TextIO | None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",  # ISO 8601, UTC
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.is_conciergerie_handler = True  # replaced, not added twice, by a second app
    return handler


def configure(app: Flask, stream: TextIO | None = None) -> None:
    """Send every logger's lines through one handler in LOG_FORMAT (nothing when unset)."""
    if not app.config.get("LOG_FORMAT"):
        return
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "is_conciergerie_handler", False)]:
        root.removeHandler(old)
    root.addHandler(_handler_of(app, stream))
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))


def init_app(app: Flask) -> None:
    configure(app)

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(HEADER, "")
        g.request_id = incoming if _WELL_FORMED.fullmatch(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def send_request_id(response):
        if "request_id" in g:
            response.headers[HEADER] = g.request_id
            if app.config.get("ACCESS_LOG"):
                # The route, not the address: a path may hold a secret (a reset link's token, a
                # calendar feed's); and never the query string.
                path = request.url_rule.rule if request.url_rule else "(no route)"
                access.info(
                    "%s %s %s",
                    request.method,
                    path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - g.started) * 1000, 1),
                    },
                )
        return response
