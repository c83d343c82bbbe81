"""Planning a day of pickup rounds: a pure function, no database, no clock.

Times are whole minutes since local midnight of the planned day. A round leaves the desk (the
depot), visits providers to drop the items waiting at the desk and to collect the finished ones,
and comes back, inside the volunteer's availability and the providers' opening hours, never
carrying more than the volunteer's limit. Items that cannot be moved in time are returned with
the reason, never dropped silently.

The heuristic is greedy: rounds are built one after the other in each volunteer's availability;
the next stop is the most urgent provider (deadlines in 30-minute buckets), the nearest one
breaking ties, among those that keep every constraint.
"""

from __future__ import annotations

import bisect
import enum
import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from conciergerie.catalogue.service import haversine_m
from conciergerie.rounds.travel import (
    DETOUR_FACTOR,
    Place,
    StraightLine,
    TravelMatrix,
    TravelSource,
)

URGENCY_BUCKET = 30  # minutes


@dataclass(frozen=True)
class ProviderInfo:
    id: int
    place: Place
    opening: tuple[tuple[int, int], ...]  # (opens, closes) in minutes, sorted


@dataclass(frozen=True)
class VolunteerInfo:
    id: int
    windows: tuple[tuple[int, int], ...]  # availability (start, end) in minutes
    speed_kmh: float
    capacity: int  # items carried at once


class Action(enum.StrEnum):
    DROP = "drop"  # from the desk to the provider: must reach it by `due`
    COLLECT = "collect"  # from the provider back to the desk: must be at the desk by `due`


@dataclass(frozen=True)
class Item:
    id: int
    provider_id: int
    action: Action
    due: int
    # DROP: at the desk from then (dropped off that day); COLLECT: finished by the provider then.
    ready: int = 0
    size: int = 1  # how many things to carry (two shirts: 2)


class Reason(enum.StrEnum):
    NO_VOLUNTEER = "no_volunteer"
    PROVIDER_CLOSED = "provider_closed"
    OVER_CAPACITY = "over_capacity"
    DEADLINE = "deadline"


@dataclass(frozen=True)
class Unmet:
    item_id: int
    reason: Reason


@dataclass
class Visit:
    provider_id: int
    arrive: int
    leave: int
    drops: list[int] = field(default_factory=list)
    collects: list[int] = field(default_factory=list)


@dataclass
class Round:
    volunteer_id: int
    start: int
    end: int
    visits: list[Visit]
    distance_m: float


@dataclass
class Plan:
    rounds: list[Round]
    unmet: list[Unmet]
    travel_source: str = ""  # which source gave the distances (`TravelMatrix.source`)

    @property
    def distance_m(self) -> float:
        return sum(r.distance_m for r in self.rounds)


# The straight-line estimate between two places, for callers outside a plan (tests, the bench).
@functools.lru_cache(maxsize=65536)  # a day visits the same few dozen places again and again
def street_m(a: Place, b: Place) -> float:
    return haversine_m(a.lat, a.lon, b.lat, b.lon) * DETOUR_FACTOR


def travel_minutes(a: Place, b: Place, speed_kmh: float) -> int:
    return math.ceil(street_m(a, b) / 1000 / speed_kmh * 60)


def _opening_at(provider: ProviderInfo, arrive: int, stay: int) -> int | None:
    """The first moment at or after `arrive` when the provider is open for `stay` minutes."""
    for opens, closes in provider.opening:
        start = max(arrive, opens)
        if start + stay <= closes:
            return start
    return None


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


def plan_day(
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
            why = _why(item, provider, volunteers, depot, service_minutes, roads)
            unmet.append(Unmet(item.id, why))
    return Plan(
        rounds=rounds, unmet=sorted(unmet, key=lambda u: u.item_id), travel_source=roads.source
    )


def _why(
    item: Item, provider: ProviderInfo, volunteers, depot: Place, service: int, roads: TravelMatrix
) -> Reason:
    """Why an item was left out: could a round of its own, in some availability, have moved it?"""
    open_in_a_window = False
    for volunteer in volunteers:
        if volunteer.capacity < item.size:
            continue
        for start, end in volunteer.windows:
            leave = max(start, item.ready) if item.action is Action.DROP else start
            there = leave + roads.minutes(depot, provider.place, volunteer.speed_kmh)
            arrive = _opening_at(
                provider, max(there, item.ready if item.action is Action.COLLECT else 0), service
            )
            if arrive is None:
                continue
            back = arrive + service + roads.minutes(provider.place, depot, volunteer.speed_kmh)
            if back > end:
                continue
            open_in_a_window = True
            if (item.action is Action.DROP and arrive <= item.due) or (
                item.action is Action.COLLECT and back <= item.due
            ):
                return Reason.NO_VOLUNTEER  # possible alone: the volunteers were all busy
    return Reason.DEADLINE if open_in_a_window else Reason.PROVIDER_CLOSED


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
    arrive = _opening_at(
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
