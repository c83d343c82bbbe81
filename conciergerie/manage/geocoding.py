"""Where a provider is: its address located through the national address API (Base Adresse
Nationale, https://api-adresse.data.gouv.fr) when GEOCODER_URL is set, the position typed by the
concierge staying as the fallback and the override.

The one place that speaks to the address API, handed to the service like the Stripe gateway. A
concierge's save waits for it: one request with a short timeout, and any failure is "not found".
"""

from __future__ import annotations

import json
import logging
import math
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Below this the API's best guess is another street (its score runs from 0 to 1).
MIN_SCORE = 0.5


@dataclass(frozen=True)
class Found:
    lat: float
    lon: float
    label: str  # the address as the API knows it, "112 Rue Gambetta 59000 Lille"
    score: float


@dataclass(frozen=True)
class AddressApi:
    """`GET {url}/search/?q=…&limit=1`: a GeoJSON FeatureCollection, its first feature's point
    `[lon, lat]` with `properties.label` and `properties.score`."""

    url: str
    timeout: float = 2.0
    min_score: float = MIN_SCORE

    def locate(self, address: str) -> Found | None:
        """The address's position, or None when the API does not know it well enough, fails,
        is slow or answers nonsense (logged)."""
        query = urllib.parse.urlencode({"q": address, "limit": 1})
        try:
            with urllib.request.urlopen(  # noqa: S310
                f"{self.url.rstrip('/')}/search/?{query}", timeout=self.timeout
            ) as response:
                answer = json.load(response)
            found = _first(answer)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
            log.warning("address API %s failed for %r: %s", self.url, address, error)
            return None
        if found is None or found.score < self.min_score:
            return None
        return found


def _first(answer: object) -> Found | None:
    features = answer["features"]
    if not features:
        return None
    feature = features[0]
    lon, lat = (float(value) for value in feature["geometry"]["coordinates"][:2])
    properties = feature.get("properties") or {}
    score = float(properties.get("score", 0))
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("not a position")
    return Found(lat, lon, str(properties.get("label") or ""), score)


def geocoder_from_config(config: Mapping) -> AddressApi | None:
    """The address API of GEOCODER_URL (GEOCODER_TIMEOUT seconds at most), or None: off."""
    url = (config.get("GEOCODER_URL") or "").strip()
    if not url:
        return None
    return AddressApi(url, float(config.get("GEOCODER_TIMEOUT") or 2))
