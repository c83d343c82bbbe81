"""Customers' data rights (RGPD): a copy of their data, erasure, and nothing kept past its need.

Erasing an account anonymises it rather than deleting rows: orders and payments are accounting
records that the association must keep for ten years (Code de commerce, art. L123-22), so they
stay, attached to an account without name, address, phone or password. What the person wrote
on their orders (the notes) goes too; upcoming event registrations are cancelled (a freed place
goes to the waiting list), and basket subscriptions are stopped (no order is placed any more for
an erased account); bookings of rooms to come are cancelled free of charge, and the words of
every booking of theirs go.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload

from conciergerie.accounts.passwords import verify_password
from conciergerie.errors import DomainError
from conciergerie.models import (
    ApiToken,
    BasketSubscription,
    Booking,
    BookingStatus,
    Event,
    Item,
    ItemEvent,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    OutboxMail,
    Refund,
    Registration,
    RegistrationStatus,
    SubscriptionStatus,
    User,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerProfile,
)
from conciergerie.texts import service as texts

ANONYMOUS_NAME = "Compte supprimé"
ERASED_TEXT = "(effacé)"
# Orders over for the customer; work marked uncollected still waits for them at the desk.
FINAL_STATUSES = [s for s in OrderStatus if s.is_final and s is not OrderStatus.UNCOLLECTED]


class DeletionRefused(DomainError):
    code = "deletion_refused"


class WrongPassword(DeletionRefused):
    code = "wrong_password"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _slot(slot) -> dict | None:
    if slot is None:
        return None
    return {"starts_at": _iso(slot.starts_at), "ends_at": _iso(slot.ends_at)}


def export_data(session: Session, user: User, *, now: datetime) -> dict:
    """Everything stored about `user`, as JSON-ready data (right of access and portability)."""
    orders = session.scalars(
        sa.select(Order)
        .where(Order.customer_id == user.id)
        .options(
            selectinload(Order.lines),
            selectinload(Order.events),
            selectinload(Order.dropoff_slot),
            selectinload(Order.pickup_slot),
            selectinload(Order.documents),
        )
        .order_by(Order.placed_at)
    ).all()
    registrations = session.scalars(
        sa.select(Registration)
        .where(Registration.user_id == user.id)
        .options(selectinload(Registration.event))
        .order_by(Registration.created_at)
    ).all()
    tokens = session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)).all()
    subscriptions = session.scalars(
        sa.select(BasketSubscription)
        .where(BasketSubscription.customer_id == user.id)
        .options(
            selectinload(BasketSubscription.offer),
            selectinload(BasketSubscription.deliveries),
        )
        .order_by(BasketSubscription.created_at, BasketSubscription.id)
    ).all()
    # Everything is loaded above, before any section is written: the orders stay in the
    # session, so a subscription's delivery finds its order there rather than by a query.
    return {
        "exported_at": _iso(now),
        "account": _account_data(user),
        "orders": [_order_data(order) for order in orders],
        "event_registrations": [_registration_data(registration) for registration in registrations],
        "basket_subscriptions": [
            _subscription_data(subscription) for subscription in subscriptions
        ],
        "api_tokens": [
            {"created_at": _iso(token.created_at), "last_used_at": _iso(token.last_used_at)}
            for token in tokens
        ],
        "volunteer": _volunteer_data(session, user),
        "room_bookings": _bookings_data(session, user),
    }


def _bookings_data(session: Session, user: User) -> list[dict]:
    return [
        {
            "space": booking.space.name,
            "starts_at": _iso(booking.starts_at),
            "ends_at": _iso(booking.ends_at),
            "status": booking.status.value,
            "purpose": booking.purpose,
            "attendees": booking.attendees,
            "catering_note": booking.catering_note,
            "association": booking.association_name,
            "price_cents": booking.price_cents,
        }
        for booking in session.scalars(
            sa.select(Booking).where(Booking.requester_id == user.id).order_by(Booking.id)
        )
    ]


def _account_data(user: User) -> dict:
    return {
        "email": user.email,
        "pending_email": user.pending_email,
        "full_name": user.full_name,
        "phone": user.phone,
        "texts_opt_in": user.texts_opt_in,
        "role": user.role.value,
        "member_company": user.member_company.name if user.member_company else None,
        "member_company_verified_at": _iso(user.company_verified_at),
        "tarif_solidaire": user.solidarity_rate,
        "language": user.locale,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
    }


def _order_data(order: Order) -> dict:
    return {
        "code": order.code,
        "status": order.status.value,
        "placed_at": _iso(order.placed_at),
        "payment_method": order.payment_method.value,
        "dropoff_slot": _slot(order.dropoff_slot),
        "pickup_slot": _slot(order.pickup_slot),
        "note": order.note,
        "dropoff_remarks": order.dropoff_remarks,
        "subtotal_cents": order.subtotal_cents,
        "fee_cents": order.fee_cents,
        "total_cents": order.total_cents,
        "lines": [_order_line_data(line) for line in order.lines],
        "history": [
            {"status": event.to_status.value, "at": _iso(event.at), "note": event.note}
            for event in order.events
        ],
        "payments": [
            {
                "kind": payment.kind.value,
                "amount_cents": payment.amount_cents,
                "at": _iso(payment.created_at),
            }
            for payment in order.payments
        ],
        "refunds": [
            {
                "amount_cents": refund.amount_cents,
                "reason": refund.reason,
                "at": _iso(refund.created_at),
            }
            for refund in order.refunds
        ],
        # Invoices, receipts and credit notes: their numbers (each one in full on its page).
        "documents": [
            {
                "kind": document.kind.value,
                "number": document.number,
                "issued_at": _iso(document.issued_at),
                "total_cents": document.total_cents,
            }
            for document in order.documents
        ],
    }


def _order_line_data(line: OrderLine) -> dict:
    return {
        "name": line.name,
        "unit": line.unit,
        "quantity": line.quantity,
        "unit_price_cents": line.unit_price_cents,
        # On quote: the price proposed, what the work was, the answer.
        "quote_state": line.quote_state.value if line.quote_state else None,
        "quoted_unit_price_cents": line.quoted_unit_price_cents,
        "quote_note": line.quote_note,
        "quoted_at": _iso(line.quoted_at),
        "quote_answered_at": _iso(line.quote_answered_at),
        "cannot_do_reason": line.cannot_do_reason,
    }


def _registration_data(registration: Registration) -> dict:
    return {
        "event": registration.event.title,
        "starts_at": _iso(registration.event.starts_at),
        "status": registration.status.value,
        "registered_at": _iso(registration.created_at),
    }


def _subscription_data(subscription: BasketSubscription) -> dict:
    return {
        "basket": subscription.offer.name,
        "quantity": subscription.quantity,
        "every_weeks": subscription.every_weeks,
        "first_delivery": subscription.first_delivery.isoformat(),
        "pickup_from": subscription.pickup_from.isoformat(),
        "payment_method": subscription.payment_method.value,
        "status": subscription.status.value,
        "paused_until": (
            subscription.paused_until.isoformat() if subscription.paused_until else None
        ),
        "created_at": _iso(subscription.created_at),
        "stopped_at": _iso(subscription.stopped_at),
        "deliveries": [
            {
                "day": delivery.day.isoformat(),
                "outcome": delivery.outcome.value,
                "order": delivery.order.code if delivery.order else None,
            }
            for delivery in subscription.deliveries
        ],
    }


def _volunteer_data(session: Session, user: User) -> dict | None:
    profile = session.scalar(sa.select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))
    availability = session.scalars(
        sa.select(VolunteerAvailability).where(VolunteerAvailability.volunteer_id == user.id)
    ).all()
    absences = session.scalars(
        sa.select(VolunteerAbsence).where(VolunteerAbsence.volunteer_id == user.id)
    ).all()
    if profile is None and not availability and not absences:
        return None
    return {
        "transport": profile.transport.value if profile else None,
        "availability": [
            {"weekday": a.weekday, "from": a.starts_at.isoformat(), "to": a.ends_at.isoformat()}
            for a in availability
        ],
        "absences": [
            {"from": a.first_day.isoformat(), "to": a.last_day.isoformat(), "reason": a.reason}
            for a in absences
        ],
    }


def _orders_in_progress(session: Session, user: User) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Order)
        .where(Order.customer_id == user.id, Order.status.not_in(FINAL_STATUSES))
    )


def _upcoming_registrations(session: Session, user: User, *, now: datetime) -> list[Registration]:
    return list(
        session.scalars(
            sa.select(Registration)
            .join(Event)
            .where(
                Registration.user_id == user.id,
                Registration.status != RegistrationStatus.CANCELLED,
                Event.starts_at > now,
            )
        )
    )


def anonymise(session: Session, user: User, *, now: datetime) -> None:
    """Remove every personal field of `user`, keep the accounting records (see module doc)."""
    from conciergerie.events.service import unregister

    for registration in _upcoming_registrations(session, user, now=now):
        unregister(session, registration.event, user, now=now)
    _leave_room_bookings(session, user, now=now)
    theirs = sa.select(Order.id).where(Order.customer_id == user.id).scalar_subquery()
    session.execute(
        sa.update(Order).where(Order.customer_id == user.id).values(note="", dropoff_remarks="")
    )
    _erase_order_words(session, theirs)
    _erase_volunteer_data(session, user)
    # No basket is ordered any more for them (callers have checked that no order is under way).
    session.execute(
        sa.update(BasketSubscription)
        .where(
            BasketSubscription.customer_id == user.id,
            BasketSubscription.status != SubscriptionStatus.STOPPED,
        )
        .values(status=SubscriptionStatus.STOPPED, paused_until=None, stopped_at=now)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    # Mails still waiting to be sent to them are about them.
    addresses = [user.email, *([user.pending_email] if user.pending_email else [])]
    session.execute(sa.delete(OutboxMail).where(OutboxMail.recipient.in_(addresses)))
    texts.forget_number(session, user.phone)
    user.email = f"anonyme-{user.id}@supprime.invalid"
    user.pending_email = None
    user.full_name = ANONYMOUS_NAME
    user.phone = None
    user.texts_opt_in = False
    user.password_hash = "!"  # matches no password
    user.solidarity_rate = False
    user.is_active_account = False
    user.session_version += 1  # every open session ends
    user.last_login_at = None
    user.anonymised_at = now
    session.flush()
    from conciergerie.rounds.service import ROUND_ROLES

    if user.role in ROUND_ROLES:  # a safeguard: customers only are erased today
        from conciergerie.rounds.jobs import plan_without

        plan_without(session, user, now=now)  # their rounds not yet begun go to the others


def _leave_room_bookings(session: Session, user: User, *, now: datetime) -> None:
    """Their bookings of rooms to come are cancelled, free of charge (the space is freed), and
    the concierges told which (a company's seminar may need booking again); the words of every
    booking of theirs go, the times and prices stay for the accounts."""
    from conciergerie.accounts.service import active_concierges
    from conciergerie.rooms import notifications as room_mails
    from conciergerie.rooms.service import cancel_booking

    cancelled = list(
        session.scalars(
            sa.select(Booking).where(
                Booking.requester_id == user.id,
                Booking.status.in_((BookingStatus.REQUESTED, BookingStatus.CONFIRMED)),
                # One under way is used: it stays, charged as booked (cancelling it now would
                # count as a late cancellation).
                Booking.starts_at > now,
            )
        )
    )
    for booking in cancelled:
        cancel_booking(session, booking, actor=user, free_hours=0, now=now)
    if cancelled:
        for concierge in active_concierges(session):
            room_mails.send_requester_left(concierge, cancelled)
    session.execute(
        sa.update(Booking)
        .where(Booking.requester_id == user.id)
        .values(purpose="", catering_note="")
        .execution_options(synchronize_session="fetch")
    )


def _erase_order_words(session: Session, theirs: sa.ScalarSelect) -> None:
    """The free text written about the orders `theirs` (a subquery of their ids)."""
    # Free text written about their orders may name them (a refund's reason, a desk note):
    # the amounts, dates and steps stay, the words go.
    session.execute(
        sa.update(OrderEvent)
        .where(OrderEvent.order_id.in_(theirs))
        .values(note="", note_key=None, note_args=None)
    )
    their_items = (
        sa.select(Item.id).join(OrderLine).where(OrderLine.order_id.in_(theirs)).scalar_subquery()
    )
    session.execute(
        sa.update(ItemEvent)
        .where(ItemEvent.item_id.in_(their_items))
        .values(note="", note_key=None, note_args=None)
    )
    session.execute(sa.update(Refund).where(Refund.order_id.in_(theirs)).values(reason=ERASED_TEXT))
    # What a provider wrote about their item (a quote, why the work could not be done).
    session.execute(
        sa.update(OrderLine)
        .where(OrderLine.order_id.in_(theirs), OrderLine.quote_note != "")
        .values(quote_note=ERASED_TEXT)
    )
    session.execute(
        sa.update(OrderLine)
        .where(OrderLine.order_id.in_(theirs), OrderLine.cannot_do_reason.is_not(None))
        .values(cannot_do_reason=ERASED_TEXT)  # still set: the line stays one not done
    )


def _erase_volunteer_data(session: Session, user: User) -> None:
    session.execute(
        sa.update(VolunteerAbsence)
        .where(VolunteerAbsence.volunteer_id == user.id)
        .values(reason="")
    )


def _lock(session: Session, user: User) -> None:
    """Hold the person's row while checking and erasing (PostgreSQL): a concurrent erasure or
    inactivity sweep waits for this one."""
    session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())


def is_own_password(user: User, password: str) -> bool:
    """Whether `password` is `user`'s (the erasure form asks for it again). The view asks first
    so that a wrong one is counted by the limiter, which slows down guessing, although
    `delete_account` then refuses the request (and nothing of it is kept)."""
    return verify_password(user.password_hash, password)


def delete_account(session: Session, user: User, *, password: str, now: datetime) -> None:
    """A customer erases their own account (asked again for their password). Raises
    WrongPassword or DeletionRefused (an order in progress, a staff account)."""
    _lock(session, user)
    if not verify_password(user.password_hash, password):
        raise WrongPassword(_("Mot de passe incorrect."), field="password")
    if not user.is_customer:
        raise DeletionRefused(
            _("Les comptes de l'équipe et des prestataires sont fermés par la conciergerie.")
        )
    if _orders_in_progress(session, user):
        raise DeletionRefused(
            _(
                "Vous avez une commande en cours : retirez-la ou annulez-la d'abord, puis "
                "supprimez votre compte."
            )
        )
    anonymise(session, user, now=now)


def anonymise_inactive(session: Session, *, now: datetime, inactive_days: int) -> int:
    """Anonymise the customers with no sign-in and no order for `inactive_days` (a job)."""
    cutoff = now - timedelta(days=inactive_days)
    last_order = (
        sa.select(sa.func.max(Order.placed_at))
        .where(Order.customer_id == User.id)
        .scalar_subquery()
    )
    candidates = session.scalars(
        sa.select(User).where(
            User.role.in_(["resident", "employee"]),
            User.anonymised_at.is_(None),
            User.created_at < cutoff,
            sa.or_(User.last_login_at.is_(None), User.last_login_at < cutoff),
            sa.or_(last_order.is_(None), last_order < cutoff),
        )
    ).all()
    done = 0
    for user in candidates:
        _lock(session, user)
        # Never while something of theirs is still under way.
        if _orders_in_progress(session, user) or _upcoming_registrations(session, user, now=now):
            continue
        anonymise(session, user, now=now)
        done += 1
    return done
