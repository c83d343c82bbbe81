"""Actions after commit: run once committed, forgotten with what they were about."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.mail import can_mail, commit, on_commit
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
