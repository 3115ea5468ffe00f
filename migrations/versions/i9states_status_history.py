"""Status history: one append-only row per state-machine transition (app.core.history).

Revision ID: i9states_01
Revises: i9airtime_01
Create Date: 2026-12-06 07:30:00

"""
from alembic import op
import sqlalchemy as sa

import app.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'i9states_01'
down_revision = 'i9airtime_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('status_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=48), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_history'))
    )
    with op.batch_alter_table('status_history', schema=None) as batch_op:
        batch_op.create_index('ix_status_history_entity', ['entity', 'entity_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('status_history', schema=None) as batch_op:
        batch_op.drop_index('ix_status_history_entity')
    op.drop_table('status_history')
