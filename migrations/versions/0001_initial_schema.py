"""initial schema

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('platform_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_users')),
    sa.UniqueConstraint('email', name=op.f('uq_platform_users_email'))
    )
    op.create_table('studios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('date_order', sa.String(length=3), nullable=False),
    sa.Column('sms_number', sa.String(length=32), nullable=True),
    sa.Column('whatsapp_number', sa.String(length=32), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studios')),
    sa.UniqueConstraint('key', name=op.f('uq_studios_key'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=60), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_audit_log_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_audit_log_studio_id_id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_studio_id'), ['studio_id'], unique=False)

    op.create_table('class_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('credits', sa.Integer(), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_class_types_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_types')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_class_types_studio_id_id'),
    sa.UniqueConstraint('studio_id', 'key', name=op.f('uq_class_types_studio_id_key'))
    )
    with op.batch_alter_table('class_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_types_studio_id'), ['studio_id'], unique=False)

    op.create_table('clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('sms_opted_out_at', sa.DateTime(), nullable=True),
    sa.Column('whatsapp_opted_out_at', sa.DateTime(), nullable=True),
    sa.Column('last_whatsapp_inbound_at', sa.DateTime(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_clients_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clients')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_clients_studio_id_id'),
    sa.UniqueConstraint('studio_id', 'phone', name=op.f('uq_clients_studio_id_phone'))
    )
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clients_studio_id'), ['studio_id'], unique=False)

    op.create_table('inbound_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=32), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_inbound_addresses_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_addresses')),
    sa.UniqueConstraint('channel', 'address', name=op.f('uq_inbound_addresses_channel_address'))
    )
    with op.batch_alter_table('inbound_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_addresses_studio_id'), ['studio_id'], unique=False)

    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_locations_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_locations_studio_id_id'),
    sa.UniqueConstraint('studio_id', 'key', name=op.f('uq_locations_studio_id_key'))
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locations_studio_id'), ['studio_id'], unique=False)

    op.create_table('policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_window_days', sa.Integer(), nullable=False),
    sa.Column('cancel_window_hours', sa.Integer(), nullable=False),
    sa.Column('late_cancel', sa.String(length=20), nullable=False),
    sa.Column('late_cancel_fee', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('no_show', sa.String(length=20), nullable=False),
    sa.Column('no_show_fee', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('waitlist_mode', sa.String(length=20), nullable=False),
    sa.Column('waitlist_offer_minutes', sa.Integer(), nullable=False),
    sa.Column('fill_to_forgive', sa.Boolean(), nullable=False),
    sa.Column('reminder_hours', sa.JSON(), nullable=False),
    sa.Column('quiet_start', sa.Time(), nullable=True),
    sa.Column('quiet_end', sa.Time(), nullable=True),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_policies_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policies')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_policies_studio_id_id'),
    sa.UniqueConstraint('studio_id', name=op.f('uq_policies_studio_id'))
    )
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policies_studio_id'), ['studio_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('specialties', sa.JSON(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_staff_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_staff_studio_id_id'),
    sa.UniqueConstraint('studio_id', 'key', name=op.f('uq_staff_studio_id_key'))
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index('ix_staff_phone', ['studio_id', 'phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_studio_id'), ['studio_id'], unique=False)

    op.create_table('availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'location_id'], ['locations.studio_id', 'locations.id'], name=op.f('fk_availability_studio_id_location_id_locations')),
    sa.ForeignKeyConstraint(['studio_id', 'staff_id'], ['staff.studio_id', 'staff.id'], name=op.f('fk_availability_studio_id_staff_id_staff')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_availability_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_availability_studio_id_id')
    )
    with op.batch_alter_table('availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_availability_studio_id'), ['studio_id'], unique=False)

    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'client_id'], ['clients.studio_id', 'clients.id'], name=op.f('fk_conversations_studio_id_client_id_clients')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_conversations_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_conversations_studio_id_id'),
    sa.UniqueConstraint('studio_id', 'phone', 'channel', name=op.f('uq_conversations_studio_id_phone_channel'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversations_studio_id'), ['studio_id'], unique=False)

    op.create_table('intro_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('class_type_id', sa.Integer(), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'class_type_id'], ['class_types.studio_id', 'class_types.id'], name=op.f('fk_intro_offers_studio_id_class_type_id_class_types')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_intro_offers_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_offers')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_intro_offers_studio_id_id'),
    sa.UniqueConstraint('studio_id', 'key', name=op.f('uq_intro_offers_studio_id_key'))
    )
    with op.batch_alter_table('intro_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intro_offers_studio_id'), ['studio_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('to_addr', sa.String(length=48), nullable=False),
    sa.Column('from_addr', sa.String(length=48), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('content_sid', sa.String(length=64), nullable=True),
    sa.Column('content_variables', sa.JSON(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('send_after', sa.DateTime(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('error_code', sa.String(length=20), nullable=True),
    sa.Column('error_message', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'client_id'], ['clients.studio_id', 'clients.id'], name=op.f('fk_outbox_studio_id_client_id_clients')),
    sa.ForeignKeyConstraint(['studio_id', 'staff_id'], ['staff.studio_id', 'staff.id'], name=op.f('fk_outbox_studio_id_staff_id_staff')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_outbox_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('studio_id', 'dedupe_key', name=op.f('uq_outbox_studio_id_dedupe_key')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_outbox_studio_id_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'send_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_provider_sid'), ['provider_sid'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_studio_id'), ['studio_id'], unique=False)

    op.create_table('packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('credits', sa.Integer(), nullable=True),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('valid_days', sa.Integer(), nullable=True),
    sa.Column('class_type_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'class_type_id'], ['class_types.studio_id', 'class_types.id'], name=op.f('fk_packages_studio_id_class_type_id_class_types')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_packages_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packages')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_packages_studio_id_id'),
    sa.UniqueConstraint('studio_id', 'key', name=op.f('uq_packages_studio_id_key'))
    )
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_packages_studio_id'), ['studio_id'], unique=False)

    op.create_table('schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('class_type_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('instructor_id', sa.Integer(), nullable=True),
    sa.Column('weekdays', sa.String(length=40), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'class_type_id'], ['class_types.studio_id', 'class_types.id'], name=op.f('fk_schedules_studio_id_class_type_id_class_types')),
    sa.ForeignKeyConstraint(['studio_id', 'instructor_id'], ['staff.studio_id', 'staff.id'], name=op.f('fk_schedules_studio_id_instructor_id_staff')),
    sa.ForeignKeyConstraint(['studio_id', 'location_id'], ['locations.studio_id', 'locations.id'], name=op.f('fk_schedules_studio_id_location_id_locations')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_schedules_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedules')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_schedules_studio_id_id')
    )
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedules_class_type_id'), ['class_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedules_studio_id'), ['studio_id'], unique=False)

    op.create_table('class_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_type_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('instructor_id', sa.Integer(), nullable=True),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('occurs_on', sa.Date(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cancel_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'class_type_id'], ['class_types.studio_id', 'class_types.id'], name=op.f('fk_class_sessions_studio_id_class_type_id_class_types')),
    sa.ForeignKeyConstraint(['studio_id', 'instructor_id'], ['staff.studio_id', 'staff.id'], name=op.f('fk_class_sessions_studio_id_instructor_id_staff')),
    sa.ForeignKeyConstraint(['studio_id', 'location_id'], ['locations.studio_id', 'locations.id'], name=op.f('fk_class_sessions_studio_id_location_id_locations')),
    sa.ForeignKeyConstraint(['studio_id', 'schedule_id'], ['schedules.studio_id', 'schedules.id'], name=op.f('fk_class_sessions_studio_id_schedule_id_schedules')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_class_sessions_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_sessions')),
    sa.UniqueConstraint('schedule_id', 'occurs_on', name=op.f('uq_class_sessions_schedule_id_occurs_on')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_class_sessions_studio_id_id')
    )
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_class_sessions_instructor', ['instructor_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_class_sessions_start', ['studio_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_sessions_studio_id'), ['studio_id'], unique=False)

    op.create_table('client_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('unlimited', sa.Boolean(), nullable=False),
    sa.Column('class_type_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'class_type_id'], ['class_types.studio_id', 'class_types.id'], name=op.f('fk_client_packages_studio_id_class_type_id_class_types')),
    sa.ForeignKeyConstraint(['studio_id', 'client_id'], ['clients.studio_id', 'clients.id'], name=op.f('fk_client_packages_studio_id_client_id_clients')),
    sa.ForeignKeyConstraint(['studio_id', 'package_id'], ['packages.studio_id', 'packages.id'], name=op.f('fk_client_packages_studio_id_package_id_packages')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_client_packages_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_packages')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_client_packages_studio_id_id')
    )
    with op.batch_alter_table('client_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_packages_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_packages_studio_id'), ['studio_id'], unique=False)

    op.create_table('leads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('goals', sa.Text(), nullable=True),
    sa.Column('intro_offer_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('preferences', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('matched_at', sa.DateTime(), nullable=True),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'client_id'], ['clients.studio_id', 'clients.id'], name=op.f('fk_leads_studio_id_client_id_clients')),
    sa.ForeignKeyConstraint(['studio_id', 'intro_offer_id'], ['intro_offers.studio_id', 'intro_offers.id'], name=op.f('fk_leads_studio_id_intro_offer_id_intro_offers')),
    sa.ForeignKeyConstraint(['studio_id', 'staff_id'], ['staff.studio_id', 'staff.id'], name=op.f('fk_leads_studio_id_staff_id_staff')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_leads_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_leads_studio_id_id')
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leads_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_studio_id'), ['studio_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('from_addr', sa.String(length=48), nullable=False),
    sa.Column('to_addr', sa.String(length=48), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'client_id'], ['clients.studio_id', 'clients.id'], name=op.f('fk_messages_studio_id_client_id_clients')),
    sa.ForeignKeyConstraint(['studio_id', 'conversation_id'], ['conversations.studio_id', 'conversations.id'], name=op.f('fk_messages_studio_id_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_messages_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_messages_studio_id_id'),
    sa.UniqueConstraint('studio_id', 'provider_sid', name=op.f('uq_messages_studio_id_provider_sid'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_studio_id'), ['studio_id'], unique=False)
        batch_op.create_index('ix_messages_thread', ['studio_id', 'phone', 'created_at'], unique=False)

    op.create_table('booking_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('class_type_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('preferences', sa.JSON(), nullable=False),
    sa.Column('proposed_start', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'class_type_id'], ['class_types.studio_id', 'class_types.id'], name=op.f('fk_booking_requests_studio_id_class_type_id_class_types')),
    sa.ForeignKeyConstraint(['studio_id', 'client_id'], ['clients.studio_id', 'clients.id'], name=op.f('fk_booking_requests_studio_id_client_id_clients')),
    sa.ForeignKeyConstraint(['studio_id', 'lead_id'], ['leads.studio_id', 'leads.id'], name=op.f('fk_booking_requests_studio_id_lead_id_leads')),
    sa.ForeignKeyConstraint(['studio_id', 'location_id'], ['locations.studio_id', 'locations.id'], name=op.f('fk_booking_requests_studio_id_location_id_locations')),
    sa.ForeignKeyConstraint(['studio_id', 'session_id'], ['class_sessions.studio_id', 'class_sessions.id'], name=op.f('fk_booking_requests_studio_id_session_id_class_sessions')),
    sa.ForeignKeyConstraint(['studio_id', 'staff_id'], ['staff.studio_id', 'staff.id'], name=op.f('fk_booking_requests_studio_id_staff_id_staff')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_booking_requests_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_requests')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_booking_requests_studio_id_id')
    )
    with op.batch_alter_table('booking_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_requests_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_requests_studio_id'), ['studio_id'], unique=False)

    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('client_package_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('credits_spent', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('booked_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('penalty_waived', sa.Boolean(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(), nullable=True),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'client_id'], ['clients.studio_id', 'clients.id'], name=op.f('fk_bookings_studio_id_client_id_clients')),
    sa.ForeignKeyConstraint(['studio_id', 'client_package_id'], ['client_packages.studio_id', 'client_packages.id'], name=op.f('fk_bookings_studio_id_client_package_id_client_packages')),
    sa.ForeignKeyConstraint(['studio_id', 'session_id'], ['class_sessions.studio_id', 'class_sessions.id'], name=op.f('fk_bookings_studio_id_session_id_class_sessions')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_bookings_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_bookings_studio_id_id')
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_bookings_session_status', ['session_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_studio_id'), ['studio_id'], unique=False)
        batch_op.create_index('uq_bookings_active', ['session_id', 'client_id'], unique=True, sqlite_where=sa.text("status IN ('confirmed', 'attended', 'no_show')"), postgresql_where=sa.text("status IN ('confirmed', 'attended', 'no_show')"))

    op.create_table('credit_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('client_package_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('credits', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'booking_id'], ['bookings.studio_id', 'bookings.id'], name=op.f('fk_credit_ledger_studio_id_booking_id_bookings')),
    sa.ForeignKeyConstraint(['studio_id', 'client_id'], ['clients.studio_id', 'clients.id'], name=op.f('fk_credit_ledger_studio_id_client_id_clients')),
    sa.ForeignKeyConstraint(['studio_id', 'client_package_id'], ['client_packages.studio_id', 'client_packages.id'], name=op.f('fk_credit_ledger_studio_id_client_package_id_client_packages')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_credit_ledger_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_ledger')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_credit_ledger_studio_id_id')
    )
    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_credit_ledger_client', ['client_id', 'client_package_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_ledger_studio_id'), ['studio_id'], unique=False)

    op.create_table('waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.Column('offered_at', sa.DateTime(), nullable=True),
    sa.Column('offer_expires_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['studio_id', 'booking_id'], ['bookings.studio_id', 'bookings.id'], name=op.f('fk_waitlist_entries_studio_id_booking_id_bookings')),
    sa.ForeignKeyConstraint(['studio_id', 'client_id'], ['clients.studio_id', 'clients.id'], name=op.f('fk_waitlist_entries_studio_id_client_id_clients')),
    sa.ForeignKeyConstraint(['studio_id', 'session_id'], ['class_sessions.studio_id', 'class_sessions.id'], name=op.f('fk_waitlist_entries_studio_id_session_id_class_sessions')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_waitlist_entries_studio_id_studios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
    sa.UniqueConstraint('studio_id', 'id', name='uq_waitlist_entries_studio_id_id')
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_entries_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_offer_expires_at'), ['offer_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_studio_id'), ['studio_id'], unique=False)
        batch_op.create_index('ix_waitlist_session_status', ['session_id', 'status'], unique=False)
        batch_op.create_index('uq_waitlist_open', ['session_id', 'client_id'], unique=True, sqlite_where=sa.text("status IN ('waiting', 'offered')"), postgresql_where=sa.text("status IN ('waiting', 'offered')"))



def downgrade() -> None:
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_waitlist_open', sqlite_where=sa.text("status IN ('waiting', 'offered')"), postgresql_where=sa.text("status IN ('waiting', 'offered')"))
        batch_op.drop_index('ix_waitlist_session_status')
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_studio_id'))
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_offer_expires_at'))
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_client_id'))

    op.drop_table('waitlist_entries')
    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_ledger_studio_id'))
        batch_op.drop_index('ix_credit_ledger_client')

    op.drop_table('credit_ledger')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_bookings_active', sqlite_where=sa.text("status IN ('confirmed', 'attended', 'no_show')"), postgresql_where=sa.text("status IN ('confirmed', 'attended', 'no_show')"))
        batch_op.drop_index(batch_op.f('ix_bookings_studio_id'))
        batch_op.drop_index('ix_bookings_session_status')
        batch_op.drop_index(batch_op.f('ix_bookings_client_id'))

    op.drop_table('bookings')
    with op.batch_alter_table('booking_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_requests_studio_id'))
        batch_op.drop_index(batch_op.f('ix_booking_requests_client_id'))

    op.drop_table('booking_requests')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_thread')
        batch_op.drop_index(batch_op.f('ix_messages_studio_id'))

    op.drop_table('messages')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leads_studio_id'))
        batch_op.drop_index(batch_op.f('ix_leads_phone'))

    op.drop_table('leads')
    with op.batch_alter_table('client_packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_packages_studio_id'))
        batch_op.drop_index(batch_op.f('ix_client_packages_client_id'))

    op.drop_table('client_packages')
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_sessions_studio_id'))
        batch_op.drop_index('ix_class_sessions_start')
        batch_op.drop_index('ix_class_sessions_instructor')

    op.drop_table('class_sessions')
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedules_studio_id'))
        batch_op.drop_index(batch_op.f('ix_schedules_class_type_id'))

    op.drop_table('schedules')
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_packages_studio_id'))

    op.drop_table('packages')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_studio_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_provider_sid'))
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
    with op.batch_alter_table('intro_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intro_offers_studio_id'))

    op.drop_table('intro_offers')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversations_studio_id'))

    op.drop_table('conversations')
    with op.batch_alter_table('availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_studio_id'))
        batch_op.drop_index(batch_op.f('ix_availability_staff_id'))

    op.drop_table('availability')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_studio_id'))
        batch_op.drop_index('ix_staff_phone')

    op.drop_table('staff')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policies_studio_id'))

    op.drop_table('policies')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locations_studio_id'))

    op.drop_table('locations')
    with op.batch_alter_table('inbound_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_addresses_studio_id'))

    op.drop_table('inbound_addresses')
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clients_studio_id'))

    op.drop_table('clients')
    with op.batch_alter_table('class_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_types_studio_id'))

    op.drop_table('class_types')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_studio_id'))

    op.drop_table('audit_log')
    op.drop_table('studios')
    op.drop_table('platform_users')
