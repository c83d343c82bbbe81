"""Each item of an order is its own record: its label, its stage and history, and the undoing of a
wrong tap (orders/items.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conciergerie.models import ItemStage, OrderStatus, Role
from conciergerie.orders import items, undo
from conciergerie.orders import service as orders
from conciergerie.portal import service as portal
from tests.factories import NOW, make_offer, make_order, make_provider, make_user


@pytest.fixture
def cobbler(session):
    return make_provider(session, name="Cordonnerie")


@pytest.fixture
def staff(session, cobbler):
    return make_user(session, Role.PROVIDER, provider=cobbler)


@pytest.fixture
def concierge(session):
    return make_user(session, Role.CONCIERGE)


def at_provider(session, order, concierge):
    for status in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, status, actor=concierge, now=NOW)


def test_each_thing_of_a_service_line_is_an_item_with_its_own_code(session, cobbler):
    shoes = make_offer(session, provider=cobbler)
    order = make_order(session, offer=shoes, quantity=3)
    second = make_order(session, offer=shoes, quantity=2)
    session.flush()
    [line] = order.lines
    assert [(i.number, i.code, i.stage) for i in line.items] == [
        (n, f"{order.code}-{n}", ItemStage.EXPECTED) for n in (1, 2, 3)
    ]
    codes = [i.code for o in (order, second) for i in o.lines[0].items]
    assert len(set(codes)) == 5


def test_a_basket_has_no_item_to_carry(session):
    from datetime import UTC, datetime

    from tests.factories import make_basket_offer, make_slot

    pickup = make_slot(session, starts_at=datetime(2026, 12, 10, 17, 0, tzinfo=UTC))
    order = make_order(session, offer=make_basket_offer(session), pickup=pickup)
    session.flush()
    assert order.lines[0].items == []


def test_the_items_go_where_the_order_goes_and_the_lines_stamps_follow_them(
    session, cobbler, concierge
):
    order = make_order(session, offer=make_offer(session, provider=cobbler), quantity=2)
    at_provider(session, order, concierge)
    [line] = order.lines
    assert {i.stage for i in line.items} == {ItemStage.AT_PROVIDER}
    assert line.at_provider_at == NOW and line.ready_at is None
    # Each item keeps its history: the reception (not undone by a tap) and the move.
    first = line.items[0]
    assert [(e.from_stage, e.to_stage, e.undoable) for e in first.events] == [
        (ItemStage.EXPECTED, ItemStage.AT_DESK, False),
        (ItemStage.AT_DESK, ItemStage.AT_PROVIDER, True),
    ]


def test_fewer_items_received_than_ordered_leaves_only_those_that_came(session, concierge):
    from conciergerie.desk import service as desk

    order = make_order(session, quantity=3)
    [line] = order.lines
    desk.check_in(session, order, received={line.id: 2}, remarks="", actor=concierge, now=NOW)
    assert [(i.number, i.stage) for i in line.items] == [
        (1, ItemStage.AT_DESK),
        (2, ItemStage.AT_DESK),
    ]


def test_the_provider_undoes_a_wrong_ready_within_fifteen_minutes(
    session, cobbler, staff, concierge
):
    order = make_order(session, offer=make_offer(session, provider=cobbler), quantity=2)
    at_provider(session, order, concierge)
    [line] = order.lines
    portal.mark_ready(session, line, actor=staff, now=NOW)
    assert order.status is OrderStatus.READY_AT_PROVIDER
    assert items.line_undo(line, staff, NOW) == (True, NOW + timedelta(minutes=15))
    assert undo.undo_line(session, line, actor=staff, now=NOW + timedelta(minutes=14)) == 2
    assert {i.stage for i in line.items} == {ItemStage.AT_PROVIDER}
    assert line.ready_at is None and order.status is OrderStatus.AT_PROVIDER
    # Both the step and its undoing stay in each item's history, and in the order's.
    history = [(e.to_stage, e.undoes_id is not None) for e in line.items[0].events]
    assert history[-2:] == [(ItemStage.READY, False), (ItemStage.AT_PROVIDER, True)]
    assert [e.to_status for e in order.events][-2:] == [
        OrderStatus.READY_AT_PROVIDER,
        OrderStatus.AT_PROVIDER,
    ]
    # Ready again, for real: the line moves on as before.
    portal.mark_ready(session, line, actor=staff, now=NOW + timedelta(minutes=20))
    assert order.status is OrderStatus.READY_AT_PROVIDER


def test_after_fifteen_minutes_only_the_concierge_undoes(session, cobbler, staff, concierge):
    order = make_order(session, offer=make_offer(session, provider=cobbler))
    at_provider(session, order, concierge)
    [line] = order.lines
    portal.mark_ready(session, line, actor=staff, now=NOW)
    late = NOW + timedelta(minutes=16)
    assert items.line_undo(line, staff, late) == (False, None)
    with pytest.raises(items.ItemError):
        undo.undo_line(session, line, actor=staff, now=late)
    with pytest.raises(items.UndoNotAllowed, match="plus de 15 minutes"):
        undo.undo_item(session, line.items[0], actor=staff, now=late)
    assert order.status is OrderStatus.READY_AT_PROVIDER
    undo.undo_item(session, line.items[0], actor=concierge, now=NOW + timedelta(days=1))
    assert order.status is OrderStatus.AT_PROVIDER


def test_nobody_undoes_someone_elses_step(session, cobbler, staff, concierge):
    order = make_order(session, offer=make_offer(session, provider=cobbler))
    at_provider(session, order, concierge)
    [line] = order.lines
    portal.mark_ready(session, line, actor=staff, now=NOW)
    colleague = make_user(session, Role.PROVIDER, provider=cobbler)
    volunteer = make_user(session, Role.VOLUNTEER)
    for someone in (colleague, volunteer):
        with pytest.raises(items.UndoNotAllowed, match="Seule la personne"):
            undo.undo_item(session, line.items[0], actor=someone, now=NOW)
    assert line.items[0].stage is ItemStage.READY


def test_work_that_cannot_be_done_is_not_undone_by_a_tap(session, cobbler, staff, concierge):
    """The line's charge follows it (no charge for work not done): a money step."""
    order = make_order(session, offer=make_offer(session, provider=cobbler))
    at_provider(session, order, concierge)
    [line] = order.lines
    portal.mark_cannot_do(session, line, reason="Cuir trop abîmé", actor=staff, now=NOW)
    assert items.line_undo(line, staff, NOW) == (False, None)
    with pytest.raises(items.ItemError, match="rien à annuler"):
        undo.undo_item(session, line.items[0], actor=concierge, now=NOW)


