"""Document numbers: one gap-free sequence per kind and calendar year, that two servers cannot
duplicate.

French rules ask invoices to be numbered in one continuous chronological sequence, with no gap
(a missing number reads as a hidden invoice). Receipts and credit notes get sequences of their
own (R-…, A-…), so that a receipt never leaves a hole in the invoices' numbers nor the other
way round; each starts again at 1 on the 1st of January (Paris time), the year in the number.

How: a counter row per (kind, year), incremented with `UPDATE … RETURNING` in the very
transaction that issues the document. Not a database sequence, which never gives a number back:
a rolled-back transaction would leave a gap. The UPDATE holds the row's lock until the
transaction ends, so a second server issuing at the same moment waits, then reads the first
one's number and takes the next; if the first rolls back instead, its number goes back with it
and the second takes it. Issuing is therefore one at a time, which documents issued a few times
a minute can afford. The unique constraints on the number (and on kind, year, sequence) stand
behind it. The row of a new year is created on first use (`INSERT … ON CONFLICT DO NOTHING`, so
two servers starting the year at once both find it).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from conciergerie.models import DocumentCounter, DocumentKind

COUNTERS = DocumentCounter.__table__


def format_number(kind: DocumentKind, year: int, sequence: int) -> str:
    """F-2026-000123: the kind's letter, the year, the place in the year's sequence."""
    return f"{kind.prefix}-{year}-{sequence:06d}"


def _bump(session: Session, kind: DocumentKind, year: int) -> int | None:
    return session.execute(
        sa.update(COUNTERS)
        .where(COUNTERS.c.kind == kind.value, COUNTERS.c.year == year)
        .values(last_number=COUNTERS.c.last_number + 1)
        .returning(COUNTERS.c.last_number)
    ).scalar_one_or_none()


def _create_counter(session: Session, kind: DocumentKind, year: int) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(COUNTERS)
        .values(kind=kind.value, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["kind", "year"])
    )


def take_number(session: Session, kind: DocumentKind, year: int) -> int:
    """The next number of the (kind, year) sequence, taken in the session's transaction: kept
    if it commits, given back if it rolls back (see the module's docstring)."""
    number = _bump(session, kind, year)
    if number is None:
        _create_counter(session, kind, year)
        number = _bump(session, kind, year)
    assert number is not None
    return number
