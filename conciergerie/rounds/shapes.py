"""What the round planners take and give: frozen facts about a day in, a plan out.

Times are whole minutes since local midnight of the planned day. A round leaves the desk (the
depot), visits providers to drop the items waiting at the desk and to collect the finished ones,
and comes back, inside the volunteer's availability and the providers' opening hours, never
carrying more than the volunteer's limit. Items that cannot be moved in time are returned with
the reason, never dropped silently. Both planners (planner.py) share these shapes and `why`.
"""

from __future__ import annotations

import enum
import functools
import math
from dataclasses import dataclass, field

from conciergerie.catalogue.service import haversine_m
from conciergerie.rounds.travel import DETOUR_FACTOR, Place, TravelMatrix

DAY = 24 * 60  # an item due at or after it may wait for another day: no deadline is missed


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
    # The most minutes of rounds the volunteer wants in the day (their profile); None: no limit.
    # Exceeded only to move items that would otherwise miss their deadline (see `Note`).
    max_minutes: int | None = None


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


@dataclass(frozen=True)
class Note:
    """A volunteer planned beyond the minutes they asked for, to move items due that day."""

    volunteer_id: int
    minutes: int  # of rounds planned
    limit: int  # their most minutes of rounds a day
    items: tuple[int, ...]  # the items due that day that only this overtime moves


@dataclass
class Plan:
    rounds: list[Round]
    unmet: list[Unmet]
    travel_source: str = ""  # which source gave the distances (`TravelMatrix.source`)
    notes: list[Note] = field(default_factory=list)

    def minutes_of(self, volunteer_id: int) -> int:
        """How long the volunteer works that day: the sum of their rounds, desk to desk."""
        return sum(r.end - r.start for r in self.rounds if r.volunteer_id == volunteer_id)

    @property
    def distance_m(self) -> float:
        return sum(r.distance_m for r in self.rounds)


# The straight-line estimate between two places, for callers outside a plan (tests, the bench).
@functools.lru_cache(maxsize=65536)  # a day visits the same few dozen places again and again
def street_m(a: Place, b: Place) -> float:
    return haversine_m(a.lat, a.lon, b.lat, b.lon) * DETOUR_FACTOR


def travel_minutes(a: Place, b: Place, speed_kmh: float) -> int:
    return math.ceil(street_m(a, b) / 1000 / speed_kmh * 60)


def opening_at(provider: ProviderInfo, arrive: int, stay: int) -> int | None:
    """The first moment at or after `arrive` when the provider is open for `stay` minutes."""
    for opens, closes in provider.opening:
        start = max(arrive, opens)
        if start + stay <= closes:
            return start
    return None


def why(
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
            arrive = opening_at(
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
