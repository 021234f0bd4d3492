"""admin clients (issue 5): CSV imports with progress and per-row errors

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from app import rls

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("failure", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_client_imports_studio_id_studios")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_imports")),
        sa.UniqueConstraint("studio_id", "id", name="uq_client_imports_studio_id_id"),
    )
    with op.batch_alter_table("client_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_imports_studio_id"), ["studio_id"], unique=False)
    rls.enable(op, "client_imports", rls.LEGACY_PREDICATE)
    rls.ensure_app_role(op)


def downgrade() -> None:
    with op.batch_alter_table("client_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_imports_studio_id"))
    op.drop_table("client_imports")
