"""Planning a day's rounds from the database, and the volunteer's taps on the way.

`plan_rounds` gathers what must move (order lines waiting at the desk, work expected ready at a
provider), who can carry it (availability minus absences, minus the rounds already kept) and
when the providers are open, hands that to the pure planner, and stores its answer. Rounds that
are locked or under way are kept as they are. Plain functions over a session: they flush, the
caller commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload

from conciergerie import policy
from conciergerie.closures.service import closed_days, is_closed
from conciergerie.errors import DomainError
from conciergerie.i18n import calendar_day, clock, hours, weekday_name
from conciergerie.models import (
    DayPlan,
    Item,
    ItemEvent,
    ItemStage,
    OfferKind,
    Order,
    OrderLine,
    OrderStatus,
    PickupRound,
    Provider,
    QuoteState,
    Role,
    RoundAction,
    RoundItem,
    RoundStop,
    TransportMode,
    User,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerProfile,
    utcnow,
)
from conciergerie.orders import items as order_items
from conciergerie.orders import notes, undo
from conciergerie.orders import service as orders
from conciergerie.orders.progress import follow_lines
from conciergerie.rounds import planner
from conciergerie.rounds.travel import StraightLine, TravelSource
from conciergerie.slots.service import closure_days
from conciergerie.timeutils import (
    add_working_days,
    at_local,
    is_public_holiday,
    is_working_day,
    local,
    local_date,
)

DAY = 24 * 60
SERVICE_MINUTES = 5  # at each provider: hand over, sign, chat

# Orders whose lines may still travel.
TRAVELLING = (
    OrderStatus.CONFIRMED,
    OrderStatus.DROPPED_OFF,
    OrderStatus.AT_PROVIDER,
    OrderStatus.READY_AT_PROVIDER,
)


class RoundError(DomainError):
    code = "invalid"


class StopUnderWay(RoundError):
    """A stop partly done stays in its round (the volunteer is on the way with it)."""

    code = "under_way"
    status = 409


class RoundReplanned(orders.InvalidTransition):
    """The item tapped no longer exists: the day was planned again meanwhile."""


def minutes(moment: datetime, day: date) -> int:
    """Wall-clock minutes of `moment` at the desk, counted from `day` (negative before it,
    beyond 1,440 after it). Wall-clock, like opening hours: a daylight-saving day stays right."""
    there = local(moment)
    return (there.date() - day).days * DAY + there.hour * 60 + there.minute


def _clock(day: date, minute: int) -> datetime:
    days, minute = divmod(minute, DAY)
    return at_local(day + timedelta(days=days), time(minute // 60, minute % 60))


def _minute_of(clock: time) -> int:
    return clock.hour * 60 + clock.minute


# What the planner needs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Volunteer:
    user: User
    transport: TransportMode
    windows: tuple[tuple[int, int], ...]
    max_minutes: int | None = None  # the most minutes of rounds they want a day (their profile)


def transport_of(session: Session, user: User) -> TransportMode:
    profile = session.get(VolunteerProfile, user.id)
    return profile.transport if profile else TransportMode.BIKE


def volunteers_on(session: Session, day: date) -> list[Volunteer]:
    """Active volunteers with their availability that day (absences removed)."""
    users = session.scalars(
        sa.select(User)
        .where(User.role == Role.VOLUNTEER, User.is_active_account.is_(True))
        .order_by(User.id)
    ).all()
    absent = set(
        session.scalars(
            sa.select(VolunteerAbsence.volunteer_id).where(
                VolunteerAbsence.first_day <= day, VolunteerAbsence.last_day >= day
            )
        )
    )
    ranges = session.scalars(
        sa.select(VolunteerAvailability)
        .where(VolunteerAvailability.weekday == day.weekday())
        .order_by(VolunteerAvailability.starts_at)
    ).all()
    profiles = {p.user_id: p for p in session.scalars(sa.select(VolunteerProfile))}
    found = []
    for user in users:
        windows = ()
        if user.id not in absent:
            windows = tuple(
                (_minute_of(r.starts_at), _minute_of(r.ends_at))
                for r in ranges
                if r.volunteer_id == user.id
            )
        profile = profiles.get(user.id)
        transport = profile.transport if profile else TransportMode.BIKE
        limit = profile.max_round_minutes if profile else None
        found.append(Volunteer(user, transport, windows, limit))
    return found


def provider_opening(provider: Provider, day: date) -> tuple[tuple[int, int], ...]:
    """The provider's opening ranges that day, in minutes (closed on public holidays and on the
    days of its closures)."""
    if is_public_holiday(day) or is_closed(provider, day):
        return ()
    return tuple(
        (_minute_of(r.opens_at), _minute_of(r.closes_at))
        for r in provider.opening_ranges
        if r.weekday == day.weekday()
    )


def _place(provider: Provider) -> planner.Place:
    return planner.Place(provider.latitude, provider.longitude)


def subtract_working_days(day: date, count: int, closures: set[date]) -> date:
    """The latest working day from which `count` working days lead to `day` or before."""
    current = day
    for _step in range(count):
        current -= timedelta(days=1)
        while not is_working_day(current, closures):
            current -= timedelta(days=1)
    return current


@dataclass(frozen=True)
class Candidate:
    """An order line to carry, as the planner sees it, and whether it must move that day."""

    line: OrderLine
    action: RoundAction
    item: planner.Item
    urgent: bool  # its deadline falls that day (or has passed): not moving it is reported


def _travelling_lines(session: Session) -> list[OrderLine]:
    """The service lines not back at the desk of the orders still moving, freshly read."""
    return session.scalars(
        sa.select(OrderLine)
        .join(Order)
        .where(
            OrderLine.kind == OfferKind.SERVICE,
            OrderLine.back_at_desk_at.is_(None),
            Order.status.in_(TRAVELLING),
        )
        .options(
            selectinload(OrderLine.order).selectinload(Order.dropoff_slot),
            selectinload(OrderLine.order).selectinload(Order.pickup_slot),
            selectinload(OrderLine.provider).selectinload(Provider.closures),
        )
        .order_by(OrderLine.id)
        .execution_options(populate_existing=True)
    ).all()


def _to_drop(line: OrderLine, day: date, closures: set[date], margin_days: int) -> Candidate | None:
    """A line still at (or expected at) the desk, to take to its provider on `day`; None when it
    is not brought that day."""
    order = line.order
    pickup_day = local_date(order.pickup_slot.starts_at)
    # To the provider, from the moment it is at the desk.
    if order.status is OrderStatus.CONFIRMED:
        dropoff = order.dropoff_slot
        if dropoff is None or local_date(dropoff.starts_at) != day:
            return None  # not brought yet, or never will be (no-show)
        ready = minutes(dropoff.ends_at, day)
    else:
        ready = 0
    # The work takes its turnaround, and the way back a margin (as when the customer
    # chose the pickup slot): the last day the line can still leave the desk.
    closed = closures | closed_days(line.provider, day - timedelta(days=60), pickup_day)
    latest = subtract_working_days(pickup_day, line.turnaround_days + margin_days, closed)
    urgent = latest <= day
    due = DAY - 1 if urgent else DAY * (1 + (latest - day).days)
    item = planner.Item(line.id, line.provider_id, planner.Action.DROP, due, ready, line.quantity)
    return Candidate(line, RoundAction.DROP, item, urgent)


def _to_collect(line: OrderLine, day: date, closures: set[date]) -> Candidate | None:
    """A line at its provider, to bring back to the desk on `day`; None when its work is not
    done by the end of that day (or not started: on quote)."""
    end_of_day = at_local(day + timedelta(days=1), time(0, 0))
    pickup = line.order.pickup_slot.starts_at
    pickup_day = local_date(pickup)
    if line.ready_at is None and line.quote_state in (
        QuoteState.AWAITING_QUOTE,
        QuoteState.PROPOSED,
    ):
        return None  # on quote: nothing is done before the customer accepts the price
    # The work starts when the item arrives, or on quote when the customer accepts.
    started = max(filter(None, [line.at_provider_at, line.quote_answered_at]))
    start = local_date(started)
    closed = closures | closed_days(line.provider, start, start + timedelta(days=120))
    expected = line.ready_at or max(
        at_local(
            add_working_days(start, line.turnaround_days, closed),
            time(0, 0),
        ),
        started,  # same-day work is not ready before it started
    )
    if expected >= end_of_day:
        return None  # not finished yet
    ready = max(minutes(expected, day), 0)
    urgent = pickup_day <= day
    due = (
        max(minutes(pickup, day), 0)
        if pickup_day == day
        else (DAY - 1 if urgent else DAY * (1 + (pickup_day - day).days))
    )
    item = planner.Item(
        line.id, line.provider_id, planner.Action.COLLECT, due, ready, line.quantity
    )
    return Candidate(line, RoundAction.COLLECT, item, urgent)


def _lines_to_move(
    session: Session, day: date, excluded: set[tuple[int, RoundAction]], margin_days: int
) -> list[Candidate]:
    """What may move on `day`, by line id: to the provider or back, less the `excluded`
    (line id, action) pairs that other rounds carry already."""
    lines = _travelling_lines(session)
    closures = closure_days(session, day - timedelta(days=60), day + timedelta(days=120))
    found = []
    for line in lines:
        if line.at_provider_at is None:
            candidate = _to_drop(line, day, closures, margin_days)
        else:
            candidate = _to_collect(line, day, closures)
        if candidate is None or (line.id, candidate.action) in excluded:
            continue
        found.append(candidate)
    return found


# Planning a day ---------------------------------------------------------------------------------


@dataclass
class PlanReport:
    day: date
    rounds: int = 0
    items: int = 0
    kept: int = 0
    unmet: list[dict] = field(default_factory=list)

    def figures(self) -> dict[str, object]:
        """For the jobs page (jobs/summaries.py)."""
        return {
            "day": self.day.isoformat(),
            "rounds": self.rounds,
            "items": self.items,
            "kept": self.kept,
            "unmet": len(self.unmet),
        }

    def summary(self) -> str:
        """In the current language (French on the command line)."""
        from conciergerie.jobs.summaries import plan

        return plan(self.figures())


def rounds_of_day(session: Session, day: date, volunteer: User | None = None) -> list[PickupRound]:
    query = (
        sa.select(PickupRound)
        .where(PickupRound.day == day)
        .options(
            selectinload(PickupRound.volunteer),
            selectinload(PickupRound.stops)
            .selectinload(RoundStop.provider)
            .selectinload(Provider.opening_ranges),
            selectinload(PickupRound.stops)
            .selectinload(RoundStop.provider)
            .selectinload(Provider.closures),
            selectinload(PickupRound.stops)
            .selectinload(RoundStop.items)
            .selectinload(RoundItem.line)
            .selectinload(OrderLine.order),
            # Each line's items and their steps: how many are scanned, what may be undone.
            selectinload(PickupRound.stops)
            .selectinload(RoundStop.items)
            .selectinload(RoundItem.line)
            .selectinload(OrderLine.items)
            .selectinload(Item.events),
        )
        .order_by(PickupRound.starts_at, PickupRound.id)
        .execution_options(populate_existing=True)  # after a lock: what is committed now
    )
    if volunteer is not None:
        query = query.where(PickupRound.volunteer_id == volunteer.id)
    return list(session.scalars(query))


def _free_windows(windows, busy) -> tuple[tuple[int, int], ...]:
    """`windows` minus the intervals of `busy`."""
    free = list(windows)
    for b_start, b_end in busy:
        cut = []
        for start, end in free:
            if b_end <= start or end <= b_start:
                cut.append((start, end))
                continue
            if start < b_start:
                cut.append((start, b_start))
            if b_end < end:
                cut.append((b_end, end))
        free = cut
    return tuple(free)


def _lock_day(session: Session, day: date) -> DayPlan:
    """The day's plan row, locked: two plannings of one day (the job, the concierge's button)
    run one after the other instead of both writing rounds."""
    query = sa.select(DayPlan).where(DayPlan.day == day).with_for_update()
    plan = session.scalar(query)
    if plan is None:
        try:
            with session.begin_nested():
                session.add(DayPlan(day=day, volunteer_notices={}, unmet=[]))
        except sa.exc.IntegrityError:
            pass  # another planning of the day created it first: wait for its lock below
        plan = session.scalar(query)
    return plan


def share_day(session: Session, day: date) -> None:
    """A tap takes the day's plan row in share mode: taps do not wait for each other, but a
    planning of the day waits for them (and they for it), so that it never deletes a round
    while a tap is being recorded on it."""
    session.execute(
        sa.select(DayPlan.id).where(DayPlan.day == day).with_for_update(read=True)
    ).all()


def _keep_or_drop_rounds(session: Session, day: date, now: datetime) -> list[PickupRound]:
    """Delete the day's rounds that may be planned again; return the ones kept (locked,
    started, or begun by the clock)."""
    kept, dropped = [], []
    for round_ in rounds_of_day(session, day):
        # A round that has begun by the clock may be under way with taps still on the phone.
        begun = round_.starts_at <= now
        (kept if round_.locked or round_.has_started or begun else dropped).append(round_)
    for round_ in dropped:
        session.delete(round_)
    session.flush()
    return kept


def _carried_already(
    session: Session, day: date, kept: list[PickupRound], now: datetime
) -> set[tuple[int, RoundAction]]:
    """The (line id, action) pairs other rounds carry: not to be planned twice."""
    # What the kept rounds carry already (a line dropped this morning may still be collected
    # this afternoon: the pair, not the line, is taken).
    excluded = {(item.order_line_id, item.action) for round_ in kept for item in round_.items}
    # …and what the rounds of the coming days already carry (planning Friday while Thursday's
    # rounds are still ahead must not take the same line twice).
    excluded |= set(
        tuple(row)
        for row in session.execute(
            sa.select(RoundItem.order_line_id, RoundItem.action)
            .join(RoundStop)
            .join(PickupRound)
            .where(
                PickupRound.day >= local_date(now),
                PickupRound.day != day,
                RoundItem.done_at.is_(None),
            )
        ).all()
    )
    return excluded


def _provider_infos(session: Session, day: date) -> list[planner.ProviderInfo]:
    """Every provider, where it is and when it is open on `day`, as the planner sees it."""
    providers = session.scalars(
        sa.select(Provider).options(
            selectinload(Provider.opening_ranges), selectinload(Provider.closures)
        )
    ).all()
    return [planner.ProviderInfo(p.id, _place(p), provider_opening(p, day)) for p in providers]


def _volunteer_infos(
    volunteers: list[Volunteer], kept: list[PickupRound], day: date, now: datetime
) -> list[planner.VolunteerInfo]:
    """The volunteers as the planner sees them: free outside their kept rounds, and not before
    `now`; their own limit of minutes less those of their kept rounds."""
    busy: dict[int, list[tuple[int, int]]] = {}
    for round_ in kept:
        busy.setdefault(round_.volunteer_id, []).append(
            (minutes(round_.starts_at, day), minutes(round_.ends_at, day))
        )
    earliest = minutes(now, day)
    return [
        planner.VolunteerInfo(
            v.user.id,
            _free_windows(v.windows, [*busy.get(v.user.id, ()), (-DAY, earliest)]),
            v.transport.speed_kmh,
            v.transport.capacity,
            None
            if v.max_minutes is None
            else max(v.max_minutes - sum(end - start for start, end in busy.get(v.user.id, ())), 0),
        )
        for v in volunteers
    ]


def _add_planned_rounds(
    session: Session, day: date, planned_rounds: list[planner.Round], report: PlanReport
) -> None:
    """Store the planner's rounds with their stops and items, counting them in `report`."""
    for planned in planned_rounds:
        round_ = PickupRound(
            day=day,
            volunteer_id=planned.volunteer_id,
            starts_at=_clock(day, planned.start),
            ends_at=_clock(day, planned.end),
            distance_m=round(planned.distance_m),
        )
        for position, visit in enumerate(planned.visits):
            stop = RoundStop(
                provider_id=visit.provider_id,
                position=position,
                arrive_at=_clock(day, visit.arrive),
                leave_at=_clock(day, visit.leave),
            )
            for line_id in visit.drops:
                stop.items.append(RoundItem(order_line_id=line_id, action=RoundAction.DROP))
            for line_id in visit.collects:
                stop.items.append(RoundItem(order_line_id=line_id, action=RoundAction.COLLECT))
            report.items += len(visit.drops) + len(visit.collects)
            round_.stops.append(stop)
        session.add(round_)
        report.rounds += 1


