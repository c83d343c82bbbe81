"""Event rules: who organises, who registers, the waiting list. Flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from conciergerie import policy
from conciergerie.errors import DomainError
from conciergerie.events import notifications
from conciergerie.models import (
    Event,
    EventStatus,
    Provider,
    Registration,
    RegistrationStatus,
    User,
)

MAX_TITLE = 160
MAX_PLACE = 255
MAX_DESCRIPTION = 5000
MAX_CAPACITY = 10_000


class EventError(DomainError):
    """A refusal; `field` names the input at fault, if any."""


class NotAnOrganiser(EventError):
    """Only volunteers and the concierge organise events and write to their participants."""

    code = "forbidden"
    status = 403


class EventClosed(EventError):
    """The event is cancelled, has begun or is over: it no longer takes this action."""

    code = "event_closed"
    status = 409


class RegistrationConflict(EventError):
    """Registered already (another tab, a double click), or no longer registered."""

    code = "registration_conflict"
    status = 409


def _one_line(value: str) -> bool:
    """No control characters: titles and places end up in mail headers and calendar files."""
    return not any(ord(char) < 32 or ord(char) == 127 for char in value)


def _check(
    title: str,
    description: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
) -> None:
    if not _one_line(title) or not _one_line(place):
        raise EventError(_("Le titre et le lieu tiennent sur une ligne."), field="title")
    if not title.strip() or len(title) > MAX_TITLE:
        raise EventError(_("Un titre de %(n)d caractères au plus.", n=MAX_TITLE), field="title")
    if len(description) > MAX_DESCRIPTION:
        raise EventError(_("Description trop longue."), field="description")
    if not place.strip() or len(place) > MAX_PLACE:
        raise EventError(_("Indiquez le lieu."), field="place")
    if ends_at <= starts_at:
        raise EventError(_("La fin doit suivre le début."), field="ends_at")
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise EventError(_("Capacité invalide."), field="capacity")


def create_event(
    session: Session,
    *,
    organiser: User,
    title: str,
    description: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
    providers: Sequence[Provider] = (),
    image_name: str | None = None,
    now: datetime,
) -> Event:
    if not policy.can_organise_events(organiser):
        raise NotAnOrganiser(_("Seuls les volontaires et la concierge organisent des événements."))
    _check(title, description, place, starts_at, ends_at, capacity)
    if starts_at <= now:
        raise EventError(_("L'événement doit commencer dans le futur."), field="starts_at")
    event = Event(
        organiser=organiser,
        title=title.strip(),
        description=description.strip(),
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        providers=list(providers),
        image_name=image_name,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    session.flush()
    return event


def update_event(
    session: Session,
    event: Event,
    *,
    actor: User,
    title: str,
    description: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
    providers: Sequence[Provider],
    image_name: str | None,
    now: datetime,
) -> None:
    if not policy.can_organise_events(actor):
        raise NotAnOrganiser(_("Seuls les volontaires et la concierge organisent des événements."))
    if event.status is EventStatus.CANCELLED:
        raise EventClosed(_("Cet événement est annulé."))
    if now >= event.ends_at:
        raise EventClosed(_("Cet événement est terminé."))
    _check(title, description, place, starts_at, ends_at, capacity)
    if starts_at != event.starts_at and starts_at <= now:
        raise EventError(_("L'événement doit commencer dans le futur."), field="starts_at")
    session.refresh(event, with_for_update=True)
    if capacity is not None and capacity < event.registered:
        raise EventError(
            ngettext(
                "Déjà %(num)d inscrit·e : la capacité ne peut pas descendre en dessous.",
                "Déjà %(num)d inscrit·es : la capacité ne peut pas descendre en dessous.",
                event.registered,
            ),
            field="capacity",
        )
    event.title, event.description, event.place = title.strip(), description.strip(), place.strip()
    event.starts_at, event.ends_at, event.capacity = starts_at, ends_at, capacity
    event.providers = list(providers)
    if image_name:
        event.image_name = image_name
    event.sequence += 1
    event.updated_at = now
    session.flush()
    promote_waiting(session, event, now=now)  # a larger capacity lets people in


def cancel_event(session: Session, event: Event, *, actor: User, now: datetime) -> None:
    """Cancel the event and tell everybody registered or waiting."""
    if not policy.can_organise_events(actor):
        raise NotAnOrganiser(_("Seuls les volontaires et la concierge organisent des événements."))
    if event.status is EventStatus.CANCELLED:
        raise EventClosed(_("Cet événement est déjà annulé."))
    if now >= event.ends_at:
        raise EventClosed(_("Cet événement est terminé."))
    event.status = EventStatus.CANCELLED
    event.sequence += 1
    event.updated_at = now
    for registration in participants(session, event):
        # One mail each: a refused address does not stop the others.
        notifications.send_event_cancelled(event, registration.user)
    session.flush()


# Registrations ----------------------------------------------------------------------------------


def _take_place(session: Session, event: Event) -> bool:
    """One conditional UPDATE: the row lock serialises concurrent registrations (no overfilling)."""
    result = session.execute(
        sa.update(Event)
        .where(
            Event.id == event.id,
            Event.status == EventStatus.PUBLISHED,
            sa.or_(Event.capacity.is_(None), Event.registered < Event.capacity),
        )
        .values(registered=Event.registered + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(event, ["registered"])
    return result.rowcount == 1


def _give_back_place(session: Session, event: Event) -> None:
    session.execute(
        sa.update(Event)
        .where(Event.id == event.id, Event.registered > 0)
        .values(registered=Event.registered - 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(event, ["registered"])


def registration_of(
    session: Session, event: Event, user: User, *, lock: bool = False
) -> Registration | None:
    query = sa.select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id
    )
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def register(session: Session, event: Event, user: User, *, now: datetime) -> Registration:
    """A confirmed place if there is one, else a place on the waiting list.

    Registering twice is refused (RegistrationConflict, 409), also when the two arrive at once
    (a double click): the second hits the unique constraint, in a savepoint. Either way the
    place it took must not be kept: the caller does not commit a refusal.
    """
    if event.status is not EventStatus.PUBLISHED:
        raise EventClosed(_("Cet événement est annulé."))
    if now >= event.starts_at:
        raise EventClosed(_("Cet événement a déjà commencé."))
    existing = registration_of(session, event, user, lock=True)
    if existing is not None and existing.status is not RegistrationStatus.CANCELLED:
        raise RegistrationConflict(_("Vous êtes déjà inscrit·e."))
    status = (
        RegistrationStatus.CONFIRMED if _take_place(session, event) else RegistrationStatus.WAITING
    )
    if existing is not None:
        existing.status, existing.queued_at = status, now
        session.flush()
        return existing
    try:
        with session.begin_nested():
            registration = Registration(
                event=event, user=user, status=status, created_at=now, queued_at=now
            )
            session.add(registration)
            session.flush()
    except IntegrityError as error:  # the same person's other request registered meanwhile
        raise RegistrationConflict(_("Vous êtes déjà inscrit·e.")) from error
    return registration


def unregister(session: Session, event: Event, user: User, *, now: datetime) -> None:
    """Leave the event (or its waiting list); a freed place goes to the first person waiting."""
    if now >= event.starts_at:
        raise EventClosed(_("Cet événement a déjà commencé."))
    registration = registration_of(session, event, user, lock=True)
    if registration is None or registration.status is RegistrationStatus.CANCELLED:
        raise RegistrationConflict(_("Vous n'êtes pas inscrit·e."))
    was_confirmed = registration.status is RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    session.flush()
    if was_confirmed:
        _give_back_place(session, event)
        promote_waiting(session, event, now=now)


def promote_waiting(session: Session, event: Event, *, now: datetime) -> list[Registration]:
    """Give free places to the waiting list, first come first served, and tell them by mail."""
    promoted = []
    if now >= event.starts_at or event.status is not EventStatus.PUBLISHED:
        return promoted
    while True:
        waiting = session.scalar(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITING
            )
            .order_by(Registration.queued_at, Registration.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if waiting is None or not _take_place(session, event):
            break
        waiting.status = RegistrationStatus.CONFIRMED
        session.flush()
        promoted.append(waiting)
        notifications.send_promoted(waiting.event, waiting.user)
    return promoted


def participants(session: Session, event: Event) -> list[Registration]:
    """Everybody registered or waiting, in the order they joined, with their accounts."""
    return list(
        session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status != RegistrationStatus.CANCELLED,
            )
            .options(selectinload(Registration.user))
            .order_by(Registration.queued_at, Registration.id)
        )
    )


def waiting_position(session: Session, registration: Registration) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITING,
            sa.or_(
                Registration.queued_at < registration.queued_at,
                sa.and_(
                    Registration.queued_at == registration.queued_at,
                    Registration.id <= registration.id,
                ),
            ),
        )
    )


def email_participants(
    session: Session, event: Event, *, actor: User, subject: str, body: str
) -> int:
    """The organiser writes to everybody registered or waiting (one mail each, in the outbox)."""
    if not policy.can_organise_events(actor):
        raise NotAnOrganiser(
            _("Seuls les volontaires et la concierge écrivent aux participant·es.")
        )
    subject, body = subject.strip(), body.strip()
    if not subject or len(subject) > 160 or not body or len(body) > 5000 or not _one_line(subject):
        raise EventError(
            _("Un objet (160 caractères, une ligne) et un message (5000) sont nécessaires.")
        )
    people = [registration.user for registration in participants(session, event)]
    for user in people:  # one mail each: a refused address does not stop the others
        notifications.send_message(event, user, subject, body)
    return len(people)


# Reading ----------------------------------------------------------------------------------------


def upcoming(session: Session, *, now: datetime, limit: int | None = None) -> list[Event]:
    query = (
        sa.select(Event)
        .where(Event.ends_at > now, Event.status == EventStatus.PUBLISHED)
        .order_by(Event.starts_at)
        .options(selectinload(Event.providers))
    )
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def archive(session: Session, *, now: datetime) -> list[tuple[Event, int]]:
    """Past events with their attendance (confirmed registrations; none if cancelled)."""
    attendance = (
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == Event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Event.status == EventStatus.PUBLISHED,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Event, attendance).where(Event.ends_at <= now).order_by(Event.starts_at.desc())
    )
    return [(event, count) for event, count in rows]
