"""core redesign (issue 10): an index for the slow path's waiting messages

The due-work tick answers messages the webhook logged for the LLM and whose job was lost
(``reply = ''``), across studios, every minute: a partial index keeps that a lookup of the
few waiting rows instead of a scan of the whole message log.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WAITING = sa.text("direction = 'in' AND reply = ''")


def upgrade() -> None:
    op.create_index("ix_messages_waiting", "messages", ["created_at"], postgresql_where=WAITING,
                    sqlite_where=WAITING)


def downgrade() -> None:
    op.drop_index("ix_messages_waiting", table_name="messages")
