"""Request-level protections shared by every page: safe redirects, input sanity (JSON bodies
included), headers."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import flask
from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1  # the largest value of an INTEGER primary key on PostgreSQL


def is_valid_id(value: object) -> bool:
    """A value that can be a row id: an int (not a bool) in 1..MAX_ID. Anything else is unknown,
    never a database error."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


class IdConverter(BaseConverter):
    """`<id:order_id>`: like `<id:…>`, but a number no row can have is a plain 404."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirect).

    Control characters are refused outright: browsers and urlsplit drop tabs and newlines,
    which would turn "/\\t/evil.example" into "//evil.example".
    """
    if not target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
    ):
        return None
    return target


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


# No body the app reads is nested deeper (an order is three levels); the decoder itself gives up
# with a RecursionError somewhere under a thousand.
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def _too_deep() -> str:
    return _(
        "Le corps de la requête est imbriqué trop profondément (%(limit)s niveaux au plus).",
        limit=MAX_JSON_DEPTH,
    )


def _json_refusal(value: object) -> str | None:
    """Why a decoded JSON body is refused, or None.

    Nested deeper than MAX_JSON_DEPTH (code that walks it recursively would fail), or a lone
    surrogate in a string or a key ("\\ud800" decodes, but UTF-8 has no bytes for it: hashing,
    storing or logging it fails). Walked with a stack, not recursively.
    """
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                return _too_deep()
            if isinstance(item, dict):
                if any(_SURROGATE.search(key) for key in item):
                    return _("Le corps de la requête contient un caractère invalide.")
                item = item.values()
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and _SURROGATE.search(item):
            return _("Le corps de la requête contient un caractère invalide.")
    return None


class Request(flask.Request):
    """Flask's request, with JSON bodies checked at the edge.

    A body sent as JSON that cannot be read (not JSON, not UTF-8, nested too deeply for the
    decoder) or that is refused by `_json_refusal` is a 400 that says why, however it is read
    (`request.json`, `get_json(silent=True)`, a form fed from JSON): never a RecursionError or
    an encoding error later on (a 500). `silent` still gives None for a body not sent as JSON.
    """

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if not (force or self.is_json):
            return super().get_json(force=force, silent=silent, cache=cache)
        try:
            value = super().get_json(force=force, silent=False, cache=cache)
        except RecursionError:
            raise BadRequest(_too_deep()) from None
        refusal = _json_refusal(value)
        if refusal is not None:
            raise BadRequest(refusal)
        return value

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # not sent as JSON: 415, as Flask does
            return super().on_json_loading_failed(e)
        raise BadRequest(_("Le corps de la requête n'est pas du JSON valide.")) from e


# The only pages that take a file; every other request is held to REQUEST_SIZE_LIMIT.
UPLOAD_ENDPOINTS = frozenset({"events.create", "events.edit"})


def init_request_limits(app: Flask) -> None:
    """Refuse oversized requests with a 413 before anything reads the body.

    Registered before CSRF protection, which reads the form first: a body past the limit would
    otherwise be dropped silently and answered as a missing CSRF token.
    """

    @app.before_request
    def limit_request_size() -> None:
        limit = (
            app.config["MAX_CONTENT_LENGTH"]
            if request.endpoint in UPLOAD_ENDPOINTS
            else app.config["REQUEST_SIZE_LIMIT"]
        )
        if request.content_length is not None and request.content_length > limit:
            abort(413)
        request.max_content_length = limit


# A tile server's host (a "{s}" subdomain as "*"), as a CSP source may name it.
_TILE_HOST = re.compile(r"(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]{1,5})?")


def tile_origin(template: str | None) -> list[str]:
    """The origin of a tile server's address template, as a CSP source: "https://{s}.tile.x.org/
    {z}/{x}/{y}.png" gives ["https://*.tile.x.org"]; nothing for an empty or odd template."""
    if not template:
        return []
    parts = urlsplit(template)
    host = parts.netloc.lower().replace("{s}", "*")
    if parts.scheme not in ("http", "https") or not _TILE_HOST.fullmatch(host):
        return []
    return [f"{parts.scheme}://{host}"]


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.request_class = Request

    @app.before_request
    def refuse_nul_bytes() -> None:
        # No text we store may contain NUL (PostgreSQL refuses it): say so with a 400.
        if (
            "\x00" in request.path
            or _has_nul(request.args.values())
            or (
                request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
                and _has_nul(request.form.values())
            )
        ):
            abort(400, description=_("La requête contient un caractère invalide."))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("HSTS_SECONDS"):
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains",
            )
        # worker-src: the camera scanner's decoder (static/vendor/qr-scanner/) runs in a worker it
        # makes from a blob: URL of its own code; only a script of ours can make such a URL.
        # img-src: the rounds' map tiles come from MAP_TILES_URL's server when it is set.
        images = " ".join(["'self'", "data:", *tile_origin(app.config.get("MAP_TILES_URL"))])
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; img-src {images}; style-src 'self'; script-src 'self'; "
            "worker-src 'self' blob:; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        return response
