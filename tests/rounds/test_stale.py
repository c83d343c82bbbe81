"""Days planned again when an order changed after they were planned (rounds/stale.py): a
drop-off moved to another day, an order cancelled. The rounds of the day no longer carry what
will not be at the desk, and the volunteer is told."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from conciergerie.database import commit
from conciergerie.jobs.registry import BY_ID
from conciergerie.models import DayPlan, Role, RoundItem
from conciergerie.orders import moves
from conciergerie.orders import service as orders_service
from conciergerie.rounds.jobs import plan_tomorrow, replan_stale
from tests.conftest import sign_in
from tests.factories import (
    SETTINGS,
    make_offer,
    make_order,
    make_provider,
    make_slot,
    make_user,
    make_volunteer,
    open_provider,
)
from tests.rounds.test_service import THURSDAY

EVENING = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)  # Wednesday 19:30: plans Thursday
LATER = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # Wednesday 21:00, after the planning
FRIDAY_DROPOFF = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # Friday 8:00 in Paris


def _planned_thursday(session):
    volunteer = make_volunteer(session)
    provider = open_provider(make_provider(session))
    order = make_order(session, offer=make_offer(session, provider=provider, turnaround_days=1))
    report = plan_tomorrow(session, now=EVENING)
    commit(session)
    assert report.day == THURSDAY and report.items == 1
    return volunteer, order


def _carried(session, order) -> list:
    return list(
        session.scalars(
            sa.select(RoundItem).where(
                RoundItem.order_line_id.in_([line.id for line in order.lines])
            )
        )
    )


def _thursday(session) -> DayPlan:
    return session.scalar(sa.select(DayPlan).where(DayPlan.day == THURSDAY))


def test_a_dropoff_moved_to_another_day_leaves_the_planned_round(session, outbox):
    volunteer, order = _planned_thursday(session)
    assert _carried(session, order)
    outbox.clear()
    friday = make_slot(session, starts_at=FRIDAY_DROPOFF)
    moves.move_slots(
        session, order, order.customer, dropoff_slot=friday, now=LATER, settings=SETTINGS
    )
    commit(session)
    assert _thursday(session).stale_since == LATER
    [report] = replan_stale(session, now=LATER)
    commit(session)
    assert report.day == THURSDAY and report.items == 0
    assert _carried(session, order) == [] and _thursday(session).stale_since is None
    # The volunteer's round is gone, and they are told (as the jobs tell them).
    assert volunteer.email in {address for mail in outbox for address in mail.to}
    assert replan_stale(session, now=LATER) == []  # nothing left to plan again


def test_a_cancelled_order_leaves_the_planned_round(session):
    _volunteer, order = _planned_thursday(session)
    orders_service.cancel_order(session, order, actor=order.customer, now=LATER)
    commit(session)
    assert _thursday(session).stale_since == LATER
    BY_ID["replan-changed-days"].sweep(session, LATER)
    commit(session)
    assert _carried(session, order) == []


def test_a_day_not_planned_yet_is_not_marked_and_the_job_notes_nothing(session):
    provider = open_provider(make_provider(session))
    order = make_order(session, offer=make_offer(session, provider=provider, turnaround_days=1))
    orders_service.cancel_order(session, order, actor=order.customer, now=LATER)
    commit(session)
    assert session.scalar(sa.select(sa.func.count()).select_from(DayPlan)) == 0
    assert BY_ID["replan-changed-days"].sweep(session, LATER) is None


def test_the_job_says_what_it_planned_again(session):
    _volunteer, order = _planned_thursday(session)
    orders_service.cancel_order(session, order, actor=order.customer, now=LATER)
    figures = BY_ID["replan-changed-days"].sweep(session, LATER)
    assert figures == {"days": 1, "rounds": 0, "items": 0, "unmet": 0}
    assert BY_ID["replan-changed-days"].say(figures).startswith("1 jour replanifié")


def test_the_plan_page_says_the_day_is_to_be_planned_again(client, session):
    _volunteer, order = _planned_thursday(session)
    sign_in(client, make_user(session, Role.CONCIERGE))
    url = "/tournees/plan?day=2026-11-26"
    assert "Une commande a changé depuis" not in client.get(url).get_data(as_text=True)
    orders_service.cancel_order(session, order, actor=order.customer, now=LATER)
    commit(session)
    assert "Une commande a changé depuis" in client.get(url).get_data(as_text=True)
