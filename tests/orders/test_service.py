from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.models import Order, OrderStatus, PaymentMethod, Role
from conciergerie.orders import service
from conciergerie.orders.service import RequestedLine
from tests import factories
from tests.factories import NOW, SETTINGS

S = OrderStatus


@pytest.fixture
def f(session):
    """Factories bound to the test session."""

    class F:
        def __getattr__(self, name):
            maker = getattr(factories, f"make_{name}")
            return lambda *a, **kw: maker(session, *a, **kw)

    return F()


def slot_at(f, year, month, day, hour, minute=0):
    """A slot at this Paris wall-clock time (winter: UTC+1)."""
    return f.slot(starts_at=datetime(year, month, day, hour - 1, minute, tzinfo=UTC))


def place(session, **kw):
    params = {"note": "", "payment": PaymentMethod.DESK, "now": NOW, "settings": SETTINGS}
    params.update(kw)
    return service.place_order(session, **params)


# Prices ---------------------------------------------------------------------------------------


def test_order_copies_prices_and_later_catalogue_changes_do_not_alter_it(session, f):
    resident = f.user(Role.RESIDENT)
    offer = f.offer(name="Ressemelage", price_cents=1800, unit="la paire", turnaround_days=3)
    order = place(
        session,
        customer=resident,
        lines=[RequestedLine(offer, 2)],
        dropoff_slot=slot_at(f, 2026, 11, 26, 8),
        pickup_slot=slot_at(f, 2026, 12, 2, 18),
    )
    offer.price_cents = 2500
    offer.name = "Ressemelage complet"
    session.flush()
    session.expire_all()
    line = session.get(Order, order.id).lines[0]
    assert (line.name, line.unit, line.unit_price_cents, line.quantity) == (
        "Ressemelage",
        "la paire",
        1800,
        2,
    )
    assert order.subtotal_cents == 3600 and order.fee_cents == 150 and order.total_cents == 3750
    assert order.code.startswith("EVG-") and len(order.code) == 9


def test_service_fee_by_customer(session, f):
    subscriber = f.member_company(is_subscriber=True)
    other = f.member_company(is_subscriber=False)
    assert service.service_fee_cents(f.user(Role.RESIDENT), SETTINGS) == 150
    assert service.service_fee_cents(f.user(Role.RESIDENT, solidarity_rate=True), SETTINGS) == 0
    assert (
        service.service_fee_cents(f.user(Role.EMPLOYEE, member_company=subscriber), SETTINGS) == 0
    )
    assert service.service_fee_cents(f.user(Role.EMPLOYEE, member_company=other), SETTINGS) == 150
    # A claim not verified yet (by a link on the company's domain or by the concierge).
    claimed = f.user(Role.EMPLOYEE, member_company=subscriber, company_verified_at=None)
    assert service.service_fee_cents(claimed, SETTINGS) == 150
    assert service.fee_basis(claimed) is service.FeeBasis.COMPANY_UNVERIFIED


def test_pay_at_desk_confirms_at_once_with_history(session, f):
    customer = f.user()
    order = f.order(customer=customer)
    assert order.status is S.CONFIRMED
    assert [(e.from_status, e.to_status, e.actor) for e in order.events] == [
        (None, S.PLACED, customer),
        (S.PLACED, S.CONFIRMED, customer),
    ]
    assert all(e.at == NOW for e in order.events)


def test_staff_cannot_place_orders(session, f):
    with pytest.raises(service.OrderNotAllowed):
        f.order(customer=f.user(Role.VOLUNTEER))


# Slots ----------------------------------------------------------------------------------------


