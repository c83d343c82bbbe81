"""Pickup rounds: the volunteer's phone view, their availability, the concierge's plan."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from conciergerie import policy
from conciergerie.accounts.permissions import role_required
from conciergerie.errors import on_refusal
from conciergerie.extensions import db
from conciergerie.models import (
    PickupRound,
    Role,
    RoundItem,
    RoundStop,
    User,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerProfile,
    utcnow,
)
from conciergerie.orders import progress
from conciergerie.rounds import service
from conciergerie.rounds.forms import (
    AbsenceForm,
    AssignForm,
    AvailabilityForm,
    DayForm,
    EmptyForm,
    MarkForm,
    MoveStopForm,
    ScanForm,
    TransportForm,
)
from conciergerie.rounds.jobs import plan_and_tell
from conciergerie.rounds.travel import source_from_config
from conciergerie.timeutils import local, local_date

bp = Blueprint("rounds", __name__, url_prefix="/tournees")
MIN_YEAR, MAX_YEAR = 2000, 2100


@bp.app_template_filter("round_action")
def round_action(action) -> str:
    return service.action_label(action)


@bp.app_template_filter("line_stage")
def line_stage(line):
    """Where the things of one order line are (an order may travel to two providers)."""
    return progress.line_stage(line)


@bp.app_template_filter("round_map")
def round_map(round_: PickupRound) -> dict[str, list]:
    """What the round's map draws (static/js/round-map.js): the desk, then its stops in order."""
    config = current_app.config
    return {
        "desk": [config["DESK_LATITUDE"], config["DESK_LONGITUDE"]],
        "stops": [[s.provider.latitude, s.provider.longitude] for s in round_.stops],
    }


@bp.app_template_filter("unmet_reason")
def unmet_reason(reason: str) -> str:
    return service.reason_label(reason)


def day_arg() -> date:
    """`?day=YYYY-MM-DD`, today (Paris) by default; a malformed day is a 400 with a reason."""
    raw = request.args.get("day")
    if not raw:
        return local_date(utcnow())
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        abort(400, description=_("Date invalide : attendu AAAA-MM-JJ."))
    return day


def _me() -> User:
    return current_user._get_current_object()


# The volunteer's phone view ---------------------------------------------------------------------


@bp.get("/")
@role_required(Role.VOLUNTEER)
def mine():
    return _mine_page(day_arg())


def _mine_page(day: date, *, scan_form: ScanForm | None = None):
    """The volunteer's rounds of `day`; also where a refused tap or scan is explained."""
    now = utcnow()
    rounds = service.rounds_of_day(db.session, day, _me())
    return render_template(
        "rounds/mine.html",
        day=day,
        rounds=rounds,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        today=local_date(now),
        mark_form=MarkForm(),
        scan_form=scan_form or ScanForm(formdata=None),
        undo={
            tap.id: service.undo_until(tap, _me(), now)
            for r in rounds
            for tap in r.items
            if tap.done_at is not None or tap.line.items
        },
        progress={tap.id: service.tap_progress(tap) for r in rounds for tap in r.items},
        opening={
            stop.id: service.provider_opening(stop.provider, day)
            for r in rounds
            for stop in r.stops
        },
        transport=service.transport_label(service.transport_of(db.session, _me())),
    )


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _answer(status: int, message: str, item: RoundItem | None, *, repeated: bool = False):
    if _wants_json():
        body = {"message": message}
        if item is not None:
            body |= {"item": item.id, "done": item.done_at is not None, "repeated": repeated}
        return jsonify(body), status
    if status >= 400:
        abort(status, description=message)
    flash(message, "success")
    return redirect(
        url_for("rounds.mine", day=item.stop.round.day.isoformat()) + f"#element-{item.id}"
    )


