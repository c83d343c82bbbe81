"""The evening planning: mails each volunteer once per plan, alerts the concierge once."""

from __future__ import annotations

from datetime import UTC, datetime

from conciergerie.database import commit
from conciergerie.models import Role, VolunteerAbsence
from conciergerie.orders import service as orders_service
from conciergerie.rounds.jobs import plan_tomorrow
from tests.factories import (
    make_offer,
    make_order,
    make_provider,
    make_slot,
    make_user,
    make_volunteer,
    open_provider,
)
from tests.rounds.test_service import DEPOT, THURSDAY, URGENT_PICKUP

EVENING = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)  # Wednesday 19:30: plans Thursday


def test_each_volunteer_gets_tomorrows_rounds_once(session, outbox):
    volunteer = make_volunteer(session, locale="en")
    provider = open_provider(make_provider(session))
    order = make_order(session, offer=make_offer(session, provider=provider, turnaround_days=1))
    report = plan_tomorrow(session, now=EVENING)
    commit(session)
    assert report.day == THURSDAY and report.rounds == 1
    [mail] = outbox
    assert mail.to == [volunteer.email] and "26/11" in mail.subject
    assert mail.subject.startswith("Your rounds") and order.code in mail.body
    assert "/tournees/" in mail.body
    plan_tomorrow(session, now=EVENING)
    commit(session)
    assert len(outbox) == 1  # same plan: no second mail


def test_the_concierge_is_alerted_once_when_no_volunteer_is_free(session, outbox):
    concierge = make_user(session, Role.CONCIERGE)
    volunteer = make_volunteer(session)
    session.add(VolunteerAbsence(volunteer_id=volunteer.id, first_day=THURSDAY, last_day=THURSDAY))
    provider = open_provider(make_provider(session))
    order = make_order(
        session,
        offer=make_offer(session, provider=provider, turnaround_days=1),
        pickup=make_slot(session, starts_at=URGENT_PICKUP),
    )
    plan_tomorrow(session, now=EVENING)
    commit(session)
    [alert] = outbox
    assert alert.to == [concierge.email]
    assert order.code in alert.body and "volontaire" in alert.body
    plan_tomorrow(session, now=EVENING)
    commit(session)
    assert len(outbox) == 1


