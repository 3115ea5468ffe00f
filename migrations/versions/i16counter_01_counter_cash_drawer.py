"""Counter sales: the counter channel, cash payments collected by an agent, cash refunds,
agents' cash drawers with their counts and closing reports, and each carrier's threshold
above which a drawer's difference needs a comment.

Revision ID: i16counter_01
Revises: i15finish_01
"""
from alembic import op
import sqlalchemy as sa

import app.database  # custom column types (UTCDateTime)


revision = 'i16counter_01'
down_revision = 'i15finish_01'
branch_labels = None
depends_on = None

_CHANNEL_OLD = "channel IN ('api', 'ussd', 'sms')"
_CHANNEL_NEW = "channel IN ('api', 'ussd', 'sms', 'counter')"
_METHOD_OLD = "method IN ('mpesa_stk', 'mpesa_paybill', 'airtime', 'wallet', 'sandbox')"
_METHOD_NEW = "method IN ('mpesa_stk', 'mpesa_paybill', 'airtime', 'wallet', 'sandbox', 'cash')"
_DESTINATION_OLD = "destination IN ('wallet', 'mpesa', 'reversal')"
_DESTINATION_NEW = "destination IN ('wallet', 'mpesa', 'reversal', 'cash')"


def upgrade():
    op.create_table('cash_drawers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('opening_float', sa.BigInteger(), nullable=False),
    sa.Column('opened_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('opening_float >= 0', name=op.f('ck_cash_drawers_float_nonnegative')),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_cash_drawers_agent_id_users')),
    sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'], name=op.f('fk_cash_drawers_carrier_id_carriers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_drawers'))
    )
    with op.batch_alter_table('cash_drawers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cash_drawers_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cash_drawers_carrier_id'), ['carrier_id'], unique=False)
        batch_op.create_index('uq_cash_drawers_one_open', ['agent_id'], unique=True, postgresql_where=sa.text('closed_at IS NULL'), sqlite_where=sa.text('closed_at IS NULL'))

    op.create_table('drawer_closings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drawer_id', sa.Integer(), nullable=False),
    sa.Column('expected', sa.BigInteger(), nullable=False),
    sa.Column('counted', sa.BigInteger(), nullable=False),
    sa.Column('difference', sa.BigInteger(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('cash_sales', sa.BigInteger(), nullable=False),
    sa.Column('cash_refunds', sa.BigInteger(), nullable=False),
    sa.Column('closed_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('counted >= 0', name=op.f('ck_drawer_closings_counted_nonnegative')),
    sa.CheckConstraint('difference = counted - expected', name=op.f('ck_drawer_closings_difference_is_counted_minus_expected')),
    sa.ForeignKeyConstraint(['drawer_id'], ['cash_drawers.id'], name=op.f('fk_drawer_closings_drawer_id_cash_drawers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drawer_closings')),
    sa.UniqueConstraint('drawer_id', name=op.f('uq_drawer_closings_drawer_id'))
    )
    op.create_table('drawer_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drawer_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('counted', sa.BigInteger(), nullable=False),
    sa.Column('created_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('attempt IN (1, 2)', name=op.f('ck_drawer_counts_one_recount')),
    sa.CheckConstraint('counted >= 0', name=op.f('ck_drawer_counts_counted_nonnegative')),
    sa.ForeignKeyConstraint(['drawer_id'], ['cash_drawers.id'], name=op.f('fk_drawer_counts_drawer_id_cash_drawers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drawer_counts')),
    sa.UniqueConstraint('drawer_id', 'attempt', name=op.f('uq_drawer_counts_drawer_id_attempt'))
    )
    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cash_difference_threshold', sa.Integer(), server_default='10000', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_carriers_cash_threshold_nonnegative'),
                                         'cash_difference_threshold >= 0')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sold_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_orders_sold_by_users'), 'users', ['sold_by'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_orders_channel'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_orders_channel'), _CHANNEL_NEW)
        batch_op.create_check_constraint(batch_op.f('ck_orders_counter_sold_by'),
                                         "(channel = 'counter') = (sold_by IS NOT NULL)")

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('collected_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payments_collected_by_users'), 'users', ['collected_by'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_payments_method'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_payments_method'), _METHOD_NEW)
        batch_op.create_check_constraint(batch_op.f('ck_payments_cash_collected_by'),
                                         "(method = 'cash') = (collected_by IS NOT NULL)")

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_refunds_destination'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_refunds_destination'), _DESTINATION_NEW)


def downgrade():
    # Counter money cannot be expressed before this revision: it must be gone first.
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_refunds_destination'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_refunds_destination'), _DESTINATION_OLD)

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_payments_cash_collected_by'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_payments_method'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_payments_method'), _METHOD_OLD)
        batch_op.drop_constraint(batch_op.f('fk_payments_collected_by_users'), type_='foreignkey')
        batch_op.drop_column('collected_by')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_orders_counter_sold_by'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_orders_channel'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_orders_channel'), _CHANNEL_OLD)
        batch_op.drop_constraint(batch_op.f('fk_orders_sold_by_users'), type_='foreignkey')
        batch_op.drop_column('sold_by')

    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_carriers_cash_threshold_nonnegative'), type_='check')
        batch_op.drop_column('cash_difference_threshold')

    op.drop_table('drawer_counts')
    op.drop_table('drawer_closings')
    with op.batch_alter_table('cash_drawers', schema=None) as batch_op:
        batch_op.drop_index('uq_cash_drawers_one_open', postgresql_where=sa.text('closed_at IS NULL'), sqlite_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_cash_drawers_carrier_id'))
        batch_op.drop_index(batch_op.f('ix_cash_drawers_agent_id'))

    op.drop_table('cash_drawers')
