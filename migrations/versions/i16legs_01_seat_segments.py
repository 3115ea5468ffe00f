"""seats per leg: one row per (trip, segment, seat) replaces the whole-trip unique index

Revision ID: i16legs_01
Revises: i16price_01

Every active hold (``held`` or ``converted``) becomes the segments of its order's leg:
from the order's origin stop up to (not including) its destination. The old index allowed
one active hold per (trip, seat), so no two active holds can collide here. Downgrading
recreates the whole-trip index, which fails if a seat was meanwhile sold on two legs.
"""
import sqlalchemy as sa
from alembic import op

revision = "i16legs_01"
down_revision = "i16price_01"
branch_labels = None
depends_on = None

_ACTIVE = "status IN ('held', 'converted')"

_BACKFILL = """
INSERT INTO seat_segments (trip_id, segment, seat, order_id)
SELECT h.trip_id, rs.position, h.seat, h.order_id
FROM seat_holds h
JOIN orders o ON o.id = h.order_id
JOIN trips t ON t.id = h.trip_id
JOIN route_stops ro ON ro.route_id = t.route_id AND ro.stop_id = o.origin_stop_id
JOIN route_stops rd ON rd.route_id = t.route_id AND rd.stop_id = o.destination_stop_id
JOIN route_stops rs ON rs.route_id = t.route_id AND rs.position >= ro.position AND rs.position < rd.position
WHERE h.status IN ('held', 'converted')
"""


def upgrade():
    op.create_table(
        "seat_segments",
        sa.Column("trip_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seat", sa.String(length=8), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("segment >= 0", name=op.f("ck_seat_segments_segment_nonnegative")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_seat_segments_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_seat_segments_trip_id_trips")),
        sa.PrimaryKeyConstraint("trip_id", "segment", "seat", name=op.f("pk_seat_segments")),
    )
    with op.batch_alter_table("seat_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seat_segments_order_id"), ["order_id"], unique=False)
    op.execute(_BACKFILL)
    with op.batch_alter_table("seat_holds", schema=None) as batch_op:
        batch_op.drop_index("uq_seat_holds_active_seat", postgresql_where=sa.text(_ACTIVE),
                            sqlite_where=sa.text(_ACTIVE))


def downgrade():
    with op.batch_alter_table("seat_holds", schema=None) as batch_op:
        batch_op.create_index("uq_seat_holds_active_seat", ["trip_id", "seat"], unique=True,
                              postgresql_where=sa.text(_ACTIVE), sqlite_where=sa.text(_ACTIVE))
    with op.batch_alter_table("seat_segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seat_segments_order_id"))
    op.drop_table("seat_segments")