def plan_rounds(
    session: Session,
    day: date,
    *,
    depot: planner.Place,
    now: datetime,
    margin_days: int = 1,
    travel: TravelSource | None = None,
) -> PlanReport:
    """Plan (or plan again) the rounds of `day`, keeping the locked and started ones, and those
    under way by the clock. Nothing is planned to start before `now`. A past day is refused
    (RoundError). Distances come from `travel` (the straight-line estimate by default)."""
    if day < local_date(now):
        raise RoundError(_("Un jour passé ne se planifie plus."))
    day_plan = _lock_day(session, day)
    report = PlanReport(day)
    kept = _keep_or_drop_rounds(session, day, now)
    report.kept = len(kept)
    excluded = _carried_already(session, day, kept, now)
    candidates = _lines_to_move(session, day, excluded, margin_days)
    by_line = {c.line.id: c for c in candidates}

    provider_infos = _provider_infos(session, day)
    volunteers = volunteers_on(session, day)
    plan = planner.plan_day(
        depot,
        provider_infos,
        _volunteer_infos(volunteers, kept, day, now),
        [c.item for c in candidates],
        service_minutes=SERVICE_MINUTES,
        travel=travel,
    )
    _add_planned_rounds(session, day, plan.rounds, report)
    # Reported: what must move that day and will not; and, when no volunteer is free at all,
    # everything waiting (the concierge must know before it becomes urgent).
    nobody = not any(v.windows for v in volunteers)
    report.unmet = [
        {"line_id": u.item_id, "action": by_line[u.item_id].action.value, "reason": u.reason.value}
        for u in plan.unmet
        if by_line[u.item_id].urgent or nobody
    ]
    day_plan.unmet = report.unmet
    day_plan.notes = [
        {
            "volunteer_id": n.volunteer_id,
            "minutes": n.minutes,
            "limit": n.limit,
            "lines": list(n.items),
        }
        for n in plan.notes
    ]
    day_plan.planned_at = utcnow()
    day_plan.stale_since = None  # planned with the orders as they are now
    day_plan.travel_source = plan.travel_source[:200] or None  # which source gave the distances
    session.flush()
    return report


