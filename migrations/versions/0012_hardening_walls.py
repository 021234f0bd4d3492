"""issue 14 - database walls (studios and inbound_addresses RLS, system role)

Placeholder reserved so parallel work keeps one migration chain; filled in by its issue.

Revision ID: 0012
Revises: 0011
"""

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
