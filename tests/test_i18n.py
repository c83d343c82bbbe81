"""Dates, prices with their units and labels read right in French and in English."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from conciergerie import i18n
from conciergerie.models import Role
from conciergerie.rounds import notifications as round_mails
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "conciergerie/templates"
NBSP = "\u00a0"


@pytest.fixture
def french(app):
    with app.test_request_context(), force_locale("fr"):
        yield


@pytest.fixture
def english(app):
    with app.test_request_context(), force_locale("en_GB"):
        yield


def test_the_first_of_the_month_is_an_ordinal_in_french(french):
    new_year = date(2027, 1, 1)
    assert i18n.calendar_day(new_year) == "vendredi 1er janvier"
    assert i18n.short_day(new_year) == "ven. 1er janv."
    assert i18n.calendar_date(new_year) == "1er janvier"
    assert i18n.day_date(new_year, "d MMMM y") == "1er janvier 2027"
    # 23:30 UTC on 31 December is already the 1st in Paris.
    midnight = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert i18n.long_day(midnight) == "vendredi 1er janvier"
    assert i18n.moment(midnight) == "1er janv. 2027, 00:30"
    assert i18n.calendar_day(date(2026, 12, 10)) == "jeudi 10 décembre"  # other days as they are
    assert i18n.calendar_day(date(2026, 12, 11)) == "vendredi 11 décembre"


def test_english_days_have_no_ordinal_and_keep_their_capitals(english):
    assert i18n.calendar_day(date(2027, 1, 1)) == "Friday 1 January"
    assert i18n.calendar_day(date(2026, 12, 10)) == "Thursday 10 December"
    slot = SimpleNamespace(starts_at=datetime(2026, 12, 10, 9, tzinfo=UTC))
    # A label made to start with a capital keeps the month's: not "Thursday 10 december".
    assert i18n.first_upper(i18n.slot_day(slot)) == "Thursday 10 December"
    with force_locale("fr"):
        assert i18n.first_upper(i18n.slot_day(slot)) == "Jeudi 10 décembre"


def test_no_template_or_module_lowers_the_rest_of_a_label():
    """Python's str.capitalize and Jinja's capitalize lower every letter but the first (an
    English month loses its capital): first_upper is the one to use."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [
            *TEMPLATES.rglob("*.html"),
            *TEMPLATES.rglob("*.txt"),
            *(ROOT / "conciergerie").rglob("*.py"),
        ]  # fmt: skip
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\|\s*capitalize\b|\.capitalize\(\)", line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "unit, french, english",
    [
        ("la paire", f"18,00{NBSP}€ la paire", "€18.00 per pair"),
        ("le panier", f"18,00{NBSP}€ le panier", "€18.00 per basket"),
        ("le flacon", f"18,00{NBSP}€ le flacon", "€18.00 / le flacon"),  # no translation
        ("", f"18,00{NBSP}€", "€18.00"),
    ],
)
def test_a_price_per_unit_in_french_and_in_english(app, unit, french, english):
    with app.test_request_context():
        with force_locale("fr"):
            assert i18n.priced(1800, unit, as_html=False) == french
        with force_locale("en_GB"):
            assert i18n.priced(1800, unit, as_html=False) == english


def test_a_unit_left_in_french_is_marked_french_in_html(english):
    assert str(i18n.priced(1800, "le flacon")) == '€18.00 / <span lang="fr">le flacon</span>'
    assert str(i18n.priced(1800, "<b>")) == '€18.00 / <span lang="fr">&lt;b&gt;</span>'
    assert str(i18n.priced(1800, "la paire")) == "€18.00 per pair"


def test_the_catalogue_says_the_unit_in_the_readers_language(client, session):
    provider = factories.make_provider(session, slug="cordonnerie-unites", is_active=True)
    factories.make_offer(
        session, provider=provider, name="Talons homme", price_cents=1800, unit="la paire"
    )
    factories.make_offer(
        session, provider=provider, name="Cirage", price_cents=500, unit="le flacon"
    )
    session.commit()
    url = "/catalogue/prestataires/cordonnerie-unites"
    french = client.get(url).get_data(as_text=True)
    assert f"18,00{NBSP}€</strong> la paire" in french
    with client.session_transaction() as http_session:
        http_session["lang"] = "en"
    english = client.get(url).get_data(as_text=True)
    assert "€18.00</strong> per pair" in english
    assert '€5.00</strong> / <span lang="fr">le flacon</span>' in english
    assert "€18.00</strong> la paire" not in english


def test_a_label_takes_the_colon_of_its_language(app):
    with app.test_request_context():
        with force_locale("fr"):
            assert i18n.colon("À déposer") == "À déposer :"
        with force_locale("en_GB"):
            assert i18n.colon("To drop off") == "To drop off:"


def test_no_template_glues_a_french_colon_after_a_value():
    """A label and its value in a template: `{{ label|colon }}`, not `{{ label }} :` (which
    reads "To drop off :" in English). The invoices are French documents."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]
        if "invoices" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\}\}\s:\s", line)
    ]
    assert found == []


def test_the_english_catalogue_has_no_french_punctuation():
    from babel.messages.pofile import read_po

    with open(ROOT / "conciergerie/translations/en/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    found = [
        message.id
        for message in catalog
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        if re.search(r"[ \u00a0\u202f][:;?!](\s|$)|[«»]", text or "")
    ]
    assert found == []


def test_a_provider_mail_without_addresses_has_no_stray_comma(app, session, outbox):
    """The provider's mail of the volunteers' visits: the foot names the desk (it was ", "
    when the mail was not given the desk's address), and a provider without an address in a
    volunteer's round is named alone."""
    staff = factories.make_user(session, Role.PROVIDER, provider=factories.make_provider(session))
    round_mails.send_visits(staff, date(2026, 11, 26), [])
    session.commit()
    [mail] = outbox
    html = mail.alternatives[0][0]
    foot = f"{app.config['DESK_NAME']}, {app.config['DESK_ADDRESS']}"
    assert foot in html and ">, <" not in html
    provider = factories.make_provider(session, address="")
    volunteer = factories.make_volunteer(session)
    at = datetime(2026, 11, 26, 9, tzinfo=UTC)
    stop = SimpleNamespace(arrive_at=at, provider=provider, items=[])
    round_ = SimpleNamespace(stops=[stop], starts_at=at, ends_at=at, distance_m=1200)
    round_mails.send_rounds(volunteer, date(2026, 11, 26), [round_])
    session.commit()
    mail = outbox[-1]
    assert f"{provider.name}\n" in mail.body and f"{provider.name}, " not in mail.body
    assert f"{provider.name}, " not in mail.alternatives[0][0]