@bp.post("/elements/<id:item_id>")
@role_required(Role.VOLUNTEER)
def mark(item_id: int):
    """A tap: "dropped" or "collected". Safe to repeat: the phone retries after a lost
    connection, and a tap already recorded is answered as done.

    Refused taps answer 403 (not this volunteer's round) or 409 (the item or its order is no
    longer where the page said: reload), which the phone's script drops instead of retrying."""
    item = db.get_or_404(RoundItem, item_id)
    form = MarkForm()
    if not form.validate_on_submit():
        return _answer(400, _("Requête invalide : rechargez la page."), None)
    if not policy.can_act_on_round(_me(), item.stop.round):
        return _answer(403, _("Cette tournée n'est pas la vôtre."), None)
    if form.action.data != item.action.value:
        return _answer(409, _("Cet élément n'est pas à cette étape : rechargez la page."), None)
    day = item.stop.round.day
    if _wants_json():
        # The message goes on the tap's form, and from there into the JSON answer (no flash:
        # it would wait for the next page).
        on_refusal(
            lambda: jsonify(message=" ".join(map(str, form.action.errors))),
            form,
            default_field="action",
        )
    else:
        on_refusal(lambda: _mine_page(day))
    done = service.mark_item(db.session, item, actor=_me(), now=utcnow())
    code = item.line.order.code
    message = (
        _("%(code)s : déposé chez le prestataire.", code=code)
        if item.action.value == "drop"
        else _("%(code)s : récupéré.", code=code)
    )
    return _answer(200, message, item, repeated=not done)


@bp.post("/scan")
@role_required(Role.VOLUNTEER)
def scan():
    """An item's label scanned on today's rounds (a scanner typing, or the phone's camera): the
    item is dropped at, or collected from, its stop's provider. Refused: the rounds' page, saying
    why (422 for an empty code, 409 for a label not on these rounds or not at this step)."""
    day = local_date(utcnow())
    form = ScanForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, description=_("Requête invalide : rechargez la page."))
        return _mine_page(day, scan_form=form), 422
    on_refusal(lambda: _mine_page(day, scan_form=form), form, default_field="code")
    rounds = service.rounds_of_day(db.session, day, _me())
    thing, tap, moved = service.scan_item(
        db.session, rounds, form.code.data, actor=_me(), now=utcnow()
    )
    if not moved:
        words = _("%(code)s : déjà enregistré.", code=thing.code)
    elif tap.action.value == "drop":
        words = _(
            "%(code)s : déposé chez %(provider)s.", code=thing.code, provider=tap.stop.provider.name
        )
    else:
        words = _("%(code)s : récupéré.", code=thing.code)
    flash(words, "success")
    return redirect(url_for("rounds.mine") + "#scan")


@bp.post("/elements/<id:item_id>/annuler")
@role_required(Role.VOLUNTEER)
def undo(item_id: int):
    """Take back a tap or a scan of this round (within 15 minutes; the concierge at any time)."""
    tap = db.get_or_404(RoundItem, item_id)
    day = tap.stop.round.day
    on_refusal(lambda: _mine_page(day))
    count = service.undo_tap(db.session, tap, actor=_me(), now=utcnow())
    flash(
        ngettext(
            "%(code)s : %(num)d objet remis à l'étape d'avant.",
            "%(code)s : %(num)d objets remis à l'étape d'avant.",
            count,
            code=tap.line.order.code,
        ),
        "success",
    )
    return redirect(url_for("rounds.mine", day=day.isoformat()) + f"#element-{tap.id}")


# Availability ----------------------------------------------------------------------------------


def _availability_page(**forms):
    me = _me()
    profile = db.session.get(VolunteerProfile, me.id)
    transport = TransportForm(
        formdata=None,
        transport=(profile.transport.value if profile else "bike"),
        max_round_minutes=(profile.max_round_minutes if profile else None),
    )
    return render_template(
        "rounds/availability.html",
        ranges=db.session.scalars(
            sa.select(VolunteerAvailability)
            .where(VolunteerAvailability.volunteer_id == me.id)
            .order_by(VolunteerAvailability.weekday, VolunteerAvailability.starts_at)
        ).all(),
        absences=db.session.scalars(
            sa.select(VolunteerAbsence)
            .where(
                VolunteerAbsence.volunteer_id == me.id,
                VolunteerAbsence.last_day >= local_date(utcnow()),
            )
            .order_by(VolunteerAbsence.first_day)
        ).all(),
        transport_form=forms.get("transport_form", transport),
        range_form=forms.get("range_form", AvailabilityForm(formdata=None)),
        absence_form=forms.get("absence_form", AbsenceForm(formdata=None)),
        delete_form=EmptyForm(),
    )


