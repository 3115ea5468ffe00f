"""STK poll schedule: each pending push carries when it is next queried and how often it was.

Pushes already pending get ``next_poll_at = created_at``: the poller takes them at once,
oldest first, and expires those past the bound (``app.payments.jobs``).

Revision ID: i8worker_01
Revises: i8answers_01
Create Date: 2026-12-06 03:38:35.007685

"""
from alembic import op
import sqlalchemy as sa

import app.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'i8worker_01'
down_revision = 'i8answers_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_poll_at', app.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('poll_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_payments_status_next_poll', ['status', 'next_poll_at'], unique=False)
        batch_op.create_check_constraint('poll_count_not_negative', 'poll_count >= 0')
    op.execute(
        "UPDATE payments SET next_poll_at = created_at "
        "WHERE status = 'pending' AND provider = 'mpesa' AND method = 'mpesa_stk'"
    )


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payments_poll_count_not_negative'), type_='check')
        batch_op.drop_index('ix_payments_status_next_poll')
        batch_op.drop_column('poll_count')
        batch_op.drop_column('next_poll_at')

