"""admin panel (issue 5): tables and columns the staff panel needs

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

from app import rls  # noqa: F401  (a new studio-owned table calls rls.enable(op, table) here)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