def test_plan_rounds_command_plans_the_given_day(app, session, monkeypatch):
    monkeypatch.setattr("conciergerie.rounds.cli.utcnow", lambda: EVENING)
    provider = open_provider(make_provider(session))
    make_volunteer(session)
    make_order(session, offer=make_offer(session, provider=provider, turnaround_days=1))
    result = app.test_cli_runner().invoke(args=["plan-rounds", "--date", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("26 novembre : 1 tournée, 1 ligne, 0 gardées")
    bad = app.test_cli_runner().invoke(args=["plan-rounds", "--date", "26/11/2026"])
    assert bad.exit_code == 2 and "Invalid value" in bad.output


def test_the_providers_staff_are_told_of_the_visits_once_per_plan(session, outbox):
    make_volunteer(session)
    provider = open_provider(make_provider(session, name="Cordonnerie"))
    staff = make_user(session, Role.PROVIDER, provider=provider)
    customer = make_user(session, full_name="Nadia Benali", email="nadia@example.org")
    order = make_order(
        session, customer=customer, offer=make_offer(session, provider=provider, turnaround_days=1)
    )
    plan_tomorrow(session, now=EVENING)
    commit(session)
    [mail] = [m for m in outbox if m.to == [staff.email]]
    assert mail.subject == "Passages de la conciergerie le 26/11"
    assert order.code in mail.body and "NB" in mail.body  # initials, never the name
    assert "Nadia" not in mail.body and "nadia@example.org" not in mail.body
    assert "Déposer" in mail.body or "déposer" in mail.body.lower()
    plan_tomorrow(session, now=EVENING)
    commit(session)
    assert len([m for m in outbox if m.to == [staff.email]]) == 1  # same plan, no second mail


def test_a_provider_no_longer_visited_is_told(session, outbox):
    make_volunteer(session)
    provider = open_provider(make_provider(session))
    staff = make_user(session, Role.PROVIDER, provider=provider)
    order = make_order(session, offer=make_offer(session, provider=provider, turnaround_days=1))
    plan_tomorrow(session, now=EVENING)
    commit(session)
    assert len([m for m in outbox if m.to == [staff.email]]) == 1
    orders_service.cancel_order(
        session, order, actor=make_user(session, Role.CONCIERGE), now=EVENING
    )
    plan_tomorrow(session, now=EVENING)
    commit(session)
    mails = [m for m in outbox if m.to == [staff.email]]
    assert len(mails) == 2 and "Plus aucun passage" in mails[1].body


def _leaves(session, person, actor, *, role=Role.RESIDENT, is_active=True) -> None:
    """The concierge changes `person`'s account on the accounts page."""
    from conciergerie.manage.users import update_user

    update_user(session, person, role=role, member_company=None, provider=None,
                solidarity_rate=False, is_active=is_active, actor=actor, now=EVENING)  # fmt: skip


def _two_volunteers_and_a_planned_round(session):
    from conciergerie.rounds import service as rounds

    first = make_volunteer(session)
    second = make_volunteer(session)
    provider = open_provider(make_provider(session))
    make_order(session, offer=make_offer(session, provider=provider, turnaround_days=1))
    plan_tomorrow(session, now=EVENING)
    commit(session)
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    leaving = first if round_.volunteer_id == first.id else second
    staying = second if leaving is first else first
    return leaving, staying, round_


def test_a_volunteer_who_leaves_has_their_rounds_planned_again_for_someone_else(session, outbox):
    from conciergerie.rounds import service as rounds

    concierge = make_user(session, Role.CONCIERGE)
    leaving, staying, round_ = _two_volunteers_and_a_planned_round(session)
    round_.locked = True  # even one given to them by hand
    outbox.clear()
    _leaves(session, leaving, concierge)
    commit(session)
    [new_round] = rounds.rounds_of_day(session, THURSDAY)
    assert new_round.volunteer_id == staying.id
    told = {mail.to[0]: mail for mail in outbox}
    assert staying.email in told  # their new round
    assert leaving.email in told  # their round is gone
    assert rounds.round_warnings(session, new_round) == []


def test_a_round_begun_stays_with_its_volunteer_and_is_flagged(session, outbox):
    from conciergerie.rounds import service as rounds

    concierge = make_user(session, Role.CONCIERGE)
    leaving, _staying, round_ = _two_volunteers_and_a_planned_round(session)
    round_.items[0].done_at = EVENING  # the first item already carried
    _leaves(session, leaving, concierge, role=leaving.role, is_active=False)
    commit(session)
    [kept] = rounds.rounds_of_day(session, THURSDAY)
    assert kept.id == round_.id and kept.volunteer_id == leaving.id
    [warning] = rounds.round_warnings(session, kept)
    assert leaving.full_name in warning and "ne fait plus de tournées" in warning


def test_an_erased_volunteer_has_their_rounds_planned_again(session, outbox):
    from conciergerie.accounts import privacy
    from conciergerie.rounds import service as rounds

    leaving, staying, _round = _two_volunteers_and_a_planned_round(session)
    outbox.clear()
    privacy.anonymise(session, leaving, now=EVENING)
    commit(session)
    [new_round] = rounds.rounds_of_day(session, THURSDAY)
    assert new_round.volunteer_id == staying.id
    assert [mail.to for mail in outbox] == [[staying.email]]  # none to an erased address


def test_a_concierge_given_a_round_by_hand_who_leaves_has_it_planned_again(session, outbox):
    from conciergerie.rounds import service as rounds

    boss = make_user(session, Role.CONCIERGE)
    leaving, staying, round_ = _two_volunteers_and_a_planned_round(session)
    helper = make_user(session, Role.CONCIERGE)
    rounds.assign_round(session, round_, helper, DEPOT, actor=boss, now=EVENING)  # by hand: locked
    _leaves(session, helper, boss)
    commit(session)
    [new_round] = rounds.rounds_of_day(session, THURSDAY)
    assert new_round.volunteer_id in (leaving.id, staying.id)
