"""undo a boarding: ticket_scans.undone_at/undone_by_id; one *active* boarding per ticket;
scan conflicts of kind boarded_revoked (a revoked ticket let in offline, no first scan)

Revision ID: i10scan_01
Revises: i8worker_01
"""
from alembic import op
import sqlalchemy as sa

import app.database  # custom column types (UTCDateTime)

revision = "i10scan_01"
down_revision = "i8worker_01"
branch_labels = None
depends_on = None

_OLD = "result = 'valid'"
_NEW = "result = 'valid' AND undone_at IS NULL"


def upgrade():
    with op.batch_alter_table("ticket_scans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undone_at", app.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("undone_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_ticket_scans_undone_by_id_users"), "users", ["undone_by_id"], ["id"])
        batch_op.create_check_constraint(batch_op.f("ck_ticket_scans_undone_by_whom"),
                                         "(undone_at IS NULL) = (undone_by_id IS NULL)")
        batch_op.create_check_constraint(batch_op.f("ck_ticket_scans_undo_only_boardings"),
                                         "undone_at IS NULL OR result = 'valid'")
        batch_op.drop_index("uq_ticket_scans_one_boarding")
        batch_op.create_index("uq_ticket_scans_one_boarding", ["ticket_id"], unique=True,
                              postgresql_where=sa.text(_NEW), sqlite_where=sa.text(_NEW))
    with op.batch_alter_table("ticket_scan_conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="double_boarding", nullable=False))
        batch_op.alter_column("first_scan_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(batch_op.f("ck_ticket_scan_conflicts_kind"),
                                         "kind IN ('double_boarding', 'boarded_revoked')")
        batch_op.create_check_constraint(batch_op.f("ck_ticket_scan_conflicts_first_scan_by_kind"),
                                         "(kind = 'double_boarding') = (first_scan_id IS NOT NULL)")


def downgrade():
    op.execute("DELETE FROM ticket_scan_conflicts WHERE kind <> 'double_boarding'")
    with op.batch_alter_table("ticket_scan_conflicts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ticket_scan_conflicts_first_scan_by_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_ticket_scan_conflicts_kind"), type_="check")
        batch_op.alter_column("first_scan_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("kind")
    with op.batch_alter_table("ticket_scans", schema=None) as batch_op:
        batch_op.drop_index("uq_ticket_scans_one_boarding")
        batch_op.create_index("uq_ticket_scans_one_boarding", ["ticket_id"], unique=True,
                              postgresql_where=sa.text(_OLD), sqlite_where=sa.text(_OLD))
        batch_op.drop_constraint(batch_op.f("ck_ticket_scans_undo_only_boardings"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_ticket_scans_undone_by_whom"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_ticket_scans_undone_by_id_users"), type_="foreignkey")
        batch_op.drop_column("undone_by_id")
        batch_op.drop_column("undone_at")
