"""The volunteers' records: their hours (a printable page and a CSV for the civic-service
mission), a calendar feed of their rounds for their phone, and for the concierge everyone's
availability, absences and rounds over two weeks.

A volunteer sees their own log only; the concierge sees every volunteer's, or one's. The feed is
read by calendar apps, which cannot sign in: its address carries a signed token made of the user
id and a digest of their password hash, so changing (or resetting) the password revokes it, while
an ordinary sign-out on a phone leaves the calendar working.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.orm import Session

from conciergerie.accounts.permissions import role_required
from conciergerie.extensions import db
from conciergerie.i18n import babel_locale, day_date
from conciergerie.mail import external_url
from conciergerie.models import PickupRound, Role, User, utcnow
from conciergerie.rounds import hours
from conciergerie.rounds.views import day_arg
from conciergerie.security import is_valid_id
from conciergerie.spreadsheets import csv_download, safe_cell
from conciergerie.timeutils import local, local_date
from conciergerie.volunteers import service

bp = Blueprint("volunteers", __name__, url_prefix="/volontaires")

FEED_SALT = "rounds-feed"
FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 60

_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID_RE = re.compile(r"[1-9][0-9]{0,9}")


# The calendar feed's token ----------------------------------------------------------------------


def _feed_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FEED_SALT)


def feed_token(user: User) -> str:
    return _feed_serializer().dumps([user.id, _password_digest(user)])


def _password_digest(user: User) -> str:
    # Not the hash itself: the token is visible in calendar apps and URLs.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def user_for_feed_token(session: Session, token: str) -> User | None:
    """The volunteer (or concierge) a valid, unrevoked feed token was made for; None otherwise."""
    try:
        data = _feed_serializer().loads(token)
    except BadData:
        return None
    if not (isinstance(data, list) and len(data) == 2 and is_valid_id(data[0])):
        return None
    user = session.get(User, data[0])
    if (
        user is None
        or not user.is_active_account
        or not user.has_role(Role.VOLUNTEER)
        or not hmac.compare_digest(str(data[1]), _password_digest(user))
    ):
        return None
    return user


def feed_url(user: User) -> str:
    """The absolute address of `user`'s feed, to paste in a calendar app."""
    return external_url("volunteers.feed", token=feed_token(user))


# Words ------------------------------------------------------------------------------------------


