"""Home page, language switch and the load balancer's health check."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from conciergerie.events import service as events
from conciergerie.extensions import db
from conciergerie.home import service
from conciergerie.models import utcnow
from conciergerie.security import safe_next

bp = Blueprint("home", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
def index():
    return render_template(
        "home/index.html",
        week=service.opening_week(db.session),
        events=events.upcoming(db.session, now=utcnow(), limit=3),
    )


@bp.post("/langue")
def set_language():
    """Remember the chosen language for this browser and go back where the visitor was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:  # mails follow the language the person reads
            current_user.locale = lang  # saved with the request
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))


@bp.get("/confidentialite")
def privacy():
    """What is kept about people, why, for how long, and their rights (RGPD)."""
    return render_template(
        "home/privacy.html", inactive_years=current_app.config["INACTIVE_ACCOUNT_DAYS"] // 365
    )


@bp.get("/healthz")
def healthz():
    """200 when the app can query its database, 503 otherwise (for the load balancer)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:  # the request rolls back its session (503)
        log.warning("health check: database unreachable: %s", error)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