def test_pickup_must_leave_time_for_the_work_and_the_rounds(session, f):
    # Drop-off Thursday 26; 3 working days of work + 1 of transport: Wednesday 2 December.
    offer = f.offer(turnaround_days=3)
    dropoff = slot_at(f, 2026, 11, 26, 8)
    too_early = slot_at(f, 2026, 12, 1, 18)
    just_right = slot_at(f, 2026, 12, 2, 8)
    lines = [RequestedLine(offer, 1)]
    earliest = service.earliest_pickup(
        session, lines, dropoff_slot=dropoff, now=NOW, settings=SETTINGS
    )
    assert earliest == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 2 Dec, 00:00 in Paris
    with pytest.raises(service.OrderError) as error:
        place(session, customer=f.user(), lines=lines, dropoff_slot=dropoff, pickup_slot=too_early)
    assert error.value.field == "pickup_slot_id" and "Trop tôt" in str(error.value)
    order = place(
        session, customer=f.user(), lines=lines, dropoff_slot=dropoff, pickup_slot=just_right
    )
    assert order.pickup_slot is just_right


def test_the_longest_turnaround_of_the_lines_counts(session, f):
    quick, slow = f.offer(turnaround_days=0), f.offer(turnaround_days=5)
    dropoff = slot_at(f, 2026, 11, 26, 8)
    earliest = service.earliest_pickup(
        session,
        [RequestedLine(quick, 1), RequestedLine(slow, 1)],
        dropoff_slot=dropoff,
        now=NOW,
        settings=SETTINGS,
    )
    # Thursday 26 + 6 working days = Friday 4 December.
    assert earliest.astimezone(UTC).date() == date(
        2026, 12, 3
    )  # 4 Dec 00:00 Paris = 3 Dec 23:00 UTC


def test_working_days_skip_weekends_public_holidays_and_closures(session, f):
    from conciergerie.models import DeskClosure

    session.add(DeskClosure(day=date(2026, 12, 28), reason="Congés"))
    offer = f.offer(turnaround_days=0)
    dropoff = slot_at(f, 2026, 12, 24, 8)
    earliest = service.earliest_pickup(
        session, [RequestedLine(offer, 1)], dropoff_slot=dropoff, now=NOW, settings=SETTINGS
    )
    # 24 Dec + 1 working day: not 25 (Noël), 26-27 (weekend), 28 (closed) → 29 Dec.
    assert earliest == datetime(2026, 12, 28, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize("which", ["dropoff_slot", "pickup_slot"])
def test_slots_in_the_past_are_refused(session, f, which):
    slots = {
        "dropoff_slot": slot_at(f, 2026, 11, 26, 8),
        "pickup_slot": slot_at(f, 2026, 12, 2, 18),
    }
    slots[which] = f.slot(starts_at=NOW - timedelta(hours=1))
    with pytest.raises(service.OrderError) as error:
        place(
            session,
            customer=f.user(),
            lines=[RequestedLine(f.offer(turnaround_days=1), 1)],
            **slots,
        )
    assert error.value.field == f"{which}_id"


def test_full_slot_is_refused_and_places_are_counted(session, f):
    dropoff = f.slot(starts_at=datetime(2026, 11, 26, 7, 0, tzinfo=UTC), capacity=1)
    pickup = f.slot(starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC), capacity=5)
    f.order(dropoff=dropoff, pickup=pickup)
    assert dropoff.booked == 1 and pickup.booked == 1
    with pytest.raises(service.SlotUnavailable) as error:
        f.order(dropoff=dropoff, pickup=pickup)
    assert error.value.field == "dropoff_slot_id" and error.value.code == "slot_full"


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantities_are_bounded(session, f, quantity):
    # Above: the items of an order, and 999 a line at the counter (tests/orders/test_limits.py).
    with pytest.raises(service.OrderError) as error:
        f.order(quantity=quantity)
    assert error.value.field == "lines[0].quantity"


def test_withdrawn_offers_cannot_be_ordered(session, f):
    with pytest.raises(service.OrderError) as error:
        f.order(offer=f.offer(is_active=False))
    assert error.value.field == "lines[0].offer_id"


