"""arrivals: running late, doors closing, check-in by text (issue 13)

- policies: ``late_arrival_minutes`` (doors close N minutes after the start; NULL: no rule),
  ``self_check_in`` (clients may check in by text; off by default),
  ``check_in_opens_minutes`` (check-in opens N minutes before the start; default 30).

Existing studios get the defaults (no doors rule, self check-in off, 30 minutes).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("policies") as batch:
        batch.add_column(sa.Column("late_arrival_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("self_check_in", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("check_in_opens_minutes", sa.Integer(), nullable=False, server_default="30"))
    op.execute("UPDATE policies SET self_check_in = false WHERE self_check_in IS NULL")
    op.execute("UPDATE policies SET check_in_opens_minutes = 30 WHERE check_in_opens_minutes IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("policies") as batch:
        batch.drop_column("check_in_opens_minutes")
        batch.drop_column("self_check_in")
        batch.drop_column("late_arrival_minutes")
