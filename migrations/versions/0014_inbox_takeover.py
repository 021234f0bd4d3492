"""issue 16 - staff inbox, human takeover, onboarding settings

- conversations: ``needs_person``, ``flag_reason``, ``flagged_at`` (a text a person should
  read), ``read_at`` (staff last opened the thread), ``human_by`` and ``human_until``
  (a member of staff has taken the conversation over; the bot only logs until then).
- policies: ``human_idle_minutes`` (a taken-over conversation returns to the bot after this
  many minutes without a staff reply; default 60).

No new tables: both are studio-owned tables that already have their RLS policy.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("needs_person", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("flag_reason", sa.String(120), nullable=True))
        batch.add_column(sa.Column("flagged_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("read_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("human_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("human_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("policies") as batch:
        batch.add_column(sa.Column("human_idle_minutes", sa.Integer(), nullable=False, server_default="60"))


def downgrade() -> None:
    with op.batch_alter_table("policies") as batch:
        batch.drop_column("human_idle_minutes")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("human_until")
        batch.drop_column("human_by")
        batch.drop_column("read_at")
        batch.drop_column("flagged_at")
        batch.drop_column("flag_reason")
        batch.drop_column("needs_person")
