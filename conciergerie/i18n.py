"""Languages (French first, English second) and the formatting of money, dates and units in the
reader's language."""

from __future__ import annotations

import re
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
    lazy_pgettext,
    ngettext,
    pgettext,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import pass_eval_context
from markupsafe import Markup

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


# The offers' units the catalogue knows how to say in English ("la paire" → "per pair"): a unit
# is the provider's own words (data, in French), so a unit not listed here keeps them. Listed
# for the catalogue's extraction only; `unit_words` looks any unit up in the "unit" context.
KNOWN_UNITS = (
    lazy_pgettext("unit", "la paire"),
    lazy_pgettext("unit", "la pièce"),
    lazy_pgettext("unit", "le lot"),
    lazy_pgettext("unit", "le kilo"),
    lazy_pgettext("unit", "le panier"),
    lazy_pgettext("unit", "la boîte de 6"),
    lazy_pgettext("unit", "la clé"),
    lazy_pgettext("unit", "la lame"),
    lazy_pgettext("unit", "la montre"),
    lazy_pgettext("unit", "le costume"),
    lazy_pgettext("unit", "l'appareil"),
)


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


def unit_words(unit: str) -> tuple[str, bool]:
    """An offer's unit in the reader's language, and whether it is said in it: (the unit, True)
    in French or when the catalogue translates it ("per pair"); (the provider's words, False)
    otherwise."""
    unit = (unit or "").strip()
    if not unit or _language() == "fr":
        return unit, True
    said = pgettext("unit", unit)
    return (said, True) if said != unit else (unit, False)


def priced(cents: int, unit: str | None, *, as_html: bool = True) -> str:
    """A price per unit: "18,00 € la paire" in French, "€18.00 per pair" in English when the
    unit is translated, "€18.00 / la paire" (the provider's words, marked French in HTML)
    otherwise; just the price without a unit."""
    price = money(cents)
    words, said = unit_words(unit or "")
    if not words:
        return price
    if said:
        return Markup("{} {}").format(price, words) if as_html else f"{price} {words}"
    if as_html:
        return Markup('{} / <span lang="fr">{}</span>').format(price, words)
    return f"{price} / {words}"


@pass_eval_context
def _priced_filter(eval_ctx, cents: int, unit: str | None) -> str:
    """`priced` for the templates: marked-up in HTML, plain in the text mails."""
    return priced(cents, unit, as_html=eval_ctx.autoescape)


@pass_eval_context
def _unit_filter(eval_ctx, unit: str | None) -> str:
    """An offer's unit alone, as `priced` says it (after a price written otherwise)."""
    words, said = unit_words(unit or "")
    if not words or said:
        return words
    if eval_ctx.autoescape:
        return Markup('/ <span lang="fr">{}</span>').format(words)
    return f"/ {words}"


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


def _with_first(pattern: str, day_of_month: int) -> str:
    """French writes the first of a month as an ordinal: "vendredi 1er janvier"."""
    if day_of_month == 1 and _language() == "fr":
        return re.sub(r"(?<![A-Za-z'])d(?![A-Za-z'])", "d'er'", pattern, count=1)
    return pattern


def day_date(value: date, pattern: str) -> str:
    """A calendar day by a Babel `pattern` holding one day of the month ("d"), with the French
    first of the month: "1er janvier 2027"."""
    return format_date(value, _with_first(pattern, value.day))


def day_datetime(value: datetime, pattern: str) -> str:
    """A moment by a Babel `pattern`, in Paris time, as `day_date`."""
    return format_datetime(value, _with_first(pattern, value.astimezone(PARIS).day))


def calendar_date(value: date) -> str:
    """ "5 décembre", "1er janvier" / "5 December"."""
    return day_date(value, "d MMMM")


def colon(label: object) -> str:
    """A label before its value, with the colon of the language: "Dépôt :" / "Drop-off:"."""
    return _("%(label)s :", label=label)


def first_upper(text: str) -> str:
    """The first letter upper case, the rest as it is ("Thursday 10 December"; str.capitalize
    and Jinja's capitalize lower the rest: "Thursday 10 december")."""
    return text[:1].upper() + text[1:]


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
    return day_date(slot.starts_at.astimezone(PARIS).date(), "EEEE d MMMM")


def slot_hours(slot: object) -> str:
    """ "08:00–08:30" in Paris time."""
    return f"{format_time(slot.starts_at, 'HH:mm')}–{format_time(slot.ends_at, 'HH:mm')}"


def slot_when(slot: object) -> str:
    return f"{slot_day(slot)}, {slot_hours(slot)}"


def moment(value: datetime) -> str:
    """A date and time, shown in Paris time: "25 nov. 2026, 10:30"."""
    return day_datetime(value, "d MMM y, HH:mm")


def hours(value: datetime) -> str:
    """ "18:30" in Paris time."""
    return format_time(value, "HH:mm")


def long_day(value: datetime) -> str:
    """ "mercredi 2 décembre" (in Paris time)."""
    return day_datetime(value, "EEEE d MMMM")


def calendar_day(value: date) -> str:
    """ "jeudi 26 novembre", for a calendar day (no time, no time zone)."""
    return day_date(value, "EEEE d MMMM")


def short_day(value: date) -> str:
    """ "sam. 5 déc.", for a list of days to choose from."""
    return day_date(value, "EEE d MMM")


def month_label(first_day: date) -> str:
    """ "novembre 2026"."""
    return format_date(first_day, "LLLL y")


def kilograms(grams: int) -> str:
    """ "12,5 kg"."""
    return _("%(kg)s kg", kg=format_decimal(round(grams / 1000, 1), "#,##0.#"))


def rate(basis_points: int) -> str:
    """A commission rate: 1000 → "10 %", 750 → "7,5 %"."""
    return format_percent(Decimal(basis_points) / 10_000, "#,##0.##\u00a0%")


def file_size(size: int) -> str:
    """A file size a person reads at a glance: "1,5 ko" / "1.5 kB"."""
    if size < 1024:
        return _("%(size)s o", size=size)
    value = size / 1024
    if value < 1024:
        return _("%(size)s ko", size=format_decimal(value, "0.0"))
    value /= 1024
    if value < 1024:
        return _("%(size)s Mo", size=format_decimal(value, "0.0"))
    return _("%(size)s Go", size=format_decimal(value / 1024, "0.0"))


def init_app(app: Flask) -> None:
    """The filters of money, dates and words (the orders' own: orders/filters.py)."""
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
    app.jinja_env.filters["first_upper"] = first_upper
    app.jinja_env.filters["priced"] = _priced_filter
    app.jinja_env.filters["colon"] = colon
    app.jinja_env.filters["unit"] = _unit_filter
    app.jinja_env.filters["calendar_date"] = calendar_date
    app.jinja_env.filters["distance"] = distance
    app.jinja_env.filters["turnaround"] = turnaround

    @app.context_processor
    def inject_locale() -> dict[str, object]:
        locale = get_locale()
        return {
            "current_locale": locale.language if locale else "fr",
            "languages": app.config["LANGUAGES"],
        }
