"""Two concierges saving a company's subscription at once: its periods follow the last save
(PostgreSQL)."""

from __future__ import annotations

import os
import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.manage.service import save_company
from conciergerie.models import CompanySubscription, MemberCompany, Role
from tests import factories
from tests.conftest import empty_database
from tests.factories import NOW

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks are a PostgreSQL matter; CI runs this on PostgreSQL",
)


@pytest.fixture
def company_and_concierges(app):
    with app.app_context(), Session(_db.engine) as session:
        company = factories.make_member_company(session)
        first = factories.make_user(session, Role.CONCIERGE)
        second = factories.make_user(session, Role.CONCIERGE)
        session.commit()
        ids = company.id, first.id, second.id
    yield ids
    with app.app_context(), _db.engine.begin() as connection:
        empty_database(connection)


def _save(session: Session, company_id: int, actor_id: int, *, fee: int | None) -> None:
    """What the company form does: the fields as the concierge typed them, then the save."""
    from conciergerie.models import User

    company = session.get(MemberCompany, company_id)
    company.subscriptions  # noqa: B018 — read before the other save commits, as a page would
    values = {"is_subscriber": fee is not None, "yearly_fee_cents": fee or 0}
    save_company(session, company, values=values, actor=session.get(User, actor_id), now=NOW)


def test_the_second_save_works_on_the_periods_the_first_left(app, company_and_concierges):
    company_id, first_id, second_id = company_and_concierges
    errors = []

    def second_saves_a_fee():
        with app.app_context(), Session(_db.engine) as session:
            try:
                _save(session, company_id, second_id, fee=300_000)
                session.commit()
            except Exception as error:  # noqa: BLE001 — reported by the assertion below
                errors.append(repr(error))

    with app.app_context(), Session(_db.engine) as session:
        _save(session, company_id, first_id, fee=120_000)  # flushed, not committed yet
        thread = threading.Thread(target=second_saves_a_fee)
        thread.start()
        time.sleep(1)  # the other save runs meanwhile, and must wait for this one
        session.commit()
    thread.join(timeout=30)

    assert errors == []
    with app.app_context(), Session(_db.engine) as session:
        periods = session.execute(
            sa.select(CompanySubscription.starts_on, CompanySubscription.ends_on,
                      CompanySubscription.yearly_fee_cents)
        ).all()  # fmt: skip
        company = session.get(MemberCompany, company_id)
        assert (company.is_subscriber, company.yearly_fee_cents) == (True, 300_000)
    # Both the same day: the second replaced the first's period, one running at its fee.
    assert periods == [(date(2026, 11, 25), None, 300_000)]
