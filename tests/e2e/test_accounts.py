"""Accounts in the browser: the concierge invites a volunteer, who chooses a password through the
mailed link and starts at their rounds; a resident changes their phone and e-mail address and
confirms the new one. At a phone's width and a desk's, axe-checked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conciergerie.demo.data import DEMO_PASSWORD
from tests.e2e.conftest import _LIVE, expect_signed_in, last_link_mailed, shot, sign_in
from tests.e2e.test_accessibility import audit

# Real processes (a browser, servers) run on the machine's clock: so does this test.
pytestmark = pytest.mark.real_clock
WIDTHS = [390, 1366]


def _viewport(width: int) -> dict[str, int]:
    return {"width": width, "height": 900}


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_the_concierge_invites_a_volunteer_who_lands_on_their_rounds(new_page, live_server, width):
    email = f"ines.{width}@example.org"
    desk = new_page(viewport=_viewport(width), bypass_csp=True)
    sign_in(desk, "concierge@example.org")
    desk.goto("/gestion/utilisateurs")
    desk.get_by_role("link", name="Créer un compte (équipe, volontaire, prestataire)").click()
    assert audit(desk, "/gestion/utilisateurs/nouveau", live_server) == []
    desk.get_by_label("Prénom et nom").fill("Inès Martin")
    desk.get_by_label("Adresse e-mail").fill(email)
    desk.get_by_label("Téléphone (facultatif)").fill("06 11 22 33 44")
    desk.get_by_label("Rôle", exact=True).select_option("volunteer")
    _fits(desk, width)
    shot(desk, f"6-invite-{width}")
    desk.get_by_role("button", name="Créer le compte et envoyer l'invitation").click()
    expect(desk.locator(".flash-success")).to_contain_text(email)
    expect(desk.get_by_text("mot de passe pas encore choisi")).to_be_visible()
    expect(desk.get_by_role("button", name="Renvoyer l'invitation")).to_be_visible()
    _fits(desk, width)
    shot(desk, f"6-invited-{width}")

    volunteer = new_page(viewport=_viewport(width), bypass_csp=True)
    link = last_link_mailed(email, "/compte/invitation/")
    assert audit(volunteer, link, live_server) == []
    expect(volunteer.get_by_role("heading", name="Bienvenue, Inès Martin")).to_be_visible()
    volunteer.get_by_label("Mot de passe", exact=True).fill("Velo-cargo-du-jeudi-7")
    volunteer.get_by_label("Confirmez le mot de passe").fill("Velo-cargo-du-jeudi-7")
    _fits(volunteer, width)
    shot(volunteer, f"6-choose-password-{width}")
    volunteer.get_by_role("button", name="Enregistrer et commencer").click()
    volunteer.wait_for_url(re.compile(r"/tournees/"))
    expect(volunteer.locator(".flash-success")).to_contain_text("Bienvenue, Inès Martin")
    expect_signed_in(volunteer)
    shot(volunteer, f"6-volunteer-rounds-{width}")

    # The link is spent; the password works.
    volunteer.goto(link)
    expect(volunteer.locator(".flash-error")).to_contain_text("déjà ouvert")
    other = new_page(viewport=_viewport(width))
    sign_in(other, email, "Velo-cargo-du-jeudi-7")
    assert "/tournees/" in other.url


def _resident(email: str) -> None:
    """A resident of their own (the demo's are shared with the other tests)."""
    from conciergerie.accounts.passwords import hash_password
    from conciergerie.extensions import db
    from conciergerie.models import Role, User, utcnow

    with _LIVE["app"].app_context():
        now = utcnow()
        db.session.add(
            User(
                email=email,
                full_name="Camille Roussel",
                password_hash=hash_password(DEMO_PASSWORD),
                role=Role.RESIDENT,
                created_at=now,
                email_confirmed_at=now,
            )
        )
        db.session.commit()


def _mailed(email: str) -> list[str]:
    import sqlalchemy as sa

    from conciergerie.extensions import db
    from conciergerie.models import OutboxMail

    with _LIVE["app"].app_context():
        return list(
            db.session.scalars(sa.select(OutboxMail.body_text).where(OutboxMail.recipient == email))
        )


@pytest.mark.parametrize("width", WIDTHS)
def test_a_resident_changes_their_phone_and_address(new_page, live_server, width):
    old, new = f"camille.{width}@example.org", f"camille.roussel.{width}@example.net"
    _resident(old)
    page = new_page(viewport=_viewport(width), bypass_csp=True)
    sign_in(page, old)
    page.goto("/compte/")
    page.get_by_label("Téléphone (facultatif)").fill("07 98 76 54 32")
    page.get_by_role("button", name="Enregistrer mes coordonnées").click()
    expect(page.locator(".flash-success")).to_contain_text("Vos coordonnées sont enregistrées.")
    expect(page.locator(".facts")).to_contain_text("07 98 76 54 32")

    page.get_by_label("Nouvelle adresse e-mail").fill(new)
    page.get_by_label("Votre mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Recevoir le lien de confirmation").click()
    expect(page.locator(".flash-info")).to_contain_text(f"Nous avons envoyé un lien à {new}")
    expect(page.get_by_text(f"En attente de confirmation : {new}")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text(old)  # the old address still counts
    _fits(page, width)
    shot(page, f"7-address-pending-{width}")
    assert audit(page, "/compte/", live_server) == []

    page.goto(last_link_mailed(new, "/compte/adresse/confirmer/"))
    expect(page.locator(".flash-success")).to_contain_text(f"est désormais {new}")
    expect(page.locator(".facts")).to_contain_text(new)
    expect(page.get_by_text("En attente de confirmation")).to_have_count(0)
    _fits(page, width)
    shot(page, f"7-address-changed-{width}")
    # The old address was told, and the new one signs in.
    assert any(f"est désormais {new}" in body for body in _mailed(old))
    again = new_page(viewport=_viewport(width))
    sign_in(again, new)
    assert "/commandes/" in again.url
