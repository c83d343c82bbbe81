"""The notes the app writes in an order's and an item's history read in the reader's language;
the older notes (French text only) and the words someone typed show as they are."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from conciergerie.desk import service as desk
from conciergerie.models import ItemStage, OrderEvent, PaymentKind, PaymentMethod, Role
from conciergerie.models import OrderStatus as S
from conciergerie.orders import notes
from conciergerie.payments import service as payments
from tests import factories
from tests.conftest import sign_in
from tests.factories import NOW


def said(note: notes.Note, locale: str) -> str:
    with force_locale(locale):
        return note.text()


@pytest.mark.parametrize(
    "note, french, english",
    [
        (notes.note("desk_payment"), "Paiement au comptoir", "Payment at the counter"),
        (
            notes.note("round_of", day=notes.day(date(2026, 12, 5))),
            "Tournée du 5 décembre",
            "Round on 5 December",
        ),
        (
            notes.note("round_of", day=notes.day(date(2027, 1, 1))),
            "Tournée du 1er janvier",
            "Round on 1 January",
        ),
        (
            notes.note(
                "received",
                items=notes.nested(
                    [
                        notes.note("received_line", count=2, name="Chemise"),
                        notes.note("received_short", count=1, name="Talons", ordered=3),
                    ]
                ),
            ),
            "Reçu : 2 × Chemise, 1 × Talons (3 commandés)",
            "Received: 2 × Chemise, 1 × Talons (3 ordered)",
        ),
        (notes.note("received_count", count=1), "Reçu : 1 article", "Received: 1 item"),
        (
            notes.note(
                "paid_at_desk", how=notes.nested(notes.note("cash")), amount=notes.amount(1850)
            ),
            "Payé au comptoir (espèces) : 18,50\u00a0€",
            "Paid at the counter (cash): €18.50",
        ),
        (
            notes.note(
                "refunded",
                amount=notes.amount(800),
                reason=notes.nested(notes.note("payment_late")),
            ),
            "Remboursé : 8,00\u00a0€ (Paiement non reçu à temps)",
            "Refunded: €8.00 (Payment not received in time)",
        ),
        (
            notes.note("refunded", amount=notes.amount(800), reason="talon décollé"),
            "Remboursé : 8,00\u00a0€ (talon décollé)",  # the concierge's words stay as typed
            "Refunded: €8.00 (talon décollé)",
        ),
        (
            notes.note("undo_step", stage=notes.stage(ItemStage.AT_PROVIDER)),
            "Annulation de l'étape « Chez le prestataire »",
            "Step “At the provider” undone",
        ),
    ],
)
def test_a_note_reads_in_french_and_in_english(app, note, french, english):
    with app.test_request_context():
        assert said(note, "fr") == french
        assert said(note, "en_GB") == english


def test_an_unknown_key_is_refused_where_the_note_is_written():
    with pytest.raises(KeyError):
        notes.note("paiement_au_comptoir")


def test_a_row_keeps_the_key_its_arguments_and_the_french_wording(app):
    with app.test_request_context(), force_locale("en_GB"):  # written by an English reader
        columns = notes.columns(notes.note("ready_at", name="Cordonnerie Gambetta"))
    assert columns == {
        "note": "Prête chez Cordonnerie Gambetta",
        "note_key": "ready_at",
        "note_args": {"name": "Cordonnerie Gambetta"},
    }
    assert notes.columns("Talons usés")["note_key"] is None


def test_a_long_note_is_shortened_in_french_and_kept_whole_in_its_arguments(app):
    reason = "x" * 300
    with app.test_request_context():
        columns = notes.columns(notes.note("refunded", amount=notes.amount(100), reason=reason))
        row = OrderEvent(**columns)
        assert len(columns["note"]) == notes.MAX_NOTE and columns["note"].endswith("…")
        assert reason in notes.shown(row)


def test_older_notes_and_typed_words_show_as_they_are(app):
    with app.test_request_context(), force_locale("en_GB"):
        assert notes.shown(OrderEvent(note="Paiement au comptoir")) == "Paiement au comptoir"
        assert notes.shown(OrderEvent(note="Talons usés", note_key=None)) == "Talons usés"
        gone = OrderEvent(note="Ancien texte", note_key="a_key_removed_since", note_args={})
        assert notes.shown(gone) == "Ancien texte"
        broken = OrderEvent(note="Prête chez X", note_key="ready_at", note_args={})
        assert notes.shown(broken) == "Prête chez X"  # its arguments no longer fit the text


def test_the_history_of_an_order_reads_in_the_readers_language(app, client, session):
    """The customer's order page and the desk's: payment, reception and round notes in
    English for an English reader, in French for a French one."""
    concierge = factories.make_user(session, Role.CONCIERGE)
    customer = factories.make_user(session)
    order = factories.make_order(session, customer=customer, payment=PaymentMethod.DESK, quantity=2)
    assert order.status is S.CONFIRMED  # paid at the desk: "Paiement au comptoir"
    [line] = order.lines
    desk.check_in(session, order, received={line.id: 1}, remarks="", actor=concierge, now=NOW)
    payments.record_desk_payment(
        session, order, kind=PaymentKind.DESK_CASH, amount_cents=500, actor=concierge, now=NOW
    )
    session.commit()
    sign_in(client, customer)
    french = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    assert "Paiement au comptoir" in french and "(2 commandés)" in french
    assert "Payé au comptoir (espèces) : 5,00\u00a0€" in french
    with client.session_transaction() as http_session:
        http_session["lang"] = "en"
    english = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    assert "Payment at the counter" in english and "(2 ordered)" in english
    assert "Paid at the counter (cash): €5.00" in english
    for french_words in ("Paiement au comptoir", "Reçu :", "Payé au comptoir", "commandé"):
        assert french_words not in english
