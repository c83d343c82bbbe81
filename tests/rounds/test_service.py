"""Planning a day from the database, keeping what is locked, and the volunteer's taps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from conciergerie.models import (
    DayPlan,
    OrderStatus,
    PickupRound,
    Role,
    RoundAction,
    VolunteerAbsence,
    VolunteerProfile,
)
from conciergerie.orders import service as orders
from conciergerie.rounds import planner
from conciergerie.rounds import service as rounds
from tests.factories import (
    NOW,
    make_offer,
    make_order,
    make_provider,
    make_slot,
    make_user,
    make_volunteer,
    open_provider,
)

DEPOT = planner.Place(50.62735, 3.05295)
THURSDAY = date(2026, 11, 26)  # the default drop-off slot: Thursday 8:00–8:30 (Paris)
LATER_PICKUP = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # Wednesday 2 Dec, 18:00
# Monday 30 Nov, 18:00: Thursday's drop-off + 1 day of work + 1 day for the way back.
URGENT_PICKUP = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
ON_THE_DAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday 10:00: taps on its rounds


@pytest.fixture
def cobbler(session):
    return open_provider(make_provider(session, name="Cordonnerie", latitude=50.6300))


def order_for(session, provider, *, pickup=LATER_PICKUP, quantity=1, turnaround=1, **kw):
    offer = make_offer(session, provider=provider, turnaround_days=turnaround)
    return make_order(
        session, offer=offer, quantity=quantity, pickup=make_slot(session, starts_at=pickup), **kw
    )


def test_a_drop_off_of_the_day_goes_on_a_round_after_its_slot(session, cobbler):
    volunteer = make_volunteer(session)
    order = order_for(session, cobbler)
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    assert (report.rounds, report.items, report.unmet) == (1, 1, [])
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    assert round_.volunteer_id == volunteer.id
    [stop] = round_.stops
    [item] = stop.items
    assert (stop.provider_id, item.order_line_id, item.action) == (
        cobbler.id,
        order.lines[0].id,
        RoundAction.DROP,
    )
    # Leaves when the volunteer starts (9:30), after the 8:30 end of the drop-off slot.
    assert round_.starts_at == datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert stop.arrive_at > round_.starts_at and round_.ends_at > stop.leave_at
    assert round_.distance_m > 0


def test_an_urgent_line_without_volunteer_is_reported_with_its_reason(session, cobbler):
    order = order_for(session, cobbler, pickup=URGENT_PICKUP)
    volunteer = make_volunteer(session)
    session.add(VolunteerAbsence(volunteer_id=volunteer.id, first_day=THURSDAY, last_day=THURSDAY))
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    assert report.rounds == 0
    assert report.unmet == [
        {"line_id": order.lines[0].id, "action": "drop", "reason": "no_volunteer"}
    ]
    stored = session.scalar(sa.select(DayPlan).where(DayPlan.day == THURSDAY))
    assert stored.unmet == report.unmet
    [(line, reason)] = rounds.unmet_lines(session, stored)
    assert line.order.code == order.code and reason["reason"] == "no_volunteer"


def test_a_line_that_can_wait_is_not_reported(session):
    saturdays_only = open_provider(make_provider(session), [(5, time(9), time(12))])
    make_volunteer(session)
    order_for(session, saturdays_only)  # pickup next Wednesday: the drop can wait until Saturday
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    assert report.rounds == 0 and report.unmet == []


def _with_a_limit(session, minutes):
    volunteer = make_volunteer(session)
    session.get(VolunteerProfile, volunteer.id).max_round_minutes = minutes
    return volunteer


def test_a_volunteer_s_limit_is_exceeded_for_a_line_due_that_day_and_the_plan_says_so(session):
    far = open_provider(
        make_provider(session, name="Loin", latitude=50.6650)
    )  # ~40 min there and back
    volunteer = _with_a_limit(session, 15)
    order = order_for(session, far, pickup=URGENT_PICKUP)
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    assert (report.rounds, report.unmet) == (1, [])
    [(who, note)] = rounds.overtime(session, rounds.day_plan(session, THURSDAY))
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    worked = (round_.ends_at - round_.starts_at).total_seconds() / 60
    assert who.id == volunteer.id and note["limit"] == 15 and note["minutes"] == worked > 15
    assert note["lines"] == [order.lines[0].id]


def test_a_volunteer_s_limit_is_kept_for_a_line_that_can_wait(session):
    far = open_provider(make_provider(session, name="Loin", latitude=50.6650))
    _with_a_limit(session, 15)
    order_for(session, far)  # picked up next Wednesday: may go another day
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    assert (report.rounds, report.unmet) == (0, [])
    assert rounds.overtime(session, rounds.day_plan(session, THURSDAY)) == []


def test_with_no_volunteer_at_all_everything_waiting_is_reported(session, cobbler):
    order = order_for(session, cobbler)  # could wait, but nobody is free that day
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    assert report.unmet == [
        {"line_id": order.lines[0].id, "action": "drop", "reason": "no_volunteer"}
    ]


def test_nothing_is_planned_to_start_before_now(session, cobbler):
    make_volunteer(session)  # free 9:30–12:00
    order_for(session, cobbler)
    ten_thirty = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=ten_thirty)
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    assert round_.starts_at == ten_thirty


def test_a_round_under_way_by_the_clock_is_kept(session, cobbler):
    make_volunteer(session)
    order_for(session, cobbler)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    during = round_.starts_at + (round_.ends_at - round_.starts_at) / 2
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=during)
    assert report.kept == 1 and [r.id for r in rounds.rounds_of_day(session, THURSDAY)] == [
        round_.id
    ]


def test_a_closed_provider_is_the_reason(session):
    closed_monday_to_friday = open_provider(
        make_provider(session), [(5, time(9), time(12))]
    )  # Saturdays only
    make_volunteer(session)
    order = order_for(session, closed_monday_to_friday, pickup=URGENT_PICKUP)
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    assert report.unmet == [
        {"line_id": order.lines[0].id, "action": "drop", "reason": "provider_closed"}
    ]


def test_too_many_things_for_any_volunteer_is_over_capacity(session, cobbler):
    make_volunteer(session, transport="foot")  # carries 6
    order = order_for(session, cobbler, pickup=URGENT_PICKUP, quantity=7)
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    assert report.unmet[0]["reason"] == "over_capacity" and report.unmet[0]["line_id"] == (
        order.lines[0].id
    )


def test_planning_again_keeps_locked_and_started_rounds_and_never_plans_a_line_twice(
    session, cobbler
):
    first, second = make_volunteer(session), make_volunteer(session)
    orders_ = [order_for(session, cobbler) for _ in range(3)]
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    planned = rounds.rounds_of_day(session, THURSDAY)
    assert sum(len(r.items) for r in planned) == 3
    planned[0].locked = True
    session.flush()
    locked_id = planned[0].id
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    again = rounds.rounds_of_day(session, THURSDAY)
    assert locked_id in {r.id for r in again}
    lines = [i.order_line_id for r in again for i in r.items]
    assert sorted(lines) == sorted(o.lines[0].id for o in orders_)
    assert {r.volunteer_id for r in again} <= {first.id, second.id}


def test_a_locked_round_takes_its_volunteer_time(session, cobbler):
    volunteer = make_volunteer(session)
    order_for(session, cobbler)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [kept] = rounds.rounds_of_day(session, THURSDAY)
    kept.locked = True
    order_for(session, cobbler)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    mine = sorted(rounds.rounds_of_day(session, THURSDAY, volunteer), key=lambda r: r.starts_at)
    assert len(mine) == 2
    assert mine[0].ends_at <= mine[1].starts_at  # the new round starts after the kept one


def drop_and_plan(session, provider, *orders_):
    concierge = make_user(session, Role.CONCIERGE)
    for order in orders_:
        orders.advance_order(
            session, order, OrderStatus.DROPPED_OFF, actor=concierge, now=NOW.replace(day=26)
        )
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    return rounds.rounds_of_day(session, THURSDAY)


def test_a_tap_moves_the_order_and_a_repeated_tap_changes_nothing(session, cobbler):
    volunteer = make_volunteer(session)
    order = order_for(session, cobbler)
    [round_] = drop_and_plan(session, cobbler, order)
    [item] = round_.items
    at = NOW.replace(day=26, hour=9)
    assert rounds.mark_item(session, item, actor=volunteer, now=at) is True
    assert order.status is OrderStatus.AT_PROVIDER
    assert order.lines[0].at_provider_at == at
    assert order.events[-1].actor_id == volunteer.id and "Tournée" in order.events[-1].note
    count = len(order.events)
    assert rounds.mark_item(session, item, actor=volunteer, now=at) is False
    assert len(order.events) == count and item.done_at == at


def test_only_the_rounds_volunteer_or_the_concierge_may_tap(session, cobbler):
    make_volunteer(session)
    order = order_for(session, cobbler)
    [round_] = drop_and_plan(session, cobbler, order)
    other = make_volunteer(session)
    with pytest.raises(orders.OrderNotAllowed):
        rounds.mark_item(session, round_.items[0], actor=other, now=ON_THE_DAY)
    for role in (Role.RESIDENT, Role.PROVIDER):
        with pytest.raises(orders.OrderNotAllowed):
            rounds.mark_item(
                session, round_.items[0], actor=make_user(session, role), now=ON_THE_DAY
            )
    assert rounds.mark_item(
        session, round_.items[0], actor=make_user(session, Role.CONCIERGE), now=ON_THE_DAY
    )


def test_a_line_not_yet_at_the_desk_cannot_be_dropped(session, cobbler):
    volunteer = make_volunteer(session)
    order = order_for(session, cobbler)  # confirmed: expected at the 8:00 slot, not there yet
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    with pytest.raises(orders.InvalidTransition):
        rounds.mark_item(session, round_.items[0], actor=volunteer, now=ON_THE_DAY)
    assert order.status is OrderStatus.CONFIRMED and order.lines[0].at_provider_at is None


def test_an_order_with_two_providers_moves_when_its_slowest_line_does(session, cobbler):
    volunteer = make_volunteer(session, transport="cargo_bike")
    ironing = open_provider(make_provider(session, latitude=50.6200, longitude=3.0600))
    shoes = make_offer(session, provider=cobbler, turnaround_days=1)
    shirts = make_offer(session, provider=ironing, turnaround_days=1)
    order = orders.place_order(
        session,
        customer=make_user(session),
        lines=[orders.RequestedLine(shoes, 1), orders.RequestedLine(shirts, 2)],
        dropoff_slot=make_slot(session),
        pickup_slot=make_slot(session, starts_at=LATER_PICKUP),
        note="",
        payment=orders.PaymentMethod.DESK,
        now=NOW,
        settings=orders.OrderSettings(transport_margin_days=1, resident_fee_cents=0),
    )
    [round_] = drop_and_plan(session, cobbler, order)
    first, second = round_.items
    rounds.mark_item(session, first, actor=volunteer, now=ON_THE_DAY)
    assert order.status is OrderStatus.DROPPED_OFF  # the other line is still on the bike
    rounds.mark_item(session, second, actor=volunteer, now=ON_THE_DAY)
    assert order.status is OrderStatus.AT_PROVIDER


def test_collected_work_comes_back_and_the_customer_is_told(session, cobbler, app, outbox):
    from conciergerie.database import commit

    volunteer = make_volunteer(session)
    order = order_for(session, cobbler, turnaround=0, pickup=URGENT_PICKUP)
    [round_] = drop_and_plan(session, cobbler, order)
    rounds.mark_item(session, round_.items[0], actor=volunteer, now=NOW.replace(day=26))
    # Same-day work (turnaround 0): ready that day, collected on a later round of the same day.
    report = rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    collects = [
        i
        for r in rounds.rounds_of_day(session, THURSDAY)
        for i in r.items
        if i.action is RoundAction.COLLECT
    ]
    assert report.unmet == [] and [i.order_line_id for i in collects] == [order.lines[0].id]
    rounds.mark_item(session, collects[0], actor=volunteer, now=NOW.replace(day=26, hour=11))
    assert order.status is OrderStatus.BACK_AT_DESK
    assert [e.to_status for e in order.events][-3:] == [
        OrderStatus.AT_PROVIDER,
        OrderStatus.READY_AT_PROVIDER,
        OrderStatus.BACK_AT_DESK,
    ]
    commit(session)
    assert [m.to for m in outbox] == [[order.customer.email]]


def test_the_desk_moving_a_whole_order_stamps_its_lines(session, cobbler):
    concierge = make_user(session, Role.CONCIERGE)
    order = order_for(session, cobbler)
    for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, step, actor=concierge, now=NOW)
    assert order.lines[0].at_provider_at == NOW and order.lines[0].ready_at is None


def test_moving_a_stop_locks_both_rounds_and_recomputes_their_times(session, cobbler):
    first, second = make_volunteer(session), make_volunteer(session)
    far = open_provider(make_provider(session, latitude=50.6100, longitude=3.0800))
    a, b = order_for(session, cobbler), order_for(session, far)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    planned = rounds.rounds_of_day(session, THURSDAY)
    assert sum(len(r.stops) for r in planned) == 2
    # Put both stops on one round, then move one to a round of the other volunteer.
    target = next(r for r in planned if r.volunteer_id == second.id) if len(planned) > 1 else None
    source = planned[0]
    if target is None:
        target = PickupRound(
            day=THURSDAY,
            volunteer_id=second.id,
            starts_at=source.starts_at,
            ends_at=source.starts_at,
        )
        session.add(target)
        session.flush()
    stop = source.stops[-1]
    rounds.move_stop(session, stop, target, DEPOT)
    assert stop.round is target and target.locked
    assert target.ends_at > target.starts_at and target.distance_m > 0
    assert {a.lines[0].id, b.lines[0].id} == {
        i.order_line_id for r in rounds.rounds_of_day(session, THURSDAY) for i in r.items
    }
    del first


def test_a_past_day_is_not_planned_again(session, cobbler):
    make_volunteer(session)
    order_for(session, cobbler)
    with pytest.raises(rounds.RoundError):
        rounds.plan_rounds(session, date(2026, 11, 24), depot=DEPOT, now=NOW)


def test_a_line_planned_for_tomorrow_is_not_planned_the_day_after_too(session, cobbler):
    make_volunteer(session)
    order = order_for(session, cobbler)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    friday = date(2026, 11, 27)
    rounds.plan_rounds(session, friday, depot=DEPOT, now=NOW)
    on_friday = [i.order_line_id for r in rounds.rounds_of_day(session, friday) for i in r.items]
    assert order.lines[0].id not in on_friday


def test_a_tap_on_a_round_planned_again_meanwhile_is_refused_cleanly(session, cobbler):
    volunteer = make_volunteer(session)
    order = order_for(session, cobbler)
    orders.advance_order(
        session, order, OrderStatus.DROPPED_OFF, actor=make_user(session, Role.CONCIERGE), now=NOW
    )
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    item_id = round_.items[0].id
    item = session.get(rounds.RoundItem, item_id)
    # Deleted by another planning (another connection: this session does not know).
    session.execute(
        sa.delete(rounds.RoundItem).where(rounds.RoundItem.id == item_id),
        execution_options={"synchronize_session": False},
    )
    with pytest.raises(rounds.RoundReplanned):
        rounds.mark_item(session, item, actor=volunteer, now=ON_THE_DAY)


def test_minutes_are_wall_clock_on_a_daylight_saving_day():
    spring = date(2026, 3, 29)  # clocks go from 2:00 to 3:00
    ten = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 10:00 in Paris (UTC+2 from 3:00)
    assert rounds.minutes(ten, spring) == 600
    assert rounds._clock(spring, 600) == ten
    assert rounds._clock(spring, 24 * 60 + 30) == datetime(2026, 3, 29, 22, 30, tzinfo=UTC)


# Giving a round to someone else -----------------------------------------------------------------


def a_round(session, volunteer, starts_at, ends_at, day=THURSDAY) -> PickupRound:
    """A round without stops at those UTC times (its day in Paris)."""
    round_ = PickupRound(day=day, volunteer=volunteer, starts_at=starts_at, ends_at=ends_at)
    session.add(round_)
    session.flush()
    return round_


NINE_TO_TEN = (  # Thursday 26 November, 9:00–10:00 in Paris (UTC+1)
    datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
    datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
)


def test_a_volunteer_free_then_raises_nothing(session):
    round_ = a_round(session, make_volunteer(session), *NINE_TO_TEN)
    # Two ranges that touch cover the round together.
    samira = make_volunteer(session, ranges=[(3, time(8), time(9, 30)), (3, time(9, 30), time(11))])
    assert rounds.availability_problems(session, round_, samira) == []


def test_no_weekly_range_that_day_or_hour_is_said_with_the_hours(session):
    round_ = a_round(session, make_volunteer(session), *NINE_TO_TEN)
    saturdays = make_volunteer(session, full_name="Samira", ranges=[(5, time(9), time(12))])
    assert rounds.availability_problems(session, round_, saturdays) == [
        "Samira n'a pas de disponibilité le jeudi de 09:00 à 10:00."
    ]
    afternoons = make_volunteer(
        session, full_name="Yanis", ranges=[(3, time(9, 30), time(12)), (3, time(14), time(18))]
    )
    assert rounds.availability_problems(session, round_, afternoons) == [
        "Yanis n'est pas disponible le jeudi de 09:00 à 10:00 "
        "(disponible : 09:30–12:00, 14:00–18:00)."
    ]


def test_the_ranges_are_paris_wall_clock_in_winter_and_in_summer(session):
    nine_to_ten = make_volunteer(session, ranges=[(3, time(9), time(10))])
    eight_to_nine = make_volunteer(session, ranges=[(3, time(8), time(9))])  # the UTC hours
    winter = a_round(session, make_volunteer(session), *NINE_TO_TEN)
    assert rounds.availability_problems(session, winter, nine_to_ten) == []
    assert rounds.availability_problems(session, winter, eight_to_nine) != []
    july = date(2027, 7, 1)  # a Thursday, Paris at UTC+2: 9:00–10:00 is 7:00–8:00 UTC
    summer = a_round(
        session,
        make_volunteer(session),
        datetime(2027, 7, 1, 7, 0, tzinfo=UTC),
        datetime(2027, 7, 1, 8, 0, tzinfo=UTC),
        day=july,
    )
    assert rounds.availability_problems(session, summer, nine_to_ten) == []
    assert rounds.availability_problems(session, summer, eight_to_nine) != []


def test_an_absence_that_day_is_said_with_its_days_and_reason(session):
    round_ = a_round(session, make_volunteer(session), *NINE_TO_TEN)
    samira = make_volunteer(session, full_name="Samira", ranges=[(3, time(9), time(12))])
    session.add(
        VolunteerAbsence(
            volunteer_id=samira.id,
            first_day=date(2026, 11, 25),
            last_day=date(2026, 11, 27),
            reason="Examens",
        )
    )
    session.add(VolunteerAbsence(volunteer_id=samira.id, first_day=THURSDAY, last_day=THURSDAY))
    session.add(  # another week: not in the way
        VolunteerAbsence(
            volunteer_id=samira.id, first_day=date(2026, 12, 3), last_day=date(2026, 12, 4)
        )
    )
    assert rounds.availability_problems(session, round_, samira) == [
        "Samira est absent·e du mercredi 25 novembre au vendredi 27 novembre (Examens).",
        "Samira est absent·e le jeudi 26 novembre.",
    ]


def test_another_round_at_the_same_time_is_said_not_one_just_before(session):
    round_ = a_round(session, make_volunteer(session), *NINE_TO_TEN)
    samira = make_volunteer(session, full_name="Samira", ranges=[(3, time(8), time(12))])
    a_round(  # 8:00–9:00 in Paris: ends when the other starts
        session,
        samira,
        datetime(2026, 11, 26, 7, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
    )
    assert rounds.availability_problems(session, round_, samira) == []
    a_round(
        session,
        samira,
        datetime(2026, 11, 26, 8, 45, tzinfo=UTC),
        datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
    )
    assert rounds.availability_problems(session, round_, samira) == [
        "Samira est déjà sur la tournée de 09:45–10:30."
    ]
    concierge = make_user(session, Role.CONCIERGE)  # no ranges kept: only their rounds count
    assert rounds.availability_problems(session, round_, concierge) == []


def _planned_round(session, cobbler):
    first = make_volunteer(session, full_name="Léa")
    order_for(session, cobbler)
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    return first, round_


def test_a_volunteer_not_free_is_given_the_round_only_when_confirmed(session, cobbler, outbox):
    concierge = make_user(session, Role.CONCIERGE)
    first, round_ = _planned_round(session, cobbler)
    samira = make_volunteer(session, full_name="Samira", ranges=[(5, time(9), time(12))])
    with pytest.raises(rounds.VolunteerUnavailable) as refused, session.begin_nested():
        rounds.assign_round(session, round_, samira, DEPOT, actor=concierge, now=NOW)
    assert refused.value.field == "confirm" and refused.value.status == 422
    assert refused.value.reasons == ["Samira n'a pas de disponibilité le jeudi de 09:30 à 09:39."]
    assert outbox == []  # refused before any mail (and the request is rolled back)
    session.expire_all()
    assert round_.volunteer_id == first.id
    changed = rounds.assign_round(
        session, round_, samira, DEPOT, actor=concierge, now=NOW, confirmed=True
    )
    assert changed and round_.volunteer_id == samira.id and round_.locked


def test_both_volunteers_are_mailed_once_and_the_next_planning_does_not_tell_them_again(
    session, cobbler, outbox
):
    from conciergerie.rounds.jobs import plan_and_tell

    concierge = make_user(session, Role.CONCIERGE)
    first = make_volunteer(session, full_name="Léa")
    order_for(session, cobbler)
    plan_and_tell(session, THURSDAY, now=NOW)
    [told] = outbox
    assert told.to == [first.email]
    outbox.clear()
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    yanis = make_volunteer(session, full_name="Yanis")
    assert rounds.assign_round(session, round_, yanis, DEPOT, actor=concierge, now=NOW)
    given, taken = sorted(outbox, key=lambda mail: mail.to != [yanis.email])
    assert given.to == [yanis.email] and taken.to == [first.email]
    assert given.subject == "Une tournée vous est confiée le 26/11"
    assert "Cordonnerie" in given.body and "09:30" in given.body  # its stops and its time
    assert "confiée à Yanis" in taken.body
    outbox.clear()
    plan_and_tell(session, THURSDAY, now=NOW)  # the morning's planning: the round is kept
    assert outbox == []


def test_the_same_volunteer_again_mails_nobody(session, cobbler, outbox):
    concierge = make_user(session, Role.CONCIERGE)
    first, round_ = _planned_round(session, cobbler)
    assert not rounds.assign_round(session, round_, first, DEPOT, actor=concierge, now=NOW)
    assert round_.locked and outbox == []


def test_a_round_over_does_not_change_hands(session, cobbler):
    concierge = make_user(session, Role.CONCIERGE)
    first, round_ = _planned_round(session, cobbler)
    with pytest.raises(rounds.RoundError):
        rounds.assign_round(
            session, round_, make_volunteer(session), DEPOT, actor=concierge, now=round_.ends_at
        )
