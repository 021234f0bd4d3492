"""fair rules for money and time (issue 11)

- policies: ``no_show_review_hours`` (staff may check in or waive until then; the rule
  applies after), ``waitlist_cutoff_minutes`` (no offers that close to the class),
  ``overlap_rule`` (allow | ask | refuse a booking that overlaps one the client holds);
- bookings: ``no_show_settled_at`` (the review settled it, once);
- waitlist_entries: ``offer_sent_at`` (the claim window runs from the offer's delivery);
- outbox: ``about`` (what a text is about, re-checked when it goes).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("policies") as batch:
        batch.add_column(sa.Column("no_show_review_hours", sa.Integer(), nullable=False, server_default="12"))
        batch.add_column(sa.Column("waitlist_cutoff_minutes", sa.Integer(), nullable=False, server_default="60"))
        batch.add_column(sa.Column("overlap_rule", sa.String(10), nullable=False, server_default="ask"))
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("no_show_settled_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("waitlist_entries") as batch:
        batch.add_column(sa.Column("offer_sent_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("about", sa.String(64), nullable=True))
    # Rows from before the review: an offer already made was texted when it was made, and a
    # no-show already recorded had its rule applied then (never settle or text them again).
    op.execute("UPDATE waitlist_entries SET offer_sent_at = offered_at WHERE status = 'offered'")
    op.execute("UPDATE bookings SET no_show_settled_at = COALESCE(checked_in_at, booked_at) WHERE status = 'no_show'")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("about")
    with op.batch_alter_table("waitlist_entries") as batch:
        batch.drop_column("offer_sent_at")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("no_show_settled_at")
    with op.batch_alter_table("policies") as batch:
        batch.drop_column("overlap_rule")
        batch.drop_column("waitlist_cutoff_minutes")
        batch.drop_column("no_show_review_hours")
