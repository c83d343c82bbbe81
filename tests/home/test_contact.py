"""The desk's contact, from the configuration, at the foot of every mail."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from conciergerie.home.contact import map_url, phone_uri
from conciergerie.models import OutboxMail, PaymentMethod

MAILS = Path(__file__).resolve().parents[2] / "conciergerie" / "templates" / "mail"
MAP = "https://www.openstreetmap.org/?mlat=50.62735&mlon=3.05295#map=18/50.62735/3.05295"


@pytest.mark.parametrize(
    ("phone", "uri"),
    [
        ("03 53 01 00 59", "tel:+33353010059"),
        ("03.20.12.34.56", "tel:+33320123456"),
        ("+33 3 20 12 34 56", "tel:+33320123456"),
        ("0033 3 20 12 34 56", "tel:+33320123456"),
    ],
)
def test_a_phone_number_becomes_an_international_link(phone, uri):
    assert phone_uri(phone) == uri


def test_the_map_link_points_at_openstreetmap():
    assert map_url(50.62735, 3.05295) == MAP


def place_order(session, customer):
    from conciergerie.orders import service
    from tests.factories import NOW, SETTINGS, make_offer, make_slot

    return service.place_order(
        session,
        customer=customer,
        lines=[service.RequestedLine(make_offer(session, turnaround_days=1), 1)],
        dropoff_slot=make_slot(session),
        pickup_slot=make_slot(session, starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC)),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
    )


@pytest.mark.parametrize(("locale", "map_word"), [("fr", "Plan : "), ("en", "Map: ")])
def test_a_mail_ends_with_the_desk_s_contact(session, make_user, locale, map_word):
    place_order(session, make_user(locale=locale))
    mail = session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id.desc())).first()
    text = mail.body_text
    assert text.endswith(
        "La Grappe, 75 rue Gambetta, 59000 Lille\n"
        "bonjour@etvoila-gambetta.fr · 03 53 01 00 59\n"
        f"{map_word}{MAP}"
    ), text[-300:]
    html = mail.body_html
    footer = html[html.rindex("<p") :]
    assert "La Grappe, 75 rue Gambetta, 59000 Lille" in footer
    assert 'href="mailto:bonjour@etvoila-gambetta.fr"' in footer
    assert 'href="tel:+33353010059"' in footer and ">03 53 01 00 59</a>" in footer
    assert f'href="{MAP.replace("&", "&amp;")}"' in footer


def test_the_contact_in_mails_comes_from_the_settings(app, session, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "DESK_EMAIL", "comptoir@example.org")
    monkeypatch.setitem(app.config, "DESK_PHONE", "03 20 00 00 01")
    place_order(session, make_user())
    mail = session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id.desc())).first()
    assert "comptoir@example.org · 03 20 00 00 01" in mail.body_text
    assert 'href="tel:+33320000001"' in mail.body_html


@pytest.mark.parametrize(
    "template",
    sorted(p.name for p in MAILS.glob("*.txt") if not p.name.startswith("_")),
)
def test_every_text_mail_signs_with_the_desk_s_contact(template):
    assert '{% include "mail/_signature.txt" %}' in (MAILS / template).read_text()


@pytest.mark.parametrize(
    "template",
    sorted(p.name for p in MAILS.glob("*.html") if not p.name.startswith("_")),
)
def test_every_html_mail_is_in_the_layout_with_the_contact(template):
    assert (MAILS / template).read_text().startswith('{% extends "mail/_layout.html" %}')


def test_the_password_reset_mail_signs_too():
    reset = MAILS.parent / "accounts" / "email" / "reset_password.txt"
    assert '{% include "mail/_signature.txt" %}' in reset.read_text()