def test_a_service_needs_a_dropoff_slot(session, f):
    with pytest.raises(service.OrderError) as error:
        place(
            session,
            customer=f.user(),
            lines=[RequestedLine(f.offer(), 1)],
            dropoff_slot=None,
            pickup_slot=slot_at(f, 2026, 12, 2, 18),
        )
    assert error.value.field == "dropoff_slot_id"


def test_note_is_bounded(session, f):
    with pytest.raises(service.OrderError) as error:
        f.order(note="x" * 501)
    assert error.value.field == "note"


# Baskets --------------------------------------------------------------------------------------


def test_basket_delivery_follows_the_weekly_cutoff(session, f):
    basket = f.basket_offer()  # delivered Thursdays, orders close Tuesday noon
    # Wednesday 25 Nov: too late for Thursday 26, so Thursday 3 Dec.
    assert service.next_delivery_day(basket, NOW) == date(2026, 12, 3)
    # Tuesday 1 Dec at 11:59 Paris: still in time for Thursday 3.
    assert service.next_delivery_day(basket, datetime(2026, 12, 1, 10, 59, tzinfo=UTC)) == date(
        2026, 12, 3
    )
    # Tuesday 1 Dec at 12:00 Paris: the next one.
    assert service.next_delivery_day(basket, datetime(2026, 12, 1, 11, 0, tzinfo=UTC)) == date(
        2026, 12, 10
    )


def test_basket_orders_have_no_dropoff_and_are_collected_from_delivery_day(session, f):
    basket = f.basket_offer(price_cents=1500)
    customer = f.user()
    with pytest.raises(service.OrderError) as error:
        place(
            session,
            customer=customer,
            lines=[RequestedLine(basket, 1)],
            dropoff_slot=None,
            pickup_slot=slot_at(f, 2026, 12, 2, 18),
        )
    assert error.value.field == "pickup_slot_id"
    with pytest.raises(service.OrderError):
        place(
            session,
            customer=customer,
            lines=[RequestedLine(basket, 1)],
            dropoff_slot=slot_at(f, 2026, 11, 26, 8),
            pickup_slot=slot_at(f, 2026, 12, 3, 18),
        )
    order = place(
        session,
        customer=customer,
        lines=[RequestedLine(basket, 1)],
        dropoff_slot=None,
        pickup_slot=slot_at(f, 2026, 12, 3, 18),
    )
    assert order.dropoff_slot is None and not order.has_dropoff
    # Cancellable until the cut-off: Tuesday 1 Dec, noon in Paris.
    assert order.cancellable_until == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


# The order's life -----------------------------------------------------------------------------

LIFE = [S.DROPPED_OFF, S.AT_PROVIDER, S.READY_AT_PROVIDER, S.BACK_AT_DESK, S.HANDED_OVER]


def pay_in_full(session, order, concierge):
    from conciergerie.models import PaymentKind
    from conciergerie.payments import service as payments

    payments.record_desk_payment(
        session,
        order,
        amount_cents=order.total_cents,
        kind=PaymentKind.DESK_CASH,
        actor=concierge,
        now=NOW,
    )


def test_the_whole_life_of_an_order(session, f):
    concierge = f.user(Role.CONCIERGE)
    order = f.order()
    pay_in_full(session, order, concierge)
    later = NOW + timedelta(days=1)
    for status in LIFE:
        service.advance_order(session, order, status, actor=concierge, now=later)
    assert order.status is S.HANDED_OVER
    changes = [e.to_status for e in order.events if e.from_status is not e.to_status]
    assert changes == [S.PLACED, S.CONFIRMED, *LIFE]  # (the payment is a note in between)
    assert order.events[-1].actor is concierge and order.events[-1].at == later


ALLOWED = [
    (a, b) for a, targets in service.TRANSITIONS.items() for b in targets if b is not S.CANCELLED
]


