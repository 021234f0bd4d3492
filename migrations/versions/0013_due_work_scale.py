"""issue 15 - indexes for set-based due-work discovery and delivery claims

The due-work tick finds, across studios, what fell due since it last looked (``due_marks``)
with one indexed query per kind of work; delivery claims batches of pending outbox rows.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# (name, table, columns, partial predicate or None)
INDEXES = (
    ("ix_studios_timezone", "studios", ["timezone"], None),
    ("ix_class_sessions_due_start", "class_sessions", ["starts_at"], "status = 'scheduled'"),
    ("ix_class_sessions_due_end", "class_sessions", ["ends_at"], "status = 'scheduled'"),
    ("ix_class_sessions_moved", "class_sessions", ["moved_at"], "moved_at IS NOT NULL"),
    ("ix_client_packages_expires", "client_packages", ["expires_at"], "expires_at IS NOT NULL"),
    ("ix_waitlist_offered", "waitlist_entries", ["offer_expires_at"], "status = 'offered'"),
    ("ix_booking_requests_proposed", "booking_requests", ["respond_by"], "status = 'proposed'"),
    ("ix_leads_open", "leads", ["paid_at"], "status IN ('paid', 'preferences', 'booked', 'attended')"),
    ("ix_outbox_pending", "outbox", ["send_after", "id"], "status = 'pending'"),
    ("ix_outbox_studio_pending", "outbox", ["studio_id", "send_after"], "status = 'pending'"),
)

# roles that run the tick: the app role, and the system role where one exists (issue 14)
GRANT = """
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['{app}', 'frontdesk_system'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE due_marks TO %I', r);
    END IF;
  END LOOP;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "due_marks",
        sa.Column("work", sa.String(length=40), nullable=False),
        sa.Column("done_until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("work", name=op.f("pk_due_marks")),
    )
    for name, table, columns, where in INDEXES:
        predicate = {"postgresql_where": sa.text(where), "sqlite_where": sa.text(where)} if where else {}
        op.create_index(name, table, columns, unique=False, **predicate)
    if op.get_bind().dialect.name == "postgresql":
        from app.rls import app_role

        op.execute(GRANT.format(app=app_role()))


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("due_marks")
