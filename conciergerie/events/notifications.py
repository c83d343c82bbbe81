"""Mails about events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from conciergerie.mail import external_url, send_templated
from conciergerie.models import Event, User


def _context(event: Event) -> dict[str, object]:
    return {
        "event": event,
        "event_url": external_url("events.detail", event_id=event.id),
    }


def send_promoted(event: Event, user: User) -> None:
    send_templated(
        user,
        "event_promoted",
        _l("Une place s'est libérée : %(title)s", title=event.title),
        **_context(event),
    )


def send_event_cancelled(event: Event, user: User) -> None:
    send_templated(
        user,
        "event_cancelled",
        _l("Événement annulé : %(title)s", title=event.title),
        **_context(event),
    )


def send_message(event: Event, user: User, subject: str, body: str) -> None:
    send_templated(
        user, "event_message", f"{event.title} — {subject}", message=body, **_context(event)
    )
