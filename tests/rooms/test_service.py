"""Rooms' rules: requests, quotas, confirming, declining, cancelling, never twice."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.models import BookerKind, Booking, BookingStatus, Role
from conciergerie.rooms import pricing, service
from tests.factories import NOW, make_booking, make_space, make_user

THURSDAY_10 = datetime(2026, 12, 3, 9, tzinfo=UTC)  # 10:00 in Paris


def wish(starts_at=THURSDAY_10, hours=2, **kw):
    kw.setdefault("purpose", "Assemblée générale")
    kw.setdefault("attendees", 8)
    return service.BookingRequest(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), **kw
    )


@pytest.fixture
def concierge(session):
    return make_user(session, Role.CONCIERGE)


def test_a_residents_request_waits_for_the_concierge_who_is_mailed(session, concierge, outbox):
    space = make_space(session)
    resident = make_user(session)
    booking = service.request_booking(session, space, resident, wish(), now=NOW)
    assert booking.status is BookingStatus.REQUESTED
    assert booking.booker_kind is BookerKind.PUBLIC
    assert pricing.charge(booking).amount_cents is None
    assert [m.to for m in outbox] == [[concierge.email]]


def test_a_member_companys_request_within_its_quota_is_confirmed_at_once(session, outbox):
    space = make_space(session)
    employee = make_user(session, Role.EMPLOYEE)
    service.set_quota(session, employee.member_company, 3)
    booking = service.request_booking(session, space, employee, wish(hours=2), now=NOW)
    assert booking.status is BookingStatus.CONFIRMED
    assert (booking.price_cents, booking.included_minutes) == (0, 120)
    assert booking.company == employee.member_company
    assert [m.to for m in outbox] == [[employee.email]]
    # The next two hours that month go beyond the quota's one hour left: the concierge decides.
    later = service.request_booking(
        session, space, employee, wish(THURSDAY_10 + timedelta(days=1)), now=NOW
    )
    assert later.status is BookingStatus.REQUESTED
    quote = service.price_of(session, later, BookerKind.MEMBER, employee.member_company)
    assert quote == pricing.Quote(included_minutes=60, price_cents=1500)


def test_the_concierge_confirms_as_an_association_at_the_reduced_price(session, concierge, outbox):
    booking = make_booking(session, association_name="Les Amis de Gambetta")
    service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.ASSOCIATION, now=NOW)
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.price_cents == 2000  # two hours at 10 €
    assert booking.association_name == "Les Amis de Gambetta"
    assert "confirm" in outbox[-1].subject.lower()


def test_declining_needs_a_reason_and_mails_it(session, concierge, outbox):
    booking = make_booking(session)
    with pytest.raises(service.BookingRefused):
        service.decline_booking(session, booking, actor=concierge, reason=" ", now=NOW)
    service.decline_booking(session, booking, actor=concierge, reason="Salle en travaux", now=NOW)
    assert booking.status is BookingStatus.DECLINED
    assert "Salle en travaux" in outbox[-1].body
    with pytest.raises(service.BookingState):
        service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)


def test_a_request_outside_the_opening_hours_or_capacity_is_refused(session):
    space = make_space(session, capacity=4)
    resident = make_user(session)
    saturday = THURSDAY_10 + timedelta(days=2)
    for refused, field in (
        (wish(saturday, attendees=2), "starts_at"),
        (
            wish(THURSDAY_10 + timedelta(hours=8), attendees=2),
            "starts_at",
        ),  # till 20:00, it shuts at 19:00
        (wish(attendees=5), "attendees"),
        (wish(NOW - timedelta(hours=3), attendees=2), "starts_at"),
        (wish(layout="Théâtre", attendees=2), "layout"),
    ):
        with pytest.raises(service.BookingRefused) as error:
            service.request_booking(session, space, resident, refused, now=NOW)
        assert error.value.field == field


def test_two_confirmed_bookings_of_a_space_never_overlap(session, concierge):
    space = make_space(session)
    first = make_booking(session, space=space)
    second = make_booking(session, space=space, starts_at=THURSDAY_10 + timedelta(hours=1))
    back_to_back = make_booking(session, space=space, starts_at=THURSDAY_10 + timedelta(hours=2))
    service.confirm_booking(session, first, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    with pytest.raises(service.BookingConflict):
        service.confirm_booking(session, second, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    service.confirm_booking(  # 12:00 to 14:00 after 10:00 to 12:00: no overlap
        session, back_to_back, actor=concierge, kind=BookerKind.PUBLIC, now=NOW
    )
    with pytest.raises(service.BookingConflict):  # nor a new request over a held time
        service.request_booking(session, space, make_user(session), wish(), now=NOW)


def test_the_database_refuses_an_overlap_the_service_did_not_look_for(session, concierge):
    """The guard of the database alone (trigger on SQLite, exclusion constraint on
    PostgreSQL), with the service's look skipped."""
    space = make_space(session)
    first = make_booking(session, space=space)
    second = make_booking(session, space=space, starts_at=THURSDAY_10 + timedelta(minutes=30))
    service.confirm_booking(session, first, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    with pytest.raises(service.BookingConflict):
        service.confirm_booking(
            session, second, actor=concierge, kind=BookerKind.PUBLIC, now=NOW, check_overlap=False
        )
    held = session.scalars(
        sa.select(Booking.id).where(Booking.status == BookingStatus.CONFIRMED)
    ).all()
    assert held == [first.id]


def test_cancelling_is_free_until_48_hours_before_and_charged_after(session, concierge):
    space = make_space(session)
    early = make_booking(session, space=space)
    late = make_booking(session, space=space, starts_at=NOW + timedelta(hours=30))
    for booking in (early, late):
        service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    service.cancel_booking(session, early, actor=early.requester, free_hours=48, now=NOW)
    service.cancel_booking(session, late, actor=concierge, free_hours=48, now=NOW)
    assert pricing.charge(early).amount_cents == 0
    assert late.cancellation_charged
    assert pricing.charge(late).balance_due_cents == late.price_cents == 6000
    with pytest.raises(service.BookingState):
        service.cancel_booking(session, late, actor=concierge, free_hours=48, now=NOW)


def test_the_concierge_cancels_late_free_of_charge_when_the_house_cancels(
    session, concierge, outbox
):
    booking = make_booking(session, starts_at=NOW + timedelta(hours=30))
    service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    with pytest.raises(service.BookingNotAllowed):  # the requester cannot waive the charge
        service.cancel_booking(
            session, booking, actor=booking.requester, free_hours=48, now=NOW, free_of_charge=True
        )
    assert booking.status is BookingStatus.CONFIRMED
    outbox.clear()
    service.cancel_booking(
        session, booking, actor=concierge, free_hours=48, now=NOW, free_of_charge=True
    )
    assert booking.status is BookingStatus.CANCELLED and not booking.cancellation_charged
    assert pricing.charge(booking).amount_cents == 0 and booking.documents == []
    [mail] = outbox
    assert mail.to == [booking.requester.email] and "Rien ne vous est facturé" in mail.body


def test_a_late_cancellation_mail_says_the_price_stays_owed(session, concierge, outbox):
    booking = make_booking(session, starts_at=NOW + timedelta(hours=30))
    service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    outbox.clear()
    service.cancel_booking(session, booking, actor=concierge, free_hours=48, now=NOW)
    [mail] = outbox
    assert "le montant reste dû" in mail.body and "Rien ne vous est facturé" not in mail.body


def test_paying_at_the_desk_settles_what_the_booking_charges(session, concierge):
    booking = make_booking(session)
    with pytest.raises(service.BookingState):  # a request owes nothing yet
        service.record_payment(session, booking, actor=concierge, now=NOW)
    service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    service.record_payment(session, booking, actor=concierge, now=NOW)
    assert pricing.charge(booking).balance_due_cents == 0


def test_the_week_shows_free_and_busy_hours(session, concierge):
    space = make_space(session)
    booking = make_booking(session, space=space)
    service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    week = service.week(session, space, datetime(2026, 11, 30).date())
    thursday = week[3]
    assert [(p.starts_at.hour, p.ends_at.hour, p.busy) for p in thursday.periods] == [
        (7, 9, False),
        (9, 11, True),
        (11, 18, False),
    ]  # UTC: 8:00–10:00 free, 10:00–12:00 busy, 12:00–19:00 free in Paris
    assert not week[5].open and not week[5].periods  # Saturday
    assert service.bookings_of_day(session, datetime(2026, 12, 3).date()) == [booking]


def test_a_day_is_cut_into_free_and_busy_periods():
    from datetime import date, time

    from conciergerie.rooms.availability import day_periods

    monday = date(2026, 11, 30)
    thursday_booking = (THURSDAY_10, THURSDAY_10 + timedelta(hours=2), None)
    [whole] = day_periods(monday, opens_at=time(8), closes_at=time(19), taken=[thursday_booking])
    assert not whole.busy  # another day's booking leaves Monday free
    early = (  # from before the opening: counted from the opening only
        datetime(2026, 11, 30, 6, tzinfo=UTC),
        datetime(2026, 11, 30, 8, tzinfo=UTC),
        None,
    )
    periods = day_periods(monday, opens_at=time(8), closes_at=time(19), taken=[early])
    assert [(p.starts_at.hour, p.ends_at.hour, p.busy) for p in periods] == [
        (7, 8, True),
        (8, 18, False),
    ]


def test_rooms_income_is_a_line_of_the_months_accounts_and_associations_count(session, concierge):
    from conciergerie.reports import impact
    from conciergerie.reports import service as reports

    space = make_space(session)
    for n, kind in enumerate((BookerKind.ASSOCIATION, BookerKind.PUBLIC, BookerKind.ASSOCIATION)):
        booking = make_booking(
            session,
            space=space,
            starts_at=THURSDAY_10 + timedelta(days=7 * n),
            association_name="Jardin partagé" if kind is BookerKind.ASSOCIATION else "",
        )
        service.confirm_booking(session, booking, actor=concierge, kind=kind, now=NOW)
    december = datetime(2026, 12, 1).date()
    report = reports.month_report(session, december, default_rate_bp=1000, cost_cents=0)
    assert report.rooms_cents == 2000 + 6000 + 2000
    assert report.income_cents >= report.rooms_cents
    figures = impact.impact(
        session, december, datetime(2026, 12, 31).date(), default_rate_bp=1000, now=NOW
    )
    assert (figures.association_bookings, figures.association_minutes) == (2, 240)
    assert figures.associations == 1


def test_a_booking_is_invoiced_once_it_took_place_or_was_cancelled_too_late(session, concierge):
    from conciergerie.invoices import service as invoices
    from conciergerie.models import DocumentKind

    space = make_space(session)
    held = make_booking(session, space=space)
    late = make_booking(session, space=space, starts_at=NOW + timedelta(hours=30))
    free = make_booking(session, space=space, starts_at=THURSDAY_10 + timedelta(days=1))
    for booking in (held, late, free):
        service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    service.cancel_booking(session, late, actor=late.requester, free_hours=48, now=NOW)
    service.cancel_booking(session, free, actor=free.requester, free_hours=48, now=NOW)
    [late_invoice] = late.documents  # at once, for what it still charges
    assert late_invoice.kind is DocumentKind.INVOICE and late_invoice.total_cents == 6000
    assert invoices.invoice_past_bookings(session, now=NOW) == 0  # held has not taken place
    after = held.ends_at + timedelta(minutes=1)
    assert invoices.invoice_past_bookings(session, now=after) == 1
    assert invoices.invoice_past_bookings(session, now=after) == 0  # safe to re-run
    [invoice] = held.documents
    assert invoice.total_cents == 6000 and invoice.number.startswith("F-2026-")
    assert invoice.content["customer"]["name"] == held.requester.full_name
    assert not free.documents  # cancelled in time: nothing owed, no invoice


def test_the_demo_has_the_rooms_and_bookings_of_each_kind(session, tmp_path):
    from collections import Counter

    from conciergerie.demo.service import load_demo_data
    from conciergerie.models import Space, SpaceKind

    load_demo_data(session, now=NOW, lived_in=False, pictures=tmp_path / "events")
    kinds = Counter(session.scalars(sa.select(Space.kind)).all())
    assert kinds == {
        SpaceKind.CONFERENCE_ROOM: 1,
        SpaceKind.MEETING_ROOM: 2,
        SpaceKind.TRAINING_ROOM: 1,
        SpaceKind.COWORKING_DESK: 6,
    }
    bookings = session.scalars(sa.select(Booking)).all()
    assert {b.booker_kind for b in bookings} == set(BookerKind)
    assert {b.status for b in bookings} == set(BookingStatus)
    assert any(b.cancellation_charged and b.documents for b in bookings)
    assert any(b.included_minutes and b.price_cents == 0 for b in bookings)  # within the hours
    assert list((tmp_path / "spaces").iterdir())  # the conference room's photo
    again = load_demo_data(session, now=NOW, lived_in=False, pictures=tmp_path / "events")
    assert "espaces" not in again and "réservations" not in again


def test_a_persons_bookings_are_in_their_data_and_freed_when_they_leave(session, concierge):
    from conciergerie.accounts import privacy

    booking = make_booking(session, catering_note="Café pour six")
    service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    [exported] = privacy.export_data(session, booking.requester, now=NOW)["room_bookings"]
    assert exported["purpose"] == booking.purpose and exported["price_cents"] == 6000
    privacy.anonymise(session, booking.requester, now=NOW)
    session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED and not booking.cancellation_charged
    assert (booking.purpose, booking.catering_note) == ("", "")


def test_paid_then_cancelled_in_time_is_given_back_at_the_desk(session, concierge):
    booking = make_booking(session)
    service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    with pytest.raises(service.BookingState):  # nothing owed back yet
        service.record_refund(session, booking, actor=concierge, now=NOW)
    service.record_payment(session, booking, actor=concierge, now=NOW)
    service.cancel_booking(session, booking, actor=booking.requester, free_hours=48, now=NOW)
    assert pricing.charge(booking).refund_due_cents == 6000
    service.record_refund(session, booking, actor=concierge, now=NOW)
    figures = pricing.charge(booking)
    assert (figures.refund_due_cents, figures.balance_due_cents, figures.kept_cents) == (0, 0, 0)


def test_an_erased_account_s_bookings_to_come_are_freed_and_one_under_way_stays(session, outbox):
    from conciergerie.accounts.privacy import anonymise

    person = make_user(session, full_name="Nadia Benali")
    concierge = make_user(session, Role.CONCIERGE)
    under_way = make_booking(
        session,
        requester=person,
        starts_at=NOW - timedelta(hours=1),
        ends_at=NOW + timedelta(hours=1),
    )
    to_come = make_booking(session, requester=person, starts_at=NOW + timedelta(hours=20))
    for booking in (under_way, to_come):
        service.confirm_booking(
            session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW - timedelta(days=3)
        )
    outbox.clear()
    anonymise(session, person, now=NOW)
    assert under_way.status is BookingStatus.CONFIRMED and not under_way.cancellation_charged
    assert to_come.status is BookingStatus.CANCELLED and not to_come.cancellation_charged
    assert under_way.purpose == "" and to_come.purpose == ""
    # The concierge is told which bookings went (to offer the company to book again), without
    # the person's name.
    [told] = [mail for mail in outbox if mail.to == [concierge.email]]
    assert "un compte a été supprimé" in told.subject
    assert f"/gestion/salles/reservations/{to_come.id}" in told.body
    assert f"/gestion/salles/reservations/{under_way.id}" not in told.body
    assert "Nadia" not in told.body and "Benali" not in told.body
