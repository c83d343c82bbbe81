"""Every route × every role, with the expected answer, generated from the app's URL map: a new
route without an entry here fails the test.

One letter per role, in the order of ROLES: o = let through (not 401/403/404/5xx), d = 403,
l = sent to sign in (302 to the sign-in page; 401 on the API), n = 404 (someone else's object
looks like no object at all), - = not asserted (a token route tested on its own).
Forms are posted empty with CSRF off: an allowed role gets its form's own answer (400, 422, a
redirect…), a refused role never reaches the form.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conciergerie.models import (
    DeskClosure,
    DeskOpeningRange,
    OrderStatus,
    PaymentKind,
    Role,
    VolunteerAbsence,
)
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.rounds import service as rounds
from tests.conftest import sign_in
from tests.factories import (
    NOW,
    make_event,
    make_offer,
    make_order,
    make_provider,
    make_user,
    make_volunteer,
    open_provider,
)
from tests.rounds.test_service import DEPOT, THURSDAY

ROLES = ("anonymous", "resident", "employee", "volunteer", "provider", "concierge")

# (endpoint, method): expected per role — anonymous, resident, employee, volunteer, provider,
# concierge. The resident owns the order in the URLs; the employee is another customer; the
# provider works for that order's provider; the volunteer does the round in the URLs.
MATRIX: dict[tuple[str, str], str] = {
    ("home.index", "GET"): "oooooo",
    ("home.healthz", "GET"): "oooooo",
    ("home.set_language", "POST"): "oooooo",
    ("static", "GET"): "oooooo",
    ("catalogue.index", "GET"): "oooooo",
    ("catalogue.provider", "GET"): "oooooo",
    ("accounts.signup", "GET"): "oooooo",
    ("accounts.signup", "POST"): "oooooo",
    ("accounts.login", "GET"): "oooooo",
    ("accounts.login", "POST"): "oooooo",
    ("accounts.logout", "POST"): "looooo",
    ("accounts.forgot_password", "GET"): "oooooo",
    ("accounts.forgot_password", "POST"): "oooooo",
    ("accounts.reset_password", "GET"): "oooooo",
    ("accounts.confirm_address", "GET"): "oooooo",  # a made-up link: its refusal, for anyone
    ("accounts.reset_password", "POST"): "oooooo",
    ("accounts.profile", "GET"): "looooo",
    ("accounts.profile", "POST"): "looooo",
    ("accounts.my_data", "GET"): "looooo",
    ("accounts.delete_account", "GET"): "looooo",
    ("accounts.delete_account", "POST"): "looooo",  # an empty form: asked for the password
    ("accounts.update_details", "POST"): "looooo",  # an empty form: the name is asked for
    ("accounts.change_email", "POST"): "looooo",  # an empty form: errors, nothing mailed
    ("accounts.cancel_email_change", "POST"): "looooo",
    ("accounts.confirm_email_change", "GET"): "oooooo",  # a made-up link: its refusal
    ("accounts.accept_invitation", "GET"): "oooooo",  # a made-up link: its refusal
    ("accounts.accept_invitation", "POST"): "oooooo",
    ("home.privacy", "GET"): "oooooo",
    ("home.legal_notice", "GET"): "oooooo",
    ("home.terms", "GET"): "oooooo",
    ("home.favicon", "GET"): "oooooo",
    ("manage.index", "GET"): "lddddo",
    ("manage.new_provider", "GET"): "lddddo",
    ("manage.new_provider", "POST"): "lddddo",  # an empty form: errors, nothing saved
    ("manage.edit_provider", "GET"): "lddddo",
    ("manage.edit_provider", "POST"): "lddddo",
    ("manage.new_offer", "GET"): "lddddo",
    ("manage.new_offer", "POST"): "lddddo",
    ("manage.edit_offer", "GET"): "lddddo",
    ("manage.edit_offer", "POST"): "lddddo",
    ("manage.new_company", "GET"): "lddddo",
    ("manage.new_company", "POST"): "lddddo",
    ("manage.edit_company", "GET"): "lddddo",
    ("manage.edit_company", "POST"): "lddddo",
    ("manage.log", "GET"): "lddddo",
    ("manage.user_list", "GET"): "lddddo",
    ("manage.edit_user", "GET"): "lddddo",
    ("manage.edit_user", "POST"): "lddddo",  # an empty form: errors, nothing saved
    # Only the concierge opens accounts (by invitation) and sends an invitation again; the
    # employee in the URLs chose their password long ago: the concierge gets the refusal (409).
    ("manage.new_user", "GET"): "lddddo",
    ("manage.new_user", "POST"): "lddddo",  # an empty form: errors, nothing saved
    ("manage.resend_invitation", "POST"): "lddddo",
    ("manage.employee_requests", "GET"): "lddddo",
    # The employee in the URLs is verified already: the concierge gets the refusal (409).
    ("manage.approve_employee", "POST"): "lddddo",
    ("manage.decline_employee", "POST"): "lddddo",
    ("reports.dashboard_page", "GET"): "lddddo",
    ("reports.impact_page", "GET"): "lddddo",
    ("reports.impact_csv", "GET"): "lddddo",
    ("reports.month", "GET"): "lddddo",
    ("reports.month_csv", "GET"): "lddddo",
    ("reports.statement", "GET"): "lddddo",
    ("reports.record_payout", "POST"): "lddddo",  # an empty form: errors, nothing saved
    ("accounts.user_list", "GET"): "lddddo",  # moved to /gestion/utilisateurs
    ("orders.add_to_basket", "POST"): "nnnnnn",  # open to all; an empty form names no offer
    ("orders.update_basket", "POST"): "oooooo",
    ("orders.show_basket", "GET"): "oooooo",
    ("orders.checkout", "GET"): "looddd",
    ("orders.checkout", "POST"): "looddd",
    ("orders.my_orders", "GET"): "looooo",  # staff see an empty list: they never order
    ("orders.detail", "GET"): "lonnno",
    ("orders.ics", "GET"): "lonnno",
    ("orders.cancel", "POST"): "lonnno",
    # Moving a slot: the customer (until the deadline) and the concierge; others see no order.
    ("orders.move_slots", "GET"): "lonnno",
    ("orders.move_slots", "POST"): "lonnno",
    ("desk.move_slots", "GET"): "lddddo",
    ("desk.move_slots", "POST"): "lddddo",
    # Only the customer answers a quote or pays its balance; the concierge sees but may not.
    ("orders.accept_quote", "POST"): "lonnnd",
    ("orders.decline_quote", "POST"): "lonnnd",
    ("payments.pay_balance", "POST"): "lonnnd",
    ("payments.payment_return", "GET"): "lonnno",
    # The resident owns the subscription in the URLs; the employee is another customer (404).
    ("subscriptions.mine", "GET"): "looddd",
    ("subscriptions.new", "GET"): "looddd",
    ("subscriptions.new", "POST"): "looddd",  # an empty form: errors, nothing saved
    ("subscriptions.skip", "POST"): "londdd",
    ("subscriptions.unskip", "POST"): "londdd",
    ("subscriptions.pause", "POST"): "londdd",
    ("subscriptions.resume", "POST"): "londdd",
    ("subscriptions.stop", "POST"): "londdd",
    ("subscriptions.desk_list", "GET"): "lddddo",
    ("payments.desk_payment", "POST"): "lddddo",
    ("payments.desk_refund", "POST"): "lddddo",
    ("payments.desk_refund_due", "POST"): "lddddo",
    ("payments.export_payments", "GET"): "lddddo",
    ("payments.stripe_webhook", "POST"): "------",
    # Signed by the SMS provider, never by a session: unsigned, everyone gets 403.
    ("texts.inbound", "POST"): "dddddd",
    ("payments.test_checkout", "GET"): "------",
    ("payments.test_checkout", "POST"): "------",
    ("desk.index", "GET"): "lddodo",
    ("desk.order", "GET"): "lddodo",
    ("desk.step", "POST"): "lddodo",
    ("desk.check_in", "POST"): "lddddo",  # an empty form: 400/422, nothing received
    ("desk.labels", "GET"): "lddodo",
    ("desk.undo_item", "POST"): "lddodo",  # allowed through: its own refusal (the reception)
    ("desk.counter_order", "GET"): "lddddo",
    ("desk.counter_order", "POST"): "lddddo",
    ("slots.opening_hours", "GET"): "lddddo",
    ("slots.add_range", "POST"): "lddddo",
    ("slots.delete_range", "POST"): "lddddo",
    ("slots.add_closure", "POST"): "lddddo",
    ("slots.delete_closure", "POST"): "lddddo",
    ("jobs.index", "GET"): "lddddo",
    ("events.index", "GET"): "oooooo",
    ("events.detail", "GET"): "oooooo",
    ("events.image", "GET"): "nnnnnn",  # the event in the URLs has no picture
    ("events.event_ics", "GET"): "oooooo",
    ("events.feed", "GET"): "oooooo",
    ("events.poster", "GET"): "oooooo",
    ("events.archives", "GET"): "oooooo",
    ("events.archives_csv", "GET"): "lddodo",
    ("events.register", "POST"): "looooo",
    ("events.unregister", "POST"): "looooo",
    ("events.create", "GET"): "lddodo",
    ("events.create", "POST"): "lddodo",
    ("events.edit", "GET"): "lddodo",
    ("events.edit", "POST"): "lddodo",
    ("events.cancel", "POST"): "lddodo",
    ("events.participants", "GET"): "lddodo",
    ("events.participants", "POST"): "lddodo",
    ("rooms.index", "GET"): "oooooo",
    ("rooms.space", "GET"): "oooooo",
    ("rooms.photo", "GET"): "nnnnnn",  # the photo's file in the URLs is missing
    ("rooms.remove_photo", "POST"): "lddddo",
    ("rooms.request_booking", "POST"): "looooo",  # an empty form: errors, nothing asked
    ("rooms.my_bookings", "GET"): "looooo",
    # The resident requested the booking in the URLs: others are told it does not exist.
    ("rooms.booking", "GET"): "lonnno",
    ("rooms.booking_ics", "GET"): "lonnno",
    ("rooms.cancel", "POST"): "lonnno",
    ("rooms.manage", "GET"): "lddddo",
    ("rooms.new_space", "GET"): "lddddo",
    ("rooms.new_space", "POST"): "lddddo",
    ("rooms.edit_space", "GET"): "lddddo",
    ("rooms.edit_space", "POST"): "lddddo",
    ("rooms.manage_booking", "GET"): "lddddo",
    ("rooms.confirm", "POST"): "lddddo",
    ("rooms.decline", "POST"): "lddddo",
    ("rooms.record_payment", "POST"): "lddddo",
    ("rooms.record_refund", "POST"): "lddddo",
    ("rooms.quotas", "GET"): "lddddo",
    ("rooms.quotas", "POST"): "lddddo",
    ("rounds.mine", "GET"): "lddodo",
    ("rounds.mark", "POST"): "lddodo",
    ("rounds.scan", "POST"): "lddodo",
    ("rounds.undo", "POST"): "lddodo",
    ("rounds.availability", "GET"): "lddodo",
    ("rounds.set_transport", "POST"): "lddodo",
    ("rounds.add_range", "POST"): "lddodo",
    ("rounds.delete_range", "POST"): "lddodn",  # the volunteer's own range; not the concierge's
    ("rounds.add_absence", "POST"): "lddodo",
    ("rounds.delete_absence", "POST"): "lddodn",
    ("rounds.plan", "GET"): "lddddo",
    ("rounds.replan", "POST"): "lddddo",
    ("rounds.move_stop", "POST"): "lddddo",
    ("rounds.assign", "POST"): "lddddo",
    ("rounds.toggle_lock", "POST"): "lddddo",
    ("portal.index", "GET"): "ldddod",
    ("portal.ready", "POST"): "ldddod",
    ("portal.undo_ready", "POST"): "ldddod",
    ("portal.cannot_do", "POST"): "ldddod",  # an empty form: the reason is asked for
    ("portal.quote", "POST"): "ldddod",  # an empty form: the price is asked for
    ("portal.statements", "GET"): "ldddod",  # the staff's own provider's months only
    ("portal.statement", "GET"): "ldddod",
    ("portal.payout", "GET"): "ldddod",  # another provider's staff: 404 (tests/payouts)
    # The staff's own provider's offers and hours (another provider's offer: 404, tests/portal).
    ("portal.offers", "GET"): "ldddod",
    ("portal.edit_offer", "POST"): "ldddod",  # an empty form: the price is asked for
    ("portal.edit_hours", "POST"): "ldddod",  # an empty form: every day closed
    # The providers' own changes, and reverting one (the provider's price change in the URLs).
    ("manage.provider_changes_page", "GET"): "lddddo",
    ("manage.revert_provider_change", "POST"): "lddddo",
    ("stock.index", "GET"): "ldddod",  # the staff's own provider's deliveries only
    ("stock.download", "GET"): "ldddod",
    ("closures.mine", "GET"): "ldddod",  # the staff's own provider's closures
    ("closures.mine", "POST"): "ldddod",  # an empty form: the first day is asked for
    ("closures.of_provider", "GET"): "lddddo",
    ("closures.of_provider", "POST"): "lddddo",
    # The provider's staff remove it first (the concierge may too: tests/closures); another
    # provider's staff get a 404 (tests/closures).
    ("closures.remove", "POST"): "ldddo-",
    ("volunteers.hours_page", "GET"): "lddodo",
    ("volunteers.hours_csv", "GET"): "lddodo",
    ("volunteers.availability", "GET"): "lddddo",
    ("volunteers.feed", "GET"): "------",  # a signed token instead of a session
    # The resident's receipt (their order's): someone else's document looks like no document.
    ("invoices.show", "GET"): "lonnno",
    ("invoices.pdf", "GET"): "lonnno",
    ("api.openapi", "GET"): "oooooo",
    ("api.providers", "GET"): "oooooo",
    ("api.list_slots", "GET"): "oooooo",
    ("api.create_token", "POST"): "------",
    ("api.revoke_token", "DELETE"): "looooo",
    ("api.create_order", "POST"): "looddd",
    ("api.get_order", "GET"): "lonnno",
    ("api.cancel_order", "POST"): "lonnno",
    # Staff other than the concierge: 403 before any order; another customer's order: 404.
    ("api.move_order_slots", "POST"): "londdo",
    ("api.answer_quote", "POST"): "lonnnd",
    ("api.list_rounds", "GET"): "lddodo",
    ("api.mark_round_item", "POST"): "lddodo",
}


def routes(app) -> list[tuple[str, str, object]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule))
    return found


def test_every_route_has_an_entry(app):
    missing = sorted(f"{e} {m}" for e, m, _ in routes(app) if (e, m) not in MATRIX)
    assert missing == [], "add these routes to MATRIX with the answer each role should get"
    stale = sorted(
        f"{e} {m}" for e, m in MATRIX if (e, m) not in {(e, m) for e, m, _ in routes(app)}
    )
    assert stale == []


@pytest.fixture
def world(session):
    """One of everything the URLs point at."""
    people = {
        "resident": make_user(session, Role.RESIDENT),
        "employee": make_user(session, Role.EMPLOYEE),
        "volunteer": make_volunteer(session),
        "concierge": make_user(session, Role.CONCIERGE),
    }
    provider = open_provider(make_provider(session, slug="cordonnerie"))
    people["provider"] = make_user(session, Role.PROVIDER, provider=provider)
    order = make_order(
        session,
        customer=people["resident"],
        offer=make_offer(session, provider=provider, turnaround_days=1),
    )
    orders.advance_order(
        session, order, OrderStatus.DROPPED_OFF, actor=people["concierge"], now=NOW
    )
    payments.record_desk_payment(  # its receipt: the document in the URLs
        session,
        order,
        amount_cents=500,
        kind=PaymentKind.DESK_CASH,
        actor=people["concierge"],
        now=NOW,
    )
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    stop = round_.stops[0]
    event = make_event(session, organiser=people["volunteer"])
    range_ = DeskOpeningRange(
        weekday=6,
        opens_at=datetime(2026, 1, 1, 9).time(),
        closes_at=datetime(2026, 1, 1, 10).time(),
    )
    closure = DeskClosure(day=datetime(2027, 1, 4, tzinfo=UTC).date(), reason="Inventaire")
    absence = VolunteerAbsence(
        volunteer_id=people["volunteer"].id,
        first_day=THURSDAY,
        last_day=THURSDAY,
    )
    from conciergerie.models import ProviderClosure

    provider_closure = ProviderClosure(
        provider=provider,
        first_day=datetime(2027, 1, 11).date(),
        last_day=datetime(2027, 1, 15).date(),
        reason="Congés",
    )
    session.add_all([range_, closure, absence, provider_closure])
    from conciergerie.models import BasketSubscription, PaymentMethod, SubscriptionStatus
    from tests.factories import make_basket_offer

    basket = make_basket_offer(session, provider=provider)
    subscription = BasketSubscription(
        customer=people["resident"],
        offer=basket,
        first_delivery=datetime(2026, 12, 3).date(),
        pickup_from=datetime(2026, 1, 1, 17).time(),
        payment_method=PaymentMethod.DESK,
        status=SubscriptionStatus.ACTIVE,
    )
    session.add(subscription)
    from conciergerie.models import ProviderPayout

    payout = ProviderPayout(
        provider=provider,
        month=datetime(2026, 11, 1).date(),
        paid_on=datetime(2026, 11, 20).date(),
        amount_cents=1_000,
        bank_reference="VIR-2026-11-001",
    )
    session.add(payout)
    session.flush()
    from conciergerie.portal import offers as own_offers

    provider_change = own_offers.edit_offer(
        session,
        order.lines[0].offer,
        values={"price_cents": 1_200},
        actor=people["provider"],
        now=NOW,
    )
    from tests.factories import make_booking

    booking = make_booking(session, requester=people["resident"])
    from conciergerie.models import SpacePhoto

    space_photo = SpacePhoto(space=booking.space, image_name="absente.jpg")
    session.add(space_photo)
    session.flush()
    from conciergerie.models import VolunteerAvailability

    volunteer_range = (
        session.query(VolunteerAvailability).filter_by(volunteer_id=people["volunteer"].id).first()
    )
    values = {
        "order_id": order.id,
        "user_id": people["employee"].id,
        "event_id": event.id,
        "round_id": round_.id,
        "stop_id": stop.id,
        "item_id": stop.items[0].id,
        "line_id": order.lines[0].id,
        "objet_id": order.lines[0].items[0].id,
        "absence_id": absence.id,
        "closure_id": {"slots": closure.id, "closures": provider_closure.id},
        "jour": "2026-12-03",
        "slug": "cordonnerie",
        "provider_id": order.lines[0].provider_id,
        "offer_id": order.lines[0].offer_id,
        "company_id": people["employee"].member_company_id,
        "token": "jeton-invalide",
        "session_id": "cs_test_inconnu",
        "filename": "css/site.css",
        "range_id": {"slots": range_.id, "rounds": volunteer_range.id},
        "basket_id": basket.id,
        "subscription_id": subscription.id,
        "payout_id": payout.id,
        "mois": "2026-11",
        "document_id": order.documents[0].id,
        "entry_id": provider_change.id,
        "space_id": booking.space_id,
        "booking_id": booking.id,
        "photo_id": space_photo.id,
    }
    return people, values


def url_for_rule(rule, values) -> str:
    args = {}
    for name in rule.arguments:
        value = values[name]
        if isinstance(value, dict):
            value = value[rule.endpoint.split(".")[0]]
        args[name] = value
    path = rule.build(args, append_unknown=False)[1]
    if rule.endpoint in ("rounds.mine", "rounds.plan"):
        path += "?day=2026-11-26"
    return path


def call(client, method, path, user, session, app):
    headers = {}
    if path.startswith("/api/") and user is not None:
        from conciergerie.api import service as tokens

        headers["Authorization"] = f"Bearer {tokens.issue_token(session, user, now=NOW)}"
    elif user is not None:
        sign_in(client, user)
    kwargs = {"json": {}} if path.startswith("/api/") and method != "GET" else {"data": {}}
    if method == "GET":
        kwargs = {}
    return client.open(path, method=method, headers=headers, **kwargs)


def verdict(answer, path) -> str:
    status = answer.status_code
    if status >= 500:
        return "5"
    if status == 403:
        return "d"
    if status == 404:
        return "n"
    if status == 401 or (status == 302 and "/compte/connexion" in answer.location):
        return "l"
    return "o"


@pytest.mark.parametrize("endpoint_method", sorted(MATRIX), ids=lambda em: f"{em[0]}-{em[1]}")
def test_each_role_gets_the_expected_answer(
    app, client, session, world, endpoint_method, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    monkeypatch.setattr("conciergerie.rounds.views.utcnow", lambda: NOW)
    endpoint, method = endpoint_method
    people, values = world
    [rule] = [r for e, m, r in routes(app) if (e, m) == endpoint_method]
    path = url_for_rule(rule, values)
    got = []
    for role, expected in zip(ROLES, MATRIX[endpoint_method], strict=True):
        if expected == "-":
            got.append("-")
            continue
        client.delete_cookie("session")
        answer = call(client, method, path, people.get(role), session, app)
        got.append(verdict(answer, path))
        answer.close()
    assert "".join(got) == MATRIX[endpoint_method], f"{method} {path}"
