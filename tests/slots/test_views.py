from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.models import DeskClosure, DeskOpeningRange, DeskSlot, Role, utcnow
from conciergerie.timeutils import local_date
from tests.conftest import submit

PAGE = "/comptoir/horaires/"


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EMPLOYEE, Role.VOLUNTEER, Role.PROVIDER])
def test_only_the_concierge_edits_the_hours(client, login_as, role):
    login_as(role)
    assert client.get(PAGE).status_code == 403
    form = {"weekday": "5", "opens_at": "09:00", "closes_at": "12:00"}
    assert submit(client, "/comptoir/horaires/plages", form, form_url="/").status_code == 403
    assert (
        submit(
            client,
            "/comptoir/horaires/fermetures",
            {"day": "2030-01-02", "reason": "x"},
            form_url="/",
        ).status_code
        == 403
    )


def test_concierge_adds_a_range_and_slots_follow(client, session, login_as):
    login_as(Role.CONCIERGE)
    response = submit(
        client,
        "/comptoir/horaires/plages",
        {"weekday": "5", "opens_at": "09:00", "closes_at": "12:00"},
        form_url=PAGE,
    )
    assert response.status_code == 302
    assert (
        session.scalar(sa.select(DeskOpeningRange).where(DeskOpeningRange.weekday == 5)) is not None
    )
    slots = session.scalars(sa.select(DeskSlot)).all()
    assert slots and len(slots) % 6 == 0  # six 30-minute slots every Saturday


def test_overlapping_or_backwards_ranges_are_form_errors(client, session, login_as):
    login_as(Role.CONCIERGE)
    session.add(DeskOpeningRange(weekday=0, opens_at=time(7, 30), closes_at=time(9, 30)))
    session.flush()
    overlap = submit(
        client,
        "/comptoir/horaires/plages",
        {"weekday": "0", "opens_at": "09:00", "closes_at": "10:00"},
        form_url=PAGE,
    )
    assert overlap.status_code == 422 and "chevauche" in overlap.get_data(as_text=True)
    backwards = submit(
        client,
        "/comptoir/horaires/plages",
        {"weekday": "0", "opens_at": "12:00", "closes_at": "11:00"},
        form_url=PAGE,
    )
    assert backwards.status_code == 422
    garbage = submit(
        client,
        "/comptoir/horaires/plages",
        {"weekday": "12", "opens_at": "midi", "closes_at": ""},
        form_url=PAGE,
    )
    assert garbage.status_code == 422


def test_concierge_closes_a_day(client, session, login_as):
    login_as(Role.CONCIERGE)
    day = local_date(utcnow()) + timedelta(days=3)
    response = submit(
        client,
        "/comptoir/horaires/fermetures",
        {"day": day.isoformat(), "reason": "Inventaire"},
        form_url=PAGE,
    )
    assert response.status_code == 302
    assert (
        session.scalar(sa.select(DeskClosure.reason).where(DeskClosure.day == day)) == "Inventaire"
    )
    again = submit(
        client,
        "/comptoir/horaires/fermetures",
        {"day": day.isoformat(), "reason": "Deux fois"},
        form_url=PAGE,
    )
    assert again.status_code == 409 and "déjà fermé" in again.get_data(as_text=True)
    assert session.scalars(sa.select(DeskClosure.reason)).all() == ["Inventaire"]
    past = submit(
        client, "/comptoir/horaires/fermetures", {"day": "2020-01-01", "reason": "x"}, form_url=PAGE
    )
    assert past.status_code == 422


def test_page_lists_public_holidays(client, login_as):
    login_as(Role.CONCIERGE)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Noël" in html or "Jour de l&#39;an" in html


def test_generate_slots_command_is_idempotent(app, session):
    session.add(DeskOpeningRange(weekday=2, opens_at=time(12), closes_at=time(14)))
    session.flush()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["generate-slots", "--weeks", "4"])
    assert first.exit_code == 0 and "créés" in first.output
    session.expire_all()
    count = session.scalar(sa.select(sa.func.count()).select_from(DeskSlot))
    assert 4 * 3 <= count <= 5 * 4  # four Wednesdays or so, 4 slots each, holidays apart
    second = runner.invoke(args=["generate-slots", "--weeks", "4"])
    assert "0 créneaux créés" in second.output
    assert session.scalar(sa.select(sa.func.count()).select_from(DeskSlot)) == count
    assert runner.invoke(args=["generate-slots", "--weeks", "0"]).exit_code != 0
