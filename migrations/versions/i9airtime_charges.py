"""Airtime charges: one row per premium SMS of an airtime payment (fixed price points).

Revision ID: i9airtime_01
Revises: i8privacy_01
Create Date: 2026-12-06 04:45:00

"""
from alembic import op
import sqlalchemy as sa

import app.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'i9airtime_01'
down_revision = 'i8privacy_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('airtime_charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('keyword', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('provider_ref', sa.String(length=80), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('failure_reason', sa.String(length=80), nullable=True),
    sa.Column('created_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_airtime_charges_amount_positive')),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name=op.f('ck_airtime_charges_status')),
    sa.CheckConstraint("status = 'failed' OR provider_ref IS NOT NULL", name=op.f('ck_airtime_charges_sent_has_ref')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_airtime_charges_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_airtime_charges')),
    sa.UniqueConstraint('payment_id', 'seq', name=op.f('uq_airtime_charges_payment_id_seq')),
    sa.UniqueConstraint('provider_ref', name=op.f('uq_airtime_charges_provider_ref'))
    )
    with op.batch_alter_table('airtime_charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_airtime_charges_payment_id'), ['payment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('airtime_charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_airtime_charges_payment_id'))
    op.drop_table('airtime_charges')
