"""Domain errors and the error pages, all in the site's layout."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from flask import Flask, flash, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from conciergerie.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the concierge refused an action; the message is shown to the person.

    `code` is a stable name for the API, `status` the HTTP status the refusal is answered with
    (422: the request cannot be followed as it is; 409: the state changed, e.g. a slot just
    filled up; 403: not this person's to do), `field` the input at fault, if any. A refusal
    reaches one handler (`init_app` below): nothing of the request is saved."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class RefusalPage:
    """How an HTML view shows a refusal: the page it renders again, with the message on the
    form's field that the error names (through `fields` when the service calls it otherwise),
    or, without one, flashed at the top of the page."""

    def __init__(
        self,
        render: Callable[[], object],
        form: object | None = None,
        fields: Mapping[str, str] | None = None,
        default_field: str | None = None,
    ):
        self.render, self.form = render, form
        self.fields, self.default_field = fields or {}, default_field

    def show(self, error: DomainError):
        name = self.fields.get(error.field or "", error.field) or self.default_field
        field = getattr(self.form, "_fields", {}).get(name) if name else None
        if field is not None:
            field.errors = [*field.errors, str(error)]
        else:
            flash(str(error), "error")
        response = make_response(self.render())
        response.status_code = error.status
        return response


def on_refusal(
    render: Callable[[], object],
    form: object | None = None,
    *,
    fields: Mapping[str, str] | None = None,
    default_field: str | None = None,
) -> None:
    """Say, before calling a service, which page shows its refusal (see `RefusalPage`).

    A view that says nothing gets the error page with the message and the error's status."""
    g.refusal_page = RefusalPage(render, form, fields, default_field)


def error_response(status: int, code: str, message: str, field: str | None = None):
    """The API's errors: {"error": {"code", "message", "field"}}, never an HTML page."""
    response = jsonify(error={"code": code, "message": message, "field": field})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _page(status: int, title: str, message: str, *, minimal: bool = False):
    """An error page in the site's layout; `minimal` leaves out what needs the database; for a
    host that is not trusted, a bare page that links nowhere.

    Under /api/ the same error is JSON: {"error": {"code", "message", "field"}}.
    """
    if request.path.startswith("/api/"):
        codes = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            429: "too_many_requests",
            500: "server_error",
            503: "unavailable",
        }
        return error_response(status, codes.get(status, "error"), message or title)
    # A Host outside TRUSTED_HOSTS: Flask made no URL adapter for the request, so nothing may
    # call url_for (not even for the stylesheet): a bare page, outside the site's layout.
    bare = isinstance(request.routing_exception, SecurityError)
    page = render_template(
        "errors/error.html",
        status=status,
        title=title,
        message=message,
        minimal=minimal,
        bare=bare,
    )
    return page, status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def refused(error: DomainError):
        # The one boundary for refusals: nothing of the request is kept (the page shown again
        # reads the database as it was), the person reads why.
        db.session.rollback()
        log.info("refused (%s): %s %s", error.code, request.method, request.path)
        if request.path.startswith("/api/"):
            return error_response(error.status, error.code, str(error), error.field)
        page: RefusalPage | None = g.pop("refusal_page", None)
        if page is not None:
            return page.show(error)
        return _page(error.status, _("Action impossible"), str(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _page(
            400,
            _("Formulaire expiré"),
            _(
                "Ce formulaire a expiré ou n'a pas été envoyé depuis notre site. "
                "Revenez en arrière, rechargez la page et réessayez."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 403:  # who was refused what (an id, never a name or an address)
            who = getattr(current_user, "id", None) if current_user else None
            log.warning("access refused: %s %s for user %s", request.method, request.path, who)
        titles = {
            400: _("Requête incorrecte"),
            403: _("Accès refusé"),
            404: _("Page introuvable"),
            405: _("Méthode non autorisée"),
            413: _("Envoi trop volumineux"),
            429: _("Trop de tentatives"),
        }
        messages = {
            403: _("Votre compte n'a pas accès à cette page."),
            404: _(
                "Cette page n'existe pas ou plus. Vérifiez l'adresse, ou repartez de l'accueil."
            ),
            413: _("Ce que vous avez envoyé dépasse la taille autorisée."),
            429: _(
                "Trop de tentatives en peu de temps. Attendez quelques minutes avant de "
                "réessayer ; si vous avez oublié votre mot de passe, demandez un nouveau lien."
            ),
        }
        # An explicit reason given with abort() wins over the generic message for the code
        # (not for 429: the limiter's reason is its rule, in English).
        custom = error.description != type(error).description and error.code != 429
        message = error.description if custom else messages.get(error.code, "")
        if isinstance(error, SecurityError):  # werkzeug's reason is English and repeats the Host
            message = _("Ce site ne répond pas à cette adresse.")
        response = make_response(_page(error.code, titles.get(error.code, error.name), message))
        # Keep the headers the error carries (a 405's Allow, RFC 9110), not its Content-Type.
        for name, value in error.get_headers():
            if name.lower() != "content-type" and name not in response.headers:
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        # The database is unreachable: say so and let the client retry, keep nothing half-done.
        db.session.rollback()
        log.error("database unavailable on %s %s: %s", request.method, request.path, error)
        return _page(
            503,
            _("Service momentanément indisponible"),
            _("Nous ne pouvons pas joindre notre base de données. Réessayez dans un instant."),
            minimal=True,
        )

    @app.errorhandler(500)
    def internal_error(error: Exception):
        db.session.rollback()
        return _page(
            500,
            _("Erreur interne"),
            _("Quelque chose s'est mal passé de notre côté. L'équipe a été prévenue."),
        )
