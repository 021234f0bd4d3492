"""issue 14: sessions that end, and database walls that hold against the app role

- ``staff.session_version``: part of every sign-in cookie; sign-out and password changes
  bump it, which ends every session signed in before.
- The system bypass becomes a role: ``frontdesk_system`` (``DB_SYSTEM_ROLE``) gets a policy
  letting every row through on every studio-owned table, and the ``app.system`` setting,
  which the app role could set itself, no longer opens anything.
- ``studios`` and ``inbound_addresses`` get row-level security: read by all, written only in
  the owning studio's scope or by the system role.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from app import rls

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _studio_tables() -> list[str]:
    rows = op.get_bind().execute(
        sa.text("SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = :name"),
        {"name": rls.POLICY},
    )
    return sorted(r[0] for r in rows)


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"))
    if op.get_bind().dialect.name != "postgresql":
        return
    rls.ensure_system_role(op)
    for table in _studio_tables():
        rls.wall_studio_table(op, table)
    rls.wall_global_table(op, "studios", "id")
    rls.wall_global_table(op, "inbound_addresses", "studio_id")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        rls.unwall_global_table(op, "inbound_addresses")
        rls.unwall_global_table(op, "studios")
        for table in _studio_tables():
            rls.enable(op, table, rls.LEGACY_PREDICATE)
            op.execute(f"DROP POLICY IF EXISTS {rls.SYSTEM_POLICY} ON {table}")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("session_version")
