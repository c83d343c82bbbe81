"""employees verified with their company; companies list their e-mail domains

Revision ID: 5f0e0153b275
Revises: e3a9c5b7d1f2
Create Date: 2026-12-05 03:00:00

Until now, ticking a member company at sign-up, with any address, waived the service fee at
once. An employee's link to the company is now a claim until it is verified
(`user_account.company_verified_at`): by the confirmation link of an address on one of the
company's domains (`member_company.email_domains`, empty for every company here: the concierge
fills them in), or by the concierge.

The employees already here are kept verified, at the time of this migration, each with an entry
in the audit log (action "verify_kept", no actor) so that the concierge can find them and review
any she doubts from the accounts page (a change of role or company there is logged too). Why not
leave them all waiting: they were trusted under the rules they signed up with, most are real
employees, and every one of them would pay the fee from the deploy until she approved them one
by one. Nor can the migration tell the doubtful ones apart: the accounts made by the concierge
and those that signed up themselves look the same (5b7c1e9d2f40 confirmed every address of
before on its creation day). One exception: an employee whose address is not confirmed yet
(signed up, link not followed) stays waiting; once the link is followed, an address on the
company's domains verifies them, another waits for the concierge: that is the hole this closes.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5f0e0153b275"
down_revision = "e3a9c5b7d1f2"
branch_labels = None
depends_on = None

users = sa.table(
    "user_account",
    sa.column("id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("email_confirmed_at", sa.DateTime(timezone=True)),
    sa.column("company_verified_at", sa.DateTime(timezone=True)),
)
audit = sa.table(
    "audit_entry",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("label", sa.String),
    sa.column("action", sa.String),
    sa.column("changes", sa.JSON),
)


def upgrade():
    with op.batch_alter_table("member_company", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_domains", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("company_verified_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            "only_employees_verified", "company_verified_at IS NULL OR role = 'employee'"
        )

    connection = op.get_bind()
    now = datetime.now(UTC)
    stored = now.replace(tzinfo=None) if connection.dialect.name == "sqlite" else now
    kept = connection.scalars(
        sa.select(users.c.id)
        .where(users.c.role == "employee", users.c.email_confirmed_at.is_not(None))
        .order_by(users.c.id)
    ).all()
    if kept:
        connection.execute(
            users.update().where(users.c.id.in_(kept)).values(company_verified_at=stored)
        )
        connection.execute(
            audit.insert(),
            [
                {
                    "at": stored,
                    "actor_id": None,
                    "entity": "user",
                    "entity_id": user_id,
                    "label": f"#{user_id}",
                    "action": "verify_kept",
                    "changes": {"company_verified_at": [None, str(now)]},
                }
                for user_id in kept
            ],
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_only_employees_verified"), type_="check")
        batch_op.drop_column("company_verified_at")
    with op.batch_alter_table("member_company", schema=None) as batch_op:
        batch_op.drop_column("email_domains")
    # The log keeps its entries: they are history.
