"""payments.shortcode: the Paybill/Till an M-Pesa payment came to

Revision ID: i15finish_01
Revises: i16legs_01
"""
import sqlalchemy as sa
from alembic import op

revision = "i15finish_01"
down_revision = "i16legs_01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shortcode", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("shortcode")
