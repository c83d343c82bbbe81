"""The notes the app writes in the history of an order and of its items, read in the reader's
language.

A note the app writes ("Paiement au comptoir", "Tournée du 5 décembre", "Reçu : 2 × Chemise") is
given as a `Note`: a key and its arguments. The history row keeps both (`note_key`, `note_args`)
beside the note's French wording (`note`, what the exports and the older rows have), and
`shown(row)` says it again in the language of whoever reads it. A row without a key (words
someone typed, a provider's reason, a row older than the keys) shows its note as it is.

Why a key and not the French sentence as msgid: a key outlives a rewording of the French text,
and the arguments stay values (an amount in cents, a day, an item's stage) that are formatted for
the reader (18,00 € / €18.00, "5 décembre" / "5 December") rather than text frozen in French.

Arguments are JSON values: text and numbers as they are, or one of the typed values made by
`amount`, `day`, `stage` and `nested` (a note inside a note, a list of them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from conciergerie.i18n import calendar_date, money, priced, slot_when
from conciergerie.models import ItemStage
from conciergerie.orders.stages import stage_label

MAX_NOTE = 300  # the history's note column


@dataclass(frozen=True)
class Note:
    key: str
    args: Mapping[str, object] = field(default_factory=dict)

    def text(self) -> str:
        """The note in the current language."""
        return _say(self.key, self.args)

    def french(self) -> str:
        """The note as the history keeps it in French (shortened to its column, with an
        ellipsis)."""
        with force_locale("fr"):
            text = self.text()
        return text if len(text) <= MAX_NOTE else text[: MAX_NOTE - 1] + "…"

    def as_json(self) -> dict:
        return {"key": self.key, "args": dict(self.args)}


def note(key: str, **args: object) -> Note:
    """A note of the history; raises KeyError for a key no text is written for (a typo should
    fail where the note is written, not where it is read)."""
    if key not in TEXTS:
        raise KeyError(key)
    return Note(key, args)


# Typed arguments --------------------------------------------------------------------------------


def amount(cents: int, *, unit: str | None = None, currency: str | None = None) -> dict:
    """An amount of money, shown by the money filter; `unit`: a price per unit ("la paire")."""
    value: dict[str, object] = {"cents": cents}
    if unit:
        value["unit"] = unit
    if currency:
        value["currency"] = currency
    return value


def day(value: date) -> dict:
    return {"day": value.isoformat()}


def slot(value: object) -> dict:
    """A desk slot (its start and end), shown as "jeudi 26 novembre, 08:00–08:30"."""
    return {"slot": [value.starts_at.isoformat(), value.ends_at.isoformat()]}


def stage(value: object) -> dict:
    """An item's stage (ItemStage), shown by its label."""
    return {"stage": getattr(value, "value", value)}


def nested(value: Note | str | list) -> object:
    """A note inside a note (a reason the app gave), a list of them (joined with commas), or
    words someone typed, as they are."""
    if isinstance(value, Note):
        return {"note": value.as_json()}
    if isinstance(value, list):
        return {"notes": [nested(each) for each in value]}
    return value


def _value(value: object) -> object:
    if not isinstance(value, dict):
        return value
    if "cents" in value:
        if value.get("unit"):
            return priced(value["cents"], value["unit"], as_html=False)
        return money(value["cents"], value.get("currency") or "EUR")
    if "day" in value:
        return calendar_date(date.fromisoformat(value["day"]))
    if "slot" in value:
        starts_at, ends_at = (datetime.fromisoformat(each) for each in value["slot"])
        return slot_when(SimpleNamespace(starts_at=starts_at, ends_at=ends_at))
    if "stage" in value:
        return stage_label(ItemStage(value["stage"]))
    if "note" in value:
        return _say(value["note"]["key"], value["note"].get("args") or {})
    if "notes" in value:
        return ", ".join(str(_value(each)) for each in value["notes"])
    return value


# The texts --------------------------------------------------------------------------------------

