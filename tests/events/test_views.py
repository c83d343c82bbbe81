import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from conciergerie.models import Event, Registration, RegistrationStatus, Role
from tests import factories
from tests.conftest import sign_in, submit

SOON = (factories.NOW + timedelta(days=7)).replace(hour=16, minute=0)  # a Wednesday, 17:00 in Paris


@pytest.fixture
def event(session):
    return factories.make_event(
        session, starts_at=SOON, ends_at=SOON + timedelta(hours=2), capacity=1
    )


def form(**kw):
    data = {
        "title": "Café réparation",
        "description": "Apportez vos chaussures.",
        "place": "La Grappe, salle de conférence",
        "starts_at": (SOON + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (SOON + timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "12",
    }
    data.update(kw)
    return data


def picture(fmt="PNG", size=(1600, 900)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 93, 75)).save(buffer, fmt)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EMPLOYEE, Role.PROVIDER])
def test_a_resident_cannot_create_or_edit_events(client, session, login_as, event, role):
    login_as(role)
    assert client.get("/evenements/nouveau").status_code == 403
    assert submit(client, "/evenements/nouveau", form(), form_url="/").status_code == 403
    assert submit(client, f"/evenements/{event.id}/annuler", {}, form_url="/").status_code == 403
    assert client.get(f"/evenements/{event.id}/participants").status_code == 403


def test_volunteer_creates_an_event_with_a_picture(client, session, login_as, app):
    login_as(Role.VOLUNTEER)
    cobbler = factories.make_provider(session, name="Cordonnerie Gambetta")
    response = submit(
        client,
        "/evenements/nouveau",
        {**form(providers=str(cobbler.id)), "image": (picture(), "photo.png")},
        form_url="/evenements/nouveau",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    event = session.scalar(sa.select(Event))
    assert (
        event.title == "Café réparation" and event.capacity == 12 and event.providers == [cobbler]
    )
    with client.get(f"/evenements/{event.id}/image") as image:
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(image.data)).size == (1200, 675)  # resized
    assert event.image_name.endswith(".jpg") and "/" not in event.image_name


def test_times_are_typed_in_paris_and_stored_in_utc(client, session, login_as):
    login_as(Role.VOLUNTEER)
    submit(
        client,
        "/evenements/nouveau",
        form(starts_at="2027-01-15T18:30", ends_at="2027-01-15T20:00"),
        form_url="/evenements/nouveau",
    )
    event = session.scalar(sa.select(Event))
    assert event.starts_at == datetime(2027, 1, 15, 17, 30, tzinfo=UTC)


def damaged_png() -> io.BytesIO:
    data = bytearray(picture().getvalue())
    data[60] ^= 0xFF  # inside the image data: the checksum no longer matches
    return io.BytesIO(bytes(data))