@bp.get("/disponibilites")
@role_required(Role.VOLUNTEER)
def availability():
    return _availability_page()


@bp.post("/disponibilites/transport")
@role_required(Role.VOLUNTEER)
def set_transport():
    form = TransportForm()
    if not form.validate_on_submit():
        return _availability_page(transport_form=form), 422
    profile = db.session.get(VolunteerProfile, _me().id)
    if profile is None:
        profile = VolunteerProfile(user_id=_me().id)
        db.session.add(profile)
    profile.transport = form.transport.data
    profile.max_round_minutes = form.max_round_minutes.data
    flash(_("Moyen de transport enregistré."), "success")
    return redirect(url_for("rounds.availability"))


@bp.post("/disponibilites/plages")
@role_required(Role.VOLUNTEER)
def add_range():
    form = AvailabilityForm()
    if not form.validate_on_submit():
        return _availability_page(range_form=form), 422
    db.session.add(
        VolunteerAvailability(
            volunteer_id=_me().id,
            weekday=form.weekday.data,
            starts_at=form.starts_at.data,
            ends_at=form.ends_at.data,
        )
    )
    flash(_("Disponibilité ajoutée."), "success")
    return redirect(url_for("rounds.availability"))


@bp.post("/disponibilites/plages/<id:range_id>/supprimer")
@role_required(Role.VOLUNTEER)
def delete_range(range_id: int):
    found = db.get_or_404(VolunteerAvailability, range_id)
    if found.volunteer_id != _me().id or not EmptyForm().validate_on_submit():
        abort(404)
    db.session.delete(found)
    flash(_("Disponibilité retirée."), "success")
    return redirect(url_for("rounds.availability"))


@bp.post("/disponibilites/absences")
@role_required(Role.VOLUNTEER)
def add_absence():
    form = AbsenceForm()
    if not form.validate_on_submit():
        return _availability_page(absence_form=form), 422
    db.session.add(
        VolunteerAbsence(
            volunteer_id=_me().id,
            first_day=form.first_day.data,
            last_day=form.last_day.data,
            reason=form.reason.data or "",
        )
    )
    flash(_("Absence notée : les tournées de ces jours seront confiées à d'autres."), "success")
    return redirect(url_for("rounds.availability"))


@bp.post("/disponibilites/absences/<id:absence_id>/supprimer")
@role_required(Role.VOLUNTEER)
def delete_absence(absence_id: int):
    found = db.get_or_404(VolunteerAbsence, absence_id)
    if found.volunteer_id != _me().id or not EmptyForm().validate_on_submit():
        abort(404)
    db.session.delete(found)
    flash(_("Absence retirée."), "success")
    return redirect(url_for("rounds.availability"))


# The concierge's plan ---------------------------------------------------------------------------


def _volunteers() -> list[User]:
    return db.session.scalars(
        sa.select(User)
        .where(User.role == Role.VOLUNTEER, User.is_active_account.is_(True))
        .order_by(User.full_name)
    ).all()


@bp.get("/plan")
@role_required(Role.CONCIERGE)
def plan():
    return _plan_page(day_arg())


def _plan_page(day: date, posted: tuple[int, AssignForm] | None = None):
    """The concierge's plan of `day`; also where a refused change to it is explained (`posted`:
    the round whose assignment form was refused, and that form, with its warning)."""
    rounds = service.rounds_of_day(db.session, day)
    day_plan = service.day_plan(db.session, day)
    choices = [(r.id, f"{r.volunteer.full_name} · {local(r.starts_at):%H:%M}") for r in rounds]
    volunteers = [(v.id, v.full_name) for v in _volunteers()]
    move_forms, assign_forms = {}, {}
    for round_ in rounds:
        assign = AssignForm(formdata=None, volunteer=round_.volunteer_id, prefix=f"r{round_.id}")
        if posted is not None and posted[0] == round_.id:
            assign = posted[1]
        assign.volunteer.choices = volunteers
        assign_forms[round_.id] = assign
        for stop in round_.stops:
            move = MoveStopForm(formdata=None, target_round=round_.id, prefix=f"s{stop.id}")
            move.target_round.choices = choices
            move_forms[stop.id] = move
    return render_template(
        "rounds/plan.html",
        day=day,
        rounds=rounds,
        day_plan=day_plan,
        unmet=service.unmet_lines(db.session, day_plan),
        overtime=service.overtime(db.session, day_plan),
        warnings={r.id: service.round_warnings(db.session, r) for r in rounds},
        move_forms=move_forms,
        assign_forms=assign_forms,
        empty_form=EmptyForm(),
        day_form=DayForm(formdata=None, day=day),
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
    )


