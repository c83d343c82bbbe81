"""A customer moves a pickup slot; a provider changes a price: on a 390 px phone and at
1366 px, axe-clean, with the mails they send."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import _LIVE, first_working_day_after, shot, sign_in
from tests.e2e.test_accessibility import audit

pytestmark = pytest.mark.real_clock

SIZES = [("390", {"width": 390, "height": 844}), ("1366", {"width": 1366, "height": 768})]


def _order_to_move() -> tuple[int, str, int]:
    """A new customer's order in the live server's database: dropped off on the next working
    day, collected two weeks later; and a free slot the day after its pickup (at :05, off the
    generated slots). Its id, the customer's e-mail, the new slot's id."""
    from conciergerie.extensions import db
    from conciergerie.models import utcnow
    from conciergerie.timeutils import at_local
    from tests import factories

    with _LIVE["app"].app_context():
        session = db.session
        day = first_working_day_after()
        dropoff = at_local(day, datetime.min.time().replace(hour=8, minute=5)).astimezone(UTC)
        slot = lambda when: factories.make_slot(session, starts_at=when, capacity=20)  # noqa: E731
        customer = factories.make_user(session, full_name="Camille Moreau")
        order = factories.make_order(
            session,
            customer=customer,
            offer=factories.make_offer(session, name="Ourlet de jean", turnaround_days=1),
            dropoff=slot(dropoff),
            pickup=slot(dropoff + timedelta(days=14, hours=9)),
            now=utcnow(),
        )
        new = slot(dropoff + timedelta(days=15, hours=9))
        session.commit()
        return order.id, customer.email, new.id


def _last_mail(email: str) -> tuple[str, str]:
    from conciergerie.extensions import db
    from conciergerie.models import OutboxMail

    with _LIVE["app"].app_context():
        mail = db.session.scalars(
            sa.select(OutboxMail)
            .where(OutboxMail.recipient == email)
            .order_by(OutboxMail.id.desc())
        ).first()
        assert mail is not None, f"nothing mailed to {email}"
        return mail.subject, mail.body_text


@pytest.mark.parametrize(("name", "viewport"), SIZES)
def test_a_customer_moves_the_pickup(new_page, live_server, name, viewport):
    from tests.factories import PASSWORD

    order_id, email, new_slot = _order_to_move()
    page = new_page(viewport=viewport, bypass_csp=True)  # to inject axe
    sign_in(page, email, PASSWORD)
    page.goto(f"/commandes/{order_id}")
    page.get_by_role("link", name="Changer de créneau").click()
    page.wait_for_url(re.compile(f"/commandes/{order_id}/creneaux$"))
    problems = audit(page, f"/commandes/{order_id}/creneaux", live_server)
    shot(page, f"slot-move-form-{name}")
    page.get_by_label("Nouveau créneau de retrait").select_option(str(new_slot))
    page.get_by_role("button", name="Changer de créneau").click()
    page.wait_for_url(re.compile(f"/commandes/{order_id}$"))
    expect(page.get_by_text("Changement enregistré")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Retrait déplacé")
    shot(page, f"slot-move-done-{name}")
    problems += audit(page, f"/commandes/{order_id}", live_server)
    subject, body = _last_mail(email)
    assert "changement de créneau confirmé" in subject and "Nouveau retrait" in body
    assert f"/commandes/{order_id}.ics" in body
    assert problems == []


@pytest.mark.parametrize(("name", "viewport"), SIZES)
def test_a_provider_changes_a_price(new_page, live_server, name, viewport):
    page = new_page(viewport=viewport, bypass_csp=True)
    sign_in(page, "cordonnier@example.org")
    problems = audit(page, "/prestataire/offres", live_server)
    shot(page, f"provider-offers-{name}")
    offer = page.locator("main details[id^=offre-]").first
    offer.locator("summary").click()  # each offer is folded
    price = offer.get_by_label("Prix")
    euros = float(price.input_value().replace(",", ".")) + 1
    typed = f"{euros:.2f}".replace(".", ",")  # as a French keyboard types it: "19,00"
    price.fill(typed)
    offer.get_by_role("button", name=re.compile("^Enregistrer")).click()
    page.wait_for_url(re.compile("/prestataire/offres"))
    expect(page.get_by_text("la conciergerie en est prévenue")).to_be_visible()
    expect(page.locator("main details[id^=offre-]").first.get_by_label("Prix")).to_have_value(typed)
    subject, body = _last_mail("concierge@example.org")
    assert "Cordonnerie Gambetta a modifié son offre" in subject and "Prix" in body
    # The concierge sees it, ready to revert.
    page = new_page(viewport=viewport, bypass_csp=True)
    sign_in(page, "concierge@example.org")
    problems += audit(page, "/gestion/modifications-prestataires", live_server)
    expect(
        page.get_by_role("button", name=re.compile("Annuler cette modification")).first
    ).to_be_visible()
    shot(page, f"provider-changes-{name}")
    assert problems == []