def duration(minutes: int) -> str:
    """ "2 h 05" for 125 minutes."""
    return _("%(hours)d h %(minutes)02d", hours=minutes // 60, minutes=minutes % 60)


def day_label(day: date) -> str:
    """ "lundi 23 novembre"."""
    label = day_date(day, "EEEE d MMMM")
    return label[:1].upper() + label[1:]


def period_label(period: hours.Period) -> str:
    if period.kind is hours.PeriodKind.MONTH:
        label = format_date(period.first, "LLLL y")
        return label[:1].upper() + label[1:]
    first_format = "d MMMM" if period.first.year == period.last.year else "d MMMM y"
    return _(
        "Semaine du %(first)s au %(last)s",
        first=day_date(period.first, first_format),
        last=day_date(period.last, "d MMMM y"),
    )


# Reading the query string -----------------------------------------------------------------------


def _period_arg() -> hours.Period:
    """`?period=week|month` and `?start=YYYY-MM-DD`: the week or month containing that day
    (today by default). Anything malformed is a 400 with its reason."""
    kind = request.args.get("period") or hours.PeriodKind.WEEK.value
    if kind not in {k.value for k in hours.PeriodKind}:
        abort(400, description=_("Période invalide : attendu « week » ou « month »."))
    raw = request.args.get("start")
    if raw:
        try:
            if not _DAY_RE.fullmatch(raw):
                raise ValueError(raw)
            day = date.fromisoformat(raw)
        except ValueError:
            abort(400, description=_("Date invalide : attendu AAAA-MM-JJ."))
        if not 2000 <= day.year <= 2100:
            abort(400, description=_("Une date entre 2000 et 2100."))
    else:
        day = local_date(utcnow())
    return hours.Period.containing(kind, day)


def _chosen_volunteer() -> User | None:
    """`?volunteer=<id>`: the volunteer asked for, None when not given. A volunteer may only ask
    for themselves (403 otherwise); an unknown id is a 404, a malformed one a 400."""
    raw = request.args.get("volunteer")
    if not raw:
        return None
    if not _ID_RE.fullmatch(raw) or not is_valid_id(int(raw)):
        abort(400, description=_("Volontaire invalide : attendu un numéro de compte."))
    if current_user.role is not Role.CONCIERGE and int(raw) != current_user.id:
        abort(403)
    user = db.session.get(User, int(raw))
    if user is None or not user.has_role(Role.VOLUNTEER):
        abort(404)
    return user


def _logs() -> tuple[hours.Period, User | None, list[hours.VolunteerLog]]:
    period = _period_arg()
    chosen = _chosen_volunteer()
    now = utcnow()
    if chosen is not None:
        logs = [hours.volunteer_hours(db.session, chosen, period, now=now)]
    elif current_user.role is Role.CONCIERGE:
        logs = hours.hours_of_volunteers(db.session, period, now=now)
    else:
        logs = [
            hours.volunteer_hours(db.session, current_user._get_current_object(), period, now=now)
        ]
    return period, chosen, logs


def _query(period: hours.Period, chosen: User | None) -> dict[str, str]:
    values = {"period": period.kind.value, "start": period.first.isoformat()}
    if chosen is not None:
        values["volunteer"] = str(chosen.id)
    return values


# Pages ------------------------------------------------------------------------------------------


@bp.get("/heures")
@role_required(Role.VOLUNTEER)
def hours_page():
    period, chosen, logs = _logs()
    is_concierge = current_user.role is Role.CONCIERGE
    return render_template(
        "volunteers/hours.html",
        period=period,
        chosen=chosen,
        logs=logs,
        is_concierge=is_concierge,
        everyone=is_concierge and chosen is None,
        volunteers=hours.volunteers(db.session) if is_concierge else [],
        query=_query(period, chosen),
        previous_query=_query(period.previous, chosen),
        next_query=_query(period.next, chosen),
        period_label=period_label(period),
        day_label=day_label,
        duration=duration,
        feed_url=feed_url(current_user) if current_user.role is Role.VOLUNTEER else None,
    )


@bp.get("/heures.csv")
@role_required(Role.VOLUNTEER)
def hours_csv():
    period, _chosen, logs = _logs()
    name = (
        f"heures-semaine-{period.first.isoformat()}.csv"
        if period.kind is hours.PeriodKind.WEEK
        else f"heures-mois-{period.first.strftime('%Y-%m')}.csv"
    )
    return csv_download(
        [
            "volontaire",
            "date",
            "tournées",
            "minutes de tournée",
            "distance (m)",
            "événements",
            "minutes d'événement",
            "minutes au total",
            "événements organisés",
        ],
        (
            [
                safe_cell(log.volunteer.full_name),
                row.day.isoformat(),
                row.rounds,
                row.round_minutes,
                row.distance_m,
                row.events,
                row.event_minutes,
                row.total_minutes,
                safe_cell(" / ".join(row.event_titles)),
            ]
            for log in logs
            for row in log.days
        ),
        name,
    )


# The calendar feed ------------------------------------------------------------------------------


def _round_event(round_: PickupRound, *, desk_address: str, now: datetime) -> CalendarEvent:
    stops = round_.stops
    item = CalendarEvent()
    item.add("uid", f"round-{round_.id}@etvoila-gambetta")
    item.add("dtstamp", now)
    item.add("dtstart", round_.starts_at)
    item.add("dtend", round_.ends_at)
    item.add(
        "summary",
        ngettext("Tournée : %(num)d étape", "Tournée : %(num)d étapes", len(stops)),
    )
    item.add("location", desk_address)
    item.add(
        "description",
        "\n".join(
            f"{number}. {local(stop.arrive_at).strftime('%H:%M')} "
            f"{stop.provider.name} — {stop.provider.address}"
            for number, stop in enumerate(stops, start=1)
        ),
    )
    return item


def rounds_calendar(rounds: list[PickupRound], *, desk_address: str, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Et voila Gambetta//tournees//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Mes tournées — Et voilà Gambetta"))
    calendar.add("x-published-ttl", "PT1H")
    for round_ in rounds:
        calendar.add_component(_round_event(round_, desk_address=desk_address, now=now))
    return calendar.to_ical()


@bp.get("/agenda/<token>.ics")
def feed(token: str):
    user = user_for_feed_token(db.session, token)
    if user is None:
        abort(404)
    now = utcnow()
    today = local_date(now)
    rounds = hours.rounds_between(
        db.session,
        user,
        today - timedelta(days=FEED_PAST_DAYS),
        today + timedelta(days=FEED_FUTURE_DAYS),
    )
    with force_locale(babel_locale(user.locale)):  # a calendar app sends no language
        body = rounds_calendar(rounds, desk_address=current_app.config["DESK_ADDRESS"], now=now)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'attachment; filename="tournees.ics"',
            # The address is a credential: no shared cache keeps a copy.
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/disponibilites")
@role_required(Role.CONCIERGE)
def availability():
    """Every active volunteer's ranges, absences and rounds over the next two weeks, for the
    concierge handing out rounds (`?day=` moves the first day)."""
    first_day = day_arg()
    overview = service.availability_overview(db.session, first_day)
    return render_template(
        "volunteers/availability.html",
        overview=overview,
        first_day=first_day,
        last_day=overview.days[-1],
        previous_day=first_day - timedelta(days=service.OVERVIEW_DAYS),
        next_day=first_day + timedelta(days=service.OVERVIEW_DAYS),
        today=local_date(utcnow()),
    )