def test_a_reception_and_a_hand_over_are_not_undone_item_by_item(session, concierge):
    order = make_order(session)
    orders.advance_order(session, order, OrderStatus.DROPPED_OFF, actor=concierge, now=NOW)
    with pytest.raises(items.ItemError):
        undo.undo_item(session, order.lines[0].items[0], actor=concierge, now=NOW)
    assert order.status is OrderStatus.DROPPED_OFF


def test_a_customer_told_it_was_ready_gets_a_correction(session, concierge, outbox, app):
    from conciergerie.database import commit

    order = make_order(session)
    for status in (
        OrderStatus.DROPPED_OFF,
        OrderStatus.AT_PROVIDER,
        OrderStatus.READY_AT_PROVIDER,
        OrderStatus.BACK_AT_DESK,
    ):
        orders.advance_order(session, order, status, actor=concierge, now=NOW)
    commit(session)
    assert [m.subject for m in outbox] == [f"Commande {order.code} prête à retirer"]
    outbox.clear()
    undo.undo_item(session, order.lines[0].items[0], actor=concierge, now=NOW)
    commit(session)
    assert order.status is OrderStatus.READY_AT_PROVIDER
    [mail] = outbox
    assert mail.subject == f"Commande {order.code} : pas encore prête, finalement"
    assert mail.to == [order.customer.email] and "par erreur" in mail.body


def test_an_undo_that_does_not_take_the_order_back_mails_nobody(session, concierge, outbox):
    from conciergerie.database import commit

    order = make_order(session, quantity=2)
    for status in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, status, actor=concierge, now=NOW)
    commit(session)
    outbox.clear()
    undo.undo_item(session, order.lines[0].items[1], actor=concierge, now=NOW)
    commit(session)
    assert order.status is OrderStatus.DROPPED_OFF and outbox == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("EVG-4K7QP-3", True), (" evg-4k7qp-12 ", True), ("EVG-4K7QP", False), ("Dupont", False)],
)
def test_what_looks_like_a_label(text, expected):
    assert items.looks_like_item_code(text) is expected