@pytest.mark.parametrize("source, target", ALLOWED, ids=lambda s: s.value)
def test_each_allowed_transition(session, f, source, target):
    basket_only = source is S.CONFIRMED and target is S.BACK_AT_DESK
    if basket_only:
        thursday = f.slot(starts_at=datetime(2026, 12, 3, 17, 0, tzinfo=UTC))
        order = f.order(offer=f.basket_offer(), pickup=thursday)
    else:
        order = f.order()
    order.status = source
    if target is S.HANDED_OVER:
        pay_in_full(session, order, f.user(Role.CONCIERGE))
    later = NOW + timedelta(days=2)  # after the drop-off slot (for no-show)
    service.advance_order(session, order, target, actor=f.user(Role.CONCIERGE), now=later)
    assert order.status is target
    assert (order.events[-1].from_status, order.events[-1].to_status) == (source, target)


FORBIDDEN = [
    (a, b)
    for a in S
    for b in S
    if b not in service.TRANSITIONS.get(a, ()) and b is not S.CANCELLED and a is not b
]


@pytest.mark.parametrize("source, target", FORBIDDEN, ids=lambda s: s.value)
def test_each_forbidden_transition_is_refused(session, f, source, target):
    order = f.order()
    order.status = source
    with pytest.raises(service.InvalidTransition):
        service.advance_order(session, order, target, actor=f.user(Role.CONCIERGE), now=NOW)
    assert order.status is source


def test_basket_orders_skip_the_provider_round_trip(session, f):
    concierge = f.user(Role.CONCIERGE)
    basket_order = f.order(
        offer=f.basket_offer(), pickup=f.slot(starts_at=datetime(2026, 12, 3, 17, tzinfo=UTC))
    )
    with pytest.raises(service.InvalidTransition):
        service.advance_order(session, basket_order, S.DROPPED_OFF, actor=concierge, now=NOW)
    service_order = f.order()
    with pytest.raises(service.InvalidTransition):
        service.advance_order(session, service_order, S.BACK_AT_DESK, actor=concierge, now=NOW)


def test_who_may_take_which_step(session, f):
    provider = f.provider()
    order = f.order(offer=f.offer(provider=provider, turnaround_days=1))
    volunteer, staff, other_staff = (
        f.user(Role.VOLUNTEER),
        f.user(Role.PROVIDER, provider=provider),
        f.user(Role.PROVIDER),
    )
    customer = order.customer
    for user in (volunteer, staff, customer):
        with pytest.raises(service.OrderNotAllowed):
            service.advance_order(session, order, S.DROPPED_OFF, actor=user, now=NOW)
    order.status = S.DROPPED_OFF
    session.flush()
    with pytest.raises(service.OrderNotAllowed):
        service.advance_order(session, order, S.AT_PROVIDER, actor=staff, now=NOW)
    service.advance_order(session, order, S.AT_PROVIDER, actor=volunteer, now=NOW)
    with pytest.raises(service.OrderNotAllowed):
        service.advance_order(session, order, S.READY_AT_PROVIDER, actor=other_staff, now=NOW)
    with pytest.raises(service.OrderNotAllowed):
        service.advance_order(session, order, S.READY_AT_PROVIDER, actor=volunteer, now=NOW)
    service.advance_order(session, order, S.READY_AT_PROVIDER, actor=staff, now=NOW)
    service.advance_order(session, order, S.BACK_AT_DESK, actor=volunteer, now=NOW)
    assert order.status is S.BACK_AT_DESK


def test_no_show_only_after_the_dropoff_slot_and_frees_the_places(session, f):
    concierge = f.user(Role.CONCIERGE)
    order = f.order()
    with pytest.raises(service.TooLate):
        service.advance_order(session, order, S.NO_SHOW, actor=concierge, now=NOW)
    service.advance_order(
        session, order, S.NO_SHOW, actor=concierge, now=order.dropoff_slot.ends_at
    )
    assert order.status is S.NO_SHOW
    assert order.dropoff_slot.booked == 0 and order.pickup_slot.booked == 0


# Cancelling -----------------------------------------------------------------------------------


