from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.models import DeskClosure, DeskOpeningRange, DeskSlot
from conciergerie.slots import service
from tests.factories import NOW


@pytest.fixture
def hours(session):
    """Mon–Fri 7:30–9:30 and 17:30–20:00; Saturday 9:00–12:00."""
    for day in range(5):
        session.add(DeskOpeningRange(weekday=day, opens_at=time(7, 30), closes_at=time(9, 30)))
        session.add(DeskOpeningRange(weekday=day, opens_at=time(17, 30), closes_at=time(20, 0)))
    session.add(DeskOpeningRange(weekday=5, opens_at=time(9), closes_at=time(12)))
    session.flush()


def all_slots(session):
    return session.scalars(sa.select(DeskSlot).order_by(DeskSlot.starts_at)).all()


def generate(session, weeks=1, **kw):
    return service.generate_slots(
        session, now=kw.pop("now", NOW), weeks=weeks, minutes=30, capacity=3, **kw
    )


def test_slots_are_cut_from_the_opening_hours_in_paris_time(session, hours):
    report = generate(session)
    slots = all_slots(session)
    # Wed 25 → Tue 1 Dec: 5 weekdays × (4 + 5) slots + Saturday 6 slots.
    assert report.created == len(slots) == 5 * 9 + 6
    first = slots[0]
    # 7:30 in Paris in winter is 6:30 UTC.
    assert first.starts_at == datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
    assert first.ends_at - first.starts_at == timedelta(minutes=30)
    assert first.capacity == 3 and first.booked == 0
    saturday = [s for s in slots if s.starts_at.date() == date(2026, 11, 28)]
    assert saturday[0].starts_at == datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    assert not any(s.starts_at.date() == date(2026, 11, 29) for s in slots)  # Sunday


def test_summer_time_is_handled(session, hours):
    generate(session, now=datetime(2027, 3, 26, 12, 0, tzinfo=UTC))  # clocks change on 28 Mar
    # (Monday 29 is Easter Monday, a public holiday.)
    tuesday = [s for s in all_slots(session) if s.starts_at.date() == date(2027, 3, 30)]
    assert tuesday[0].starts_at == datetime(2027, 3, 30, 5, 30, tzinfo=UTC)  # 7:30 CEST


def test_generating_again_creates_no_duplicates(session, hours):
    generate(session, weeks=2)
    count = len(all_slots(session))
    again = generate(session, weeks=2)
    assert again.created == 0 and again.removed == 0
    assert len(all_slots(session)) == count


def test_closure_days_and_public_holidays_have_no_slots(session, hours):
    session.add(DeskClosure(day=date(2026, 12, 1), reason="Inventaire"))
    service.generate_slots(session, now=NOW, weeks=5, minutes=30, capacity=3)
    days = {s.starts_at.astimezone(UTC).date() for s in all_slots(session)}
    assert date(2026, 12, 1) not in days
    assert date(2026, 12, 25) not in days  # Noël
    assert date(2026, 12, 24) in days


def test_a_new_closure_removes_empty_slots_but_never_booked_ones(session, hours):
    from conciergerie.orders.service import cancel_order
    from tests import factories

    generate(session)
    monday = [s for s in all_slots(session) if s.starts_at.date() == date(2026, 11, 30)]
    booked = factories.make_order(
        session,
        dropoff=monday[0],
        pickup=factories.make_slot(session, starts_at=datetime(2026, 12, 4, 17, tzinfo=UTC)),
    )
    cancelled = factories.make_order(session, dropoff=monday[1], pickup=booked.pickup_slot)
    cancel_order(session, cancelled, actor=cancelled.customer, now=NOW)
    session.add(DeskClosure(day=date(2026, 11, 30), reason="Formation"))
    report = generate(session)
    remaining = [s for s in all_slots(session) if s.starts_at.date() == date(2026, 11, 30)]
    # The booked slot stays, and so does the one a cancelled order points at (its history);
    # neither sells any more places.
    assert remaining == [monday[0], monday[1]]
    assert report.removed == len(monday) - 2 and report.kept_with_bookings == 1
    assert monday[0].remaining == 0 and monday[1].remaining == 0
    assert monday[0] not in service.open_slots(session, after=NOW, until=NOW + timedelta(days=7))


def test_reserving_stops_at_capacity(session):
    slot = DeskSlot(
        starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=1, minutes=30), capacity=2
    )
    session.add(slot)
    session.flush()
    service.reserve_place(session, slot)
    service.reserve_place(session, slot)
    with pytest.raises(service.SlotFull):
        service.reserve_place(session, slot)
    assert slot.booked == 2 and slot.remaining == 0
    service.release_place(session, slot)
    assert slot.booked == 1


def test_the_database_refuses_overbooking_even_without_the_guard(session):
    slot = DeskSlot(
        starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=1, minutes=30), capacity=1
    )
    session.add(slot)
    session.flush()
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(sa.update(DeskSlot).where(DeskSlot.id == slot.id).values(booked=2))


def test_open_slots_leave_out_full_and_past_ones(session, hours):
    generate(session)
    slots = all_slots(session)
    full = slots[5]
    for _ in range(full.capacity):
        service.reserve_place(session, full)
    found = service.open_slots(session, after=NOW, until=NOW + timedelta(days=7))
    assert full not in found
    assert all(s.starts_at > NOW for s in found)
    assert slots[0] not in found  # 7:30 this morning is already past


@pytest.mark.parametrize(
    "weekday, opens, closes, error",
    [
        (0, time(9), time(8), "suivre"),
        (0, time(9), time(10), "chevauche"),  # overlaps 7:30–9:30
        (9, time(9), time(10), "Jour inconnu"),
    ],
)
def test_opening_ranges_are_checked(session, hours, weekday, opens, closes, error):
    with pytest.raises(service.SlotError, match=error):
        service.add_opening_range(session, weekday=weekday, opens_at=opens, closes_at=closes)


def test_closures_are_checked(session):
    service.add_closure(
        session, day=date(2026, 12, 24), reason="Réveillon", today=date(2026, 11, 25)
    )
    with pytest.raises(service.SlotError, match="déjà fermé"):
        service.add_closure(session, day=date(2026, 12, 24), reason="x", today=date(2026, 11, 25))
    with pytest.raises(service.SlotError, match="passé"):
        service.add_closure(session, day=date(2026, 11, 1), reason="x", today=date(2026, 11, 25))


def test_a_day_closed_by_another_request_meanwhile_is_a_conflict(session, monkeypatch):
    """Two requests close one day at once: both find it open, the unique day refuses the second
    (AlreadyClosed, 409); only its savepoint is undone, the session stays usable."""
    day = date(2026, 12, 24)
    session.add(DeskClosure(day=day, reason="Réveillon"))
    session.flush()
    monkeypatch.setattr(session, "scalar", lambda *args, **kwargs: None)  # found open, as before
    with pytest.raises(service.AlreadyClosed, match="déjà fermé") as refused:
        service.add_closure(session, day=day, reason="x", today=date(2026, 11, 25))
    assert refused.value.status == 409 and refused.value.field == "day"
    monkeypatch.undo()
    assert session.scalars(sa.select(DeskClosure.reason)).all() == ["Réveillon"]