def _depot():
    return service.depot_of(current_app.config)


@bp.post("/plan/planifier")
@role_required(Role.CONCIERGE)
def replan():
    form = DayForm()
    if not form.validate_on_submit():
        abort(400, description=_("Date invalide : attendu AAAA-MM-JJ."))
    on_refusal(lambda: _plan_page(form.day.data))
    report = plan_and_tell(db.session, form.day.data, now=utcnow())
    flash(
        _(
            "Tournées planifiées : %(rounds)s, %(items)s, %(unmet)s.",
            rounds=ngettext("%(num)d tournée", "%(num)d tournées", report.rounds + report.kept),
            items=ngettext("%(num)d élément", "%(num)d éléments", report.items),
            unmet=ngettext("%(num)d sans solution", "%(num)d sans solution", len(report.unmet)),
        ),
        "success",
    )
    return redirect(url_for("rounds.plan", day=form.day.data.isoformat()))


@bp.post("/plan/etapes/<id:stop_id>/deplacer")
@role_required(Role.CONCIERGE)
def move_stop(stop_id: int):
    stop = db.get_or_404(RoundStop, stop_id)
    day = stop.round.day
    form = MoveStopForm(prefix=f"s{stop.id}")
    form.target_round.choices = [
        (r.id, str(r.id))
        for r in db.session.scalars(sa.select(PickupRound).where(PickupRound.day == day))
    ]
    if not form.validate_on_submit():
        abort(400, description=_("Tournée inconnue pour ce jour."))
    target = db.session.get(PickupRound, form.target_round.data)
    if target is None:
        abort(409, description=_("Cette tournée n'existe plus : rechargez la page."))
    on_refusal(lambda: _plan_page(day))
    service.move_stop(db.session, stop, target, _depot(), source_from_config(current_app.config))
    flash(_("Étape déplacée ; les deux tournées sont verrouillées."), "success")
    return redirect(url_for("rounds.plan", day=day.isoformat()))


@bp.post("/plan/<id:round_id>/volontaire")
@role_required(Role.CONCIERGE)
def assign(round_id: int):
    """Give a round to someone else. When they are not free then, the plan comes back (422) with
    why and a box to confirm; both volunteers are mailed once it is saved."""
    round_ = db.get_or_404(PickupRound, round_id)
    form = AssignForm(prefix=f"r{round_.id}")
    form.volunteer.choices = [(v.id, v.full_name) for v in _volunteers()]
    if not form.validate_on_submit():
        abort(400, description=_("Volontaire inconnu·e."))
    day = round_.day
    on_refusal(lambda: _plan_page(day, (round_id, form)), form, default_field="volunteer")
    changed = service.assign_round(
        db.session,
        round_,
        db.session.get(User, form.volunteer.data),
        _depot(),
        actor=_me(),
        now=utcnow(),
        confirmed=form.confirmed,
        travel=source_from_config(current_app.config),
    )
    name = round_.volunteer.full_name
    flash(
        _(
            "Tournée confiée à %(name)s et verrouillée ; les deux volontaires sont prévenu·es.",
            name=name,
        )
        if changed
        else _("Tournée laissée à %(name)s et verrouillée.", name=name),
        "success",
    )
    return redirect(url_for("rounds.plan", day=day.isoformat()))


@bp.post("/plan/<id:round_id>/verrou")
@role_required(Role.CONCIERGE)
def toggle_lock(round_id: int):
    round_ = db.get_or_404(PickupRound, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400, description=_("Requête invalide : rechargez la page."))
    round_.locked = not round_.locked
    flash(
        _("Tournée verrouillée : la prochaine planification la garde.")
        if round_.locked
        else _("Tournée déverrouillée : la prochaine planification pourra la refaire."),
        "success",
    )
    return redirect(url_for("rounds.plan", day=round_.day.isoformat()))
