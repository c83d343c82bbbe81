"""Who issues the documents: the association, as the configuration names it.

Read from the application's configuration when a document is issued (as the notifications read
the desk's address), and copied into the document: a later change of address or SIRET does not
rewrite the invoices already issued.
"""

from __future__ import annotations

from flask import current_app


def current_issuer() -> dict[str, str]:
    config = current_app.config
    return {
        "name": config["ASSOCIATION_NAME"],
        "address": config["ASSOCIATION_ADDRESS"],
        "siret": config["ASSOCIATION_SIRET"],
    }


def vat_mention() -> str:
    """ "TVA non applicable, article 293 B du CGI" unless configured otherwise (VAT_MENTION)."""
    return current_app.config["VAT_MENTION"]
