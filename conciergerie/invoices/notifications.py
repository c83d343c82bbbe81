"""Mails about invoices: a company's subscription invoice goes to its billing address.

The company has no account to find its invoices under: the mail is the invoice itself (every
mention, in the text and the HTML part), in French, written to the outbox with the change that
issued it. A company without a billing address gets no mail (the concierge prints the invoice
from the company's page).
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import object_session

from conciergerie.mail import enqueue
from conciergerie.models import Document, MemberCompany


def send_company_invoice(company: MemberCompany, document: Document) -> None:
    if not company.billing_email:
        return
    context = {
        "company": company,
        "document": document,
        "inline_styles": True,  # mail clients read no style sheet
    }
    with force_locale("fr"):
        subject = _("Facture %(number)s : abonnement à la conciergerie", number=document.number)
        text = render_template("mail/company_invoice.txt", **context)
        html = render_template("mail/company_invoice.html", **context)
    enqueue(object_session(document), company.billing_email, subject, text, html)