def bomb_png() -> io.BytesIO:
    """A small file that would decode into 9,000 × 9,000 pixels."""
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    "upload, message",
    [
        ((io.BytesIO(b"%PDF-1.4 not a picture"), "affiche.png"), "JPEG, PNG ou WebP"),
        ((picture("GIF"), "anim.gif"), "JPEG, PNG ou WebP"),
        ((io.BytesIO(picture().getvalue()[:200]), "truncated.png"), "JPEG, PNG ou WebP"),
        ((damaged_png(), "damaged.png"), "JPEG, PNG ou WebP"),
        ((bomb_png(), "bomb.png"), "40 mégapixels"),
    ],
)
def test_wrong_uploads_are_form_errors(client, session, login_as, upload, message):
    login_as(Role.VOLUNTEER)
    response = submit(
        client,
        "/evenements/nouveau",
        {**form(), "image": upload},
        form_url="/evenements/nouveau",
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_too_big_an_upload_is_refused(client, session, login_as):
    login_as(Role.VOLUNTEER)
    big = io.BytesIO(b"\xff" * (7 * 1024 * 1024))
    response = submit(
        client,
        "/evenements/nouveau",
        {**form(), "image": (big, "huge.jpg")},
        form_url="/evenements/nouveau",
        content_type="multipart/form-data",
    )
    # The test client spools a body this large to a temporary file the refused request never reads.
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 413
    assert session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_bad_dates_are_form_errors(client, session, login_as):
    login_as(Role.VOLUNTEER)
    response = submit(
        client,
        "/evenements/nouveau",
        form(starts_at="demain", capacity="-3"),
        form_url="/evenements/nouveau",
    )
    assert response.status_code == 422


def test_register_then_waiting_list_then_leave(client, session, event, make_user):
    first, second = make_user(), make_user()
    sign_in(client, first)
    submit(client, f"/evenements/{event.id}/inscription", {}, form_url=f"/evenements/{event.id}")
    other = client.application.test_client()
    sign_in(other, second)
    page = submit(
        other,
        f"/evenements/{event.id}/inscription",
        {},
        form_url=f"/evenements/{event.id}",
        follow_redirects=True,
    )
    assert "liste d&#39;attente" in page.get_data(as_text=True)
    submit(client, f"/evenements/{event.id}/desinscription", {}, form_url=f"/evenements/{event.id}")
    session.expire_all()
    statuses = dict(session.execute(sa.select(Registration.user_id, Registration.status)).all())
    assert statuses == {
        first.id: RegistrationStatus.CANCELLED,
        second.id: RegistrationStatus.CONFIRMED,
    }


def test_anonymous_visitors_are_asked_to_sign_in(client, event):
    html = client.get(f"/evenements/{event.id}").get_data(as_text=True)
    assert "Connectez-vous pour vous inscrire" in html
    assert (
        submit(client, f"/evenements/{event.id}/inscription", {}, form_url="/").status_code == 302
    )


def test_participants_names_for_volunteers_emails_for_the_concierge(
    client, session, event, make_user, login_as
):
    person = make_user(full_name="Nadia Benali", email="nadia@example.org")
    from conciergerie.events import service

    service.register(session, event, person, now=datetime.now(UTC))
    login_as(Role.VOLUNTEER)
    html = client.get(f"/evenements/{event.id}/participants").get_data(as_text=True)
    assert "Nadia Benali" in html and "nadia@example.org" not in html
    sign_in(client, make_user(Role.CONCIERGE))
    assert "nadia@example.org" in client.get(f"/evenements/{event.id}/participants").get_data(
        as_text=True
    )


def test_calendar_files(client, event):
    from icalendar import Calendar

    one = Calendar.from_ical(client.get(f"/evenements/{event.id}.ics").data).walk("VEVENT")
    assert len(one) == 1 and one[0].decoded("dtstart") == event.starts_at
    feed = Calendar.from_ical(client.get("/evenements/flux.ics").data).walk("VEVENT")
    assert [str(e["summary"]) for e in feed] == ["Café réparation"]


def test_poster_has_a_qr_code_of_the_event_page(client, event):
    html = client.get(f"/evenements/{event.id}/affiche").get_data(as_text=True)
    assert "<svg" in html and f"/evenements/{event.id}" in html and "Café réparation" in html


def test_home_page_shows_upcoming_events(client, event):
    assert "Café réparation" in client.get("/").get_data(as_text=True)


def test_archive_and_its_export(client, session, login_as):
    past = factories.make_event(
        session,
        title="=Dégustation",
        starts_at=SOON - timedelta(days=30),
        ends_at=SOON - timedelta(days=30) + timedelta(hours=1),
    )
    assert "Dégustation" in client.get("/evenements/archives").get_data(as_text=True)
    assert client.get("/evenements/archives.csv").status_code == 302  # organisers only
    login_as(Role.VOLUNTEER)
    text = client.get("/evenements/archives.csv").get_data(as_text=True)
    assert "'=Dégustation" in text and past.place in text


def test_unknown_event_and_image_are_404(client, event):
    assert client.get("/evenements/999999").status_code == 404
    assert client.get(f"/evenements/{event.id}/image").status_code == 404
    assert client.get("/evenements/99999999999").status_code == 404


def test_a_three_megabyte_photo_is_accepted(client, session, login_as):
    import os

    login_as(Role.VOLUNTEER)
    noise = io.BytesIO()
    Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000)).save(noise, "PNG")  # incompressible
    assert noise.tell() > 2_500_000
    noise.seek(0)
    response = submit(
        client,
        "/evenements/nouveau",
        {**form(), "image": (noise, "photo.png")},
        form_url="/evenements/nouveau",
        content_type="multipart/form-data",
    )
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 302
    assert session.scalar(sa.select(Event)).image_name


@pytest.mark.parametrize(
    "change, field_message",
    [
        ({"starts_at": "0001-01-01T00:00"}, "entre 2000 et 2100"),
        ({"title": "Café\r\nBcc: evil@example.org"}, "une ligne"),
    ],
)
def test_dates_out_of_range_and_multiline_titles_are_form_errors(
    client, session, login_as, change, field_message
):
    login_as(Role.VOLUNTEER)
    response = submit(client, "/evenements/nouveau", form(**change), form_url="/evenements/nouveau")
    assert response.status_code == 422 and field_message in response.get_data(as_text=True)