def day_plan(session: Session, day: date) -> DayPlan | None:
    return session.scalar(sa.select(DayPlan).where(DayPlan.day == day))


def overtime(session: Session, plan: DayPlan | None) -> list[tuple[User, dict]]:
    """The volunteers planned beyond their own limit of minutes to move items due that day."""
    entries = plan.notes if plan is not None and plan.notes else []
    return [(session.get(User, n["volunteer_id"]), n) for n in entries]


def unmet_lines(session: Session, plan: DayPlan | None) -> list[tuple[OrderLine, dict]]:
    if plan is None or not plan.unmet:
        return []
    ids = [u["line_id"] for u in plan.unmet]
    lines = {
        line.id: line
        for line in session.scalars(
            sa.select(OrderLine)
            .where(OrderLine.id.in_(ids))
            .options(selectinload(OrderLine.order), selectinload(OrderLine.provider))
        )
    }
    return [(lines[u["line_id"]], u) for u in plan.unmet if u["line_id"] in lines]


def fingerprint(rounds: list[PickupRound]) -> str:
    """What a volunteer was told: the same plan gives the same fingerprint."""
    shape = [
        [
            r.starts_at.isoformat(),
            [
                [s.provider_id, [(i.order_line_id, i.action.value) for i in s.items]]
                for s in r.stops
            ],
        ]
        for r in rounds
    ]
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()


