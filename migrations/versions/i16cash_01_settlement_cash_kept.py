"""settlements.cash_kept: cash the carrier's counters took is netted from what is transferred

Revision ID: i16cash_01
Revises: i16counter_01
"""
from alembic import op
import sqlalchemy as sa

revision = "i16cash_01"
down_revision = "i16counter_01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cash_kept", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.drop_constraint(batch_op.f("ck_settlements_net_adds_up"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_settlements_net_adds_up"),
                                         "gross - refunds - commission - fees - cash_kept = net")


def downgrade():
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_settlements_net_adds_up"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_settlements_net_adds_up"),
                                         "gross - refunds - commission - fees = net")
        batch_op.drop_column("cash_kept")
