"""price rules on top of the base fares; concessions a person holds with a carrier

Revision ID: i16price_01
Revises: i16agent_01
"""
import sqlalchemy as sa
from alembic import op

revision = "i16price_01"
down_revision = "i16agent_01"
branch_labels = None
depends_on = None

LIVE = "status IN ('pending', 'approved')"


def upgrade():
    op.create_table(
        "price_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("change_percent", sa.Integer(), nullable=True),
        sa.Column("change_amount", sa.Integer(), nullable=True),
        sa.Column("floor_amount", sa.Integer(), nullable=True),
        sa.Column("ceiling_amount", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("weekdays", sa.JSON(), nullable=True),
        sa.Column("hour_from", sa.Integer(), nullable=True),
        sa.Column("hour_until", sa.Integer(), nullable=True),
        sa.Column("departs_from", sa.Date(), nullable=True),
        sa.Column("departs_until", sa.Date(), nullable=True),
        sa.Column("min_days_before", sa.Integer(), nullable=True),
        sa.Column("max_days_before", sa.Integer(), nullable=True),
        sa.Column("min_load_percent", sa.Integer(), nullable=True),
        sa.Column("max_load_percent", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(change_percent IS NULL) <> (change_amount IS NULL)", name=op.f("ck_price_rules_one_change")),
        sa.CheckConstraint("change_percent IS NULL OR (change_percent BETWEEN -99 AND 500 AND change_percent <> 0)",
                           name=op.f("ck_price_rules_percent_range")),
        sa.CheckConstraint("change_amount IS NULL OR change_amount <> 0", name=op.f("ck_price_rules_amount_nonzero")),
        sa.CheckConstraint("floor_amount IS NULL OR floor_amount > 0", name=op.f("ck_price_rules_floor_positive")),
        sa.CheckConstraint("ceiling_amount IS NULL OR floor_amount IS NULL OR ceiling_amount >= floor_amount",
                           name=op.f("ck_price_rules_floor_below_ceiling")),
        sa.CheckConstraint("ceiling_amount IS NULL OR ceiling_amount > 0", name=op.f("ck_price_rules_ceiling_positive")),
        sa.CheckConstraint("hour_from IS NULL OR (hour_from BETWEEN 0 AND 23)", name=op.f("ck_price_rules_hour_from_range")),
        sa.CheckConstraint("hour_until IS NULL OR (hour_until BETWEEN 1 AND 24)",
                           name=op.f("ck_price_rules_hour_until_range")),
        sa.CheckConstraint("min_days_before IS NULL OR min_days_before >= 0", name=op.f("ck_price_rules_min_days_nonnegative")),
        sa.CheckConstraint("max_days_before IS NULL OR max_days_before >= 0", name=op.f("ck_price_rules_max_days_nonnegative")),
        sa.CheckConstraint("min_load_percent IS NULL OR (min_load_percent BETWEEN 0 AND 100)",
                           name=op.f("ck_price_rules_min_load_range")),
        sa.CheckConstraint("max_load_percent IS NULL OR (max_load_percent BETWEEN 0 AND 100)",
                           name=op.f("ck_price_rules_max_load_range")),
        sa.CheckConstraint("valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
                           name=op.f("ck_price_rules_validity_order")),
        sa.CheckConstraint("departs_until IS NULL OR departs_from IS NULL OR departs_until >= departs_from",
                           name=op.f("ck_price_rules_departs_order")),
        sa.ForeignKeyConstraint(["carrier_id"], ["carriers.id"], name=op.f("fk_price_rules_carrier_id_carriers")),
        sa.ForeignKeyConstraint(["route_id"], ["routes.id"], name=op.f("fk_price_rules_route_id_routes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_rules")),
    )
    op.create_index(op.f("ix_price_rules_carrier_id"), "price_rules", ["carrier_id"], unique=False)
    op.create_table(
        "concessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("carrier_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=10), nullable=True),
        sa.Column("institution", sa.String(length=120), nullable=True),
        sa.Column("student_number", sa.String(length=40), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("document_name", sa.String(length=80), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("category IN ('student', 'reduced')", name=op.f("ck_concessions_category")),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'revoked')", name=op.f("ck_concessions_status")),
        sa.CheckConstraint("reason IS NULL OR reason IN ('senior', 'disabled')", name=op.f("ck_concessions_reason")),
        sa.CheckConstraint("(category = 'reduced') = (reason IS NOT NULL)", name=op.f("ck_concessions_reason_for_reduced")),
        sa.CheckConstraint("status <> 'approved' OR expires_on IS NOT NULL", name=op.f("ck_concessions_approved_has_expiry")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_concessions_user_id_users")),
        sa.ForeignKeyConstraint(["carrier_id"], ["carriers.id"], name=op.f("fk_concessions_carrier_id_carriers")),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_concessions_decided_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concessions")),
    )
    op.create_index(op.f("ix_concessions_user_id"), "concessions", ["user_id"], unique=False)
    op.create_index("ix_concessions_carrier_status", "concessions", ["carrier_id", "status"], unique=False)
    op.create_index("uq_concessions_live", "concessions", ["user_id", "carrier_id", "category"], unique=True,
                    postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
    with op.batch_alter_table("carriers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("student_approval_required", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_detail", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("concession_until", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_column("concession_until")
        batch_op.drop_column("price_detail")
    with op.batch_alter_table("carriers", schema=None) as batch_op:
        batch_op.drop_column("student_approval_required")
    op.drop_index("uq_concessions_live", table_name="concessions")
    op.drop_index("ix_concessions_carrier_status", table_name="concessions")
    op.drop_index(op.f("ix_concessions_user_id"), table_name="concessions")
    op.drop_table("concessions")
    op.drop_index(op.f("ix_price_rules_carrier_id"), table_name="price_rules")
    op.drop_table("price_rules")
