"""The change log (/gestion/journal) speaks words in both languages: the field's form label,
amounts in euros, yes or no, an offer's kind or an account's role by its label, names for ids;
never a column's name nor an amount in cents."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import sqlalchemy as sa

from conciergerie.manage import log as change_log
from conciergerie.manage.service import AUDITED
from conciergerie.models import AuditEntry, MemberCompany, Offer, Provider, Role
from tests.conftest import sign_in, submit
from tests.factories import make_member_company, make_user

NBSP = "\u00a0"
PROVIDER = {
    "name": "Clés Minute Gambetta",
    "slug": "cles-minute",
    "summary": "Clés et tampons, rue Gambetta.",
    "description": "Double de clés en cinq minutes.",
    "ess_status": "Commerce indépendant",
    "local_story": "À 200 m de La Grappe.",
    "address": "120 rue Gambetta, 59000 Lille",
    "latitude": "50,6271",
    "longitude": "3.0519",
    "commission_rate": "7,5",
    "is_active": "y",
    "hours_0": "09:00-12:30",
}
# Columns written by the payouts and the employees' verifications, besides AUDITED's.
OTHER_COLUMNS = ("month", "paid_on", "amount_cents", "bank_reference", "company_verified_at")


def _changes_table(page: str) -> str:
    """The text of the log's table, tags gone."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _raw_words(text: str, cents: set[int]) -> list[str]:
    columns = {name for _entity, names in AUDITED.values() for name in names}
    columns |= set(OTHER_COLUMNS) | {"opening_hours", "fee_waiver_ended"}
    found = [name for name in columns if "_" in name and re.search(rf"\b{name}\b", text)]
    found += [f"{amount} (cents)" for amount in cents if re.search(rf"\b{amount}\b", text)]
    return found


def _make_changes(client, session, make_category) -> set[int]:
    """A provider, an offer created then edited, a company, an account and a payout in the log;
    the amounts in cents it holds."""
    submit(client, "/gestion/prestataires/nouveau", {**PROVIDER, "category_id": make_category().id})
    provider = session.scalar(sa.select(Provider).where(Provider.slug == "cles-minute"))
    url = f"/gestion/prestataires/{provider.id}/offres/nouvelle"
    offer = {"name": "Talons homme", "kind": "service", "price": "16,00", "unit": "la paire",
             "turnaround_days": "2", "is_active": "y", "is_repair": "y"}  # fmt: skip
    assert submit(client, url, offer).status_code == 302
    created = session.scalar(sa.select(Offer).where(Offer.name == "Talons homme"))
    edited = {**offer, "price": "17,50"}
    del edited["is_active"]
    assert submit(client, f"/gestion/offres/{created.id}", edited).status_code == 302
    company = {"name": "Coopérative Lilloise", "slug": "coop-lilloise", "headcount": "12",
               "is_subscriber": "y", "yearly_fee": "1 200,00"}  # fmt: skip
    assert submit(client, "/gestion/entreprises/nouvelle", company).status_code == 302
    coop = session.scalar(sa.select(MemberCompany).where(MemberCompany.slug == "coop-lilloise"))
    person = make_user(session, Role.RESIDENT, full_name="Nadia B.")
    form = {"role": "employee", "member_company_id": str(coop.id), "provider_id": "",
            "solidarity_rate": "y", "is_active_account": "y"}  # fmt: skip
    assert submit(client, f"/gestion/utilisateurs/{person.id}", form).status_code == 302
    # A payout, as payouts.service logs it (recording one needs a month of orders).
    session.add(
        AuditEntry(
            at=datetime(2026, 11, 25, 9, tzinfo=UTC),
            entity="provider_payout",
            entity_id=1,
            label=provider.name,
            action="create",
            changes={
                "month": [None, "2026-10"],
                "paid_on": [None, "2026-11-02"],
                "amount_cents": [None, "41250"],
                "bank_reference": [None, "VIR-2026-118"],
            },
        )
    )
    session.commit()
    return {1600, 1750, 120000, 41250}


