"""issue 17 - client data export and erasure

- ``data_requests``: a client's request to see or erase their data (from the admin or by
  text), with the one-time export link's token hash, expiry and use.
- ``suppressed_phones``: per studio, the hashed numbers of erased clients, never texted
  first again unless the person opts in anew.
- ``clients.erased_at``: when the client's data was erased (the row stays, anonymised).
- ``policies.erasure_by_text``: an erasure asked for by text is carried out by ``staff``
  (default) or ``auto``.

Both new tables are studio-owned: forced row-level security with the studio policy and
the system role's (``rls.enable``).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from app import rls

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id", "client_id"],
            ["clients.studio_id", "clients.id"],
            name=op.f("fk_data_requests_studio_id_client_id_clients"),
        ),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_data_requests_studio_id_studios")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_data_requests_token_hash")),
        sa.UniqueConstraint("studio_id", "id", name="uq_data_requests_studio_id_id"),
    )
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.create_index("ix_data_requests_client", ["studio_id", "client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_requests_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "suppressed_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_why", sa.String(length=60), nullable=True),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_suppressed_phones_studio_id_studios")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressed_phones")),
        sa.UniqueConstraint("studio_id", "phone_hash", name=op.f("uq_suppressed_phones_studio_id_phone_hash")),
        sa.UniqueConstraint("studio_id", "id", name="uq_suppressed_phones_studio_id_id"),
    )
    with op.batch_alter_table("suppressed_phones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppressed_phones_studio_id"), ["studio_id"], unique=False)

    with op.batch_alter_table("policies") as batch:
        batch.add_column(sa.Column("erasure_by_text", sa.String(10), nullable=False, server_default="staff"))
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))

    rls.enable(op, "data_requests")
    rls.enable(op, "suppressed_phones")
    rls.ensure_app_role(op)


def downgrade() -> None:
    rls.disable(op, "suppressed_phones")
    rls.disable(op, "data_requests")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("policies") as batch:
        batch.drop_column("erasure_by_text")
    with op.batch_alter_table("suppressed_phones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppressed_phones_studio_id"))
    op.drop_table("suppressed_phones")
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_requests_studio_id"))
        batch_op.drop_index("ix_data_requests_client")
    op.drop_table("data_requests")
