"""How far apart the places of a day are: the planner's one question to the street network.

A travel source answers with a matrix of street distances in metres between a list of places.
Each volunteer's own pace (on foot, by bike, with a cargo bike) turns a distance into minutes: a
street network gives the real length of the way, not the volunteer's speed. The plan records
which source answered (`TravelMatrix.source`).

The default source needs nothing: the straight line times a street-grid detour. Sources backed by
a routing server answer with the same shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from conciergerie.catalogue.service import haversine_m

# Streets are not straight lines: a street-grid estimate from the crow-flies distance.
DETOUR_FACTOR = 1.3


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float


@dataclass(frozen=True)
class TravelMatrix:
    """Street distances between `places`: `metres[i][j]` from places[i] to places[j]."""

    places: tuple[Place, ...]
    metres: tuple[tuple[float, ...], ...]
    source: str  # which source answered, e.g. "ligne droite × 1,3", "osrm https://…"
    _index: dict[Place, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {p: i for i, p in enumerate(self.places)})

    def distance_m(self, a: Place, b: Place) -> float:
        return self.metres[self._index[a]][self._index[b]]

    def minutes(self, a: Place, b: Place, speed_kmh: float) -> int:
        """Whole minutes (rounded up) from a to b at the volunteer's pace."""
        return math.ceil(self.distance_m(a, b) / 1000 / speed_kmh * 60)


class TravelSource(Protocol):
    """Anything that gives the street distances between places."""

    def matrix(self, places: Sequence[Place]) -> TravelMatrix: ...


def distinct(places: Sequence[Place]) -> tuple[Place, ...]:
    """The places once each, in their first order (several providers may share an address)."""
    return tuple(dict.fromkeys(places))


@dataclass(frozen=True)
class StraightLine:
    """The crow-flies distance times a detour factor: no server needed, the default."""

    detour: float = DETOUR_FACTOR

    def matrix(self, places: Sequence[Place]) -> TravelMatrix:
        points = distinct(places)
        metres = tuple(
            tuple(haversine_m(a.lat, a.lon, b.lat, b.lon) * self.detour for b in points)
            for a in points
        )
        label = f"ligne droite × {self.detour:g}".replace(".", ",")
        return TravelMatrix(points, metres, label)
