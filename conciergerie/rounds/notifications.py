"""Mails about rounds: a volunteer's rounds of the next day, a round given to someone else
(to both), the concierge's alert."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from conciergerie.mail import external_url, send_templated
from conciergerie.models import PickupRound, User


def send_rounds(volunteer: User, day: date, rounds: list[PickupRound]) -> None:
    send_templated(
        volunteer,
        "rounds_of_day",
        _l("Vos tournées du %(day)s", day=day.strftime("%d/%m")),
        day=day,
        rounds=rounds,
        rounds_url=external_url("rounds.mine", day=day.isoformat()),
    )


def send_unmet_alert(concierge: User, day: date, unmet: list) -> None:
    """`unmet`: (order line, {"action", "reason"}) pairs that no round will move in time."""
    send_templated(
        concierge,
        "rounds_unmet",
        lazy_ngettext(
            "Tournées du %(day)s : %(num)d ligne sans solution",
            "Tournées du %(day)s : %(num)d lignes sans solution",
            len(unmet),
            day=day.strftime("%d/%m"),
        ),
        day=day,
        unmet=unmet,
        plan_url=external_url("rounds.plan", day=day.isoformat()),
    )


def send_visits(staff: User, day: date, stops: list) -> None:
    """A provider's staff: the volunteers' visits of `day`, what they bring and collect."""
    from conciergerie.portal.service import initials

    send_templated(
        staff,
        "provider_visits",
        _l("Passages de la conciergerie le %(day)s", day=day.strftime("%d/%m")),
        day=day,
        stops=stops,
        initials=initials,
        portal_url=external_url("portal.index"),
    )


def send_round_given(volunteer: User, round_: PickupRound, *, previous: User) -> None:
    """The concierge gave `round_` to `volunteer`: its time and its stops."""
    day = round_.day
    send_templated(
        volunteer,
        "round_given",
        _l("Une tournée vous est confiée le %(day)s", day=day.strftime("%d/%m")),
        day=day,
        round=round_,
        previous=previous,
        rounds_url=external_url("rounds.mine", day=day.isoformat()),
    )


def send_round_taken(volunteer: User, round_: PickupRound, *, successor: User) -> None:
    """`round_` was `volunteer`'s and is now `successor`'s."""
    day = round_.day
    send_templated(
        volunteer,
        "round_taken",
        _l("Tournée du %(day)s confiée à quelqu'un d'autre", day=day.strftime("%d/%m")),
        day=day,
        round=round_,
        successor=successor,
        rounds_url=external_url("rounds.mine", day=day.isoformat()),
    )
