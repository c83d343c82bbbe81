from datetime import timedelta

import pytest

from conciergerie.database import commit
from conciergerie.events import service
from conciergerie.models import EventStatus, RegistrationStatus, Role
from tests import factories
from tests.factories import NOW

C, W = RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING


@pytest.fixture
def event(session):
    return factories.make_event(session, capacity=2)


def people(session, n):
    return [factories.make_user(session) for _ in range(n)]


def test_only_volunteers_and_the_concierge_organise(session):
    for role in (Role.RESIDENT, Role.EMPLOYEE, Role.PROVIDER):
        with pytest.raises(service.EventError):
            service.create_event(
                session,
                organiser=factories.make_user(session, role),
                title="x",
                description="",
                place="La Grappe",
                starts_at=NOW + timedelta(days=1),
                ends_at=NOW + timedelta(days=1, hours=1),
                capacity=None,
                now=NOW,
            )
    for role in (Role.VOLUNTEER, Role.CONCIERGE):
        event = service.create_event(
            session,
            organiser=factories.make_user(session, role),
            title="Dégustation",
            description="",
            place="La Grappe",
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=1),
            capacity=10,
            now=NOW,
        )
        assert event.id is not None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"place": " "}, "place"),
        ({"capacity": 0}, "capacity"),
        ({"ends_at": NOW + timedelta(days=1)}, "ends_at"),
        ({"starts_at": NOW - timedelta(hours=1)}, "starts_at"),
    ],
)
def test_event_fields_are_checked(session, change, field):
    values = dict(
        title="Café",
        description="",
        place="La Grappe",
        starts_at=NOW + timedelta(days=1, hours=2),
        ends_at=NOW + timedelta(days=1, hours=4),
        capacity=5,
    )
    values.update(change)
    with pytest.raises(service.EventError) as error:
        service.create_event(
            session, organiser=factories.make_user(session, Role.VOLUNTEER), now=NOW, **values
        )
    assert error.value.field == field


def test_capacity_then_waiting_list(session, event):
    a, b, c, d = people(session, 4)
    assert [service.register(session, event, p, now=NOW).status for p in (a, b, c, d)] == [
        C,
        C,
        W,
        W,
    ]
    assert event.registered == 2 and event.is_full
    assert service.waiting_position(session, service.registration_of(session, event, d)) == 2


def test_no_double_registration(session, event):
    a = factories.make_user(session)
    service.register(session, event, a, now=NOW)
    with pytest.raises(service.EventError, match="déjà inscrit"):
        service.register(session, event, a, now=NOW)
    assert event.registered == 1


def test_a_freed_place_goes_to_the_first_waiting_who_is_told(session, event, outbox):
    a, b, c, d = people(session, 4)
    for p in (a, b, c, d):
        service.register(session, event, p, now=NOW)
    service.unregister(session, event, a, now=NOW)
    commit(session)
    assert service.registration_of(session, event, c).status is C
    assert service.registration_of(session, event, d).status is W
    assert event.registered == 2
    assert [m.to for m in outbox] == [[c.email]] and "place s'est libérée" in outbox[0].subject


def test_leaving_the_waiting_list_frees_nothing(session, event):
    a, b, c = people(session, 3)
    for p in (a, b, c):
        service.register(session, event, p, now=NOW)
    service.unregister(session, event, c, now=NOW)
    assert event.registered == 2
    with pytest.raises(service.EventError):
        service.unregister(session, event, c, now=NOW)


def test_registering_again_after_leaving(session, event):
    a = factories.make_user(session)
    service.register(session, event, a, now=NOW)
    service.unregister(session, event, a, now=NOW)
    assert service.register(session, event, a, now=NOW).status is C
    assert event.registered == 1


