"""intro offers matched by SMS (issue 6): lead preferences, matching, escalation

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

from app import rls  # noqa: F401  (a new studio-owned table calls rls.enable(op, table) here)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
