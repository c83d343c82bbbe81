"""Texts in the browser: a resident asks for texts on "Mon compte" with the keyboard only, at a
phone's width and a desk's; the page (with the box and its hint) passes axe, in both states."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conciergerie.demo.data import DEMO_PASSWORD
from tests.e2e.conftest import _LIVE, shot, sign_in
from tests.e2e.test_accessibility import audit

pytestmark = pytest.mark.real_clock
WIDTHS = [390, 1366]


def _resident(email: str) -> None:
    from conciergerie.accounts.passwords import hash_password
    from conciergerie.extensions import db
    from conciergerie.models import Role, User, utcnow

    with _LIVE["app"].app_context():
        now = utcnow()
        db.session.add(
            User(
                email=email,
                full_name="Rose Delbecq",
                phone="06 71 00 00 42",
                password_hash=hash_password(DEMO_PASSWORD),
                role=Role.RESIDENT,
                created_at=now,
                email_confirmed_at=now,
            )
        )
        db.session.commit()


def _opted_in(email: str) -> bool:
    from conciergerie.accounts.service import find_user_by_email
    from conciergerie.extensions import db

    with _LIVE["app"].app_context():
        return find_user_by_email(db.session, email).texts_opt_in


@pytest.mark.parametrize("width", WIDTHS)
def test_a_resident_asks_for_texts_with_the_keyboard(new_page, live_server, width):
    email = f"rose.{width}@example.org"
    _resident(email)
    page = new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    sign_in(page, email)
    assert audit(page, "/compte/", live_server) == []
    box = page.get_by_label("Recevoir un SMS quand ma commande est prête")
    expect(box).not_to_be_checked()
    page.get_by_label("Téléphone (facultatif)").focus()
    page.keyboard.press("Tab")
    expect(box).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Enregistrer mes coordonnées")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text("Vos coordonnées sont enregistrées.")
    expect(page.get_by_label("Recevoir un SMS quand ma commande est prête")).to_be_checked()
    assert _opted_in(email)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"texts-opted-in-{width}")
    assert audit(page, "/compte/", live_server) == []
