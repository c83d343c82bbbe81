"""Who may do what to which object: every per-object permission, in one place.

Coarse rules by role stay on the routes (`accounts.permissions.role_required`); these predicates
decide for one object and one person. Views, the API, services and templates (the `policy`
global) all ask here, so a rule changes once. Each is a plain function of the user and the
object, with no database access of its own. `tests/test_policy.py` checks them one by one and
`tests/test_permissions.py` every route for every role.
"""

from __future__ import annotations

from datetime import datetime

from conciergerie.models import (
    BasketSubscription,
    Booking,
    BookingStatus,
    Document,
    Order,
    OrderLine,
    OrderStatus,
    PickupRound,
    Provider,
    ProviderPayout,
    Role,
    User,
)

# Steps of an order that other staff than the concierge (who may make every step) may make.
STEP_ROLES: dict[tuple[OrderStatus, OrderStatus], Role] = {
    (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER): Role.VOLUNTEER,
    (OrderStatus.READY_AT_PROVIDER, OrderStatus.BACK_AT_DESK): Role.VOLUNTEER,
    (OrderStatus.AT_PROVIDER, OrderStatus.READY_AT_PROVIDER): Role.PROVIDER,
}


def can_view_order(user: User, order: Order) -> bool:
    """The customer sees their own order; the concierge sees every order."""
    return user.is_authenticated and (user.id == order.customer_id or user.role is Role.CONCIERGE)


# An order whose items have not come to the desk yet: its drop-off may still move.
NOT_DROPPED_OFF = frozenset(
    {OrderStatus.PLACED, OrderStatus.AWAITING_PAYMENT, OrderStatus.CONFIRMED}
)


def can_move_slots(user: User, order: Order, *, now: datetime) -> bool:
    """Whether `user` may move one of the order's desk slots now (orders.moves): its customer
    until the order's `cancellable_until`; the concierge while its pickup is to come, or its
    drop-off before the items come; nobody once the order is finished or cancelled."""
    if not user.is_authenticated or order.status.is_final:
        return False
    if user.role is Role.CONCIERGE:
        return now < order.pickup_slot.starts_at or (
            order.dropoff_slot is not None
            and order.status in NOT_DROPPED_OFF
            and now < order.dropoff_slot.starts_at
        )
    return user.id == order.customer_id and now < order.cancellable_until


def can_edit_own_offers(user: User, provider_id: int) -> bool:
    """A provider's staff change their own provider's offers and opening hours, no other's
    (portal.offers); the concierge does it from the management pages, a volunteer never."""
    return (
        user.is_authenticated
        and user.role is Role.PROVIDER
        and user.provider_id is not None
        and user.provider_id == provider_id
    )


def can_view_document(user: User, document: Document) -> bool:
    """An invoice, receipt or credit note of an order: its customer's and the concierge's; a
    company's (its subscription): the concierge's, who mails and prints them."""
    if not user.is_authenticated:
        return False
    if user.role is Role.CONCIERGE:
        return True
    if document.booking is not None:  # a booking's invoice: its requester's too
        return document.booking.requester_id == user.id
    return document.order is not None and document.order.customer_id == user.id


def can_move_order(user: User, order: Order, to_status: OrderStatus) -> bool:
    """Whether `user` may move `order` to `to_status` (the order's state rules apart): the
    concierge every step; a volunteer the round's steps; a provider's staff "ready", only for
    an order whose every line is theirs."""
    if user.role is Role.CONCIERGE:
        return True
    role = STEP_ROLES.get((order.status, to_status))
    if role is None or user.role is not role:
        return False
    if role is Role.PROVIDER:
        return all(line.provider_id == user.provider_id for line in order.lines)
    return True


def can_work_on_rounds(user: User) -> bool:
    """Rounds are the volunteers' and the concierge's business only."""
    return user.is_authenticated and user.role in (Role.VOLUNTEER, Role.CONCIERGE)


def can_act_on_round(user: User, round_: PickupRound) -> bool:
    """The volunteer whose round it is taps its items; the concierge may for anyone."""
    return user.role is Role.CONCIERGE or (
        user.role is Role.VOLUNTEER and round_.volunteer_id == user.id
    )


def can_organise_events(user: User) -> bool:
    """Volunteers and the concierge create, edit and cancel events."""
    return user.is_authenticated and user.has_role(Role.VOLUNTEER)


def can_handle_line(user: User, line: OrderLine) -> bool:
    """A provider's staff see and mark their own provider's lines, and no other's (the concierge,
    who has no provider, works from the desk)."""
    return user.provider_id is not None and line.provider_id == user.provider_id


def can_manage_subscription(user: User, subscription: BasketSubscription) -> bool:
    """A basket subscription is its subscriber's alone."""
    return user.is_authenticated and subscription.customer_id == user.id


def can_decide_company_claims(user: User) -> bool:
    """Approving or declining an employee's claim to work for their member company (and so the
    fee waiver) is the concierge's decision alone."""
    return user.is_authenticated and user.role is Role.CONCIERGE


def can_see_payout(user: User, payout: ProviderPayout) -> bool:
    """A provider's staff see their own provider's payouts and statements, and no other's (the
    concierge records them from the desk)."""
    return user.provider_id is not None and payout.provider_id == user.provider_id


def can_view_booking(user: User, booking: Booking) -> bool:
    """A booking of a room: its requester's and the concierge's (others see only busy hours)."""
    return user.is_authenticated and (
        user.id == booking.requester_id or user.role is Role.CONCIERGE
    )


def can_cancel_booking(user: User, booking: Booking) -> bool:
    """The requester and the concierge cancel a booking while it is asked for or held."""
    return can_view_booking(user, booking) and booking.status in (
        BookingStatus.REQUESTED,
        BookingStatus.CONFIRMED,
    )


def can_cancel_booking_free(user: User) -> bool:
    """Cancelling a booking free of charge after the free delay (the house's doing): the
    concierge's."""
    return user.is_authenticated and user.role is Role.CONCIERGE


def can_see_booking_names(user: User) -> bool:
    """Who booked and why, in the week of a space: the concierge's; others see busy or free."""
    return user.is_authenticated and user.role is Role.CONCIERGE


def can_manage_closures(user: User, provider: Provider) -> bool:
    """A provider's closures: the concierge records them for any provider, a provider's staff
    for their own only."""
    if not user.is_authenticated:
        return False
    if user.role is Role.CONCIERGE:
        return True
    return user.role is Role.PROVIDER and user.provider_id == provider.id


def can_see_delivery_list(user: User, provider: Provider) -> bool:
    """The list of what was ordered from a producer for a delivery (customers' initials, not
    their names): its staff's, and the concierge's."""
    return can_manage_closures(user, provider)
