"""The greedy round planner: fast and simple, kept to compare the solver with (bench/).

Rounds are built one after the other in each volunteer's availability; the next stop is the most
urgent provider (deadlines in 30-minute buckets), the nearest one breaking ties, among those that
keep every constraint. No improvement pass, no sharing of the work between volunteers.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from conciergerie.rounds.shapes import (
    Action,
    Item,
    Place,
    Plan,
    ProviderInfo,
    Reason,
    Round,
    Unmet,
    Visit,
    VolunteerInfo,
    opening_at,
    why,
)
from conciergerie.rounds.travel import StraightLine, TravelMatrix, TravelSource

URGENCY_BUCKET = 30  # minutes


@dataclass
class _Draft:
    """A round being built: its stops and what it carries."""

    volunteer: VolunteerInfo
    window_end: int
    start: int
    position: Place
    time: int
    visits: list[Visit] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    start_load: int = 0  # drops loaded at the desk
    peak: int = 0  # the highest load along the round so far
    load: int = 0  # the load after the last visit
    back_by: int = 10**9  # the earliest due of the items collected


def plan_day_greedy(
    depot: Place,
    providers: Sequence[ProviderInfo],
    volunteers: Sequence[VolunteerInfo],
    items: Iterable[Item],
    *,
    service_minutes: int = 5,
    travel: TravelSource | None = None,
) -> Plan:
    by_id = {p.id: p for p in providers}
    roads = (travel or StraightLine()).matrix([depot, *(p.place for p in providers)])
    unmet: list[Unmet] = []
    pending: dict[int, list[Item]] = defaultdict(list)
    max_capacity = max((v.capacity for v in volunteers if v.windows), default=0)
    for item in items:
        provider = by_id.get(item.provider_id)
        if not volunteers or not any(v.windows for v in volunteers):
            unmet.append(Unmet(item.id, Reason.NO_VOLUNTEER))
        elif provider is None or not provider.opening:
            unmet.append(Unmet(item.id, Reason.PROVIDER_CLOSED))
        elif item.size > max_capacity:
            unmet.append(Unmet(item.id, Reason.OVER_CAPACITY))
        else:
            pending[item.provider_id].append(item)
    for queue in pending.values():
        queue.sort(key=lambda i: (i.due, i.id))

    rounds: list[Round] = []
    shifts = sorted(
        ((start, end, volunteer) for volunteer in volunteers for start, end in volunteer.windows),
        key=lambda shift: (shift[0], shift[2].id),
    )
    # The moments something new becomes available (dropped off at the desk, or finished).
    ready_times = sorted({i.ready for queue in pending.values() for i in queue})
    for start, end, volunteer in shifts:
        time = start
        while any(pending.values()):
            draft = _build_round(
                depot, by_id, pending, volunteer, time, end, service_minutes, roads
            )
            if draft is not None:
                rounds.append(draft)
                time = draft.end
                continue
            # Nothing can go now: wait for the next item to be dropped off or finished.
            index = bisect.bisect_right(ready_times, time)
            if index == len(ready_times) or ready_times[index] >= end:
                break
            time = ready_times[index]

    for provider_id, queue in pending.items():
        provider = by_id[provider_id]
        for item in queue:
            reason = why(item, provider, volunteers, depot, service_minutes, roads)
            unmet.append(Unmet(item.id, reason))
    return Plan(
        rounds=rounds, unmet=sorted(unmet, key=lambda u: u.item_id), travel_source=roads.source
    )


def _build_round(
    depot, by_id, pending, volunteer, start, window_end, service, roads: TravelMatrix
) -> Round | None:
    draft = _Draft(
        volunteer=volunteer, window_end=window_end, start=start, position=depot, time=start
    )
    while True:
        best = None
        for provider_id, queue in pending.items():
            if not queue:
                continue
            choice = _try_visit(draft, by_id[provider_id], queue, depot, service, roads)
            if choice is None:
                continue
            urgency = min(i.due for i in choice[1] + choice[2]) // URGENCY_BUCKET
            near = roads.distance_m(draft.position, by_id[provider_id].place)
            key = (urgency, near, provider_id)
            if best is None or key < best[0]:
                best = (key, provider_id, choice)
        if best is None:
            break
        _, provider_id, (visit, drops, collects) = best
        taken = {i.id for i in drops + collects}
        pending[provider_id] = [i for i in pending[provider_id] if i.id not in taken]
        dropped, collected = sum(i.size for i in drops), sum(i.size for i in collects)
        draft.start_load += dropped
        draft.peak = max(draft.peak + dropped, draft.load + collected)
        draft.load += collected
        if collects:
            draft.back_by = min(draft.back_by, *(i.due for i in collects))
        draft.visits.append(visit)
        draft.places.append(by_id[provider_id].place)
        draft.position, draft.time = by_id[provider_id].place, visit.leave
    if not draft.visits:
        return None
    end = draft.time + roads.minutes(draft.position, depot, volunteer.speed_kmh)
    points = [depot, *draft.places, depot]
    distance = sum(roads.distance_m(a, b) for a, b in zip(points, points[1:], strict=False))
    return Round(volunteer.id, draft.start, end, draft.visits, distance)


def _try_visit(
    draft: _Draft,
    provider: ProviderInfo,
    queue: list[Item],
    depot: Place,
    service: int,
    roads: TravelMatrix,
):
    """The visit (and the items it takes) if it keeps every constraint of the round, else None."""
    speed = draft.volunteer.speed_kmh
    arrive = opening_at(
        provider, draft.time + roads.minutes(draft.position, provider.place, speed), service
    )
    if arrive is None:
        return None
    leave = arrive + service
    back = leave + roads.minutes(provider.place, depot, speed)
    if back > draft.window_end or back > draft.back_by:
        return None
    # Drops were loaded at the desk: they add to every load so far; collects add from here on.
    drops = _fill(
        (
            i
            for i in queue
            if i.action is Action.DROP and i.ready <= draft.start and i.due >= arrive
        ),
        draft.volunteer.capacity - draft.peak,
    )
    collects = _fill(
        (i for i in queue if i.action is Action.COLLECT and i.ready <= arrive and i.due >= back),
        draft.volunteer.capacity - draft.load,
    )
    if not drops and not collects:
        return None
    visit = Visit(provider.id, arrive, leave, [i.id for i in drops], [i.id for i in collects])
    return visit, drops, collects


def _fill(candidates: Iterable[Item], room: int) -> list[Item]:
    """The most urgent items (the queue is sorted by deadline) that fit in `room`."""
    taken = []
    for item in candidates:
        if room <= 0:
            break
        if item.size <= room:
            taken.append(item)
            room -= item.size
    return taken
