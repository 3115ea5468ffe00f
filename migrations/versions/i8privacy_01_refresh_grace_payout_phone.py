"""Refresh-token reuse grace (who rotated a token) and the number a pending payout goes to.

Revision ID: i8privacy_01
Revises: i10scan_01
"""
from alembic import op
import sqlalchemy as sa

revision = 'i8privacy_01'
down_revision = 'i10scan_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_by', sa.String(length=32), nullable=True))
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_phone', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('payout_phone')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_column('used_by')