def test_the_change_log_reads_in_words_in_french_and_in_english(
    client, session, login_as, make_category
):
    login_as(Role.CONCIERGE, full_name="Camille")
    cents = _make_changes(client, session, make_category)
    french = _changes_table(client.get("/gestion/journal").get_data(as_text=True))
    assert _raw_words(french, cents) == []
    assert f"Prix : 16,00{NBSP}€ → 17,50{NBSP}€" in french
    assert "En vente : Oui → Non" in french
    assert "Offre  Talons homme  (modification)" in french
    assert "Sorte : — → Service" in french
    assert "Rôle : Habitant·e du quartier → Salarié·e d'une entreprise de La Grappe" in french
    assert "Entreprise de La Grappe : — → Coopérative Lilloise" in french
    assert f"Commission du comptoir (%) : — → 7,5{NBSP}%" in french
    assert "Horaires d'ouverture : — → lundi 09:00-12:30" in french
    assert f"Montant versé : — → 412,50{NBSP}€" in french
    assert "Date du virement : — → 2 novembre 2026" in french
    assert "Mois : — → octobre 2026" in french
    with client.session_transaction() as http_session:
        http_session["lang"] = "en"
    english = _changes_table(client.get("/gestion/journal").get_data(as_text=True))
    assert _raw_words(english, cents) == []
    assert "Price: €16.00 → €17.50" in english
    assert "On sale: Yes → No" in english
    assert "Offer  Talons homme  (changed)" in english
    assert "Amount paid: — → €412.50" in english
    assert "Month: — → October 2026" in english
    assert "Opening hours: — → Monday 09:00-12:30" in english
    for french_word in ("modification", "Oui", "Non", "Prix", "Habitant"):
        assert not re.search(rf"\b{french_word}\b", english), french_word


def test_the_check_fails_on_a_raw_column_name_or_amount_in_cents():
    """The check above finds what the old page showed: a column's name, cents as they are."""
    old_page = "offer Talons homme (modification) price_cents : 1600 → 1750"
    assert sorted(_raw_words(old_page, {1600, 1750})) == [
        "1600 (cents)",
        "1750 (cents)",
        "price_cents",
    ]


def test_every_logged_column_has_a_label():
    for entity, names in AUDITED.values():
        assert set(names) <= set(change_log.FIELDS[entity]), entity


def test_an_old_value_the_log_cannot_read_is_shown_as_it_was(app, session):
    entry = AuditEntry(
        at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        entity="offer",
        entity_id=1,
        label="Talons",
        action="update",
        changes={"weight_grams": ["beaucoup", None], "price_cents": ["1600", "1750"]},
    )
    with app.test_request_context():
        [line] = change_log.lines(session, [entry])
    assert [(c.field, c.before, c.after) for c in line.changes] == [
        ("Poids (paniers, en kg)", "beaucoup", "—"),
        ("Prix", f"16,00{NBSP}€", f"17,50{NBSP}€"),
    ]


def test_names_replace_ids_and_a_gone_row_keeps_its_number(app, session):
    company = make_member_company(session, name="Grands Ensemble")
    entry = AuditEntry(
        at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        entity="user",
        entity_id=7,
        label="#7",
        action="verify_decline",
        changes={"member_company_id": [str(company.id), None], "provider_id": ["999999", None]},
    )
    with app.test_request_context():
        [line] = change_log.lines(session, [entry])
    assert line.action == "rattachement refusé"
    assert {(c.field, c.before) for c in line.changes} == {
        ("Entreprise de La Grappe", "Grands Ensemble"),
        ("Prestataire", "#999999"),
    }


def test_the_log_page_is_the_concierges(client, session):
    sign_in(client, make_user(session, Role.RESIDENT))
    assert client.get("/gestion/journal").status_code in (302, 403)
