"""issue 15 - indexes for set-based due-work discovery and delivery claims

Placeholder reserved so parallel work keeps one migration chain; filled in by its issue.

Revision ID: 0013
Revises: 0012
"""

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