def test_customer_cancels_before_dropoff_and_frees_the_places(session, f):
    order = f.order()
    dropoff, pickup = order.dropoff_slot, order.pickup_slot
    assert dropoff.booked == pickup.booked == 1
    service.cancel_order(
        session, order, actor=order.customer, now=dropoff.starts_at - timedelta(minutes=1)
    )
    assert order.status is S.CANCELLED
    assert dropoff.booked == pickup.booked == 0
    assert order.events[-1].to_status is S.CANCELLED and order.events[-1].actor is order.customer


def test_customer_cannot_cancel_once_the_dropoff_slot_started(session, f):
    order = f.order()
    with pytest.raises(service.TooLate):
        service.cancel_order(session, order, actor=order.customer, now=order.dropoff_slot.starts_at)
    assert order.status is S.CONFIRMED and order.dropoff_slot.booked == 1


def test_nobody_cancels_an_order_already_at_the_desk(session, f):
    order = f.order()
    order.status = S.DROPPED_OFF
    session.flush()
    with pytest.raises(service.TooLate):
        service.cancel_order(session, order, actor=f.user(Role.CONCIERGE), now=NOW)


def test_another_customer_cannot_cancel(session, f):
    order = f.order()
    with pytest.raises(service.OrderNotAllowed):
        service.cancel_order(session, order, actor=f.user(), now=NOW)


def test_concierge_may_cancel_late(session, f):
    order = f.order()
    service.cancel_order(
        session, order, actor=f.user(Role.CONCIERGE), now=order.dropoff_slot.ends_at
    )
    assert order.status is S.CANCELLED


def test_booked_counts_match_the_orders_holding_places(session, f):
    from conciergerie.models import DeskSlot

    dropoff, pickup = f.slot(), f.slot(starts_at=datetime(2026, 12, 2, 17, tzinfo=UTC))
    orders = [f.order(dropoff=dropoff, pickup=pickup) for _ in range(3)]
    service.cancel_order(session, orders[0], actor=orders[0].customer, now=NOW)
    held = session.scalar(
        sa.select(sa.func.count())
        .select_from(Order)
        .where(Order.dropoff_slot_id == dropoff.id, Order.status.not_in([S.CANCELLED, S.NO_SHOW]))
    )
    session.expire_all()
    assert session.get(DeskSlot, dropoff.id).booked == held == 2


def test_no_show_is_offered_only_once_the_dropoff_slot_is_over(session, f):
    concierge = f.user(Role.CONCIERGE)
    order = f.order()
    assert S.NO_SHOW not in service.next_steps(order, concierge, now=NOW)
    assert S.NO_SHOW in service.next_steps(order, concierge, now=order.dropoff_slot.ends_at)
    assert service.next_steps(order, f.user(Role.VOLUNTEER), now=NOW) == []


def test_nothing_is_handed_over_while_money_is_owed(session, f):
    concierge = f.user(Role.CONCIERGE)
    order = f.order()
    order.status = S.BACK_AT_DESK
    session.flush()
    with pytest.raises(service.OrderError, match="reste dû"):
        service.advance_order(session, order, S.HANDED_OVER, actor=concierge, now=NOW)
    pay_in_full(session, order, concierge)
    service.advance_order(session, order, S.HANDED_OVER, actor=concierge, now=NOW)
    assert order.status is S.HANDED_OVER


def test_the_cancellable_states_come_from_the_transitions_table():
    assert {
        OrderStatus.PLACED,
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.CONFIRMED,
    } == service.CANCELLABLE
    assert all(OrderStatus.CANCELLED in service.TRANSITIONS[s] for s in service.CANCELLABLE)


def test_an_order_awaiting_its_online_payment_has_no_button_to_move_it(session, make_user):
    order = factories.make_order(session)
    order.status = OrderStatus.AWAITING_PAYMENT
    concierge = make_user(Role.CONCIERGE)
    assert service.next_steps(order, concierge, now=factories.NOW) == []
