"""Rooms' pages: requesting, the week for everyone and for the concierge, answering, cancelling,
the .ics, the spaces' form with a photo, the quotas, the desk's day."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conciergerie.models import BookerKind, Booking, BookingStatus, Role, Space
from conciergerie.rooms import service
from tests.conftest import sign_in, submit
from tests.events.test_views import picture
from tests.factories import NOW, make_booking, make_space, make_user


def request_form(**kw):
    data = {
        "day": "2026-12-03",
        "starts_at": "10:00",
        "ends_at": "12:00",
        "purpose": "Assemblée générale",
        "attendees": "8",
        "layout": "En U",
        "catering_note": "Café d'accueil",
        "association_name": "",
    }
    data.update(kw)
    return data


def test_a_resident_requests_a_booking_and_sees_it_waiting(client, session, login_as, outbox):
    space = make_space(session)
    make_user(session, Role.CONCIERGE)
    resident = login_as(Role.RESIDENT)
    url = f"/salles/{space.id}"
    answer = submit(client, f"{url}/reserver", request_form(), form_url=url)
    assert answer.status_code == 302
    booking = session.scalar(sa.select(Booking).where(Booking.requester_id == resident.id))
    assert booking.status is BookingStatus.REQUESTED
    assert (booking.starts_at.hour, booking.layout) == (9, "En U")  # 10:00 Paris is 9:00 UTC
    page = client.get(answer.location).get_data(as_text=True)
    assert "En attente de la conciergerie" in page
    assert "Demande de réservation" in outbox[-1].subject
    assert "/gestion/salles/reservations/" in outbox[-1].body
    mine = client.get("/salles/reservations").get_data(as_text=True)
    assert "Assemblée générale" in mine


def test_a_refused_request_shows_the_form_again_with_the_reason(client, session, login_as):
    space = make_space(session)
    login_as(Role.RESIDENT)
    url = f"/salles/{space.id}"
    answer = submit(client, f"{url}/reserver", request_form(day="2026-12-05"), form_url=url)
    assert answer.status_code == 422
    assert "pas ouvert à ces heures" in answer.get_data(as_text=True)


def test_the_week_shows_busy_hours_to_all_and_names_to_the_concierge(client, session, login_as):
    space = make_space(session)
    booking = make_booking(session, space=space, purpose="Séminaire secret")
    service.confirm_booking(
        session, booking, actor=make_user(session, Role.CONCIERGE), kind=BookerKind.PUBLIC, now=NOW
    )
    url = f"/salles/{space.id}?semaine=2026-11-30"
    page = client.get(url).get_data(as_text=True)
    assert "10:00–12:00</span> <strong>Occupé</strong>" in page
    assert "Séminaire secret" not in page and booking.requester.full_name not in page
    login_as(Role.CONCIERGE)
    page = client.get(url).get_data(as_text=True)
    assert "Séminaire secret" in page and booking.requester.full_name in page


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "2026-02-30", "demain"])
def test_a_week_we_cannot_show_gives_this_week(client, session, week):
    space = make_space(session)
    answer = client.get(f"/salles/{space.id}?semaine={week}")
    assert answer.status_code == 200
    assert "Semaine du lundi 23 novembre" in answer.get_data(as_text=True)  # NOW's week


def test_the_concierge_confirms_with_the_kind_of_booker(client, session, login_as, outbox):
    booking = make_booking(session, association_name="Jardin partagé")
    login_as(Role.CONCIERGE)
    url = f"/gestion/salles/reservations/{booking.id}"
    assert "Jardin partagé" in client.get(url).get_data(as_text=True)
    answer = submit(
        client, f"{url}/confirmer", {"kind": "association", "association_name": "Jardin partagé"},
        form_url=url,
    )  # fmt: skip
    assert answer.status_code == 302
    session.refresh(booking)
    assert booking.status is BookingStatus.CONFIRMED and booking.price_cents == 2000
    assert outbox[-1].to == [booking.requester.email]


def test_confirming_over_a_held_time_is_a_conflict_on_the_page(client, session, login_as):
    space = make_space(session)
    held = make_booking(session, space=space)
    service.confirm_booking(
        session, held, actor=make_user(session, Role.CONCIERGE), kind=BookerKind.PUBLIC, now=NOW
    )
    other = make_booking(session, space=space)
    login_as(Role.CONCIERGE)
    url = f"/gestion/salles/reservations/{other.id}"
    answer = submit(client, f"{url}/confirmer", {"kind": "public"}, form_url=url)
    assert answer.status_code == 409
    assert "déjà réservé" in answer.get_data(as_text=True)


def test_the_concierge_declines_with_a_reason(client, session, login_as, outbox):
    booking = make_booking(session)
    login_as(Role.CONCIERGE)
    url = f"/gestion/salles/reservations/{booking.id}"
    assert submit(client, f"{url}/refuser", {"reason": ""}, form_url=url).status_code == 422
    answer = submit(client, f"{url}/refuser", {"reason": "Salle fermée ce jour-là"}, form_url=url)
    session.refresh(booking)
    assert answer.status_code == 302 and booking.status is BookingStatus.DECLINED
    assert "Salle fermée ce jour-là" in outbox[-1].body


def test_the_requester_cancels_and_others_see_nothing(client, session, login_as):
    booking = make_booking(session)
    login_as(Role.RESIDENT)  # someone else
    assert client.get(f"/salles/reservations/{booking.id}").status_code == 404
    sign_in(client, booking.requester)
    url = f"/salles/reservations/{booking.id}"
    ics = client.get(f"{url}.ics")
    assert ics.mimetype == "text/calendar" and b"DTSTART" in ics.data
    assert submit(client, f"{url}/annuler", {}, form_url=url).status_code == 302
    session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED and not booking.cancellation_charged


def test_only_the_concierge_cancels_late_free_of_charge(client, session, login_as):
    concierge = make_user(session, Role.CONCIERGE)
    booking = make_booking(session, starts_at=NOW + timedelta(hours=30))
    service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    url = f"/salles/reservations/{booking.id}"
    sign_in(client, booking.requester)
    assert "Sans frais pour le demandeur" not in client.get(url).get_data(as_text=True)
    refused = submit(client, f"{url}/annuler", {"free_of_charge": "y"}, form_url=url)
    assert refused.status_code == 403
    session.refresh(booking)
    assert booking.status is BookingStatus.CONFIRMED
    sign_in(client, concierge)
    manage = f"/gestion/salles/reservations/{booking.id}"
    assert "Sans frais pour le demandeur" in client.get(manage).get_data(as_text=True)
    done = submit(client, f"{url}/annuler", {"free_of_charge": "y"}, form_url=manage)
    assert done.status_code == 302
    session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED and not booking.cancellation_charged


def test_the_concierge_describes_a_space_with_a_photo(client, session, login_as):
    login_as(Role.CONCIERGE)
    data = {
        "name": "Salle de conférence",
        "kind": "conference_room",
        "description": "Au rez-de-chaussée.",
        "capacity": "80",
        "equipment": "Vidéoprojecteur, sono",
        "layouts": "Théâtre\nClasse",
        "opens_at": "08:00",
        "closes_at": "22:00",
        "open_weekdays": "012345",
        "photos": [(picture(), "salle.png"), (picture("JPEG"), "scene.jpg")],
        "is_active": "y",
    }
    for kind in ("member", "association", "public"):
        for part, cents in (("hour", "4000"), ("half_day", "12000"), ("day", "20000")):
            data[f"{kind}_{part}_cents"] = cents
    answer = submit(client, "/gestion/salles/nouvelle", data, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    space = session.scalar(sa.select(Space).where(Space.name == "Salle de conférence"))
    assert space.capacity == 80 and space.layout_choices == ["Théâtre", "Classe"]
    first, second = space.photos
    photo = client.get(f"/salles/{space.id}/photos/{second.id}")
    assert photo.mimetype == "image/jpeg"
    assert "Salle de conférence" in client.get("/salles/").get_data(as_text=True)
    edit = f"/gestion/salles/{space.id}/modifier"
    answer = submit(
        client, f"/gestion/salles/{space.id}/photos/{first.id}/retirer", {}, form_url=edit
    )
    assert answer.status_code == 302
    session.refresh(space)
    assert space.photos == [second]


def test_the_concierge_sets_a_companys_quota(client, session, login_as):
    employee = make_user(session, Role.EMPLOYEE)
    login_as(Role.CONCIERGE)
    company = employee.member_company
    answer = submit(
        client, "/gestion/salles/quotas", {"company_id": company.id, "hours_per_month": "10"}
    )
    assert answer.status_code == 302
    assert service.quota_hours(session, company) == 10


def test_the_desk_shows_todays_bookings(client, session, login_as, clock):
    space = make_space(session, name="Salle Wazemmes")
    booking = make_booking(
        session, space=space, starts_at=NOW + timedelta(hours=2), purpose="Comité de pilotage"
    )
    service.confirm_booking(
        session, booking, actor=make_user(session, Role.CONCIERGE), kind=BookerKind.PUBLIC, now=NOW
    )
    login_as(Role.CONCIERGE)
    page = client.get("/comptoir/").get_data(as_text=True)
    assert "Salle Wazemmes" in page and booking.purpose in page


def test_the_week_and_a_booking_read_in_english(client, session, login_as):
    space = make_space(session)
    booking = make_booking(session, space=space)
    service.confirm_booking(
        session, booking, actor=make_user(session, Role.CONCIERGE), kind=BookerKind.PUBLIC, now=NOW
    )
    sign_in(client, booking.requester)
    submit(client, "/langue", {"lang": "en"}, form_url="/")
    week = client.get(f"/salles/{space.id}?semaine=2026-11-30").get_data(as_text=True)
    assert "<strong>Busy</strong>" in week and "Free" in week and "Member company" in week
    page = client.get(f"/salles/reservations/{booking.id}").get_data(as_text=True)
    assert "Confirmed" in page and "Confirmée" not in page
    assert "Free cancellation until" in page


def test_the_requester_reads_the_invoice_of_a_booking_cancelled_too_late(client, session, login_as):
    concierge = make_user(session, Role.CONCIERGE)
    booking = make_booking(session, starts_at=NOW + timedelta(hours=30))
    service.confirm_booking(session, booking, actor=concierge, kind=BookerKind.PUBLIC, now=NOW)
    service.cancel_booking(session, booking, actor=concierge, free_hours=48, now=NOW)
    [invoice] = booking.documents
    login_as(Role.RESIDENT)  # someone else
    assert client.get(f"/documents/{invoice.id}").status_code == 404
    sign_in(client, booking.requester)
    page = client.get(f"/salles/reservations/{booking.id}").get_data(as_text=True)
    assert invoice.number in page and "le montant reste dû" in page
    document = client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    assert "Annulation tardive" in document and "Retour à la réservation" in document
    assert client.get(f"/documents/{invoice.id}.pdf").mimetype == "application/pdf"


def test_the_concierge_edits_a_space_and_keeps_its_photos(client, session, login_as):
    space = make_space(session, name="Salle Fives")
    login_as(Role.CONCIERGE)
    url = f"/gestion/salles/{space.id}/modifier"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Salle Fives"' in page
    data = {
        name: str(getattr(space, name))
        for name in ("name", "capacity", "equipment", "layouts", "open_weekdays")
    }
    data.update(kind="meeting_room", opens_at="08:00", closes_at="18:00", capacity="14")
    for kind in ("member", "association", "public"):
        for part in ("hour", "half_day", "day"):
            data[f"{kind}_{part}_cents"] = str(getattr(space, f"{kind}_{part}_cents"))
    answer = submit(client, url, data)
    assert answer.status_code == 302
    session.refresh(space)
    assert space.capacity == 14 and space.closes_at.hour == 18
    assert not space.is_active  # the box left unticked


def test_a_photo_of_two_megabytes_is_taken(client, session, login_as):
    """The space's form takes files: it is held to the upload limit, not the 1 MB of forms."""
    import io
    import os

    from PIL import Image

    space = make_space(session)
    login_as(Role.CONCIERGE)
    big = io.BytesIO()
    Image.frombytes("RGB", (900, 900), os.urandom(900 * 900 * 3)).save(big, "PNG")
    assert big.tell() > 2_000_000
    big.seek(0)
    url = f"/gestion/salles/{space.id}/modifier"
    data = {
        "name": space.name,
        "kind": "meeting_room",
        "capacity": "12",
        "opens_at": "08:00",
        "closes_at": "19:00",
        "open_weekdays": "01234",
        "photos": [(big, "grande.png")],
    }
    for kind in ("member", "association", "public"):
        for part in ("hour", "half_day", "day"):
            data[f"{kind}_{part}_cents"] = "0"
    answer = submit(client, url, data, content_type="multipart/form-data")
    answer.request.environ["wsgi.input"].close()  # the test client's body, spooled to a file
    assert answer.status_code == 302
    session.refresh(space)
    assert len(space.photos) == 1
