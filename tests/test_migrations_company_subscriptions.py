"""The migration that keeps company subscriptions as dated periods, and its backfill."""

from contextlib import contextmanager
from datetime import UTC, datetime

import flask_migrate
import sqlalchemy as sa

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.extensions import db as _db
from conciergerie.timeutils import local_date

BEFORE = "3f40a43cd883"  # the revision before company_subscription
LATER_COLUMNS = (
    "user_account ADD COLUMN email_confirmed_at DATETIME",
    "user_account ADD COLUMN company_verified_at DATETIME",
    "member_company ADD COLUMN email_domains TEXT",
    "customer_order ADD COLUMN stripe_checkout_amount_cents INTEGER",
    "customer_order ADD COLUMN discount_cents INTEGER DEFAULT 0",
    "customer_order ADD COLUMN origin VARCHAR(32)",
    "member_company ADD COLUMN address TEXT DEFAULT ''",
    "member_company ADD COLUMN siret TEXT DEFAULT ''",
    "member_company ADD COLUMN billing_email TEXT",
    "user_account ADD COLUMN invited_at DATETIME",
    "user_account ADD COLUMN pending_email VARCHAR(254)",
    "order_event ADD COLUMN note_key VARCHAR(40)",
    "order_event ADD COLUMN note_args JSON",
    "user_account ADD COLUMN texts_opt_in BOOLEAN DEFAULT 0",
    "offer ADD COLUMN stock_per_delivery INTEGER",
    "order_line ADD COLUMN delivery_day DATE",
)
# Read at every flush (the orders' ledgers), later than the old schema too.
DISCOUNT_TABLE = (
    "CREATE TABLE discount (id INTEGER PRIMARY KEY, order_id INTEGER, amount_cents INTEGER, "
    "reason TEXT, actor_id INTEGER, created_at DATETIME)"
)
# Written for every new service line (its items), later than the old schema too.
ITEM_TABLE = (
    "CREATE TABLE order_item (id INTEGER PRIMARY KEY, line_id INTEGER, number INTEGER, "
    "code VARCHAR(24), stage VARCHAR(32))"
)
# Read when an order's turnaround is counted (the provider's closed days), later too.
CLOSURE_TABLE = (
    "CREATE TABLE provider_closure (id INTEGER PRIMARY KEY, provider_id INTEGER, "
    "first_day DATE, last_day DATE, reason TEXT, created_by_id INTEGER, created_at DATETIME)"
)
PERIODS = sa.text(
    "SELECT m.slug, s.starts_on, s.ends_on, s.yearly_fee_cents FROM company_subscription s "
    "JOIN member_company m ON m.id = s.company_id ORDER BY m.slug"
)


@contextmanager
def _later_columns(session):
    """Today's models write columns that came later (the accounts' address confirmation, the
    employees' verification, the companies' domains): they are there while the old data is
    made (and committed), and gone again before migrating."""
    for statement in LATER_COLUMNS:
        session.execute(sa.text(f"ALTER TABLE {statement}"))
    session.execute(sa.text(DISCOUNT_TABLE))
    session.execute(sa.text(ITEM_TABLE))
    session.execute(sa.text(CLOSURE_TABLE))
    yield
    session.commit()
    for statement in LATER_COLUMNS:
        table, _add, _column, name, *_type = statement.split()
        session.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {name}"))
    session.execute(sa.text("DROP TABLE discount"))
    session.execute(sa.text("DROP TABLE order_item"))
    session.execute(sa.text("DROP TABLE provider_closure"))
    session.commit()


def _periods(conn):
    return [(slug, str(starts), ends, fee) for slug, starts, ends, fee in conn.execute(PERIODS)]


def _companies(session):
    from tests.factories import make_member_company

    make_member_company(session, slug="abonnee", is_subscriber=True, yearly_fee_cents=120_000)
    make_member_company(session, slug="gratuite", is_subscriber=True, yearly_fee_cents=0)
    make_member_company(session, slug="non-abonnee", is_subscriber=False)


def test_subscribers_get_a_period_from_the_month_of_the_first_order(tmp_path):
    from tests.factories import make_order

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 's.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        session = _db.session
        with _later_columns(session):
            _companies(session)
            # 31 August, 22:30 UTC is 1 September, 00:30 in Paris: September is the first month.
            make_order(session).placed_at = datetime(2026, 8, 31, 22, 30, tzinfo=UTC)
            make_order(session)
        session.remove()
        flask_migrate.upgrade()
        with _db.engine.connect() as conn:
            assert _periods(conn) == [
                ("abonnee", "2026-09-01", None, 120_000),
                ("gratuite", "2026-09-01", None, 0),
            ]
        flask_migrate.downgrade(revision=BEFORE)
        with _db.engine.connect() as conn:
            assert "company_subscription" not in sa.inspect(conn).get_table_names()
        _db.engine.dispose()


def test_without_any_order_the_periods_start_today(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'e.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with _later_columns(_db.session):
            _companies(_db.session)
        _db.session.remove()
        before = local_date(datetime.now(UTC))
        flask_migrate.upgrade()
        after = local_date(datetime.now(UTC))  # the same day, unless midnight just passed
        with _db.engine.connect() as conn:
            found = _periods(conn)
        assert [(slug, fee) for slug, _, _, fee in found] == [("abonnee", 120_000), ("gratuite", 0)]
        assert {starts for _, starts, _, _ in found} <= {before.isoformat(), after.isoformat()}
        assert all(ends is None for _, _, ends, _ in found)
        _db.engine.dispose()
