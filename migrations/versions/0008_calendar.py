"""admin calendar (issue 5): moving sessions

A session the studio moves remembers when (``moved_at``: a client booked before that
may cancel free of charge) and how many times (``move_count``: the version in each
"moved" text's dedupe key, so a second move texts again and a retry never does).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

from app import rls  # noqa: F401  (a new studio-owned table calls rls.enable(op, table) here)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("class_sessions") as batch:
        batch.add_column(sa.Column("moved_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("move_count", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("class_sessions") as batch:
        batch.drop_column("move_count")
        batch.drop_column("moved_at")
