"""Mails leave through the outbox: written with the change they are about, sent by the job with
their own Message-ID, tried again with a growing wait. And `on_commit`, which mails no longer
need: actions run once committed, forgotten with what they were about."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.database import commit, on_commit
from conciergerie.mail import can_mail
from conciergerie.models import PaymentMethod, User
from tests.conftest import submit
from tests.factories import NOW


@pytest.fixture
def plain_session():
    """A session as in production: its own transaction, not the tests' outer one."""
    with Session(sa.create_engine("sqlite://")) as session:
        session.execute(sa.text("select 1"))
        yield session


def test_actions_run_after_commit(plain_session):
    done = []
    on_commit(plain_session, lambda: done.append("mail"))
    assert done == []
    commit(plain_session)
    assert done == ["mail"]
    commit(plain_session)
    assert done == ["mail"]  # once


def test_a_rollback_forgets_every_action(plain_session):
    done = []
    on_commit(plain_session, lambda: done.append("mail"))
    plain_session.rollback()
    commit(plain_session)
    assert done == []


def test_a_savepoint_rolled_back_forgets_only_its_own_actions(plain_session):
    done = []
    on_commit(plain_session, lambda: done.append("before"))
    with plain_session.begin_nested():
        on_commit(plain_session, lambda: done.append("kept savepoint"))
    with pytest.raises(ValueError), plain_session.begin_nested():
        on_commit(plain_session, lambda: done.append("rolled back"))
        with plain_session.begin_nested():
            on_commit(plain_session, lambda: done.append("inner of rolled back"))
        raise ValueError
    on_commit(plain_session, lambda: done.append("after"))
    commit(plain_session)
    assert done == ["before", "kept savepoint", "after"]


def test_a_savepoint_rolled_back_in_the_tests_session_keeps_earlier_actions(session):
    done = []
    on_commit(session, lambda: done.append("before"))
    with pytest.raises(ValueError), session.begin_nested():
        on_commit(session, lambda: done.append("rolled back"))
        raise ValueError
    commit(session)
    assert done == ["before"]


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("lea@example.org", True),
        ("comptoir-1a2b@sans-adresse.invalid", False),
        ("anonyme-3@supprime.invalid", False),
    ],
)
def test_addresses_under_invalid_are_never_written_to(email, expected):
    assert can_mail(User(email=email)) is expected


# The outbox ------------------------------------------------------------------------------------


