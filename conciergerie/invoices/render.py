"""How a document reads, the same on its page, in its mail and in its PDF."""

from __future__ import annotations

from flask_babel import gettext as _

from conciergerie.models import Document, DocumentKind
from conciergerie.timeutils import local_date


def document_title(kind: DocumentKind) -> str:
    return {
        DocumentKind.INVOICE: _("Facture"),
        DocumentKind.RECEIPT: _("Reçu"),
        DocumentKind.CREDIT_NOTE: _("Avoir"),
    }[kind]


def issued_on(document: Document) -> str:
    """The day it was issued, in Paris: "25/11/2026" (the date the French mentions ask for)."""
    return f"{local_date(document.issued_at):%d/%m/%Y}"


def init_app(app) -> None:
    app.jinja_env.filters["document_title"] = document_title
    app.jinja_env.filters["issued_on"] = issued_on
