"""issue 16 - staff inbox, human takeover, onboarding settings

Placeholder reserved so parallel work keeps one migration chain; filled in by its issue.

Revision ID: 0014
Revises: 0013
"""

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
