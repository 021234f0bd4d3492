"""studio WhatsApp template for texts outside the 24-hour window, and the fallback rule

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("studios") as batch:
        batch.add_column(sa.Column("whatsapp_template_sid", sa.String(64), nullable=True))
        batch.add_column(sa.Column("whatsapp_fallback", sa.String(16), nullable=False, server_default="sms"))


def downgrade() -> None:
    with op.batch_alter_table("studios") as batch:
        batch.drop_column("whatsapp_fallback")
        batch.drop_column("whatsapp_template_sid")
