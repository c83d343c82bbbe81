"""Who is texted, in which words; STOP; texts beside the mails of an order's steps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from conciergerie.database import commit
from conciergerie.desk import service as desk
from conciergerie.mail import held_back
from conciergerie.models import OrderStatus, OutboxText, Role, TextOptOut, User
from conciergerie.orders import service as orders
from conciergerie.orders.jobs import send_reminders
from conciergerie.texts import service as texts
from tests import factories
from tests.factories import NOW

WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # the drop-off is tomorrow
TUESDAY_1_DEC = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the pickup is tomorrow


def outbox_texts(session) -> list[OutboxText]:
    session.flush()
    return session.scalars(sa.select(OutboxText).order_by(OutboxText.id)).all()


def walk_in(session, *, email=""):
    return desk.walk_in_customer(
        session, full_name="Nadia Benali", phone="06 12 34 56 78", email=email, now=NOW
    )


@pytest.fixture
def concierge(session):
    return factories.make_user(session, Role.CONCIERGE)


def back_at_desk(session, order, concierge):
    for status in (
        OrderStatus.DROPPED_OFF,
        OrderStatus.AT_PROVIDER,
        OrderStatus.READY_AT_PROVIDER,
        OrderStatus.BACK_AT_DESK,
    ):
        orders.advance_order(session, order, status, actor=concierge, now=NOW)


# Numbers and words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.81.23.45.67", "+33781234567"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+44 7911 123456", "+447911123456"),
        ("03 53 01 00 59", None),  # the desk's landline: no texts
        ("06 12", None),
        ("", None),
        (None, None),
        ("appelez-moi", None),
    ],
)
def test_numbers_in_e164_french_by_default_mobiles_only(written, number):
    assert texts.e164(written) == number


def test_bodies_keep_to_the_gsm_alphabet_and_two_sms():
    assert texts.gsm("Votre commande est prête à l’heure « dite »") == (
        'Votre commande est prete à l\'heure " dite "'
    )
    assert len(texts.gsm("é" * 400)) == 306
    assert len(texts.gsm("€" * 400)) == 153  # two characters each
    assert texts.gsm("漢") == "?"


@pytest.mark.parametrize(
    "reply",
    ["STOP", "stop", "Stop", " Stop. ", "STOP SMS", "Stop sms", "ARRET", "Arrêt !", "arrêter"],
)
def test_stop_in_its_ways_of_being_written(reply):
    assert texts.is_stop(reply)


@pytest.mark.parametrize(
    "reply", ["", "Merci !", "Stopper le ressemelage ?", "Je ne peux pas stop"]
)
def test_other_replies_are_no_stop(reply):
    assert not texts.is_stop(reply)


# Who is texted --------------------------------------------------------------------------------


def test_a_walk_in_who_left_only_a_phone_is_texted_and_never_mailed(session, concierge, outbox):
    order = factories.make_order(session, customer=walk_in(session))
    back_at_desk(session, order, concierge)
    commit(session)
    assert outbox == []  # no address, no mail: as before
    [text] = outbox_texts(session)
    assert text.recipient == "+33612345678" and text.sent_at is None
    assert text.body == (
        f"Et voilà Gambetta : votre commande {order.code} est prete au comptoir. "
        "Retrait : mercredi 2 décembre, 18:00-18:30. STOP pour ne plus recevoir de SMS."
    )
    assert len(text.idempotency_key) == 32


def test_a_walk_in_who_left_an_email_is_mailed_not_texted(session, concierge, outbox):
    order = factories.make_order(session, customer=walk_in(session, email="nadia@example.org"))
    back_at_desk(session, order, concierge)
    commit(session)
    assert [m.subject for m in outbox] == [f"Commande {order.code} prête à retirer"]
    assert outbox_texts(session) == []


def test_a_customer_is_texted_only_once_they_asked(session, concierge, outbox):
    customer = factories.make_user(session, phone="06 98 76 54 32")
    order = factories.make_order(session, customer=customer)
    back_at_desk(session, order, concierge)
    assert outbox_texts(session) == []
    customer.texts_opt_in = True
    texts.text_ready(order)
    [text] = outbox_texts(session)
    assert text.recipient == "+33698765432"


def test_in_the_customers_language(session):
    customer = factories.make_user(session, phone="0698765432", texts_opt_in=True, locale="en")
    order = factories.make_order(session, customer=customer)
    texts.text_ready(order)
    [text] = outbox_texts(session)
    assert text.body.startswith(f"Et voilà Gambetta: your order {order.code} is ready at the")
    assert text.body.endswith("Reply STOP to receive no more texts.")


def test_no_text_to_a_landline_or_without_a_number(session):
    for phone in ("03 20 12 34 56", None):
        customer = factories.make_user(session, phone=phone, texts_opt_in=True)
        texts.text_ready(factories.make_order(session, customer=customer))
    assert outbox_texts(session) == []


def test_nobody_opted_out_is_texted(session):
    customer = factories.make_user(session, phone="06 12 34 56 78", texts_opt_in=True)
    order = factories.make_order(session, customer=walk_in(session))
    texts.opt_out(session, "+33612345678", now=NOW)
    texts.text_ready(order)
    texts.text_ready(factories.make_order(session, customer=customer))
    assert outbox_texts(session) == []


def test_nothing_is_written_while_messages_are_held_back(session):
    order = factories.make_order(session, customer=walk_in(session))
    with held_back():
        texts.text_ready(order)
    assert outbox_texts(session) == []


# The day before a slot ------------------------------------------------------------------------


def test_the_day_before_the_dropoff_and_the_pickup(session, outbox):
    order = factories.make_order(session, customer=walk_in(session))
    assert send_reminders(session, now=WEDNESDAY_EVENING) == 1
    order.status = OrderStatus.AT_PROVIDER
    assert send_reminders(session, now=TUESDAY_1_DEC) == 1
    commit(session)
    assert outbox == []
    dropoff, pickup = outbox_texts(session)
    assert "demain jeudi 26 novembre, 08:00-08:30, vous déposez la commande" in dropoff.body
    assert "demain mercredi 2 décembre, 18:00-18:30, vous retirez la commande" in pickup.body
    assert send_reminders(session, now=TUESDAY_1_DEC) == 0  # once each
    assert len(outbox_texts(session)) == 2


# STOP and "Mon compte" ------------------------------------------------------------------------


def test_stop_drops_the_texts_waiting_and_is_recorded_once(session):
    order = factories.make_order(session, customer=walk_in(session))
    texts.text_ready(order)
    assert texts.handle_reply(session, "33612345678", "STOP", now=NOW) == "opted_out"
    assert outbox_texts(session) == []
    assert texts.handle_reply(session, "+33 6 12 34 56 78", "stop", now=NOW) == "opted_out"
    assert session.scalars(sa.select(TextOptOut.phone)).all() == ["+33612345678"]


def test_a_reply_that_is_no_stop_or_from_no_mobile_changes_nothing(session):
    assert texts.handle_reply(session, "+33612345678", "Merci beaucoup", now=NOW) == "ignored"
    assert texts.handle_reply(session, "Gambetta", "STOP", now=NOW) == "ignored"
    assert session.scalars(sa.select(TextOptOut)).all() == []


def test_mon_compte_never_lifts_a_stop_only_the_number_s_start_does(session):
    # Anyone may type any number on their account: ticking the box must not undo the STOP
    # the number's owner sent.
    stranger = factories.make_user(session, phone="06 12 34 56 78")
    texts.opt_out(session, "+33612345678", now=NOW)
    assert texts.set_texts_opt_in(session, stranger, True)
    assert stranger.texts_opt_in and texts.is_opted_out(session, "+33612345678")
    assert texts.number_to_text(stranger) is None
    assert texts.stopped_by_reply(stranger)
    assert texts.handle_reply(session, "+33612345678", "Merci", now=NOW) == "ignored"
    assert texts.handle_reply(session, "33612345678", "Start !", now=NOW) == "opted_in"
    assert not texts.is_opted_out(session, "+33612345678")
    assert texts.number_to_text(stranger) == "+33612345678"
    assert texts.set_texts_opt_in(session, stranger, False)
    assert texts.number_to_text(stranger) is None


def test_the_demo_has_customers_who_get_texts_and_a_number_that_said_stop(session):
    from conciergerie.demo.service import load_demo_data

    load_demo_data(session, now=NOW, lived_in=False)
    martine = session.scalar(sa.select(User).where(User.email == "martine.delcroix@example.org"))
    assert texts.number_to_text(martine) == "+33671324518"
    assert texts.is_opted_out(session, "+33647185209")


def test_a_wrong_ready_undone_is_corrected_by_text_too(session, concierge, outbox):
    from conciergerie.orders import undo

    order = factories.make_order(session, customer=walk_in(session))
    back_at_desk(session, order, concierge)
    undo.undo_item(session, order.lines[0].items[0], actor=concierge, now=NOW)
    commit(session)
    assert outbox == []
    ready, correction = outbox_texts(session)
    assert correction.body.startswith(
        f"Et voilà Gambetta : la commande {order.code} n'est finalement pas encore prete"
    )


def test_an_erased_account_leaves_no_text_behind(session):
    from conciergerie.accounts.privacy import anonymise

    customer = factories.make_user(session, phone="06 12 34 56 78", texts_opt_in=True)
    texts.text_ready(factories.make_order(session, customer=customer))
    assert len(outbox_texts(session)) == 1
    anonymise(session, customer, now=NOW)
    assert outbox_texts(session) == [] and not customer.texts_opt_in
