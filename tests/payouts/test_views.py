"""The concierge records payouts on a provider's statement; the month's page shows what is paid
and owed."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from conciergerie.models import AuditEntry, ProviderPayout, Role
from tests.conftest import submit

STATEMENT = "/comptoir/bilan/prestataires/cordo?mois=2026-11"
RECORD = "/comptoir/bilan/prestataires/cordo/versements?mois=2026-11"
VALID = {"amount": "10,00", "paid_on": "2026-11-20", "bank_reference": "VIR-2026-11-001"}


def payouts_count(session) -> int:
    return session.scalar(sa.select(sa.func.count(ProviderPayout.id)))


def test_the_statement_shows_the_form_and_what_is_owed(client, login_as, sales):
    login_as(Role.CONCIERGE)
    page = client.get(STATEMENT).get_data(as_text=True)
    assert "Enregistrer un versement" in page
    assert 'for="amount"' in page and 'for="paid_on"' in page and 'for="bank_reference"' in page
    assert "Aucun versement pour ce mois." in page
    assert "16,65" in page  # the net due, and still owed


def test_a_payout_is_recorded_and_listed(client, session, login_as, sales):
    login_as(Role.CONCIERGE)
    answer = submit(client, RECORD, VALID, form_url=STATEMENT)
    assert answer.status_code == 302 and answer.location.endswith(STATEMENT)
    assert payouts_count(session) == 1
    page = client.get(STATEMENT).get_data(as_text=True)
    assert "Versement de 10,00" in page  # the flash
    assert "VIR-2026-11-001" in page and "vendredi 20 novembre 2026" in page
    assert "6,65" in page  # still owed
    assert session.scalar(sa.select(AuditEntry.entity).order_by(AuditEntry.id.desc())) == (
        "provider_payout"
    )
    journal = client.get("/gestion/journal").get_data(as_text=True)
    assert "Versement" in journal and "VIR-2026-11-001" in journal
    assert "provider_payout" not in journal  # the kind of change in words


def test_an_overpayment_is_refused_with_the_message_on_the_amount(client, session, login_as, sales):
    login_as(Role.CONCIERGE)
    answer = submit(client, RECORD, {**VALID, "amount": "16,66"}, form_url=STATEMENT)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="amount-error"' in page and "Il reste 16,65" in page
    assert 'aria-invalid="true"' in page
    assert payouts_count(session) == 0


def test_a_day_in_the_future_is_refused_on_its_field(client, session, login_as, sales):
    login_as(Role.CONCIERGE)
    answer = submit(client, RECORD, {**VALID, "paid_on": "2026-11-26"}, form_url=STATEMENT)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="paid_on-error"' in page and "futur" in page
    assert payouts_count(session) == 0


def test_an_incomplete_form_says_what_is_missing(client, session, login_as, sales):
    login_as(Role.CONCIERGE)
    answer = submit(
        client, RECORD, {"amount": "0", "paid_on": "", "bank_reference": "x" * 101},
        form_url=STATEMENT,
    )  # fmt: skip
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    for field in ("amount", "paid_on", "bank_reference"):
        assert f'id="{field}-error"' in page
    assert "Le formulaire contient des erreurs" in page
    assert payouts_count(session) == 0


def test_the_month_shows_paid_and_owed_per_provider_and_across_months(
    client, session, login_as, sales
):
    login_as(Role.CONCIERGE)
    submit(client, RECORD, VALID, form_url=STATEMENT)
    page = client.get("/comptoir/bilan/?mois=2026-11").get_data(as_text=True)
    assert "Versé" in page and "Reste dû" in page
    assert "10,00" in page and "6,65" in page
    assert "tous mois confondus" in page
    # The cobbler: October (33,30 €) and November's rest (6,65 €): 39,95 €.
    assert "39,95" in page
    assert "/comptoir/bilan/prestataires/cordo?mois=2026-10" in page


def test_only_the_concierge_may_record(app, client, session, login_as, sales, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    cobbler, _ = sales
    login_as(Role.PROVIDER, provider=cobbler)
    assert client.post(RECORD, data=VALID).status_code == 403
    assert payouts_count(session) == 0


def test_the_months_csv_says_what_is_paid_and_still_owed(client, session, login_as, sales):
    login_as(Role.CONCIERGE)
    submit(client, RECORD, VALID, form_url=STATEMENT)
    text = client.get("/comptoir/bilan/export.csv?mois=2026-11").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][-2:] == ["verse_centimes", "reste_du_centimes"]
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Cordonnerie Gambetta"][6:] == ["1665", "1000", "665"]
    assert by_name["Repassage Lille Sud"][6:] == ["675", "0", "675"]
