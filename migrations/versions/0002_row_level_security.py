"""row-level security on every studio-owned table (PostgreSQL only)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from app import rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen list: a later migration that adds a studio-owned table enables RLS on it
# itself (tests/integration check that every scoped table has the policy).
TABLES = (
    "policies",
    "locations",
    "staff",
    "clients",
    "class_types",
    "schedules",
    "availability",
    "class_sessions",
    "packages",
    "client_packages",
    "bookings",
    "waitlist_entries",
    "credit_ledger",
    "booking_requests",
    "intro_offers",
    "leads",
    "conversations",
    "messages",
    "outbox",
    "audit_log",
)


def upgrade() -> None:
    for table in TABLES:
        rls.enable(op, table, rls.LEGACY_PREDICATE)
    rls.ensure_app_role(op)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(op, table)
