"""Scheduled sweeps: plan the next day every evening, and today again when the desk opens.

Each run plans again from the database's state (locked and started rounds are kept), then mails
each volunteer whose rounds changed since the last mail, and alerts the concierge when some
lines cannot move in time — once per distinct problem, however often the job runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from conciergerie.accounts.service import active_concierges
from conciergerie.models import DayPlan, PickupRound, Role, User
from conciergerie.rounds import notifications
from conciergerie.rounds import service as rounds
from conciergerie.rounds.travel import source_from_config
from conciergerie.timeutils import local_date


def plan_and_tell(session: Session, day: date, *, now: datetime) -> rounds.PlanReport:
    report = rounds.plan_rounds(
        session,
        day,
        depot=rounds.depot_of(current_app.config),
        margin_days=current_app.config["TRANSPORT_MARGIN_WORKING_DAYS"],
        now=now,
        travel=source_from_config(current_app.config),
    )
    plan = rounds.day_plan(session, day)
    planned = rounds.rounds_of_day(session, day)
    notices = dict(plan.volunteer_notices or {})
    for volunteer_id in sorted({r.volunteer_id for r in planned} | {int(v) for v in notices}):
        mine = [r for r in planned if r.volunteer_id == volunteer_id]
        print_ = rounds.fingerprint(mine)
        if notices.get(str(volunteer_id)) == print_ or (
            not mine and str(volunteer_id) not in notices
        ):
            continue
        notices[str(volunteer_id)] = print_
        volunteer = session.get(User, volunteer_id)
        notifications.send_rounds(volunteer, day, mine)
    plan.volunteer_notices = notices
    _tell_providers(session, plan, day, planned)
    alert = hashlib.sha256(json.dumps(report.unmet, sort_keys=True).encode()).hexdigest()
    if report.unmet and plan.alert_fingerprint != alert:
        unmet = rounds.unmet_lines(session, plan)
        for concierge in active_concierges(session):
            notifications.send_unmet_alert(concierge, day, unmet)
    plan.alert_fingerprint = alert if report.unmet else None
    session.flush()
    return report


def plan_without(session: Session, volunteer: User, *, now: datetime) -> list[date]:
    """Someone no longer does rounds (another role, or their account closed): the days where
    they have rounds not yet begun are planned again without them, and everyone told as the
    jobs tell them (they too: their rounds are gone). A round begun stays theirs (its taps may
    still be on their phone); the rounds page flags it. Returns the days planned again."""
    today = local_date(now)
    waiting = [
        round_
        for round_ in session.scalars(
            sa.select(PickupRound).where(
                PickupRound.volunteer_id == volunteer.id, PickupRound.day >= today
            )
        )
        if round_.starts_at > now and not round_.has_started
    ]
    for round_ in waiting:
        round_.locked = False  # moved by hand to them: planning again may now drop it
    session.flush()  # planning reads the rounds afresh
    days = sorted({round_.day for round_ in waiting})
    for day in days:
        plan_and_tell(session, day, now=now)
    return days


def replan_stale(session: Session, *, now: datetime) -> list[rounds.PlanReport]:
    """Plan again the days an order changed since they were planned (rounds.stale), from today
    on, telling the volunteers whose rounds changed; a past day is left as it was."""
    today = local_date(now)
    days = session.scalars(
        sa.select(DayPlan.day)
        .where(DayPlan.stale_since.is_not(None), DayPlan.day >= today)
        .order_by(DayPlan.day)
    ).all()
    return [plan_and_tell(session, day, now=now) for day in days]


def plan_tomorrow(session: Session, *, now: datetime) -> rounds.PlanReport:
    return plan_and_tell(session, local_date(now) + timedelta(days=1), now=now)


def plan_today(session: Session, *, now: datetime) -> rounds.PlanReport:
    return plan_and_tell(session, local_date(now), now=now)


def _tell_providers(session: Session, plan, day: date, planned: list) -> None:
    """Mail each provider's staff the day's visits (what comes, what is collected), once per
    version of the plan; a provider no longer visited is told too."""
    visits: dict[int, list] = {}
    for round_ in planned:
        for stop in round_.stops:
            visits.setdefault(stop.provider_id, []).append(stop)
    notices = dict(plan.provider_notices or {})
    for provider_id in sorted(set(visits) | {int(p) for p in notices}):
        stops = sorted(visits.get(provider_id, []), key=lambda stop: stop.arrive_at)
        print_ = hashlib.sha256(
            json.dumps(
                [
                    [
                        stop.arrive_at.isoformat(),
                        sorted((i.order_line_id, i.action.value) for i in stop.items),
                    ]
                    for stop in stops
                ]  # fmt: skip
            ).encode()
        ).hexdigest()
        if notices.get(str(provider_id)) == print_ or (
            not stops and str(provider_id) not in notices
        ):
            continue
        notices[str(provider_id)] = print_
        staff = session.scalars(
            sa.select(User).where(
                User.role == Role.PROVIDER,
                User.provider_id == provider_id,
                User.is_active_account.is_(True),
            )
        ).all()
        for person in staff:
            notifications.send_visits(person, day, stops)
    plan.provider_notices = notices
