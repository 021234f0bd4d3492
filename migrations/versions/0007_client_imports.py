"""admin clients (issue 5): CSV imports with progress and per-row errors

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

from app import rls  # noqa: F401  (a new studio-owned table calls rls.enable(op, table) here)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
