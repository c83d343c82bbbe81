"""How to reach the desk, from the configuration: the footer of every page and every mail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask


def map_url(latitude: float, longitude: float) -> str:
    """OpenStreetMap centred on a point, with a marker on it."""
    return (
        f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}"
        f"#map=18/{latitude}/{longitude}"
    )


def phone_uri(phone: str) -> str:
    """A `tel:` link for a phone number as people write it: French numbers ("03 53 01 00 59")
    become international (+33…), so the link works from a phone abroad too."""
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0") and len(digits) == 10:
        digits = "+33" + digits[1:]
    return f"tel:{digits}"


@dataclass(frozen=True)
class DeskContact:
    name: str
    address: str
    email: str
    phone: str
    latitude: float
    longitude: float

    @property
    def phone_uri(self) -> str:
        return phone_uri(self.phone)

    @property
    def map_url(self) -> str:
        return map_url(self.latitude, self.longitude)

    @property
    def full_address(self) -> str:
        return f"{self.name}, {self.address}"


def desk_contact(config: Mapping[str, object]) -> DeskContact:
    return DeskContact(
        name=str(config["DESK_NAME"]),
        address=str(config["DESK_ADDRESS"]),
        email=str(config["DESK_EMAIL"]),
        phone=str(config["DESK_PHONE"]),
        latitude=float(config["DESK_LATITUDE"]),  # type: ignore[arg-type]
        longitude=float(config["DESK_LONGITUDE"]),  # type: ignore[arg-type]
    )


def init_app(app: Flask) -> None:
    """`desk` in every template: pages and mails (mails render outside any request)."""

    @app.context_processor
    def inject_desk() -> dict[str, object]:
        return {"desk": desk_contact(app.config)}
