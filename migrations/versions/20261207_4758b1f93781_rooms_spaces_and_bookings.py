"""rooms: La Grappe's bookable spaces (conference room, meeting and training rooms,
coworking desks) with their prices per kind of booker, the member companies' monthly quotas of
room hours, and the bookings. Two confirmed bookings of one space never overlap: on PostgreSQL
an exclusion constraint on their time range (btree_gist), on SQLite a trigger before insert and
update (SQLite runs one writer at a time, so the trigger's look cannot be raced).

Revision ID: 4758b1f93781
Revises: a4c7e2f91b36
Create Date: 2026-12-07 08:24:14.185687

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4758b1f93781"
down_revision = "a4c7e2f91b36"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "space",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "conference_room",
                "meeting_room",
                "training_room",
                "coworking_desk",
                name="space_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("equipment", sa.String(length=500), nullable=False),
        sa.Column("layouts", sa.String(length=300), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("closes_at", sa.Time(), nullable=False),
        sa.Column("open_weekdays", sa.String(length=7), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("member_hour_cents", sa.Integer(), nullable=False),
        sa.Column("member_half_day_cents", sa.Integer(), nullable=False),
        sa.Column("member_day_cents", sa.Integer(), nullable=False),
        sa.Column("association_hour_cents", sa.Integer(), nullable=False),
        sa.Column("association_half_day_cents", sa.Integer(), nullable=False),
        sa.Column("association_day_cents", sa.Integer(), nullable=False),
        sa.Column("public_hour_cents", sa.Integer(), nullable=False),
        sa.Column("public_half_day_cents", sa.Integer(), nullable=False),
        sa.Column("public_day_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_space_capacity_positive")),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_space_closes_after_opening")),
        sa.CheckConstraint(
            "member_hour_cents >= 0 AND member_half_day_cents >= 0 AND member_day_cents >= 0 AND association_hour_cents >= 0 AND association_half_day_cents >= 0 AND association_day_cents >= 0 AND public_hour_cents >= 0 AND public_half_day_cents >= 0 AND public_day_cents >= 0",
            name=op.f("ck_space_prices_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space")),
    )
    op.create_table(
        "space_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("image_name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["space.id"],
            name=op.f("fk_space_photo_space_id_space"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_photo")),
    )
    with op.batch_alter_table("space_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_photo_space_id"), ["space_id"], unique=False)
    op.create_table(
        "room_quota",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("hours_per_month", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "hours_per_month BETWEEN 0 AND 744", name=op.f("ck_room_quota_hours_range")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["member_company.id"],
            name=op.f("fk_room_quota_company_id_member_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_room_quota")),
    )
    op.create_table(
        "space_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column(
            "booker_kind",
            sa.Enum(
                "member",
                "association",
                "public",
                name="booker_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("association_name", sa.String(length=160), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "confirmed",
                "declined",
                "cancelled",
                name="booking_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(length=60), nullable=False),
        sa.Column("catering_note", sa.String(length=500), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("included_minutes", sa.Integer(), nullable=False),
        sa.Column("decline_reason", sa.String(length=300), nullable=False),
        sa.Column("cancellation_charged", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "booker_kind <> 'member' OR company_id IS NOT NULL",
            name=op.f("ck_space_booking_member_has_company"),
        ),
        sa.CheckConstraint("attendees >= 1", name=op.f("ck_space_booking_attendees_positive")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_space_booking_ends_after_start")),
        sa.CheckConstraint(
            "included_minutes >= 0", name=op.f("ck_space_booking_included_minutes_not_negative")
        ),
        sa.CheckConstraint(
            "price_cents IS NULL OR price_cents >= 0",
            name=op.f("ck_space_booking_price_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["user_account.id"],
            name=op.f("fk_space_booking_cancelled_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["member_company.id"],
            name=op.f("fk_space_booking_company_id_member_company"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_space_booking_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["user_account.id"],
            name=op.f("fk_space_booking_requester_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["space.id"],
            name=op.f("fk_space_booking_space_id_space"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_booking")),
    )
    with op.batch_alter_table("space_booking", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_space_booking_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_space_booking_requester_id"), ["requester_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_space_booking_space_id"), ["space_id"], unique=False)
        batch_op.create_index(
            "ix_space_booking_space_starts", ["space_id", "starts_at"], unique=False
        )

    create_overlap_guard()
    documents_about_bookings()


ABOUT_ONE_THING = (
    "(CASE WHEN order_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN company_id IS NULL THEN 0 ELSE 1 "
    "END) + (CASE WHEN booking_id IS NULL THEN 0 ELSE 1 END) = 1"
)
IMMUTABLE = "an issued document never changes: issue a credit note instead"


def documents_about_bookings():
    """A billing document may be about a booking (its invoice). SQLite rebuilds the table for
    the new CHECK and loses its triggers: they are made again, as b8109744f7e9 made them."""
    with op.batch_alter_table("billing_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booking_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_billing_document_booking_id_space_booking"),
            "space_booking",
            ["booking_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index(batch_op.f("ix_billing_document_booking_id"), ["booking_id"])
        batch_op.create_index(
            "uq_billing_document_booking_invoice",
            ["booking_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'invoice'"),
            postgresql_where=sa.text("kind = 'invoice'"),
        )
        batch_op.drop_constraint(
            batch_op.f("ck_billing_document_about_an_order_or_a_company"), type_="check"
        )
        batch_op.create_check_constraint("about_one_thing", ABOUT_ONE_THING)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_immutability_triggers()


def _sqlite_immutability_triggers():
    for event in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS billing_document_no_{event.lower()}")
        op.execute(
            f"CREATE TRIGGER billing_document_no_{event.lower()} BEFORE {event} "
            f"ON billing_document BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END"
        )


OVERLAP = (
    "SELECT RAISE(ABORT, 'space_booking_no_overlap') WHERE NEW.status = 'confirmed' AND EXISTS ("
    "SELECT 1 FROM space_booking AS other WHERE other.space_id = NEW.space_id"
    " AND other.id IS NOT NEW.id AND other.status = 'confirmed'"
    " AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at)"
)


def create_overlap_guard():
    """Never two confirmed bookings of one space at the same instant (ranges half-open)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE space_booking ADD CONSTRAINT space_booking_no_overlap EXCLUDE USING gist "
            "(space_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status = 'confirmed')"
        )
    else:  # SQLite stores naive UTC as text of one width: text order is time order
        for action in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER space_booking_no_overlap_{action.lower()} BEFORE {action} "
                f"ON space_booking BEGIN {OVERLAP}; END"
            )


def downgrade():
    with op.batch_alter_table("billing_document", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_billing_document_about_one_thing"), type_="check")
        batch_op.create_check_constraint(
            "about_an_order_or_a_company", "(order_id IS NULL) <> (company_id IS NULL)"
        )
        batch_op.drop_index("uq_billing_document_booking_invoice")
        batch_op.drop_index(batch_op.f("ix_billing_document_booking_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_billing_document_booking_id_space_booking"), type_="foreignkey"
        )
        batch_op.drop_column("booking_id")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_immutability_triggers()
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS space_booking_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS space_booking_no_overlap_update")
    with op.batch_alter_table("space_booking", schema=None) as batch_op:
        batch_op.drop_index("ix_space_booking_space_starts")
        batch_op.drop_index(batch_op.f("ix_space_booking_space_id"))
        batch_op.drop_index(batch_op.f("ix_space_booking_requester_id"))
        batch_op.drop_index(batch_op.f("ix_space_booking_company_id"))

    op.drop_table("space_booking")
    op.drop_table("room_quota")
    op.drop_table("space_photo")
    op.drop_table("space")
