"""intro offers matched by SMS (issue 6): lead match questions, reply deadlines, working hours

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from app import rls

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id", "lead_id"],
            ["leads.studio_id", "leads.id"],
            name=op.f("fk_lead_matches_studio_id_lead_id_leads"),
        ),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_lead_matches_studio_id_studios")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_matches")),
        sa.UniqueConstraint("studio_id", "id", name="uq_lead_matches_studio_id_id"),
    )
    with op.batch_alter_table("lead_matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_matches_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_matches_studio_id"), ["studio_id"], unique=False)
        batch_op.create_index("ix_lead_matches_status", ["studio_id", "status"], unique=False)
    rls.enable(op, "lead_matches", rls.LEGACY_PREDICATE)

    with op.batch_alter_table("policies") as batch:
        batch.add_column(sa.Column("lead_match_hours", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("instructor_reply_hours", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("working_start", sa.Time(), nullable=True))
        batch.add_column(sa.Column("working_end", sa.Time(), nullable=True))
    with op.batch_alter_table("booking_requests") as batch:
        batch.add_column(sa.Column("respond_by", sa.DateTime(), nullable=True))
    rls.ensure_app_role(op)


def downgrade() -> None:
    with op.batch_alter_table("booking_requests") as batch:
        batch.drop_column("respond_by")
    with op.batch_alter_table("policies") as batch:
        batch.drop_column("working_end")
        batch.drop_column("working_start")
        batch.drop_column("instructor_reply_hours")
        batch.drop_column("lead_match_hours")
    op.drop_table("lead_matches")
