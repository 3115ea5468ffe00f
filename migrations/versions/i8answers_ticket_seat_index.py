"""tickets.seat_index: the seat's position in the vehicle layout (ticket format v2)

The QR payload now carries the seat as its index in the trip vehicle's seat layout,
so every label (``12a``, ``A-1``, ``VIP01``) is carried exactly. Existing tickets get
the index of their label in their trip vehicle's layout (0 when, against the booking
rules, the label is not in it: such a ticket's QR then fails the seat check at the
door and the driver falls back to the short code).

Revision ID: i8answers_01
Revises: e0e8e51c3ba4
Create Date: 2026-12-06 03:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i8answers_01'
down_revision = 'e0e8e51c3ba4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seat_index', sa.Integer(), nullable=True))

    tickets = sa.table('tickets', sa.column('id', sa.Integer()), sa.column('trip_id', sa.Integer()),
                       sa.column('seat', sa.String()), sa.column('seat_index', sa.Integer()))
    trips = sa.table('trips', sa.column('id', sa.Integer()), sa.column('vehicle_id', sa.Integer()))
    vehicles = sa.table('vehicles', sa.column('id', sa.Integer()), sa.column('seat_layout', sa.JSON()))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(tickets.c.id, tickets.c.seat, vehicles.c.seat_layout)
        .select_from(tickets.join(trips, trips.c.id == tickets.c.trip_id)
                     .join(vehicles, vehicles.c.id == trips.c.vehicle_id))
    ).all()
    for ticket_id, seat, layout in rows:
        index = list(layout or []).index(seat) if seat in (layout or []) else 0
        connection.execute(tickets.update().where(tickets.c.id == ticket_id).values(seat_index=index))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('seat_index', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(
            batch_op.f('ck_tickets_seat_index_range'), 'seat_index >= 0 AND seat_index <= 65535'
        )


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_tickets_seat_index_range'), type_='check')
        batch_op.drop_column('seat_index')