def test_poster_stays_french_for_an_english_visitor(client, event):
    html = client.get(
        f"/evenements/{event.id}/affiche", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    day = event.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    months = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    assert months[day.month - 1] in html


# Refusals: the page shown again says why, with the refusal's status; nothing of it is kept.


def _registrations(session, event):
    session.expire_all()
    return session.scalars(sa.select(Registration).where(Registration.event_id == event.id)).all()


def test_registering_twice_is_explained_on_the_event_page(client, session, event, login_as):
    login_as()
    url = f"/evenements/{event.id}"
    assert submit(client, f"{url}/inscription", {}, form_url=url).status_code == 302
    response = submit(client, f"{url}/inscription", {}, form_url=url)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Vous êtes déjà inscrit·e." in html and "Café réparation" in html
    assert len(_registrations(session, event)) == 1 and event.registered == 1


def test_two_registrations_at_once_are_a_conflict_and_take_no_place(
    client, session, login_as, monkeypatch
):
    from conciergerie.events import service

    event = factories.make_event(session, starts_at=SOON, ends_at=SOON + timedelta(hours=2))
    login_as()
    url = f"/evenements/{event.id}"
    assert submit(client, f"{url}/inscription", {}, form_url=url).status_code == 302
    # As if the other request had not committed yet when this one looked: the unique
    # constraint refuses the second row, and the place this one took is given back.
    monkeypatch.setattr(service, "registration_of", lambda *args, **kwargs: None)
    response = submit(client, f"{url}/inscription", {}, form_url=url)
    assert response.status_code == 409
    assert "Vous êtes déjà inscrit·e." in response.get_data(as_text=True)
    assert len(_registrations(session, event)) == 1 and event.registered == 1


def test_leaving_an_event_one_is_not_registered_to_is_explained(client, event, login_as):
    login_as()
    url = f"/evenements/{event.id}"
    response = submit(client, f"{url}/desinscription", {}, form_url=url)
    assert response.status_code == 409
    assert "Vous n&#39;êtes pas inscrit·e." in response.get_data(as_text=True)


def test_cancelling_a_cancelled_event_is_explained_and_mails_nobody(
    client, session, event, make_user, login_as, outbox
):
    from conciergerie.events import service

    service.register(session, event, make_user(), now=factories.NOW)
    login_as(Role.VOLUNTEER)
    url = f"/evenements/{event.id}"
    assert submit(client, f"{url}/annuler", {}, form_url=url).status_code == 302
    assert len(outbox) == 1
    response = submit(client, f"{url}/annuler", {}, form_url=url)
    assert response.status_code == 409
    assert "Cet événement est déjà annulé." in response.get_data(as_text=True)
    session.expire_all()
    assert event.sequence == 1 and len(outbox) == 1


def test_a_refused_edit_keeps_neither_the_event_nor_its_picture(
    app, client, session, event, make_user, login_as
):
    from conciergerie.events import service

    service.register(session, event, make_user(), now=factories.NOW)
    login_as(Role.VOLUNTEER)
    folder = Path(app.config["UPLOAD_ROOT"]) / "events"
    before = set(folder.glob("*")) if folder.exists() else set()
    url = f"/evenements/{event.id}/modifier"
    response = submit(
        client,
        url,
        {**form(title="Café couture", capacity=""), "image": (picture(), "photo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302  # accepted: the picture is stored
    assert len(set(folder.glob("*")) - before) == 1
    before = set(folder.glob("*"))
    response = submit(
        client,
        url,
        {**form(title="Café tricot", capacity="0"), "image": (picture(), "photo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422  # the form's own check (capacity from 1)
    response = submit(
        client,
        url,
        {**form(title="Café tricot", starts_at="2026-12-24T18:00", ends_at="2026-12-24T17:00"),
         "image": (picture(), "photo.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 422
    assert "La fin doit suivre le début." in response.get_data(as_text=True)
    assert set(folder.glob("*")) == before
    session.expire_all()
    assert event.title == "Café couture"


def test_a_message_refused_by_the_service_is_shown_on_the_participants_page(
    client, session, event, make_user, login_as, outbox
):
    from conciergerie.events import service

    service.register(session, event, make_user(), now=factories.NOW)
    login_as(Role.VOLUNTEER)
    url = f"/evenements/{event.id}/participants"
    response = submit(client, url, {"subject": "Demain\r\nBcc: x@example.org", "body": "Bonjour"})
    assert response.status_code == 422
    assert "Un objet (160 caractères, une ligne)" in response.get_data(as_text=True)
    assert outbox == []
    response = submit(client, url, {"subject": "Demain", "body": "Bonjour"})
    assert response.status_code == 302 and len(outbox) == 1