@pytest.fixture
def sent(app):
    """The mails that left (Flask-Mailman's in-memory backend), without the `outbox` fixture's
    delivery on reading: these tests run the job's function themselves."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


def rows(session):
    from conciergerie.models import OutboxMail

    return session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()


def place(session, **kw):
    """An order placed through the service, paid at the desk: its confirmation is mailed."""
    from conciergerie.orders import service
    from tests.factories import SETTINGS, make_offer, make_slot, make_user

    return service.place_order(
        session,
        customer=kw.pop("customer", None) or make_user(session),
        lines=[service.RequestedLine(make_offer(session, turnaround_days=1), 1)],
        dropoff_slot=make_slot(session),
        pickup_slot=make_slot(session, starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC)),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
    )


def test_a_mail_is_written_with_its_change_and_left_to_the_job(session, sent):
    from conciergerie.mail import send_due
    from conciergerie.models import utcnow

    order = place(session)
    [mail] = rows(session)  # in the order's own transaction, nothing sent yet
    assert mail.recipient == order.customer.email and order.code in mail.subject
    assert "<p>" in mail.body_html and order.code in mail.body_text and mail.attempts == 0
    assert re.fullmatch(r"<[^@<>\s]+@127\.0\.0\.1>", mail.message_id)  # PUBLIC_URL's domain
    assert sent == []
    message_id = mail.message_id
    assert send_due(session, now=utcnow()).summary() == "1 e-mail envoyé, 0 en échec, 0 abandonnés"
    [message] = sent
    assert message.to == [order.customer.email] and message.message()["Message-ID"] == message_id
    assert message.alternatives[0][1] == "text/html"
    assert rows(session) == []  # sent: no copy of the address and the words is kept


def test_a_change_rolled_back_leaves_no_mail(session):
    with pytest.raises(ValueError), session.begin_nested():
        place(session)
        raise ValueError
    assert rows(session) == []


def test_the_factorys_order_stands_for_one_placed_earlier_and_leaves_no_mail(session):
    from tests.factories import make_order

    make_order(session)
    session.flush()
    assert rows(session) == []


def test_the_mail_is_in_the_recipients_language(session, sent, make_user):
    from conciergerie.mail import send_due
    from conciergerie.models import utcnow

    order = place(session, customer=make_user(locale="en"))
    send_due(session, now=utcnow())
    assert sent[0].subject == f"Order {order.code} confirmed"


def test_a_request_never_talks_to_the_mail_server(client, session, make_user, monkeypatch):
    """The hostile test's finding: with a slow mail server, "forgotten password" answered in 2 s
    for a known address and 6 ms for an unknown one. Now the request only writes a row."""
    from flask_mailman import EmailMessage

    def slow_server(*args, **kwargs):
        raise AssertionError("the request waited for the mail server")

    monkeypatch.setattr(EmailMessage, "send", slow_server)  # EmailMultiAlternatives too
    make_user(email="lea@example.org")
    for address in ("lea@example.org", "inconnu@example.org"):
        answer = submit(client, "/compte/mot-de-passe-oublie", {"email": address})
        assert answer.status_code == 302
    [mail] = rows(session)
    assert mail.recipient == "lea@example.org" and "/compte/reinitialiser/" in mail.body_text


# A mail server down ---------------------------------------------------------------------------


@pytest.fixture
def server_down(monkeypatch):
    """The mail server refuses every mail until `server_down.up()`."""
    from flask_mailman import EmailMultiAlternatives

    real_send = EmailMultiAlternatives.send

    class Switch:
        down = True

        def up(self):
            self.down = False

    switch = Switch()

    def send(message, *args, **kwargs):
        if switch.down:
            raise ConnectionRefusedError("mail server down")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return switch


def test_a_mail_the_server_refused_is_kept_and_sent_again_later(session, sent, server_down):
    from conciergerie.mail import send_due
    from conciergerie.models import utcnow

    order = place(session)
    commit(session)
    now = utcnow()
    assert send_due(session, now=now).failed == 1  # the data is saved; the mail is kept
    [pending] = rows(session)
    assert pending.recipient == order.customer.email and order.code in pending.subject
    assert "ConnectionRefusedError" in pending.last_error and sent == []
    assert pending.attempts == 1 and pending.failed_at == now
    message_id = pending.message_id

    # Still down: tried again later, with a longer wait each time.
    first_try = pending.next_attempt_at
    assert first_try == now + timedelta(minutes=5)
    assert not send_due(session, now=first_try - timedelta(seconds=1))
    assert send_due(session, now=first_try).failed == 1
    assert pending.attempts == 2 and pending.next_attempt_at == first_try + timedelta(minutes=10)

    server_down.up()
    assert send_due(session, now=pending.next_attempt_at).sent == 1
    [mail] = sent
    assert mail.to == [order.customer.email] and order.code in mail.subject
    assert mail.alternatives and "<p>" in mail.alternatives[0][0]
    assert mail.message()["Message-ID"] == message_id  # the same message, however late
    assert rows(session) == []  # no copy kept once sent


def test_a_mail_refused_for_two_days_is_given_up(session, server_down):
    from conciergerie.mail import enqueue, send_due
    from conciergerie.models import utcnow

    enqueue(session, "lea@example.org", "Rappel", "texte", None)
    commit(session)
    done = send_due(session, now=utcnow() + timedelta(days=2, minutes=1))
    assert (done.sent, done.failed, done.given_up) == (0, 0, 1)
    assert rows(session) == []


def test_a_server_down_stops_the_run_but_a_refused_address_does_not(session, monkeypatch):
    import smtplib

    from flask_mailman import EmailMultiAlternatives

    from conciergerie.mail import enqueue, send_due
    from conciergerie.models import utcnow

    for recipient in ("a@example.org", "b@example.org", "c@example.org"):
        enqueue(session, recipient, "s", "t", None)
    session.flush()
    now = utcnow()
    tried = []

    def refused(message, *args, **kwargs):
        tried.append(message.to[0])
        raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    assert send_due(session, now=now).failed == 3  # each address tried
    assert tried == ["a@example.org", "b@example.org", "c@example.org"]

    tried.clear()

    def down(message, *args, **kwargs):
        tried.append(message.to[0])
        raise TimeoutError("the mail server does not answer")

    monkeypatch.setattr(EmailMultiAlternatives, "send", down)
    later = now + timedelta(hours=1)
    assert send_due(session, now=later).failed == 1  # the others wait for the next run
    assert tried == ["a@example.org"]


def test_a_run_stops_after_its_limit_and_the_next_one_goes_on(session, sent):
    from conciergerie.mail import enqueue, send_due
    from conciergerie.models import utcnow

    for n in range(3):
        enqueue(session, f"{n}@example.org", "s", "t", None)
    assert send_due(session, now=utcnow(), limit=2).sent == 2
    assert send_due(session, now=utcnow(), limit=2).sent == 1
    assert [m.to[0] for m in sent] == ["0@example.org", "1@example.org", "2@example.org"]


def test_a_mail_a_view_still_registers_after_the_commit_is_saved(session):
    """`on_commit` actions that write (a view mailing that way) are committed after them."""
    from conciergerie.mail import enqueue

    on_commit(session, lambda: enqueue(session, "lea@example.org", "s", "t", None))
    commit(session)
    session.rollback()  # what was committed stays
    assert [mail.recipient for mail in rows(session)] == ["lea@example.org"]


def test_on_sqlite_a_sender_takes_the_write_lock_before_it_claims(tmp_path):
    """BEGIN IMMEDIATE: a claim that reads, then deletes, never meets another writer halfway."""
    import sqlite3

    from conciergerie.database import _sqlite_begin, _sqlite_connect, begin_writing

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    other = sqlite3.connect(tmp_path / "lock.db", timeout=0, isolation_level=None)

    def other_can_write() -> bool:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # database is locked
            return False
        other.execute("ROLLBACK")
        return True

    with Session(engine) as session:
        session.execute(sa.text("select 1"))  # a plain BEGIN: only read so far
        assert other_can_write()
        session.commit()
        begin_writing(session)
        session.execute(sa.text("select 1"))
        assert not other_can_write()  # the write lock is ours from the start
        session.commit()
        assert other_can_write()
    other.close()
    engine.dispose()


def test_links_are_built_on_public_url_whatever_hosts_the_site_answers_to(app, monkeypatch):
    """TRUSTED_HOSTS guards the requests; a link in a mail is on PUBLIC_URL even if its host is
    not among them (the mail is rendered with its change: it must not make the change fail)."""
    from conciergerie.mail import external_url

    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://etvoila-gambetta.test")
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["127.0.0.1"])
    with app.app_context():
        assert (
            external_url("orders.detail", order_id=7) == "https://etvoila-gambetta.test/commandes/7"
        )


def test_a_mails_links_carry_the_port_of_public_url(app, session, monkeypatch):
    """`make run PORT=5101` serves on 5101 and sets PUBLIC_URL so (tests/test_config.py): the
    links in a mail written then are on that port, not on 5000."""
    from conciergerie.mail import external_url
    from conciergerie.models import OutboxMail
    from conciergerie.orders import notifications
    from tests import factories

    monkeypatch.setitem(app.config, "PUBLIC_URL", "http://127.0.0.1:5101")
    assert external_url("orders.detail", order_id=7) == "http://127.0.0.1:5101/commandes/7"
    order = factories.make_order(session)
    notifications.send_confirmation(order)
    [mail] = [o for o in session.new if isinstance(o, OutboxMail)]
    links = re.findall(r"https?://[^/\s\"<>]+", mail.body_text + (mail.body_html or ""))
    # Ours, on that port; the desk's map in the signature is the only other link.
    assert links and set(links) == {"http://127.0.0.1:5101", "https://www.openstreetmap.org"}


def test_no_mail_is_written_while_held_back(session):
    """The demo's past is replayed through the services: its mails left at the time."""
    from conciergerie.mail import held_back
    from conciergerie.models import OutboxMail
    from conciergerie.orders import notifications
    from tests import factories

    order = factories.make_order(session)
    with held_back():
        notifications.send_confirmation(order)
    assert not [o for o in session.new if isinstance(o, OutboxMail)]
    notifications.send_confirmation(order)
    assert [o for o in session.new if isinstance(o, OutboxMail)]