# The concierge's hand on the plan ---------------------------------------------------------------


def depot_of(config) -> planner.Place:
    """The desk, where every round starts and ends."""
    return planner.Place(config["DESK_LATITUDE"], config["DESK_LONGITUDE"])


def retime(
    session: Session,
    round_: PickupRound,
    depot: planner.Place,
    travel: TravelSource | None = None,
) -> None:
    """Recompute a round's times and distance after a change by hand (order of stops kept)."""
    speed = transport_of(session, round_.volunteer).speed_kmh
    day = round_.day
    roads = (travel or StraightLine()).matrix([depot, *(_place(s.provider) for s in round_.stops)])
    clock, position, distance = minutes(round_.starts_at, day), depot, 0.0
    for index, stop in enumerate(round_.stops):
        stop.position = index
        place = _place(stop.provider)
        arrive = clock + roads.minutes(position, place, speed)
        opening = provider_opening(stop.provider, day)
        opens = next((o for o, c in opening if arrive < c), None)
        arrive = max(arrive, opens) if opens is not None else arrive
        stop.arrive_at, stop.leave_at = _clock(day, arrive), _clock(day, arrive + SERVICE_MINUTES)
        distance += roads.distance_m(position, place)
        clock, position = arrive + SERVICE_MINUTES, place
    distance += roads.distance_m(position, depot)
    clock += roads.minutes(position, depot, speed)
    round_.ends_at = _clock(day, clock)
    round_.distance_m = round(distance)


