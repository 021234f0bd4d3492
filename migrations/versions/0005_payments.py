"""payments (issue 6): Stripe checkout, events, Connect

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

from app import rls  # noqa: F401  (a new studio-owned table calls rls.enable(op, table) here)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