def test_raising_the_capacity_lets_the_waiting_in(session, event):
    a, b, c = people(session, 3)
    for p in (a, b, c):
        service.register(session, event, p, now=NOW)
    service.update_event(
        session,
        event,
        actor=event.organiser,
        title=event.title,
        description=event.description,
        place=event.place,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        capacity=3,
        providers=[],
        image_name=None,
        now=NOW,
    )
    assert service.registration_of(session, event, c).status is C


def test_capacity_cannot_go_below_the_registered(session, event):
    a, b = people(session, 2)
    for p in (a, b):
        service.register(session, event, p, now=NOW)
    with pytest.raises(service.EventError) as error:
        service.update_event(
            session,
            event,
            actor=event.organiser,
            title=event.title,
            description="",
            place=event.place,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            capacity=1,
            providers=[],
            image_name=None,
            now=NOW,
        )
    assert error.value.field == "capacity"


def test_no_registration_once_started_or_cancelled(session, event):
    a = factories.make_user(session)
    with pytest.raises(service.EventError, match="commencé"):
        service.register(session, event, a, now=event.starts_at)
    service.cancel_event(session, event, actor=event.organiser, now=NOW)
    with pytest.raises(service.EventError, match="annulé"):
        service.register(session, event, a, now=NOW)


def test_cancelling_tells_everybody(session, event, outbox):
    a, b, c = people(session, 3)
    for p in (a, b, c):
        service.register(session, event, p, now=NOW)
    service.cancel_event(
        session, event, actor=factories.make_user(session, Role.CONCIERGE), now=NOW
    )
    commit(session)
    assert sorted(m.to[0] for m in outbox) == sorted(p.email for p in (a, b, c))
    assert all("annulé" in m.subject for m in outbox)


def test_organiser_writes_to_participants(session, event, outbox):
    a, b = people(session, 2)
    for p in (a, b):
        service.register(session, event, p, now=NOW)
    assert (
        service.email_participants(
            session,
            event,
            actor=event.organiser,
            subject="Salle changée",
            body="Rendez-vous salle 2.",
        )
        == 2
    )
    commit(session)
    assert len(outbox) == 2 and "Salle changée" in outbox[0].subject and "salle 2" in outbox[0].body
    with pytest.raises(service.EventError):
        service.email_participants(session, event, actor=a, subject="x", body="y")


def test_archive_counts_attendance(session):
    past = factories.make_event(session, starts_at=NOW - timedelta(days=3), capacity=None)
    for p in people(session, 3):
        service.register(session, past, p, now=NOW - timedelta(days=5))
    rows = service.archive(session, now=NOW)
    assert (past, 3) in rows


def test_nothing_moves_once_the_event_has_started(session, event, outbox):
    a, b, c = people(session, 3)
    for p in (a, b, c):
        service.register(session, event, p, now=NOW)
    with pytest.raises(service.EventError):
        service.unregister(session, event, a, now=event.starts_at)
    with pytest.raises(service.EventError):
        service.cancel_event(session, event, actor=event.organiser, now=event.ends_at)
    commit(session)
    assert outbox == [] and event.registered == 2


def test_a_cancelled_event_counts_no_attendance(session):
    past = factories.make_event(session, starts_at=NOW - timedelta(days=3), capacity=None)
    for p in people(session, 2):
        service.register(session, past, p, now=NOW - timedelta(days=5))
    past.status = EventStatus.CANCELLED
    session.flush()
    assert (past, 0) in service.archive(session, now=NOW)


def test_one_failing_address_does_not_stop_the_other_mails(session, event, outbox, monkeypatch):
    import smtplib

    from flask_mailman import EmailMultiAlternatives

    a, b = people(session, 2)
    for p in (a, b):
        service.register(session, event, p, now=NOW)
    real = EmailMultiAlternatives.send

    def flaky(message, *args, **kwargs):
        if message.to == [a.email]:
            raise smtplib.SMTPRecipientsRefused({a.email: (550, b"no such user")})
        return real(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    service.cancel_event(session, event, actor=event.organiser, now=NOW)
    commit(session)
    assert [m.to for m in outbox] == [[b.email]]
