"""Actions after commit: run once committed, forgotten with what they were about."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.database import commit, on_commit
from conciergerie.mail import can_mail
from conciergerie.models import User


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


def test_a_mail_the_server_refused_is_kept_and_sent_by_the_job(session, outbox, server_down):
    from datetime import timedelta

    from conciergerie.mail import retry_pending
    from conciergerie.models import PendingMail
    from conciergerie.orders import notifications
    from tests.factories import make_order

    order = make_order(session)
    on_commit(session, lambda: notifications.send_confirmation(order))
    commit(session)  # the data is saved; the mail is kept instead of lost
    [pending] = session.scalars(sa.select(PendingMail)).all()
    assert pending.recipient == order.customer.email and order.code in pending.subject
    assert "ConnectionRefusedError" in pending.last_error and outbox == []

    # Still down: tried again later, with a longer wait each time.
    first_try = pending.next_attempt_at
    assert retry_pending(session, now=first_try - timedelta(seconds=1)) == (0, 0, 0)
    assert retry_pending(session, now=first_try) == (0, 1, 0)
    assert pending.attempts == 2 and pending.next_attempt_at == first_try + timedelta(minutes=10)

    server_down.up()
    assert retry_pending(session, now=pending.next_attempt_at) == (1, 0, 0)
    [mail] = outbox
    assert mail.to == [order.customer.email] and order.code in mail.subject
    assert mail.alternatives and "<p>" in mail.alternatives[0][0]
    assert session.scalars(sa.select(PendingMail)).all() == []  # no copy kept once sent


def test_a_mail_refused_for_two_days_is_given_up(session, server_down):
    from datetime import timedelta

    from conciergerie.mail import deliver, retry_pending
    from conciergerie.models import PendingMail, utcnow

    deliver("lea@example.org", "Rappel", "texte", None)
    commit(session)
    [pending] = session.scalars(sa.select(PendingMail)).all()
    assert retry_pending(session, now=utcnow() + timedelta(days=2, minutes=1)) == (0, 0, 1)
    assert session.scalars(sa.select(PendingMail)).all() == []


def test_a_server_down_stops_the_run_but_a_refused_address_does_not(session, monkeypatch):
    import smtplib
    from datetime import timedelta

    from flask_mailman import EmailMultiAlternatives

    from conciergerie.mail import retry_pending
    from conciergerie.models import PendingMail, utcnow

    now = utcnow()
    for recipient in ("a@example.org", "b@example.org", "c@example.org"):
        session.add(
            PendingMail(
                recipient=recipient,
                subject="s",
                body_text="t",
                next_attempt_at=now - timedelta(minutes=1),
            )
        )
    session.flush()
    tried = []

    def refused(message, *args, **kwargs):
        tried.append(message.to[0])
        raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    assert retry_pending(session, now=now) == (0, 3, 0)  # each address tried
    assert tried == ["a@example.org", "b@example.org", "c@example.org"]

    tried.clear()

    def down(message, *args, **kwargs):
        tried.append(message.to[0])
        raise TimeoutError("the mail server does not answer")

    monkeypatch.setattr(EmailMultiAlternatives, "send", down)
    later = now + timedelta(hours=1)
    assert retry_pending(session, now=later) == (0, 1, 0)  # the others wait for the next run
    assert tried == ["a@example.org"]
