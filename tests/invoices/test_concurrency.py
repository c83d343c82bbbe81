"""Two servers never give one number twice, and leave no gap: documents issued at the same instant
from many connections against PostgreSQL, some of them rolled back.

These tests commit for real (each thread is its own transaction, as each request is in
production), so they do not use the rolled-back `db` fixture; they empty the tables afterwards.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.invoices import numbering
from conciergerie.invoices import service as invoices
from conciergerie.models import Document, DocumentCounter, DocumentKind
from tests import factories
from tests.conftest import empty_database

WRITERS = 24
ROLLED_BACK = {3, 8, 15, 21}  # these writers fail after taking their number

pytestmark = pytest.mark.skipif(
    not __import__("os").environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row-level locking under concurrency is a PostgreSQL matter; CI runs this on PostgreSQL",
)


@pytest.fixture
def company_id(app):
    with app.app_context():
        with Session(_db.engine) as session:
            company = factories.make_member_company(session)
            session.commit()
            found = company.id
        yield found
        with _db.engine.begin() as connection:
            empty_database(connection)


def issue_all_at_once(app, company_id: int, *, now: datetime) -> list[BaseException]:
    """Every writer issues an invoice at the same instant, on its own connection; a few fail
    after taking their number (their transaction rolls back). The errors met, if any."""
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            with app.app_context(), Session(_db.engine) as session:
                barrier.wait()
                invoices._issue(  # noqa: SLF001
                    session,
                    DocumentKind.INVOICE,
                    now=now,
                    total_cents=100 + index,
                    content={"lines": []},
                    company_id=company_id,
                )
                time.sleep(0.01)  # the rest of a request, its number held meanwhile
                if index in ROLLED_BACK:
                    session.rollback()
                else:
                    session.commit()
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_simultaneous_invoices_get_numbers_one_to_n_without_gap_or_duplicate(app, company_id):
    # The first invoices of a new year: the year's counter row is created by the race too.
    now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    assert issue_all_at_once(app, company_id, now=now) == []
    with app.app_context(), Session(_db.engine) as session:
        numbers = session.scalars(
            sa.select(Document.number).where(Document.year == 2027).order_by(Document.sequence)
        ).all()
        kept = WRITERS - len(ROLLED_BACK)
        assert numbers == [
            numbering.format_number(DocumentKind.INVOICE, 2027, n) for n in range(1, kept + 1)
        ]
        counter = session.get(DocumentCounter, (DocumentKind.INVOICE, 2027))
        assert counter.last_number == kept


def _unguarded_take_number(session, kind, year) -> int:
    """The classic bug: read the highest number, add one — no lock on a counter."""
    highest = session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Document.sequence), 0)).where(
            Document.kind == kind, Document.year == year
        )
    )
    time.sleep(0.05)  # the time a busy server takes between the read and the write
    return highest + 1


def test_control_run_without_the_counter_gives_numbers_twice(app, company_id, monkeypatch):
    """Proves the test above can fail: numbering by max + 1 gives one number to several
    writers (the unique constraint then refuses all but one of them)."""
    monkeypatch.setattr(numbering, "take_number", _unguarded_take_number)
    errors = issue_all_at_once(app, company_id, now=datetime(2027, 1, 4, 9, tzinfo=UTC))
    assert any(isinstance(error, sa.exc.IntegrityError) for error in errors)
