"""A document's printable page and its PDF.

The customer finds the documents of their orders on the order's page ("Mes commandes"); the
concierge prints them from the desk (a walk-in's receipt) and a company's from its page.
Someone else's document is a 404, like someone else's order.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required

from conciergerie import policy
from conciergerie.extensions import db
from conciergerie.invoices.pdf import document_pdf
from conciergerie.models import Document

bp = Blueprint("invoices", __name__)


def _own_document_or_404(document_id: int) -> Document:
    """The document, if the current user may see it (see policy.can_view_document); else 404."""
    document = db.session.get(Document, document_id)
    if document is None or not policy.can_view_document(current_user, document):
        abort(404)
    return document


@bp.get("/documents/<id:document_id>")
@login_required
def show(document_id: int):
    """The printable page. Raises 404 (not theirs, or no such document)."""
    return render_template("invoices/document.html", document=_own_document_or_404(document_id))


@bp.get("/documents/<id:document_id>.pdf")
@login_required
def pdf(document_id: int):
    """The PDF, to download or print. Raises 404 (not theirs, or no such document)."""
    document = _own_document_or_404(document_id)
    return Response(
        document_pdf(document),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{document.number}.pdf"'},
    )
