"""Text messages (SMS): who gets one, their words, the outbox and its sending.

Who: a customer who asked for texts on "Mon compte" (`User.texts_opt_in`, with a mobile
number), and a walk-in customer who left only a phone number at the desk (the desk tells them
they will be texted). Never a number that replied STOP (`TextOptOut`): checked when the text is
written and again when it is sent.

Like the mails (conciergerie.mail), a text is written to the outbox (`OutboxText`) in the
transaction of its change, in the person's language, and sent by the scheduler's `send-mails`
job with the same back-off (`mail.retry_delay`) and the same giving up (`mail.GIVE_UP_AFTER`).
At least once: a text sent again after a crash carries the idempotency key it was written with.
Plain functions over the session; they flush, never commit (except `send_due`, which owns its
transactions as `mail.send_due` does).
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial

import phonenumbers
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session, object_session

from conciergerie.database import real_session
from conciergerie.extensions import db
from conciergerie.i18n import babel_locale, slot_when
from conciergerie.mail import (
    Courier,
    Delivery,
    OutboxState,
    can_mail,
    claim_due,
    holding_back,
    send_outbox,
    state_of,
)
from conciergerie.models import Order, OutboxText, TextOptOut, User, utcnow
from conciergerie.texts.gateway import Gateway, GatewayDown, GatewayError

log = logging.getLogger(__name__)

KEEP_SENT = timedelta(days=7)  # a sent text's row (its gateway id), then deleted

# Numbers --------------------------------------------------------------------------------------

TEXTABLE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def e164(phone: str | None) -> str | None:
    """The mobile number `phone` in E.164 ("06 12 34 56 78" → "+33612345678"), French unless
    written with a country code; None when it is no mobile number (a landline cannot be
    texted) or no number at all."""
    if not phone or not phone.strip():
        return None
    try:
        number = phonenumbers.parse(phone, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in TEXTABLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_opted_out(session: Session, number: str) -> bool:
    return session.get(TextOptOut, number) is not None


def offered(config: Mapping[str, object]) -> bool:
    """Whether texts are sent at all: a gateway is configured, or (outside production) they
    may go to the log. Without it nobody is offered texts nor told they will get some."""
    return bool(config.get("SMS_GATEWAY_URL")) or bool(config.get("SMS_TO_LOG_WITHOUT_GATEWAY"))


def number_to_text(user: User) -> str | None:
    """The number to text `user` at, or None: asked for on "Mon compte", or a walk-in customer
    who left no e-mail; a mobile number that never replied STOP; texts offered at all."""
    if not (user.texts_opt_in or (user.is_walk_in and not can_mail(user))):
        return None
    if not offered(current_app.config):
        return None
    number = e164(user.phone)
    session = object_session(user) or db.session
    if number is None or is_opted_out(session, number):
        return None
    return number


# Words --------------------------------------------------------------------------------------

# The GSM 03.38 alphabet: a text in it holds 160 characters (153 each when cut in two), where
# one character out of it makes the whole text UCS-2 (70 characters).
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "^{}\\[~]|€"  # two characters each
TWO_PARTS = 2 * 153
_PLAIN = {"’": "'", "‘": "'", "«": '"', "»": '"', "“": '"', "”": '"', "–": "-", "—": "-",
          "…": "...", "œ": "oe", "Œ": "OE", "\u00a0": " ", "\u202f": " "}  # fmt: skip


def gsm(text: str) -> str:
    """`text` in the GSM alphabet, at most two SMS long: accents the alphabet lacks dropped
    ("prête" → "prete"), typographic signs made plain, anything else "?"."""
    out, length = [], 0
    for char in text:
        if char not in GSM_BASIC and char not in GSM_EXTENDED:
            char = _PLAIN.get(char) or unicodedata.normalize("NFKD", char)[:1]
            char = "".join(c if c in GSM_BASIC else "?" for c in char)
        size = sum(2 if c in GSM_EXTENDED else 1 for c in char)
        if length + size > TWO_PARTS:
            break
        out.append(char)
        length += size
    return "".join(out)


def _ready_words(order: Order) -> str:
    return _(
        "Et voilà Gambetta : votre commande %(code)s est prête au comptoir. Retrait : %(when)s.",
        code=order.code,
        when=slot_when(order.pickup_slot),
    )


def _reminder_words(order: Order, which: str) -> str:
    if which == "dropoff":
        return _(
            "Et voilà Gambetta : rappel, demain %(when)s, vous déposez la commande %(code)s au "
            "comptoir.",
            when=slot_when(order.dropoff_slot),
            code=order.code,
        )
    return _(
        "Et voilà Gambetta : rappel, demain %(when)s, vous retirez la commande %(code)s au "
        "comptoir.",
        when=slot_when(order.pickup_slot),
        code=order.code,
    )


# Writing ------------------------------------------------------------------------------------


def enqueue(session: Session, recipient: str, body: str) -> OutboxText | None:
    """Write a text to the outbox, due now, with its idempotency key (saved with the rest of
    the transaction); nothing while messages are held back (mail.held_back)."""
    if holding_back():
        return None
    now = utcnow()
    text = OutboxText(
        idempotency_key=secrets.token_hex(16),
        recipient=recipient,
        body=gsm(body),
        created_at=now,
        next_attempt_at=now,
    )
    real_session(session).add(text)
    return text


def text_user(user: User, words: Callable[[], str]) -> OutboxText | None:
    """Text `user` the `words` (said in their language, ending with how to stop), if they are
    to be texted (`number_to_text`)."""
    if holding_back():
        return None
    number = number_to_text(user)
    if number is None:
        return None
    with force_locale(babel_locale(user.locale)):
        body = f"{words()} {_('STOP pour ne plus recevoir de SMS.')}"
    return enqueue(object_session(user) or db.session, number, body)


def text_ready(order: Order) -> OutboxText | None:
    """The order is back at the desk (beside the "prête à retirer" mail)."""
    return text_user(order.customer, lambda: _ready_words(order))


def text_reminder(order: Order, *, which: str) -> OutboxText | None:
    """`which`: "dropoff" or "pickup" — the slot of tomorrow (beside the reminder mail)."""
    return text_user(order.customer, lambda: _reminder_words(order, which))


def text_not_ready_after_all(order: Order) -> OutboxText | None:
    """A wrong "ready" undone: whoever was texted that it was ready is told it is not."""
    return text_user(
        order.customer,
        lambda: _(
            "Et voilà Gambetta : la commande %(code)s n'est finalement pas encore prête, "
            "veuillez nous excuser. Nous vous prévenons dès qu'elle l'est.",
            code=order.code,
        ),
    )


def forget_number(session: Session, phone: str | None) -> None:
    """Delete the texts to `phone` (an account erased): they hold words about its owner."""
    number = e164(phone)
    if number is not None:
        session.execute(sa.delete(OutboxText).where(OutboxText.recipient == number))


# Opting in and out --------------------------------------------------------------------------


STOP_WORDS = frozenset({"stop", "arret", "arreter", "stopsms", "unsubscribe"})


def is_stop(reply: str) -> bool:
    """STOP, stop, Stop, "STOP SMS", ARRET, "Arrêt !": the first word, without accents."""
    plain = unicodedata.normalize("NFKD", reply).encode("ascii", "ignore").decode().casefold()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return bool(words) and (words[0] in STOP_WORDS or "".join(words[:2]) in STOP_WORDS)


def is_start(reply: str) -> bool:
    """START, start, "Start !": the number asks for texts again."""
    plain = unicodedata.normalize("NFKD", reply).encode("ascii", "ignore").decode().casefold()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return bool(words) and words[0] == "start"


def opt_out(session: Session, number: str, *, now: datetime) -> bool:
    """Never text `number` again (until it replies START); its texts waiting are
    dropped. Returns whether it was new."""
    if is_opted_out(session, number):
        return False
    session.add(TextOptOut(phone=number, created_at=now))
    session.execute(
        sa.delete(OutboxText).where(OutboxText.recipient == number, OutboxText.sent_at.is_(None))
    )
    session.flush()
    log.info("number %s opted out of texts", number[:-4] + "****")
    return True


def handle_reply(session: Session, sender: str, reply: str, *, now: datetime) -> str:
    """A text received from `sender`: a STOP opts the number out ("opted_out"), a START lifts
    its STOP ("opted_in"; only the number itself can: "Mon compte" cannot prove whose a number
    is); any other reply is "ignored" (the desk's number is on every mail)."""
    # Providers write the sender internationally, with or without its "+" (33612345678).
    number = e164(sender) or (e164(f"+{sender}") if sender.isdigit() else None)
    if number is not None and is_start(reply):
        session.execute(sa.delete(TextOptOut).where(TextOptOut.phone == number))
        return "opted_in"
    if number is not None and is_stop(reply):
        opt_out(session, number, now=now)
        return "opted_out"
    return "ignored"


def set_texts_opt_in(session: Session, user: User, wanted: bool) -> bool:
    """Texts on or off for `user` ("Mon compte"). Never lifts a STOP of their number: anyone
    may type any number on their account, so only the number itself lifts it (START)."""
    changed = user.texts_opt_in != wanted
    user.texts_opt_in = wanted
    return changed


def stopped_by_reply(user: User) -> bool:
    """Whether `user` asked for texts but their number replied STOP since ("Mon compte")."""
    number = e164(user.phone)
    session = object_session(user) or db.session
    return user.texts_opt_in and number is not None and is_opted_out(session, number)


# Sending ------------------------------------------------------------------------------------


def claim_next(session: Session, now: datetime) -> OutboxText | None:
    """The oldest text due, row-locked until the commit (SKIP LOCKED, as mail.claim_next)."""
    return claim_due(session, OutboxText, now, OutboxText.sent_at.is_(None))


def _send(gateway: Gateway, session: Session, text: OutboxText, now: datetime) -> bool:
    """Send `text` and mark it sent; or drop it, its number having replied STOP since."""
    if is_opted_out(session, text.recipient):
        session.delete(text)
        return False
    message_id = gateway.send(text.recipient, text.body, text.idempotency_key)
    text.sent_at, text.gateway_message_id = now, message_id[:100] or None
    return True


def send_due(
    session: Session,
    *,
    gateway: Gateway,
    now: datetime,
    limit: int = 200,
    budget_seconds: float = 4.0,
) -> Delivery:
    """Send the texts due at `now`, oldest first, each claimed, sent and marked in a transaction
    of its own (as mail.send_due); forget those sent more than KEEP_SENT ago. The run stops at a
    gateway down, after `limit` texts or `budget_seconds`."""
    courier = Courier(
        claim=claim_next,
        send=partial(_send, gateway),
        failures=GatewayError,
        stops=lambda error: isinstance(error, GatewayDown),
        log=log,
        noun="text",
    )
    session.execute(sa.delete(OutboxText).where(OutboxText.sent_at < now - KEEP_SENT))
    return send_outbox(session, courier, now=now, limit=limit, budget_seconds=budget_seconds)


def figures(mails: Delivery, texts: Delivery) -> dict[str, int]:
    """One run's figures for the jobs page: the mails', and the texts' when any moved."""
    said = dict(mails.figures())
    if texts:
        said.update({f"texts_{name}": n for name, n in texts.figures().items()})
    return said


def texts_state(session: Session) -> OutboxState:
    """How many texts wait, since when, and the last failure among them (the jobs page)."""
    return state_of(session, OutboxText, OutboxText.sent_at.is_(None))
