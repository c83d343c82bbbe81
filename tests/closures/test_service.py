"""Provider closures: who records them, the rules of their days, and what they move: the
turnaround, the pickup slots offered, the rounds and the baskets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conciergerie.closures import service
from conciergerie.models import Role
from conciergerie.orders import service as orders
from conciergerie.rounds.service import provider_opening
from tests.factories import (
    NOW,
    SETTINGS,
    make_basket_offer,
    make_offer,
    make_provider,
    make_slot,
    make_user,
    open_provider,
)

TODAY = date(2026, 11, 25)


@pytest.fixture
def provider(session):
    return open_provider(make_provider(session, name="Horlogerie Solférino"))


@pytest.fixture
def staff(session, provider):
    return make_user(session, Role.PROVIDER, provider=provider)


def close(session, provider, actor, first, last=None, reason="Congés d'hiver"):
    return service.add_closure(
        session,
        provider,
        first_day=first,
        last_day=last,
        reason=reason,
        actor=actor,
        today=TODAY,
        now=NOW,
    )


def test_the_staff_close_their_own_provider(session, provider, staff):
    closure = close(session, provider, staff, date(2026, 12, 7), date(2026, 12, 11))
    assert provider.closures == [closure]
    assert closure.created_by_id == staff.id
    assert service.is_closed(provider, date(2026, 12, 9))
    assert not service.is_closed(provider, date(2026, 12, 12))
    assert service.closed_days(provider, date(2026, 12, 10), date(2026, 12, 31)) == {
        date(2026, 12, 10),
        date(2026, 12, 11),
    }


def test_a_single_day_needs_no_last_day(session, provider, staff):
    closure = close(session, provider, staff, date(2026, 12, 1))
    assert closure.first_day == closure.last_day == date(2026, 12, 1)


def test_another_provider_s_staff_may_not(session, provider):
    other = make_user(session, Role.PROVIDER)
    with pytest.raises(service.ClosureNotAllowed) as refused:
        close(session, provider, other, date(2026, 12, 7))
    assert refused.value.status == 403
    customer = make_user(session, Role.RESIDENT)
    with pytest.raises(service.ClosureNotAllowed):
        close(session, provider, customer, date(2026, 12, 7))


def test_the_concierge_closes_any_provider(session, provider):
    close(session, provider, make_user(session, Role.CONCIERGE), date(2026, 12, 7))
    assert len(provider.closures) == 1


@pytest.mark.parametrize(
    ("first", "last", "reason", "field", "words"),
    [
        (date(2026, 11, 24), None, "Congés", "first_day", "déjà passé"),
        (date(2026, 12, 7), date(2026, 12, 6), "Congés", "last_day", "suit le premier"),
        (date(2026, 12, 7), date(2027, 12, 8), "Congés", "last_day", "au plus un an"),
        (date(2026, 12, 7), None, "   ", "reason", "pourquoi"),
        (date(2026, 12, 7), None, "x" * 201, "reason", "pourquoi"),
    ],
)
def test_days_and_reason_are_checked(session, provider, staff, first, last, reason, field, words):
    with pytest.raises(service.ClosureError, match=words) as refused:
        close(session, provider, staff, first, last, reason)
    assert refused.value.field == field


def test_closures_may_not_overlap(session, provider, staff):
    close(session, provider, staff, date(2026, 12, 7), date(2026, 12, 11))
    with pytest.raises(service.ClosureError, match="recoupent"):
        close(session, provider, staff, date(2026, 12, 11), date(2026, 12, 14))
    close(session, provider, staff, date(2026, 12, 12), date(2026, 12, 14))


def test_removing_a_closure_and_who_may(session, provider, staff):
    closure = close(session, provider, staff, date(2026, 12, 7))
    with pytest.raises(service.ClosureNotAllowed):
        service.remove_closure(
            session, closure, actor=make_user(session, Role.PROVIDER), today=TODAY, now=NOW
        )
    service.remove_closure(session, closure, actor=staff, today=TODAY, now=NOW)
    assert provider.closures == []


def test_a_closure_over_stays_on_record(session, provider, staff):
    closure = close(session, provider, staff, date(2026, 11, 30))
    with pytest.raises(service.ClosureError, match="passée"):
        service.remove_closure(session, closure, actor=staff, today=date(2026, 12, 1), now=NOW)


def test_coming_closures_leave_out_those_over(session, provider, staff):
    close(session, provider, staff, date(2026, 11, 26))
    later = close(session, provider, staff, date(2026, 12, 7))
    assert service.coming(provider, date(2026, 11, 27)) == [later]


# What a closure moves ---------------------------------------------------------------------------


def test_the_turnaround_counts_no_closed_day_and_the_pickups_offered_follow(
    session, provider, staff
):
    # Drop-off Thursday 26; 3 working days of work + 1 of transport: Wednesday 2 December…
    offer = make_offer(session, provider=provider, turnaround_days=3)
    dropoff = make_slot(session, starts_at=datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
    lines = [orders.RequestedLine(offer, 1)]

    def earliest():
        return orders.earliest_pickup(
            session, lines, dropoff_slot=dropoff, now=NOW, settings=SETTINGS
        )

    assert earliest() == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 2 Dec, 00:00 in Paris
    # …the watchmaker closed Monday 30 and Tuesday 1st: Friday 4 December.
    close(session, provider, staff, date(2026, 11, 30), date(2026, 12, 1))
    assert earliest() == datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
    too_early = make_slot(session, starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    fitting = make_slot(session, starts_at=datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    first, offered = orders.fitting_pickups(
        session,
        lines,
        dropoff_slot=dropoff,
        now=NOW,
        settings=SETTINGS,
        horizon=timedelta(days=30),
    )
    assert too_early not in offered and fitting in offered


def test_another_provider_s_closure_moves_nothing(session, provider, staff):
    offer = make_offer(session, turnaround_days=3)  # another provider
    dropoff = make_slot(session, starts_at=datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
    close(session, provider, staff, date(2026, 11, 30), date(2026, 12, 1))
    earliest = orders.earliest_pickup(
        session,
        [orders.RequestedLine(offer, 1)],
        dropoff_slot=dropoff,
        now=NOW,
        settings=SETTINGS,
    )
    assert earliest == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def test_a_closed_provider_has_no_opening_for_the_rounds(session, provider, staff):
    monday = date(2026, 11, 30)
    assert provider_opening(provider, monday) == ((540, 750), (840, 1140))
    close(session, provider, staff, monday)
    assert provider_opening(provider, monday) == ()
    assert provider_opening(provider, monday + timedelta(days=1)) != ()


def test_a_closed_basket_producer_delivers_the_week_after(session):
    offer = make_basket_offer(session)
    staff = make_user(session, Role.PROVIDER, provider=offer.provider)
    assert orders.next_delivery_day(offer, NOW) == date(2026, 12, 3)
    close(session, offer.provider, staff, date(2026, 12, 3))
    assert orders.next_delivery_day(offer, NOW) == date(2026, 12, 10)


def test_the_rounds_do_not_visit_a_closed_provider_and_say_why(session, provider, staff):
    from conciergerie.rounds import planner
    from conciergerie.rounds import service as rounds
    from tests.factories import make_order, make_volunteer

    thursday = date(2026, 11, 26)
    make_volunteer(session)
    order = make_order(
        session,
        offer=make_offer(session, provider=provider, turnaround_days=1),
        pickup=make_slot(session, starts_at=datetime(2026, 11, 30, 17, 0, tzinfo=UTC)),
    )
    # Closed on the drop-off day, after the order was placed: the line must move that day.
    close(session, provider, staff, thursday)
    report = rounds.plan_rounds(session, thursday, depot=planner.Place(50.62735, 3.05295), now=NOW)
    assert report.unmet == [
        {"line_id": order.lines[0].id, "action": "drop", "reason": "provider_closed"}
    ]
    assert rounds.rounds_of_day(session, thursday) == []


def test_a_closure_over_ordered_baskets_alerts_the_concierges(session, outbox):
    from conciergerie.database import commit
    from tests.factories import make_order

    offer = make_basket_offer(session, name="Panier solo")
    staff = make_user(session, Role.PROVIDER, provider=offer.provider)
    concierge = make_user(session, Role.CONCIERGE, email="conciergerie@example.org")
    order = make_order(
        session,
        offer=offer,
        pickup=make_slot(session, starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=UTC)),
    )
    closure = close(session, offer.provider, staff, date(2026, 12, 3))
    assert service.orders_caught(session, closure) == [order]
    commit(session)
    [mail] = [m for m in outbox if concierge.email in m.to]
    assert "sera fermé" in mail.subject and order.code in mail.body
    # A closure on other days catches nothing, and mails nobody.
    outbox.clear()
    later = close(session, offer.provider, staff, date(2026, 12, 10))
    commit(session)
    assert service.orders_caught(session, later) == [] and len(outbox) == 0
