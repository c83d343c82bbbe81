"""How far apart the places of a day are: the planner's one question to the street network.

A travel source answers with a matrix of street distances in metres between a list of places.
Each volunteer's own pace (on foot, by bike, with a cargo bike) turns a distance into minutes: a
street network gives the real length of the way, not the volunteer's speed. The plan records
which source answered (`TravelMatrix.source`).

The default source needs nothing: the straight line times a street-grid detour. Sources backed by
a routing server answer with the same shape.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from conciergerie.catalogue.service import haversine_m

log = logging.getLogger(__name__)

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


class RoutingError(Exception):
    """The routing server did not answer, or answered something that is not a distance matrix."""


def _fetch_json(request: urllib.request.Request, timeout: float) -> object:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.load(response)
    except (OSError, ValueError) as error:  # URLError, timeouts, refused, not JSON
        raise RoutingError(str(error) or type(error).__name__) from error


def _checked(rows: object, size: int) -> tuple[tuple[float, ...], ...]:
    """A square matrix of `size` finite, non-negative distances in metres, or RoutingError."""
    if not isinstance(rows, list) or len(rows) != size:
        raise RoutingError("matrix of the wrong size")
    matrix = []
    for row in rows:
        if not isinstance(row, list) or len(row) != size:
            raise RoutingError("matrix of the wrong size")
        for value in row:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RoutingError("a place the server cannot reach")  # null: no way found
            if not math.isfinite(value) or value < 0:
                raise RoutingError("a distance that is not one")
        matrix.append(tuple(float(value) for value in row))
    return tuple(matrix)


class _RoutingServer:
    """What OSRM and Valhalla share: one request for the whole matrix, and the straight line
    when the server fails (a plan is made all the same; the label and the log say why)."""

    url: str
    timeout: float

    def label(self) -> str:
        raise NotImplementedError

    def fetch(self, points: tuple[Place, ...]) -> tuple[tuple[float, ...], ...]:
        raise NotImplementedError

    def matrix(self, places: Sequence[Place]) -> TravelMatrix:
        points = distinct(places)
        try:
            return TravelMatrix(points, self.fetch(points), self.label())
        except RoutingError as error:
            log.warning("%s failed (%s): straight-line distances instead", self.label(), error)
            fallback = StraightLine().matrix(points)
            label = f"{fallback.source} ({self.label()} sans réponse valable : {error})"
            return TravelMatrix(points, fallback.metres, label[:200])


@dataclass(frozen=True)
class OsrmSource(_RoutingServer):
    """An OSRM server's table service: `GET /table/v1/{profile}/{lon,lat;…}?annotations=distance`
    answers `{"code": "Ok", "distances": [[metres…]…]}`."""

    url: str
    profile: str = "bike"
    timeout: float = 3.0

    def label(self) -> str:
        return f"OSRM {self.url} ({self.profile})"

    def fetch(self, points: tuple[Place, ...]) -> tuple[tuple[float, ...], ...]:
        coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
        address = (
            f"{self.url.rstrip('/')}/table/v1/{self.profile}/{coordinates}?annotations=distance"
        )
        answer = _fetch_json(urllib.request.Request(address), self.timeout)
        if not isinstance(answer, dict) or answer.get("code") != "Ok":
            code = answer.get("code") if isinstance(answer, dict) else None
            raise RoutingError(f"answer {code!r}")
        return _checked(answer.get("distances"), len(points))


@dataclass(frozen=True)
class ValhallaSource(_RoutingServer):
    """A Valhalla server's matrix: `POST /sources_to_targets` with the places as sources and
    targets, `units: kilometers`; each cell's `distance` is in kilometres."""

    url: str
    costing: str = "bicycle"
    timeout: float = 3.0

    def label(self) -> str:
        return f"Valhalla {self.url} ({self.costing})"

    def fetch(self, points: tuple[Place, ...]) -> tuple[tuple[float, ...], ...]:
        locations = [{"lat": p.lat, "lon": p.lon} for p in points]
        body = {
            "sources": locations,
            "targets": locations,
            "costing": self.costing,
            "units": "kilometers",
        }
        request = urllib.request.Request(
            f"{self.url.rstrip('/')}/sources_to_targets",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        answer = _fetch_json(request, self.timeout)
        cells = answer.get("sources_to_targets") if isinstance(answer, dict) else None
        if isinstance(cells, dict):  # the compact shape (verbose: false)
            kilometres = cells.get("distances")
        elif isinstance(cells, list):
            try:
                kilometres = [[cell["distance"] for cell in row] for row in cells]
            except (TypeError, KeyError) as error:
                raise RoutingError("cells without a distance") from error
        else:
            raise RoutingError("no sources_to_targets")
        checked = _checked(kilometres, len(points))
        return tuple(tuple(km * 1000 for km in row) for row in checked)


def source_from_config(config: Mapping) -> TravelSource:
    """The travel source the configuration names: TRAVEL_SOURCE "osrm" or "valhalla" with
    TRAVEL_URL (and TRAVEL_PROFILE: the OSRM profile or the Valhalla costing), else the straight
    line. An unknown name or a server without URL is logged and gives the straight line."""
    kind = (config.get("TRAVEL_SOURCE") or "straight").strip().lower()
    url = (config.get("TRAVEL_URL") or "").strip()
    profile = (config.get("TRAVEL_PROFILE") or "").strip()
    timeout = float(config.get("TRAVEL_TIMEOUT") or 3)
    if kind == "straight":
        return StraightLine()
    if kind in ("osrm", "valhalla") and url:
        if kind == "osrm":
            return OsrmSource(url, profile or "bike", timeout)
        return ValhallaSource(url, profile or "bicycle", timeout)
    log.warning("TRAVEL_SOURCE=%r with TRAVEL_URL=%r: straight-line distances", kind, url)
    return StraightLine()
