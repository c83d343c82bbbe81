"""The volunteer scans each item on today's round, and takes back a wrong tap (issue 18)."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest

from conciergerie.models import ItemStage, OrderStatus, Role
from conciergerie.orders import service as orders
from conciergerie.rounds import service as rounds
from tests.conftest import sign_in, submit
from tests.factories import (
    NOW,
    make_offer,
    make_order,
    make_provider,
    make_user,
    make_volunteer,
    open_provider,
)
from tests.rounds.test_service import DEPOT, ON_THE_DAY, THURSDAY

MINE = "/tournees/?day=2026-11-26"


class Clock:
    """The rounds' views' "now", moved by the test."""

    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


@pytest.fixture
def clock_of_views(monkeypatch):
    now = Clock(ON_THE_DAY)
    monkeypatch.setattr("conciergerie.rounds.views.utcnow", now)
    return now


@pytest.fixture
def two_pairs(session):
    """A volunteer's Thursday round: an order of two pairs of shoes, at the desk, to the cobbler."""
    volunteer = make_volunteer(session, full_name="Léa Dufour")
    cobbler = open_provider(make_provider(session, name="Cordonnerie Gambetta"))
    offer = make_offer(session, provider=cobbler, turnaround_days=1)
    order = make_order(session, offer=offer, quantity=2)
    orders.advance_order(
        session, order, OrderStatus.DROPPED_OFF, actor=make_user(session, Role.CONCIERGE), now=NOW
    )
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    return volunteer, order, round_


def test_a_scan_drops_one_item_and_the_order_moves_once_both_are_dropped(
    client, session, two_pairs, clock_of_views
):
    volunteer, order, round_ = two_pairs
    first, second = order.lines[0].items
    sign_in(client, volunteer)
    page = client.get(MINE).get_data(as_text=True)
    assert 'action="/tournees/scan"' in page and "data-scan-input" in page
    answer = submit(client, "/tournees/scan", {"code": first.code.lower()}, form_url=MINE)
    assert answer.status_code == 302 and answer.location.endswith("/tournees/#scan")
    session.expire_all()
    assert (first.stage, second.stage) == (ItemStage.AT_PROVIDER, ItemStage.AT_DESK)
    assert order.status is OrderStatus.DROPPED_OFF and round_.items[0].done_at is None
    page = client.get(MINE).get_data(as_text=True)
    assert f"{first.code} : déposé chez Cordonnerie Gambetta." in page
    assert "1 sur 2 objets" in page
    submit(client, "/tournees/scan", {"code": second.code}, form_url=MINE)
    session.expire_all()
    assert order.status is OrderStatus.AT_PROVIDER and round_.items[0].done_at is not None
    # A second scan of the same label changes nothing.
    again = submit(client, "/tournees/scan", {"code": second.code}, form_url=MINE)
    assert again.status_code == 302
    assert f"{second.code} : déjà enregistré." in client.get(MINE).get_data(as_text=True)
    session.expire_all()
    assert [e.to_status for e in order.events].count(OrderStatus.AT_PROVIDER) == 1


def test_a_label_not_on_todays_rounds_is_refused_on_the_field(
    client, session, two_pairs, clock_of_views
):
    volunteer, order, _round = two_pairs
    other = make_order(session)
    session.flush()
    sign_in(client, volunteer)
    for code, status in (("EVG-NOPE0-1", 409), (other.lines[0].items[0].code, 409), ("", 422)):
        answer = submit(client, "/tournees/scan", {"code": code}, form_url=MINE)
        assert answer.status_code == status
        page = answer.get_data(as_text=True)
        assert 'aria-invalid="true"' in page and 'id="scan-code-error"' in page
    assert order.status is OrderStatus.DROPPED_OFF


def test_nothing_is_recorded_for_another_days_round(client, session, two_pairs, clock_of_views):
    volunteer, order, round_ = two_pairs
    clock_of_views.at = ON_THE_DAY - timedelta(days=1)  # Wednesday evening: Thursday's round
    sign_in(client, volunteer)
    page = client.get(MINE).get_data(as_text=True)
    assert "data-scan-input" not in page and "tap-button" not in page
    assert "s'enregistrent le jour même" in page
    tap = submit(
        client, f"/tournees/elements/{round_.items[0].id}", {"action": "drop"}, form_url=MINE
    )
    assert tap.status_code == 409
    with pytest.raises(orders.InvalidTransition, match="celle du jeudi 26 novembre"):
        rounds.mark_item(
            session, round_.items[0], actor=make_user(session, Role.CONCIERGE), now=NOW
        )
    assert order.status is OrderStatus.DROPPED_OFF


def test_a_wrong_tap_is_undone_within_fifteen_minutes_by_its_volunteer_only(
    client, session, two_pairs, clock_of_views
):
    volunteer, order, round_ = two_pairs
    tap = round_.items[0]
    sign_in(client, volunteer)
    submit(client, f"/tournees/elements/{tap.id}", {"action": "drop"}, form_url=MINE)
    session.expire_all()
    assert order.status is OrderStatus.AT_PROVIDER
    page = client.get(MINE).get_data(as_text=True)
    assert f'action="/tournees/elements/{tap.id}/annuler"' in page and "jusqu'à 10:15" in page
    # Another volunteer cannot take it back.
    sign_in(client, make_volunteer(session))
    other = submit(client, f"/tournees/elements/{tap.id}/annuler", {}, form_url="/tournees/")
    assert other.status_code == 403
    sign_in(client, volunteer)
    clock_of_views.at = ON_THE_DAY + timedelta(minutes=10)
    undone = submit(client, f"/tournees/elements/{tap.id}/annuler", {}, form_url=MINE)
    assert undone.status_code == 302
    session.expire_all()
    assert order.status is OrderStatus.DROPPED_OFF and tap.done_at is None
    assert {i.stage for i in order.lines[0].items} == {ItemStage.AT_DESK}
    assert "2 objets remis à l'étape d'avant" in unescape(client.get(MINE).get_data(as_text=True))
    # Tapped again, then too late to undo: refused, with why.
    submit(client, f"/tournees/elements/{tap.id}", {"action": "drop"}, form_url=MINE)
    clock_of_views.at = ON_THE_DAY + timedelta(minutes=26)
    assert f"/tournees/elements/{tap.id}/annuler" not in client.get(MINE).get_data(as_text=True)
    late = submit(client, f"/tournees/elements/{tap.id}/annuler", {}, form_url=MINE)
    assert late.status_code == 403 and "plus de 15 minutes" in late.get_data(as_text=True)
    session.expire_all()
    assert order.status is OrderStatus.AT_PROVIDER


def test_a_round_with_one_item_scanned_is_kept_when_the_day_is_planned_again(session, two_pairs):
    volunteer, order, round_ = two_pairs
    early = round_.starts_at - timedelta(minutes=30)  # scanned at the desk before leaving
    first = order.lines[0].items[0]
    thing, tap, moved = rounds.scan_item(session, [round_], first.code, actor=volunteer, now=early)
    assert moved and tap.done_at is None and round_.has_started
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=early)
    assert [r.id for r in rounds.rounds_of_day(session, THURSDAY)] == [round_.id]
