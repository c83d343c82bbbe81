"""Moving an order's drop-off or pickup slot (orders/moves.py): who may until when, the places,
the turnaround, the history, the mail and the calendar file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conciergerie import policy
from conciergerie.models import DeskSlot, OrderStatus, OutboxMail, PaymentMethod, Role
from conciergerie.orders import calendar, moves
from conciergerie.orders import service as orders
from conciergerie.orders.service import OrderError, OrderNotAllowed, SlotUnavailable, TooLate
from tests import factories
from tests.factories import NOW, SETTINGS


def slot(session, month, day, hour, minute=0, **kw) -> DeskSlot:
    """A slot at this Paris wall-clock time (winter: UTC+1)."""
    return factories.make_slot(
        session, starts_at=datetime(2026, month, day, hour - 1, minute, tzinfo=UTC), **kw
    )


@pytest.fixture
def order(session):
    """Dropped off Thursday 26 November 8:00, collected Wednesday 2 December 18:00; a shoe
    repair ready in 1 working day (+1 of transport): from Monday 30 November."""
    return factories.make_order(
        session, offer=factories.make_offer(session, name="Ressemelage", turnaround_days=1)
    )


def move(session, order, actor, **kw):
    return moves.move_slots(session, order, actor, now=kw.pop("now", NOW), settings=SETTINGS, **kw)


def mails_to(session, address):
    return list(session.scalars(sa.select(OutboxMail).where(OutboxMail.recipient == address)))


def test_the_customer_moves_the_pickup(session, order):
    old, new = order.pickup_slot, slot(session, 12, 4, 17)
    order.pickup_reminder_sent_at = NOW  # reminded of the old slot: the new one's is due again
    assert move(session, order, order.customer, pickup_slot=new) == ["pickup"]
    assert order.pickup_reminder_sent_at is None
    session.refresh(old)
    session.refresh(new)
    assert order.pickup_slot is new and (old.booked, new.booked) == (0, 1)
    event = order.events[-1]
    assert event.note_key == "pickup_moved" and event.actor is order.customer
    assert event.from_status is event.to_status is OrderStatus.CONFIRMED
    assert "2 décembre" in event.note and "4 décembre" in event.note
    [mail] = mails_to(session, order.customer.email)
    assert "changement de créneau confirmé" in mail.subject
    assert "Nouveau retrait : vendredi 4 décembre, 17:00–17:30" in mail.body_text
    assert f"/commandes/{order.id}.ics" in mail.body_text and ".ics" in mail.body_html


def test_the_calendar_file_follows_the_move(session, order):
    move(session, order, order.customer, pickup_slot=slot(session, 12, 4, 17))
    ics = calendar.order_calendar(order, desk_address="75 rue Gambetta").decode()
    assert "DTSTART:20261204T160000Z" in ics and "20261202T170000Z" not in ics
    # Same event (uid), a higher sequence: the phone's calendar updates it in place.
    assert f"UID:order-{order.id}-pickup@etvoila-gambetta" in ics
    assert "SEQUENCE:1" in ics and "SEQUENCE:0" in ics  # the drop-off did not move


def test_a_later_dropoff_moves_the_deadline_and_needs_a_later_pickup(session, order):
    tuesday = slot(session, 12, 1, 8)
    # Ready 2 working days after Tuesday: Thursday 3 December; the pickup of the 2nd is too early.
    with pytest.raises(OrderError) as refused:
        move(session, order, order.customer, dropoff_slot=tuesday)
    assert refused.value.field == "pickup_slot_id" and refused.value.status == 422
    assert "jeudi 3 décembre" in str(refused.value)
    moved = move(
        session, order, order.customer, dropoff_slot=tuesday, pickup_slot=slot(session, 12, 3, 18)
    )
    assert moved == ["dropoff", "pickup"]
    assert order.dropoff_slot is tuesday and order.cancellable_until == tuesday.starts_at
    assert [e.note_key for e in order.events[-2:]] == ["dropoff_moved", "pickup_moved"]


def test_a_pickup_too_early_for_the_work_is_refused(session, order):
    with pytest.raises(OrderError) as refused:
        move(session, order, order.customer, pickup_slot=slot(session, 11, 27, 18))
    assert refused.value.field == "pickup_slot_id" and refused.value.status == 422
    assert "lundi 30 novembre" in str(refused.value)


def test_a_full_slot_is_refused(session, order):
    full = slot(session, 12, 4, 17, capacity=0)
    with pytest.raises(SlotUnavailable) as refused:
        move(session, order, order.customer, pickup_slot=full)
    assert refused.value.status == 409 and refused.value.field == "pickup_slot_id"


def test_a_past_slot_and_the_same_slot_are_refused(session, order):
    with pytest.raises(OrderError) as refused:
        move(session, order, order.customer, dropoff_slot=slot(session, 11, 25, 8))
    assert refused.value.field == "dropoff_slot_id"
    with pytest.raises(OrderError, match="autre créneau"):
        move(session, order, order.customer, pickup_slot=order.pickup_slot)


def test_the_customer_moves_until_the_deadline_only(session, order, clock):
    clock.move_to(order.cancellable_until)  # the drop-off slot begins
    with pytest.raises(TooLate) as refused:
        move(
            session,
            order,
            order.customer,
            now=order.cancellable_until,
            pickup_slot=slot(session, 12, 4, 17),
        )
    assert refused.value.status == 409


def test_another_resident_may_not_move_it(session, order):
    stranger = factories.make_user(session, Role.RESIDENT)
    with pytest.raises(OrderNotAllowed):
        move(session, order, stranger, pickup_slot=slot(session, 12, 4, 17))
    volunteer = factories.make_user(session, Role.VOLUNTEER)
    with pytest.raises(OrderNotAllowed):
        move(session, order, volunteer, pickup_slot=slot(session, 12, 4, 17))


def test_the_desk_moves_the_pickup_after_the_drop_off_and_tells_the_customer(session, order):
    concierge = factories.make_user(session, Role.CONCIERGE)
    later = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # past the customer's deadline
    orders.advance_order(session, order, OrderStatus.DROPPED_OFF, actor=concierge, now=later)
    with pytest.raises(TooLate):  # the items are in: the drop-off stays
        move(session, order, concierge, now=later, dropoff_slot=slot(session, 12, 1, 8))
    assert move(session, order, concierge, now=later, pickup_slot=slot(session, 12, 4, 17)) == [
        "pickup"
    ]
    assert order.events[-1].actor is concierge
    [mail] = mails_to(session, order.customer.email)
    assert "la conciergerie a changé vos créneaux" in mail.subject


def test_the_desk_does_not_move_a_slot_that_has_begun(session, order):
    concierge = factories.make_user(session, Role.CONCIERGE)
    with pytest.raises(TooLate):
        move(
            session,
            order,
            concierge,
            now=order.pickup_slot.starts_at,
            pickup_slot=slot(session, 12, 4, 17),
        )


def test_a_cancelled_order_does_not_move(session, order):
    orders.cancel_order(session, order, actor=order.customer, now=NOW)
    with pytest.raises(TooLate):
        move(session, order, order.customer, pickup_slot=slot(session, 12, 4, 17))


def test_a_basket_keeps_the_delivery_it_was_ordered_for(session):
    """Ordered on Wednesday 25 for the delivery of Thursday 3 December (cut-off Tuesday 1st,
    noon): after the cut-off, the desk may still move its pickup to Friday 4, although a basket
    ordered now would come on the 10th."""
    basket = factories.make_basket_offer(session)
    order = factories.make_order(session, offer=basket, pickup=slot(session, 12, 3, 18))
    assert order.cancellable_until == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    concierge = factories.make_user(session, Role.CONCIERGE)
    after_cutoff = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    with pytest.raises(TooLate):
        move(session, order, order.customer, now=after_cutoff, pickup_slot=slot(session, 12, 4, 17))
    with pytest.raises(OrderError):  # before the delivery
        move(session, order, concierge, now=after_cutoff, pickup_slot=slot(session, 12, 2, 18))
    move(session, order, concierge, now=after_cutoff, pickup_slot=slot(session, 12, 4, 17))
    assert order.pickup_slot.starts_at.day == 4


def test_the_slots_offered(session, order):
    roomy, full = slot(session, 12, 4, 17), slot(session, 12, 4, 18, capacity=0)
    early = slot(session, 11, 27, 17)
    dropoffs, pickups = moves.slots_to_offer(
        session,
        order,
        now=NOW,
        settings=SETTINGS,
        horizon=timedelta(weeks=3),
    )
    assert roomy in pickups and full not in pickups and early not in pickups
    assert order.pickup_slot not in pickups and order.dropoff_slot not in dropoffs
    assert early in dropoffs and full not in dropoffs
    assert policy.can_move_slots(order.customer, order, now=NOW)
    assert not policy.can_move_slots(order.customer, order, now=order.cancellable_until)


def test_an_order_taken_at_the_counter_counts_its_work_from_then(session):
    """Handed in on Wednesday 25 at the counter, a repair of 1 working day (+1 of transport) is
    ready from Friday 27: the desk may move its pickup there, not to Thursday; the customer,
    whose deadline was the counter, may not move it at all."""
    concierge = factories.make_user(session, Role.CONCIERGE)
    offer = factories.make_offer(session, turnaround_days=1)
    order = orders.place_order(
        session,
        customer=factories.make_user(session),
        lines=[orders.RequestedLine(offer, 1)],
        dropoff_slot=None,
        pickup_slot=slot(session, 12, 2, 18),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
        at_counter=concierge,
    )
    with pytest.raises(TooLate):
        move(session, order, order.customer, pickup_slot=slot(session, 11, 27, 18))
    with pytest.raises(OrderError, match="vendredi 27 novembre"):
        move(session, order, concierge, pickup_slot=slot(session, 11, 26, 18))
    assert move(session, order, concierge, pickup_slot=slot(session, 11, 27, 18)) == ["pickup"]
