"""The unit of work's commit (database.commit): what it saves, and what it leaves alone."""

from __future__ import annotations

import sqlalchemy as sa

from conciergerie.database import commit, on_commit
from conciergerie.models import Category


def test_an_idle_session_is_left_without_a_transaction(session):
    session.remove()
    commit(session)  # a page served from the cache: nothing read, nothing written
    assert not session().in_transaction()


def test_an_object_added_before_any_statement_is_saved(session):
    session.remove()
    session.add(Category(slug="cordonnerie-test", name="Cordonnerie", position=9))
    commit(session)
    session.remove()
    assert session.scalar(sa.select(Category.name).where(Category.slug == "cordonnerie-test"))


def test_actions_registered_on_an_idle_session_still_run(session):
    session.remove()
    ran = []
    on_commit(session, lambda: ran.append(True))
    commit(session)
    assert ran == [True]
