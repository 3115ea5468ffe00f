"""seat_holds (trip_id, status): availability reads only the asked trips' holds

Search, seat maps and automatic assignment join each taken segment to its hold. Without
an index on the trip, PostgreSQL read every hold ever made (a sequential scan growing
with history) to find the few of the trips on screen.

Revision ID: i17fast_01
Revises: i16staff_01
Create Date: 2026-12-07 21:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'i17fast_01'
down_revision = 'i16staff_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_seat_holds_trip_status', 'seat_holds', ['trip_id', 'status'])


def downgrade():
    op.drop_index('ix_seat_holds_trip_status', table_name='seat_holds')
