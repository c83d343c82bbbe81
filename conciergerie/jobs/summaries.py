"""What a run of a scheduled job did, said in the reader's language.

A sweep returns its figures (counts, a day, a file): the runner keeps them on the run
(`JobRun.figures`) beside their French wording (`JobRun.summary`, the log's line), and the jobs
page says them again in the reader's language with `said(run)`, counts agreeing with their
nouns ("1 e-mail envoyé", "0 e-mails envoyés" / "1 e-mail sent"). Older runs have the French
text only, shown as it is."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from conciergerie.i18n import calendar_date, file_size

Figures = Mapping[str, object]


def _count(figures: Figures, name: str) -> int:
    return int(figures.get(name) or 0)


def slots(f: Figures) -> str:
    return ", ".join(
        (
            ngettext("%(num)d créneau créé", "%(num)d créneaux créés", _count(f, "created")),
            ngettext("%(num)d retiré", "%(num)d retirés", _count(f, "removed")),
            ngettext(
                "%(num)d gardé pour ses réservations",
                "%(num)d gardés pour leurs réservations",
                _count(f, "kept"),
            ),
        )
    )


def reminders(f: Figures) -> str:
    return ngettext("%(num)d rappel envoyé", "%(num)d rappels envoyés", _count(f, "reminders"))


def cancelled(f: Figures) -> str:
    return ngettext(
        "%(num)d commande annulée", "%(num)d commandes annulées", _count(f, "cancelled")
    )


def refunded(f: Figures) -> str:
    return ngettext(
        "%(num)d commande remboursée", "%(num)d commandes remboursées", _count(f, "refunded")
    )


def uncollected(f: Figures) -> str:
    return ngettext(
        "%(num)d commande non retirée", "%(num)d commandes non retirées", _count(f, "orders")
    )


def mails(f: Figures) -> str:
    said = ", ".join(
        (
            ngettext("%(num)d e-mail envoyé", "%(num)d e-mails envoyés", _count(f, "sent")),
            ngettext("%(num)d en échec", "%(num)d en échec", _count(f, "failed")),
            ngettext("%(num)d abandonné", "%(num)d abandonnés", _count(f, "given_up")),
        )
    )
    if not any(name.startswith("texts_") for name in f):
        return said
    texts = ", ".join(
        (
            ngettext("%(num)d SMS envoyé", "%(num)d SMS envoyés", _count(f, "texts_sent")),
            ngettext("%(num)d en échec", "%(num)d en échec", _count(f, "texts_failed")),
            ngettext("%(num)d abandonné", "%(num)d abandonnés", _count(f, "texts_given_up")),
        )
    )
    return _("%(mails)s ; %(texts)s", mails=said, texts=texts)


def anonymised(f: Figures) -> str:
    return ngettext("%(num)d compte anonymisé", "%(num)d comptes anonymisés", _count(f, "accounts"))


def baskets(f: Figures) -> str:
    return ", ".join(
        (
            ngettext("%(num)d panier commandé", "%(num)d paniers commandés", _count(f, "ordered")),
            ngettext("%(num)d en pause", "%(num)d en pause", _count(f, "paused")),
            ngettext("%(num)d non placé", "%(num)d non placés", _count(f, "not_placed")),
            ngettext("%(num)d non proposé", "%(num)d non proposés", _count(f, "withdrawn")),
            ngettext("%(num)d en erreur", "%(num)d en erreur", _count(f, "failed")),
        )
    )


def invoices(f: Figures) -> str:
    return ngettext(
        "%(num)d facture d'abonnement", "%(num)d factures d'abonnement", _count(f, "invoices")
    )


def room_invoices(f: Figures) -> str:
    return ngettext("%(num)d facture de salle", "%(num)d factures de salle", _count(f, "invoices"))


def backup(f: Figures) -> str:
    copy = ngettext(
        "%(num)d ancienne copie supprimée",
        "%(num)d anciennes copies supprimées",
        _count(f, "deleted"),
    )
    return _(
        "%(file)s, %(size)s ; %(copies)s",
        file=f.get("file"),
        size=file_size(_count(f, "bytes")),
        copies=copy,
    )


def replanned(f: Figures) -> str:
    return ", ".join(
        (
            ngettext("%(num)d jour replanifié", "%(num)d jours replanifiés", _count(f, "days")),
            ngettext("%(num)d tournée", "%(num)d tournées", _count(f, "rounds")),
            ngettext("%(num)d ligne", "%(num)d lignes", _count(f, "items")),
            ngettext("%(num)d non tenue", "%(num)d non tenues", _count(f, "unmet")),
        )
    )


def plan(f: Figures) -> str:
    counts = ", ".join(
        (
            ngettext("%(num)d tournée", "%(num)d tournées", _count(f, "rounds")),
            ngettext("%(num)d ligne", "%(num)d lignes", _count(f, "items")),
            ngettext("%(num)d gardée", "%(num)d gardées", _count(f, "kept")),
            ngettext("%(num)d non tenue", "%(num)d non tenues", _count(f, "unmet")),
        )
    )
    day = f.get("day")
    if not day:
        return counts
    return _("%(day)s : %(counts)s", day=calendar_date(date.fromisoformat(str(day))), counts=counts)


def in_french(say: Callable[[Figures], str], figures: Figures) -> str:
    """The run's line for the log and the `summary` column."""
    with force_locale("fr"):
        return say(figures)