# Key → the text, given the arguments already formatted (counts stay numbers, for ngettext).
# Keys are stored: rename none of them (an unknown key shows the row's French note).
TEXTS: dict[str, Callable[..., str]] = {
    # Orders
    "counter_order": lambda: _("Commande prise au comptoir"),
    "desk_payment": lambda: _("Paiement au comptoir"),
    "received": lambda items: _("Reçu : %(items)s", items=items),
    "received_line": lambda count, name: _("%(count)d × %(name)s", count=count, name=name),
    "received_short": lambda count, name, ordered: ngettext(
        "%(count)d × %(name)s (%(num)d commandé)",
        "%(count)d × %(name)s (%(num)d commandés)",
        ordered,
        count=count,
        name=name,
    ),
    "received_count": lambda count: ngettext(
        "Reçu : %(num)d article", "Reçu : %(num)d articles", count
    ),
    "dropoff_moved": lambda before, after: _(
        "Dépôt déplacé : %(before)s → %(after)s", before=before, after=after
    ),
    "pickup_moved": lambda before, after: _(
        "Retrait déplacé : %(before)s → %(after)s", before=before, after=after
    ),
    # Items and rounds
    "round_of": lambda day: _("Tournée du %(day)s", day=day),
    "ready_at": lambda name: _("Prête chez %(name)s", name=name),
    "cannot_do_at": lambda name, reason: _(
        "Impossible chez %(name)s : %(reason)s", name=name, reason=reason
    ),
    "undo_step": lambda stage: _("Annulation de l'étape « %(s)s »", s=stage),
    "undo_item": lambda code: _("Annulation : %(code)s", code=code),
    # Quotes
    "quote_proposed": lambda provider, name, price, note: _(
        "Devis de %(provider)s pour %(name)s : %(price)s (%(note)s)",
        provider=provider,
        name=name,
        price=price,
        note=note,
    ),
    "quote_accepted": lambda name, amount: _(
        "Devis accepté : %(name)s, %(amount)s", name=name, amount=amount
    ),
    "quote_declined": lambda name: _("Devis refusé : %(name)s revient sans frais", name=name),
    # Payments
    "online_payment": lambda: _("Paiement en ligne reçu"),
    "online_payment_after_cancel": lambda: _("Paiement en ligne reçu après annulation"),
    "paid_at_desk": lambda how, amount: _(
        "Payé au comptoir (%(how)s) : %(amount)s", how=how, amount=amount
    ),
    "cash": lambda: _("espèces"),
    "card_at_desk": lambda: _("carte au comptoir"),
    "refunded": lambda amount, reason: _(
        "Remboursé : %(amount)s (%(reason)s)", amount=amount, reason=reason
    ),
    "gesture": lambda amount, reason: _(
        "Geste commercial : %(amount)s (%(reason)s)", amount=amount, reason=reason
    ),
    "payment_late": lambda: _("Paiement non reçu à temps"),
    "payment_refused": lambda: _("Paiement refusé"),
    "payment_session_expired": lambda: _("Session de paiement expirée"),
    "stripe_unreachable": lambda: _("Stripe injoignable"),
    "payment_amount_differs": lambda: _("Paiement en ligne différent du montant demandé"),
    "paid_for_asked": lambda paid, asked: _(
        "Paiement en ligne de %(paid)s pour %(asked)s demandés", paid=paid, asked=asked
    ),
    "paid_after_expiry": lambda: _("Paiement reçu après l'expiration de la commande"),
    "refunded_at_desk": lambda: _("Remboursé au comptoir : travail non réalisé ou annulé"),
    "refund_of_undone": lambda: _("Remboursement de ce qui n'est pas réalisé ou a été annulé"),
}


def _say(key: str, args: Mapping[str, object]) -> str:
    return TEXTS[key](**{name: _value(value) for name, value in args.items()})


# Rows of a history ------------------------------------------------------------------------------


def columns(value: Note | str) -> dict[str, object]:
    """The columns of a history row (OrderEvent, ItemEvent) for `value`: a Note as its key, its
    arguments and its French wording; words someone typed as they are."""
    if isinstance(value, Note):
        return {"note": value.french(), "note_key": value.key, "note_args": dict(value.args)}
    text = value or ""
    return {"note": text[:MAX_NOTE], "note_key": None, "note_args": None}


def text_of(value: Note | str) -> str:
    """`value` in French, as the history's note and the refunds keep it."""
    return value.french() if isinstance(value, Note) else value


def shown(row: object) -> str:
    """A history row's note in the reader's language; its stored note when it has no key that
    is known here, or when its arguments no longer fit the text."""
    key = getattr(row, "note_key", None)
    if key in TEXTS:
        try:
            return _say(key, row.note_args or {})
        except (KeyError, TypeError, ValueError):
            pass
    return row.note or ""