def move_stop(
    session: Session,
    stop: RoundStop,
    target: PickupRound,
    depot: planner.Place,
    travel: TravelSource | None = None,
) -> None:
    """Move a stop to another round of the same day (both are locked: the next planning keeps
    the concierge's choice). A round left without stops is removed. Distances from `travel`."""
    source = stop.round
    if target.day != source.day:
        raise RoundError(_("Une étape ne peut aller que dans une tournée du même jour."))
    if any(item.begun for item in stop.items):
        raise StopUnderWay(_("Cette étape est déjà faite en partie : elle reste où elle est."))
    if target.id == source.id:
        return
    stop.round = target  # moves it from one list to the other (not an orphan: no delete)
    session.flush()
    for round_ in (source, target):
        round_.locked = True
    retime(session, target, depot, travel)
    if source.stops:
        retime(session, source, depot, travel)
    else:
        session.delete(source)
    session.flush()


ROUND_ROLES = (Role.VOLUNTEER, Role.CONCIERGE)  # who may carry a round


class VolunteerUnavailable(RoundError):
    """The volunteer chosen for a round is not free then: said with every reason, and saved only
    when the concierge confirms (`field` names the confirmation the page shows)."""

    code = "volunteer_unavailable"

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons), field="confirm")
        self.reasons = reasons


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges in minutes, those that touch or overlap joined (9–12 and 12–14 cover 11–13)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _wall_clock(minute: int) -> str:
    return clock(time(minute // 60 % 24, minute % 60))


def availability_problems(session: Session, round_: PickupRound, volunteer: User) -> list[str]:
    """Why `volunteer` is not free for the whole of `round_` (as it is timed now), in sentences:
    no weekly range covering it (Paris wall-clock time, like the ranges), an absence that day,
    another of their rounds at the same time. Empty when they are free. A concierge taking a
    round keeps no ranges nor absences: only their other rounds are checked."""
    problems = []
    if volunteer.role is Role.VOLUNTEER:
        problems += _outside_ranges(session, round_, volunteer)
        problems += [
            absence_sentence(volunteer.full_name, absence)
            for absence in session.scalars(
                sa.select(VolunteerAbsence)
                .where(
                    VolunteerAbsence.volunteer_id == volunteer.id,
                    VolunteerAbsence.first_day <= round_.day,
                    VolunteerAbsence.last_day >= round_.day,
                )
                .order_by(VolunteerAbsence.first_day)
            )
        ]
    others = session.scalars(
        sa.select(PickupRound)
        .where(
            PickupRound.volunteer_id == volunteer.id,
            PickupRound.id != round_.id,
            PickupRound.starts_at < round_.ends_at,
            PickupRound.ends_at > round_.starts_at,
        )
        .order_by(PickupRound.starts_at)
    )
    problems += [
        _(
            "%(name)s est déjà sur la tournée de %(start)s–%(end)s.",
            name=volunteer.full_name,
            start=hours(other.starts_at),
            end=hours(other.ends_at),
        )
        for other in others
    ]
    return problems


def _outside_ranges(session: Session, round_: PickupRound, volunteer: User) -> list[str]:
    """The round not inside one of the volunteer's weekly ranges of that weekday (joined when
    they touch), in wall-clock minutes: a daylight-saving day stays right."""
    day = round_.day
    start, end = minutes(round_.starts_at, day), minutes(round_.ends_at, day)
    ranges = session.execute(
        sa.select(VolunteerAvailability.starts_at, VolunteerAvailability.ends_at).where(
            VolunteerAvailability.volunteer_id == volunteer.id,
            VolunteerAvailability.weekday == day.weekday(),
        )
    ).all()
    windows = _merged([(_minute_of(s), _minute_of(e)) for s, e in ranges])
    if any(s <= start and end <= e for s, e in windows):
        return []
    words = {
        "name": volunteer.full_name,
        "weekday": weekday_name(day.weekday()),
        "start": _wall_clock(start),
        "end": _wall_clock(end),
    }
    if not windows:
        return [
            _("%(name)s n'a pas de disponibilité le %(weekday)s de %(start)s à %(end)s.", **words)
        ]
    words["ranges"] = ", ".join(f"{_wall_clock(s)}–{_wall_clock(e)}" for s, e in windows)
    return [
        _(
            "%(name)s n'est pas disponible le %(weekday)s de %(start)s à %(end)s "
            "(disponible : %(ranges)s).",
            **words,
        )
    ]


def absence_sentence(name: str, absence: VolunteerAbsence) -> str:
    if absence.first_day == absence.last_day:
        sentence = _(
            "%(name)s est absent·e le %(day)s.", name=name, day=calendar_day(absence.first_day)
        )
    else:
        sentence = _(
            "%(name)s est absent·e du %(first)s au %(last)s.",
            name=name,
            first=calendar_day(absence.first_day),
            last=calendar_day(absence.last_day),
        )
    return f"{sentence[:-1]} ({absence.reason})." if absence.reason else sentence


def assign_round(
    session: Session,
    round_: PickupRound,
    volunteer: User,
    depot: planner.Place,
    *,
    actor: User,
    now: datetime,
    confirmed: bool = False,
    travel: TravelSource | None = None,
) -> bool:
    """Give `round_` to `volunteer` (the round is locked: the next planning keeps the choice)
    and retime it at their speed. When they are not free then (`availability_problems`), nothing
    is saved unless `confirmed` (VolunteerUnavailable says why). Both volunteers are mailed
    through the outbox, the new one the round with its stops, the previous one that it is no
    longer theirs; the day's plan records what they were told, so that the next planning does
    not tell them again. Returns whether the volunteer changed (nothing is mailed otherwise)."""
    if volunteer.role not in ROUND_ROLES:
        raise RoundError(_("Seul·e un·e volontaire ou la concierge peut faire une tournée."))
    if round_.ends_at <= now:
        raise RoundError(_("Cette tournée est terminée : elle ne change plus de main."))
    previous = round_.volunteer
    round_.locked = True
    if previous.id == volunteer.id:
        session.flush()
        return False
    told = _told_now(session, round_.day, (previous, volunteer))
    round_.volunteer = volunteer
    retime(session, round_, depot, travel)
    session.flush()
    problems = availability_problems(session, round_, volunteer)
    if problems and not confirmed:
        raise VolunteerUnavailable(problems)
    from conciergerie.rounds import notifications

    notifications.send_round_given(volunteer, round_, previous=previous)
    notifications.send_round_taken(previous, round_, successor=volunteer)
    _remember_told(session, round_.day, told)
    return True


def _told_now(session: Session, day: date, people: tuple[User, ...]) -> dict[int, str] | None:
    """The fingerprints of `people`'s rounds of `day` as they stand, for those whom the last mail
    told exactly that (nobody told and nothing to tell counts as told); None without a plan."""
    plan = day_plan(session, day)
    if plan is None:
        return None
    notices = plan.volunteer_notices or {}
    day_rounds = rounds_of_day(session, day)
    told = {}
    for person in people:
        print_ = fingerprint([r for r in day_rounds if r.volunteer_id == person.id])
        if notices.get(str(person.id), fingerprint([])) == print_:
            told[person.id] = print_
    return told


def _remember_told(session: Session, day: date, told: dict[int, str] | None) -> None:
    """After a change by hand mailed to those it concerns: the plan's notices say what they
    know now, for those who knew everything before (the others hear of the whole day from the
    next planning)."""
    if not told:
        return
    plan = day_plan(session, day)
    day_rounds = rounds_of_day(session, day)
    notices = dict(plan.volunteer_notices or {})
    for person_id in told:
        notices[str(person_id)] = fingerprint(
            [r for r in day_rounds if r.volunteer_id == person_id]
        )
    plan.volunteer_notices = notices
    session.flush()


def round_warnings(session: Session, round_: PickupRound) -> list[str]:
    """What a hand-made round breaks: carrying limit, opening hours, a volunteer gone."""
    warnings = []
    volunteer = round_.volunteer
    if volunteer.role not in ROUND_ROLES or not volunteer.is_active_account:
        # Only a round already begun is left to them (see rounds.jobs.plan_without).
        warnings.append(
            _(
                "%(name)s ne fait plus de tournées : confiez cette tournée à quelqu'un d'autre.",
                name=volunteer.full_name,
            )
        )
    transport = transport_of(session, round_.volunteer)
    load = peak = sum(i.line.quantity for i in round_.items if i.action is RoundAction.DROP)
    for stop in round_.stops:
        for item in stop.items:
            load += item.line.quantity * (1 if item.action is RoundAction.COLLECT else -1)
        peak = max(peak, load)
        opening = provider_opening(stop.provider, round_.day)
        arrive, leave = minutes(stop.arrive_at, round_.day), minutes(stop.leave_at, round_.day)
        if not any(o <= arrive and leave <= c for o, c in opening):
            warnings.append(
                _("%(provider)s est fermé à l'heure prévue.", provider=stop.provider.name)
            )
    if peak > transport.capacity:
        warnings.append(
            _(
                "Charge de %(load)d pour une limite de %(limit)d.",
                load=peak,
                limit=transport.capacity,
            )
        )
    return warnings


# The volunteer's taps ---------------------------------------------------------------------------


def _open_tap(session: Session, item: RoundItem, actor: User, now: datetime) -> PickupRound:
    """Check the tap is this person's, on today's round, and lock its order."""
    round_ = item.stop.round
    if not policy.can_act_on_round(actor, round_):
        raise orders.OrderNotAllowed(_("Cette tournée n'est pas la vôtre."))
    if local_date(now) != round_.day:
        # Saturday's items are not dropped on Friday night, by anybody.
        raise orders.InvalidTransition(
            _(
                "Cette tournée est celle du %(day)s : rien ne s'y enregistre un autre jour.",
                day=calendar_day(round_.day),
            )
        )
    share_day(session, round_.day)  # no planning of the day meanwhile
    orders.lock(session, item.line.order)  # one tap at a time per order
    try:
        session.refresh(item)
    except (sa.orm.exc.ObjectDeletedError, sa.exc.InvalidRequestError):
        raise RoundReplanned(
            _("Cette tournée a été replanifiée entre-temps : rechargez la page.")
        ) from None
    return round_


def _target(item: RoundItem) -> ItemStage:
    return ItemStage.AT_PROVIDER if item.action is RoundAction.DROP else ItemStage.BACK_AT_DESK


def _check_can_move(item: RoundItem, things: list[Item]) -> None:
    order = item.line.order
    if item.action is RoundAction.DROP:
        if order.status not in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER) or any(
            thing.stage is ItemStage.EXPECTED for thing in things
        ):
            raise orders.InvalidTransition(
                _("%(code)s n'a pas été déposée au comptoir.", code=order.code)
            )
    elif any(thing.stage.rank < ItemStage.AT_PROVIDER.rank for thing in things):
        raise orders.InvalidTransition(
            _("%(code)s n'est pas encore chez le prestataire.", code=order.code)
        )


def _moved(session: Session, item: RoundItem, things: list[Item], *, actor, now) -> int:
    """Move `things` (items of the tap's line) by the tap; the tap is done once all its line's
    items are; the order follows."""
    round_ = item.stop.round
    note = notes.note("round_of", day=notes.day(local(round_.starts_at).date()))
    target = _target(item)
    moved = sum(
        order_items.move_item(thing, target, actor=actor, now=now, note=note, round_item=item)
        for thing in things
    )
    line = item.line
    order_items.follow_items(line, now)
    if all(thing.stage.rank >= target.rank for thing in line.items):
        item.done_at, item.done_by_id = now, actor.id
    passed = follow_lines(line.order, actor=actor, now=now, note=note)
    if OrderStatus.BACK_AT_DESK in passed:
        from conciergerie.orders import notifications

        notifications.send_ready(line.order)
    session.flush()
    return moved


def mark_item(session: Session, item: RoundItem, *, actor: User, now: datetime) -> bool:
    """Record that a line's things were dropped at its provider or collected from it (each of
    its items not scanned yet), and move the order on. A repeated tap (a retry after a lost
    connection) changes nothing and returns False. Only on the round's own day."""
    _open_tap(session, item, actor, now)
    if item.done_at is not None:
        return False
    things = [t for t in item.line.items if t.stage.rank < _target(item).rank]
    _check_can_move(item, things)
    _moved(session, item, things, actor=actor, now=now)
    return True


class NotOnTheseRounds(RoundError):
    code = "item_not_on_round"
    status = 409


def scan_item(
    session: Session, rounds: list[PickupRound], code: str, *, actor: User, now: datetime
) -> tuple[Item, RoundItem, bool]:
    """A volunteer scanned an item's label on their rounds: it is dropped at, or collected
    from, the provider of its stop. Returns the item, its tap and whether it moved (a second
    scan changes nothing). Raises NotOnTheseRounds for a label that is on none of them."""
    thing = order_items.by_code(session, code)
    taps = [
        tap
        for round_ in rounds
        for stop in round_.stops
        for tap in stop.items
        if thing is not None and tap.order_line_id == thing.line_id
    ]
    if thing is None or not taps:
        raise NotOnTheseRounds(
            _("%(code)s n'est pas sur vos tournées du jour.", code=code.strip().upper()[:24]),
            field="code",
        )
    # A line may be dropped and collected on one round: the step this item is at.
    waiting = [tap for tap in taps if thing.stage.rank < _target(tap).rank]
    tap = waiting[0] if waiting else taps[-1]
    _open_tap(session, tap, actor, now)
    session.refresh(thing)
    if thing.stage.rank >= _target(tap).rank:
        return thing, tap, False
    _check_can_move(tap, [thing])
    _moved(session, tap, [thing], actor=actor, now=now)
    return thing, tap, True


def _taken_by(tap: RoundItem) -> list[tuple[Item, ItemEvent]]:
    """The items whose last step is this tap's, with that step."""
    steps = [(thing, order_items.last_step(thing)) for thing in tap.line.items]
    return [(thing, step) for thing, step in steps if step and step.round_item_id == tap.id]


def tap_progress(tap: RoundItem) -> tuple[int, int]:
    """How many of the tap's line's items are past its step, of how many (scanned one by one)."""
    target = _target(tap)
    return sum(t.stage.rank >= target.rank for t in tap.line.items), len(tap.line.items)


def undo_until(tap: RoundItem, actor: User, now: datetime) -> tuple[bool, datetime | None]:
    """Whether `actor` may undo this tap now, and until when (None: at any time)."""
    return order_items.undo_window([step for _thing, step in _taken_by(tap)], actor, now)


def undo_tap(session: Session, tap: RoundItem, *, actor: User, now: datetime) -> int:
    """Take back a tap (every item it moved): "Déposé" pressed for the wrong shop. How many
    items went back; raises ItemError when nothing of it may be undone by this person."""
    if not policy.can_act_on_round(actor, tap.stop.round):
        raise orders.OrderNotAllowed(_("Cette tournée n'est pas la vôtre."))
    taken = _taken_by(tap)
    if not taken:
        raise order_items.ItemError(_("Rien à annuler ici."))
    for thing, _step in taken:
        undo.undo_item(session, thing, actor=actor, now=now)
    return len(taken)


# Words for the screens and mails ----------------------------------------------------------------


def reason_label(reason: str) -> str:
    labels = {
        planner.Reason.NO_VOLUNTEER.value: _("aucun·e volontaire disponible"),
        planner.Reason.PROVIDER_CLOSED.value: _("prestataire fermé"),
        planner.Reason.OVER_CAPACITY.value: _("trop lourd pour un trajet"),
        planner.Reason.DEADLINE.value: _("trop tard pour tenir le délai"),
    }
    return labels.get(reason, reason)


def action_label(action: RoundAction | str) -> str:
    return {"drop": _("À déposer"), "collect": _("À reprendre")}[RoundAction(action).value]


def transport_label(transport: TransportMode) -> str:
    return {
        TransportMode.FOOT: _("À pied"),
        TransportMode.BIKE: _("À vélo"),
        TransportMode.CARGO_BIKE: _("En vélo cargo"),
    }[transport]
