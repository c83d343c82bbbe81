"""A whole-page cache for the public catalogue, as anonymous visitors see it.

The catalogue is read far more often than it changes, and rendering it (a card per provider,
prices and distances formatted in the visitor's language) is most of its cost. An anonymous
visitor with an empty basket and no message waiting sees exactly the page any other such visitor
sees in the same language, except for the CSRF token of the forms: the page is rendered once with
a placeholder where the token goes and the visitor's own token is put in on the way out.

Entries are keyed by the catalogue's version (catalogue.versions): every change to a provider, an
offer, a category or opening hours draws a new one, so the next request on any server renders
afresh. On PostgreSQL the version is pushed to each process (LISTEN/NOTIFY), elsewhere it is read
from the database on each request.
Signed-in people, and visitors with something in their basket, always get a fresh render.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from conciergerie.catalogue import versions
from conciergerie.extensions import db
from conciergerie.models import utcnow
from conciergerie.timeutils import local_date

log = logging.getLogger(__name__)

# Unguessable, and drawn again in each process: a provider's text can never contain it.
CSRF_PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"


class PageCache:
    """Rendered pages by key, the least recently used dropped past `size` entries.

    A page is kept encoded and cut where the CSRF tokens go: serving it is one join.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[tuple, list[bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> list[bytes] | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: list[bytes]) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def _csrf_token() -> str:
    """`csrf_token()` in templates: the placeholder while a page is rendered for the cache."""
    return CSRF_PLACEHOLDER if g.get("rendering_for_cache") else generate_csrf()


def _seen_alike(known_args: tuple[str, ...]) -> bool:
    """Whether this visitor sees the page every anonymous visitor sees (in their language).

    Only the query parameters the page reads are allowed, once each: any other address (tracking
    parameters, junk) is rendered without being kept, so it cannot push real pages out.
    """
    from conciergerie.orders.basket import read as read_basket

    return (
        all(key in known_args and len(request.args.getlist(key)) == 1 for key in request.args)
        and not current_user.is_authenticated
        and not session.get("_flashes")
        and not read_basket(session)
    )


def _version() -> str | None:
    watcher: versions.VersionWatcher | None = current_app.extensions.get("catalogue_version")
    if watcher is not None:
        watcher.ensure_started()
        token = watcher.token
        if token is not None:
            return token
    token = versions.current_version(db.session)
    if token is None and not current_app.extensions.get("catalogue_version_missing_logged"):
        current_app.extensions["catalogue_version_missing_logged"] = True
        log.error("no catalogue_version row (migrations not applied?): pages are not cached")
    return token


def public_page(*known_args: str) -> Callable[[Callable], Callable]:
    """Serve the view from the cache to anonymous visitors (see the module's docstring);
    `known_args`: the query parameters the page reads."""

    def decorate(view: Callable) -> Callable:
        return wraps(view)(lambda *args, **kwargs: _serve(view, known_args, args, kwargs))

    return decorate


def _serve(view: Callable, known_args: tuple[str, ...], args, kwargs):
    cache: PageCache | None = current_app.extensions.get("public_page_cache")
    version = _version() if cache is not None and _seen_alike(known_args) else None
    if version is None:
        response = make_response(view(*args, **kwargs))
    else:
        query = tuple(sorted(request.args.items()))
        # The day too: a page says which closures are under way or to come (closures.service).
        key = (version, str(get_locale()), request.path, query, local_date(utcnow()))
        page = cache.get(key)
        state = "hit"
        if page is None:
            state = "miss"
            g.rendering_for_cache = True
            try:
                rendered = make_response(view(*args, **kwargs))
            finally:
                g.rendering_for_cache = False
            page = rendered.get_data().split(CSRF_PLACEHOLDER.encode())
            if rendered.status_code != 200 or "csrf_token" in g:
                # Kept: full pages only, and only when no token of this visitor was written
                # into it by another way (a WTForms form's own field would be).
                rendered.set_data(generate_csrf().encode().join(page))
                return _private(rendered)
            cache.put(key, page)
        response = current_app.response_class(
            generate_csrf().encode().join(page), mimetype="text/html"
        )
        response.headers["X-Page-Cache"] = state
    return _private(response)


def _private(response):
    # What decides the page: the session cookie (who, basket) and the language asked for; and
    # it holds the visitor's own CSRF token: no shared cache (proxy, CDN) may keep it.
    response.vary.update(("Cookie", "Accept-Language"))
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


def init_app(app: Flask) -> None:
    size = app.config.get("PUBLIC_PAGE_CACHE_SIZE", 0)
    if size:
        app.extensions["public_page_cache"] = PageCache(size)
    # After CSRFProtect.init_app, which registers generate_csrf under the same name.
    app.jinja_env.globals["csrf_token"] = _csrf_token
    app.context_processor(lambda: {"csrf_token": _csrf_token})
    if size and app.config.get("CATALOGUE_VERSION_LISTEN"):
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                app.extensions["catalogue_version"] = versions.VersionWatcher(db.engine)
