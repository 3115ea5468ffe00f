"""Payouts (money going back out to M-Pesa) and Transaction Status checks; carriers may
reverse double payments; a refund's destination may be a reversal; who resolved a parked
callback (the suspense review).

Revision ID: i15payouts_01
Revises: i15reports_01
"""
from alembic import op
import sqlalchemy as sa

import app.database  # custom column types (UTCDateTime)


revision = 'i15payouts_01'
down_revision = 'i15reports_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('account', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_changed_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status_reason', sa.String(length=200), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=True),
    sa.Column('originator_id', sa.String(length=64), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('sends', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=True),
    sa.Column('receipt', sa.String(length=40), nullable=True),
    sa.Column('result_code', sa.String(length=20), nullable=True),
    sa.Column('result_desc', sa.String(length=200), nullable=True),
    sa.Column('next_check_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('created_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind <> 'reversal' OR payment_id IS NOT NULL", name=op.f('ck_payouts_reversal_has_payment')),
    sa.CheckConstraint("kind IN ('refund', 'reversal', 'withdrawal', 'closure')", name=op.f('ck_payouts_kind')),
    sa.CheckConstraint("method IS NULL OR method IN ('b2c', 'reversal', 'manual')", name=op.f('ck_payouts_method')),
    sa.CheckConstraint("status <> 'paid' OR paid_at IS NOT NULL", name=op.f('ck_payouts_paid_has_time')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'paid', 'failed', 'returned')", name=op.f('ck_payouts_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payouts_amount_positive')),
    sa.CheckConstraint('attempt >= 0 AND sends >= 0 AND checks >= 0', name=op.f('ck_payouts_counters_not_negative')),
    sa.CheckConstraint('fee >= 0', name=op.f('ck_payouts_fee_not_negative')),
    sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'], name=op.f('fk_payouts_carrier_id_carriers')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payouts_payment_id_payments')),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_payouts_refund_id_refunds')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payouts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
    sa.UniqueConstraint('originator_id', name=op.f('uq_payouts_originator_id')),
    sa.UniqueConstraint('ref', name=op.f('uq_payouts_ref')),
    sa.UniqueConstraint('refund_id', name=op.f('uq_payouts_refund_id'))
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index('ix_payouts_carrier_status', ['carrier_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_payouts_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index('ix_payouts_status_next_check', ['status', 'next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payouts_user_id'), ['user_id'], unique=False)

    op.create_table('status_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('payout_id', sa.Integer(), nullable=True),
    sa.Column('carrier_id', sa.Integer(), nullable=True),
    sa.Column('receipt', sa.String(length=40), nullable=True),
    sa.Column('originator_id', sa.String(length=64), nullable=True),
    sa.Column('requested_by', sa.String(length=48), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=True),
    sa.Column('refused', sa.String(length=200), nullable=True),
    sa.Column('result_code', sa.String(length=20), nullable=True),
    sa.Column('result_desc', sa.String(length=200), nullable=True),
    sa.Column('transaction_status', sa.String(length=40), nullable=True),
    sa.Column('found_receipt', sa.String(length=40), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('payer', sa.String(length=20), nullable=True),
    sa.Column('reason_type', sa.String(length=60), nullable=True),
    sa.Column('completed_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('payout', 'dispute')", name=op.f('ck_status_checks_purpose')),
    sa.CheckConstraint('receipt IS NOT NULL OR originator_id IS NOT NULL', name=op.f('ck_status_checks_asks_something')),
    sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'], name=op.f('fk_status_checks_carrier_id_carriers')),
    sa.ForeignKeyConstraint(['payout_id'], ['payouts.id'], name=op.f('fk_status_checks_payout_id_payouts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_checks')),
    sa.UniqueConstraint('conversation_id', name=op.f('uq_status_checks_conversation_id'))
    )
    with op.batch_alter_table('status_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_checks_payout_id'), ['payout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_checks_receipt'), ['receipt'], unique=False)

    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reverse_double_payments', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_refunds_destination'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_refunds_destination'),
                                         "destination IN ('wallet', 'mpesa', 'reversal')")
    with op.batch_alter_table('parked_callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=48), nullable=True))


def downgrade():
    with op.batch_alter_table('parked_callbacks', schema=None) as batch_op:
        batch_op.drop_column('resolved_by')
    op.execute("UPDATE refunds SET destination = 'mpesa' WHERE destination = 'reversal'")
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_refunds_destination'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_refunds_destination'), "destination IN ('wallet', 'mpesa')")
    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.drop_column('reverse_double_payments')

    with op.batch_alter_table('status_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_checks_receipt'))
        batch_op.drop_index(batch_op.f('ix_status_checks_payout_id'))

    op.drop_table('status_checks')
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payouts_user_id'))
        batch_op.drop_index('ix_payouts_status_next_check')
        batch_op.drop_index(batch_op.f('ix_payouts_conversation_id'))
        batch_op.drop_index('ix_payouts_carrier_status')

    op.drop_table('payouts')
