"""The per-object permissions (conciergerie/policy.py), one by one."""

from __future__ import annotations

import pytest

from conciergerie import policy
from conciergerie.models import OrderStatus, PickupRound, Role
from tests import factories


def test_an_order_is_seen_by_its_customer_and_the_concierge_only(session, make_user):
    order = factories.make_order(session)
    assert policy.can_view_order(order.customer, order)
    assert policy.can_view_order(make_user(Role.CONCIERGE), order)
    for role in (Role.RESIDENT, Role.EMPLOYEE, Role.VOLUNTEER, Role.PROVIDER):
        assert not policy.can_view_order(make_user(role), order)


@pytest.mark.parametrize(
    "status, to_status, role, allowed",
    [
        (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER, Role.VOLUNTEER, True),
        (OrderStatus.READY_AT_PROVIDER, OrderStatus.BACK_AT_DESK, Role.VOLUNTEER, True),
        (OrderStatus.AT_PROVIDER, OrderStatus.READY_AT_PROVIDER, Role.VOLUNTEER, False),
        (OrderStatus.CONFIRMED, OrderStatus.DROPPED_OFF, Role.VOLUNTEER, False),
        (OrderStatus.BACK_AT_DESK, OrderStatus.HANDED_OVER, Role.CONCIERGE, True),
        (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER, Role.RESIDENT, False),
    ],
)
def test_who_moves_an_order_a_step(session, make_user, status, to_status, role, allowed):
    order = factories.make_order(session)
    order.status = status
    assert policy.can_move_order(make_user(role), order, to_status) is allowed


def test_a_provider_marks_ready_only_an_order_whose_every_line_is_theirs(session, make_user):
    order = factories.make_order(session)
    order.status = OrderStatus.AT_PROVIDER
    staff = make_user(Role.PROVIDER, provider=order.lines[0].offer.provider)
    other = make_user(Role.PROVIDER)
    assert policy.can_move_order(staff, order, OrderStatus.READY_AT_PROVIDER)
    assert not policy.can_move_order(other, order, OrderStatus.READY_AT_PROVIDER)
    assert policy.can_handle_line(staff, order.lines[0])
    assert not policy.can_handle_line(other, order.lines[0])
    assert not policy.can_handle_line(make_user(Role.CONCIERGE), order.lines[0])


def test_a_round_is_its_volunteers_and_the_concierges(make_user):
    volunteer, other = make_user(Role.VOLUNTEER), make_user(Role.VOLUNTEER)
    round_ = PickupRound(volunteer_id=volunteer.id)
    assert policy.can_act_on_round(volunteer, round_)
    assert policy.can_act_on_round(make_user(Role.CONCIERGE), round_)
    assert not policy.can_act_on_round(other, round_)
    assert not policy.can_act_on_round(make_user(Role.PROVIDER), round_)
    assert policy.can_work_on_rounds(other)
    assert not policy.can_work_on_rounds(make_user(Role.RESIDENT))


def test_events_are_organised_by_volunteers_and_the_concierge(make_user):
    assert policy.can_organise_events(make_user(Role.VOLUNTEER))
    assert policy.can_organise_events(make_user(Role.CONCIERGE))
    assert not policy.can_organise_events(make_user(Role.RESIDENT))
    assert not policy.can_organise_events(make_user(Role.PROVIDER))


def test_only_the_concierge_decides_an_employees_claim(make_user):
    assert policy.can_decide_company_claims(make_user(Role.CONCIERGE))
    for role in (Role.RESIDENT, Role.EMPLOYEE, Role.VOLUNTEER, Role.PROVIDER):
        assert not policy.can_decide_company_claims(make_user(role))


def test_slots_are_moved_by_the_customer_until_the_deadline_and_the_desk_before_the_slot(
    session, make_user
):
    order = factories.make_order(session)  # drop-off Thursday 26, 8:00; pickup 2 December
    now = factories.NOW
    concierge = make_user(Role.CONCIERGE)
    assert policy.can_move_slots(order.customer, order, now=now)
    assert policy.can_move_slots(concierge, order, now=now)
    for role in (Role.RESIDENT, Role.VOLUNTEER, Role.PROVIDER):
        assert not policy.can_move_slots(make_user(role), order, now=now)
    # The drop-off begins: the customer's deadline; the desk may still move the pickup.
    later = order.cancellable_until
    assert not policy.can_move_slots(order.customer, order, now=later)
    assert policy.can_move_slots(concierge, order, now=later)
    assert not policy.can_move_slots(concierge, order, now=order.pickup_slot.starts_at)
    order.status = OrderStatus.CANCELLED
    assert not policy.can_move_slots(concierge, order, now=now)


def test_a_provider_s_offers_are_edited_by_its_own_staff_only(session, make_user):
    provider = factories.make_provider(session)
    assert policy.can_edit_own_offers(make_user(Role.PROVIDER, provider=provider), provider.id)
    assert not policy.can_edit_own_offers(make_user(Role.PROVIDER), provider.id)
    for role in (Role.CONCIERGE, Role.VOLUNTEER, Role.RESIDENT):
        assert not policy.can_edit_own_offers(make_user(role), provider.id)


def test_a_provider_s_closures_and_deliveries_are_its_staff_s_and_the_concierge_s(
    session, make_user
):
    provider = factories.make_provider(session)
    own = make_user(Role.PROVIDER, provider=provider)
    other = make_user(Role.PROVIDER)
    for check in (policy.can_manage_closures, policy.can_see_delivery_list):
        assert check(own, provider)
        assert check(make_user(Role.CONCIERGE), provider)
        assert not check(other, provider)
        assert not check(make_user(Role.RESIDENT), provider)
        assert not check(make_user(Role.VOLUNTEER), provider)
