"""payments (issue 6): Stripe checkout, events, Connect

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from app import rls

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("studios") as batch:
        batch.add_column(sa.Column("stripe_account_id", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column("stripe_charges_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=True),
        sa.Column("intro_offer_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("client_package_id", sa.Integer(), nullable=True),
        sa.Column("item_name", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_refunded", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("application_fee", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("checkout_url", sa.String(length=500), nullable=False),
        sa.Column("stripe_url", sa.Text(), nullable=True),
        sa.Column("stripe_checkout_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_payment_intent", sa.String(length=255), nullable=True),
        sa.Column("stripe_account", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("needs_attention", sa.Boolean(), nullable=False),
        sa.Column("attention_note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("expired_at", sa.DateTime(), nullable=True),
        sa.Column("refunded_at", sa.DateTime(), nullable=True),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id", "booking_id"],
            ["bookings.studio_id", "bookings.id"],
            name=op.f("fk_payments_studio_id_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["studio_id", "client_id"],
            ["clients.studio_id", "clients.id"],
            name=op.f("fk_payments_studio_id_client_id_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["studio_id", "client_package_id"],
            ["client_packages.studio_id", "client_packages.id"],
            name=op.f("fk_payments_studio_id_client_package_id_client_packages"),
        ),
        sa.ForeignKeyConstraint(
            ["studio_id", "intro_offer_id"],
            ["intro_offers.studio_id", "intro_offers.id"],
            name=op.f("fk_payments_studio_id_intro_offer_id_intro_offers"),
        ),
        sa.ForeignKeyConstraint(
            ["studio_id", "lead_id"], ["leads.studio_id", "leads.id"], name=op.f("fk_payments_studio_id_lead_id_leads")
        ),
        sa.ForeignKeyConstraint(
            ["studio_id", "package_id"],
            ["packages.studio_id", "packages.id"],
            name=op.f("fk_payments_studio_id_package_id_packages"),
        ),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_payments_studio_id_studios")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("stripe_checkout_id", name=op.f("uq_payments_stripe_checkout_id")),
        sa.UniqueConstraint("studio_id", "id", name="uq_payments_studio_id_id"),
        sa.UniqueConstraint("token", name=op.f("uq_payments_token")),
    )
    with op.batch_alter_table("payments") as batch:
        batch.create_index(batch.f("ix_payments_client_id"), ["client_id"], unique=False)
        batch.create_index("ix_payments_intent", ["stripe_payment_intent"], unique=False)
        batch.create_index(batch.f("ix_payments_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "stripe_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_stripe_events_studio_id_studios")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
        sa.UniqueConstraint("studio_id", "event_id", name=op.f("uq_stripe_events_studio_id_event_id")),
        sa.UniqueConstraint("studio_id", "id", name="uq_stripe_events_studio_id_id"),
    )
    with op.batch_alter_table("stripe_events") as batch:
        batch.create_index(batch.f("ix_stripe_events_studio_id"), ["studio_id"], unique=False)

    rls.enable(op, "payments", rls.LEGACY_PREDICATE)
    rls.enable(op, "stripe_events", rls.LEGACY_PREDICATE)
    rls.ensure_app_role(op)


def downgrade() -> None:
    rls.disable(op, "stripe_events")
    rls.disable(op, "payments")
    op.drop_table("stripe_events")
    op.drop_table("payments")
    with op.batch_alter_table("studios") as batch:
        batch.drop_column("stripe_charges_enabled")
        batch.drop_column("stripe_account_id")
