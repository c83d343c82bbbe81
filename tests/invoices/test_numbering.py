"""Document numbers: gap-free per kind and year, given back by a rollback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conciergerie.invoices import numbering
from conciergerie.invoices import service as invoices
from conciergerie.models import Document, DocumentCounter, DocumentKind
from tests import factories


def issue(session, company, *, kind=DocumentKind.INVOICE, now=factories.NOW) -> Document:
    """A bare document about `company` (invoices and credit notes alike need no more here)."""
    about = {"company": company}
    if kind is DocumentKind.CREDIT_NOTE:
        about["refers_to"] = session.scalars(sa.select(Document).limit(1)).first() or issue(
            session, company, now=now
        )
    return invoices._issue(  # noqa: SLF001
        session, kind, now=now, total_cents=100, content={"lines": []}, **about
    )


def test_numbers_follow_one_another_per_kind_and_start_again_each_year(session):
    company = factories.make_member_company(session)
    first, second = issue(session, company), issue(session, company)
    note = issue(session, company, kind=DocumentKind.CREDIT_NOTE)
    # New Year's Eve at 23:30 UTC is already the 1st of January in Paris.
    new_year = issue(session, company, now=datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert [d.number for d in (first, second, note, new_year)] == [
        "F-2026-000001",
        "F-2026-000002",
        "A-2026-000001",
        "F-2027-000001",
    ]
    assert (new_year.year, new_year.sequence) == (2027, 1)


def test_a_rolled_back_issue_gives_its_number_back(session):
    company = factories.make_member_company(session)
    issue(session, company)
    with pytest.raises(RuntimeError), session.begin_nested():
        issue(session, company)
        raise RuntimeError("the request failed after the number was taken")
    again = issue(session, company)
    assert again.number == "F-2026-000002"


def test_the_counter_row_of_a_year_is_made_on_first_use(session):
    assert numbering.take_number(session, DocumentKind.RECEIPT, 2031) == 1
    assert numbering.take_number(session, DocumentKind.RECEIPT, 2031) == 2
    counter = session.get(DocumentCounter, (DocumentKind.RECEIPT, 2031))
    assert counter.last_number == 2


def test_a_number_cannot_be_given_twice(session):
    company = factories.make_member_company(session)
    document = issue(session, company)
    twin = Document(
        kind=document.kind,
        year=document.year,
        sequence=document.sequence,
        number=document.number,
        total_cents=1,
        content={},
        company_id=company.id,
    )
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.add(twin)
        session.flush()


# Property: whatever mix of documents issued and rolled back, over whichever years, the numbers
# kept in each sequence run 1, 2, 3… without a gap nor a repeat.
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from([DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE]),
        st.sampled_from([2026, 2027]),
        st.booleans(),  # kept (committed) or rolled back
    ),
    max_size=25,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_invoice_numbers_have_no_gap(session, operations):
    example = session.begin_nested()  # each example starts from no document
    try:
        company = factories.make_member_company(session)
        for kind, year, kept in operations:
            now = datetime(year, 6, 1, 10, tzinfo=UTC)
            if kept:
                issue(session, company, kind=kind, now=now)
                continue
            with pytest.raises(RuntimeError), session.begin_nested():
                issue(session, company, kind=kind, now=now)
                raise RuntimeError("rolled back")
        issued = session.execute(
            sa.select(Document.kind, Document.year, Document.sequence, Document.number)
        ).all()
        for kind in DocumentKind:
            for year in (2026, 2027):
                mine = sorted(
                    row.sequence for row in issued if (row.kind, row.year) == (kind, year)
                )
                assert mine == list(range(1, len(mine) + 1))
        assert len({row.number for row in issued}) == len(issued)
    finally:
        example.rollback()
