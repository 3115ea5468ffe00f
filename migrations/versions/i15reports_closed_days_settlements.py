"""Reports: closed days (snapshot + the ledger transactions they counted), settlements,
the carrier's commission rate, an index on ledger_transactions.order_id.

Revision ID: i15reports_01
Revises: i15recon_01
Create Date: 2026-12-07 15:30:18.735794

"""
from alembic import op
import sqlalchemy as sa

import app.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'i15reports_01'
down_revision = "i15recon_01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('settlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('refunds', sa.BigInteger(), nullable=False),
    sa.Column('commission', sa.BigInteger(), nullable=False),
    sa.Column('fees', sa.BigInteger(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('created_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=48), nullable=False),
    sa.Column('paid_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status_changed_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status_reason', sa.String(length=200), nullable=True),
    sa.Column('ledger_transaction_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status <> 'paid' OR reference IS NOT NULL", name=op.f('ck_settlements_paid_has_reference')),
    sa.CheckConstraint("status IN ('pending', 'paid')", name=op.f('ck_settlements_status')),
    sa.CheckConstraint('gross - refunds - commission - fees = net', name=op.f('ck_settlements_net_adds_up')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_settlements_period_ordered')),
    sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'], name=op.f('fk_settlements_carrier_id_carriers')),
    sa.ForeignKeyConstraint(['ledger_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_settlements_ledger_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlements')),
    sa.UniqueConstraint('carrier_id', 'period_start', name=op.f('uq_settlements_carrier_id_period_start'))
    )
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.create_index('ix_settlements_carrier_period', ['carrier_id', 'period_end'], unique=False)

    op.create_table('report_closed_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tickets_sold', sa.Integer(), nullable=False),
    sa.Column('tickets_refunded', sa.Integer(), nullable=False),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('refunds', sa.BigInteger(), nullable=False),
    sa.Column('commission', sa.BigInteger(), nullable=False),
    sa.Column('operator_fees', sa.BigInteger(), nullable=False),
    sa.Column('net_payable', sa.BigInteger(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('closed_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_by', sa.String(length=48), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('gross - refunds - commission - operator_fees = net_payable', name=op.f('ck_report_closed_days_net_adds_up')),
    sa.CheckConstraint('tickets_sold >= 0 AND tickets_refunded >= 0', name=op.f('ck_report_closed_days_counts_nonnegative')),
    sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'], name=op.f('fk_report_closed_days_carrier_id_carriers')),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_report_closed_days_settlement_id_settlements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_closed_days')),
    sa.UniqueConstraint('carrier_id', 'day', name=op.f('uq_report_closed_days_carrier_id_day'))
    )
    with op.batch_alter_table('report_closed_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_closed_days_settlement_id'), ['settlement_id'], unique=False)

    op.create_table('report_closed_day_transactions',
    sa.Column('ledger_transaction_id', sa.Integer(), nullable=False),
    sa.Column('closed_day_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closed_day_id'], ['report_closed_days.id'], name=op.f('fk_report_closed_day_transactions_closed_day_id_report_closed_days')),
    sa.ForeignKeyConstraint(['ledger_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_report_closed_day_transactions_ledger_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('ledger_transaction_id', name=op.f('pk_report_closed_day_transactions'))
    )
    with op.batch_alter_table('report_closed_day_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_closed_day_transactions_closed_day_id'), ['closed_day_id'], unique=False)

    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commission_bps', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_carriers_commission_range'),
            'commission_bps IS NULL OR (commission_bps >= 0 AND commission_bps <= 10000)')

    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_transactions_order', ['order_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_transactions_order')

    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_carriers_commission_range'), type_='check')
        batch_op.drop_column('commission_bps')

    with op.batch_alter_table('report_closed_day_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_closed_day_transactions_closed_day_id'))

    op.drop_table('report_closed_day_transactions')
    with op.batch_alter_table('report_closed_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_closed_days_settlement_id'))

    op.drop_table('report_closed_days')
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.drop_index('ix_settlements_carrier_period')

    op.drop_table('settlements')
