"""the agent role: a carrier's counter seller, scoped to one carrier like drivers

Revision ID: i16agent_01
Revises: i15payouts_01
"""
from alembic import op

revision = "i16agent_01"
down_revision = "i15payouts_01"
branch_labels = None
depends_on = None

_ROLE_OLD = "role IN ('passenger', 'driver', 'carrier_admin', 'platform_admin')"
_ROLE_NEW = "role IN ('passenger', 'driver', 'agent', 'carrier_admin', 'platform_admin')"
_SCOPE_OLD = "(role IN ('driver', 'carrier_admin')) = (carrier_id IS NOT NULL)"
_SCOPE_NEW = "(role IN ('driver', 'agent', 'carrier_admin')) = (carrier_id IS NOT NULL)"


def _swap(role: str, scope: str):
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_users_carrier_scope"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_users_role"), role)
        batch_op.create_check_constraint(batch_op.f("ck_users_carrier_scope"), scope)


def upgrade():
    _swap(_ROLE_NEW, _SCOPE_NEW)


def downgrade():
    op.execute("UPDATE users SET role = 'passenger', carrier_id = NULL WHERE role = 'agent'")
    _swap(_ROLE_OLD, _SCOPE_OLD)
