"""Languages (French first, English second) and the French formatting of money and dates."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from babel.numbers import get_currency_precision
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
    ngettext,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conciergerie.orders.items import next_step as item_next_step
from conciergerie.orders.items import stage_label as item_stage_label
from conciergerie.orders.progress import line_state_label
from conciergerie.orders.states import order_state_label, status_label
from conciergerie.timeutils import PARIS

WEEKDAY_NAMES = {
    0: _l("lundi"),
    1: _l("mardi"),
    2: _l("mercredi"),
    3: _l("jeudi"),
    4: _l("vendredi"),
    5: _l("samedi"),
    6: _l("dimanche"),
}


def babel_locale(language: str | None) -> str:
    """The Babel locale for a language of the interface: English texts in British formats."""
    return "en_GB" if language == "en" else (language or "fr")


def select_locale() -> str:
    """The language chosen with the switcher, else the browser's preference, else French."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line, scheduled jobs
        return languages[0]
    chosen = session.get("lang")
    if chosen not in languages:
        chosen = request.accept_languages.best_match(languages) or languages[0]
    return babel_locale(chosen)


def money(cents: int, currency: str = "EUR") -> str:
    """Integer cents as a price in the current locale: 1800 → "18,00 €". Another currency (a
    payment Stripe reports in it) is counted as Stripe does, in its smallest unit: 1950 "usd" →
    "19,50 $US", 1950 "jpy" → "1 950 JPY"."""
    currency = currency.upper()
    return format_currency(Decimal(cents).scaleb(-get_currency_precision(currency)), currency)


def clock(value: time) -> str:
    """A local wall-clock time (desk hours are stored as such, not converted): "07:30"."""
    return format_time(value, "HH:mm", rebase=False)


def weekday_name(weekday: int) -> str:
    return str(WEEKDAY_NAMES[weekday])


def distance(metres: float) -> str:
    """A distance a person reads at a glance: "350 m", "1,2 km", "98 km"."""
    if metres < 1000:
        return _("%(metres)s m", metres=int(round(metres, -1)))
    km = metres / 1000
    return _("%(km)s km", km=format_decimal(round(km, 1) if km < 10 else round(km), "#,##0.#"))


def turnaround(days: int) -> str:
    if days == 0:
        return _("prêt le jour même")
    return ngettext("prêt en %(num)d jour ouvré", "prêt en %(num)d jours ouvrés", days)


def slot_day(slot: object) -> str:
    """ "jeudi 26 novembre" for a desk slot (in Paris time)."""
    return format_date(slot.starts_at.astimezone(PARIS).date(), "EEEE d MMMM")


def slot_hours(slot: object) -> str:
    """ "08:00–08:30" in Paris time."""
    return f"{format_time(slot.starts_at, 'HH:mm')}–{format_time(slot.ends_at, 'HH:mm')}"


def slot_when(slot: object) -> str:
    return f"{slot_day(slot)}, {slot_hours(slot)}"


def moment(value: datetime) -> str:
    """A date and time, shown in Paris time: "25 nov. 2026, 10:30"."""
    return format_datetime(value, "d MMM y, HH:mm")


def hours(value: datetime) -> str:
    """ "18:30" in Paris time."""
    return format_time(value, "HH:mm")


def long_day(value: datetime) -> str:
    """ "mercredi 2 décembre" (in Paris time)."""
    return format_datetime(value, "EEEE d MMMM")


def calendar_day(value: date) -> str:
    """ "jeudi 26 novembre", for a calendar day (no time, no time zone)."""
    return format_date(value, "EEEE d MMMM")


def short_day(value: date) -> str:
    """ "sam. 5 déc.", for a list of days to choose from."""
    return format_date(value, "EEE d MMM")


def month_label(first_day: date) -> str:
    """ "novembre 2026"."""
    return format_date(first_day, "LLLL y")


def kilograms(grams: int) -> str:
    """ "12,5 kg"."""
    return _("%(kg)s kg", kg=format_decimal(round(grams / 1000, 1), "#,##0.#"))


def rate(basis_points: int) -> str:
    """A commission rate: 1000 → "10 %", 750 → "7,5 %"."""
    return format_percent(Decimal(basis_points) / 10_000, "#,##0.##\u00a0%")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["calendar_day"] = calendar_day
    app.jinja_env.filters["short_day"] = short_day
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["month_label"] = month_label
    app.jinja_env.filters["rate"] = rate
    app.jinja_env.filters["kilograms"] = kilograms
    app.jinja_env.filters["weekday_name"] = weekday_name
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["slot_day"] = slot_day
    app.jinja_env.filters["slot_hours"] = slot_hours
    app.jinja_env.filters["slot_when"] = slot_when
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["long_day"] = long_day
    app.jinja_env.filters["hours"] = hours
    app.jinja_env.filters["first_upper"] = lambda text: text[:1].upper() + text[1:]
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["order_state"] = order_state_label
    app.jinja_env.filters["line_state"] = line_state_label
    app.jinja_env.filters["item_next_step"] = item_next_step
    app.jinja_env.filters["item_stage"] = item_stage_label
    app.jinja_env.filters["distance"] = distance
    app.jinja_env.filters["turnaround"] = turnaround

    @app.context_processor
    def inject_locale() -> dict[str, object]:
        locale = get_locale()
        return {
            "current_locale": locale.language if locale else "fr",
            "languages": app.config["LANGUAGES"],
        }
