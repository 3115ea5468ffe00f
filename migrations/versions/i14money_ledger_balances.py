"""The ledger keeps each wallet's balance itself (ledger_balances); wallets keep only settings.

The balance moved from ``wallets.balance`` (a cache the wallet area kept on a signal from
the ledger) to ``ledger_balances``, written by ``ledger.post`` with the entries.

Revision ID: i14money_01
Revises: i9states_01
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'i14money_01'
down_revision = 'i9states_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_balances',
    sa.Column('account', sa.String(length=60), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_ledger_balances_balance_nonnegative')),
    sa.PrimaryKeyConstraint('account', name=op.f('pk_ledger_balances'))
    )
    op.execute(
        "INSERT INTO ledger_balances (account, currency, balance, updated_at) "
        "SELECT 'wallet:' || CAST(user_id AS VARCHAR(20)), currency, balance, updated_at FROM wallets"
    )
    with op.batch_alter_table('wallets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_wallets_balance_nonnegative'), type_='check')
        batch_op.drop_column('balance')


def downgrade():
    with op.batch_alter_table('wallets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('balance', sa.BigInteger(), nullable=False, server_default='0'))
    op.execute(
        "UPDATE wallets SET balance = COALESCE((SELECT ledger_balances.balance FROM ledger_balances "
        "WHERE ledger_balances.account = 'wallet:' || CAST(wallets.user_id AS VARCHAR(20))), 0)"
    )
    with op.batch_alter_table('wallets', schema=None) as batch_op:
        batch_op.alter_column('balance', server_default=None)
        batch_op.create_check_constraint(batch_op.f('ck_wallets_balance_nonnegative'), 'balance >= 0')
    op.drop_table('ledger_balances')
