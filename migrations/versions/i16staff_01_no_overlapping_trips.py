"""a vehicle or a driver is never on two overlapping live trips; trip_drivers carry the trip's times

Revision ID: i16staff_01
Revises: i16cash_01

PostgreSQL refuses the overlap itself (exclusion constraints over tstzrange, btree_gist);
SQLite relies on the code check in app.catalog.trips.overlap. An existing database that
already holds overlapping live trips of one vehicle or driver fails this upgrade on
PostgreSQL: cancel or move one of each pair first (the error names the rows).
"""
import sqlalchemy as sa
from alembic import op

import app.database

revision = "i16staff_01"
down_revision = "i16cash_01"
branch_labels = None
depends_on = None

# Written out (not imported from app.catalog.models.OVERLAP_DDL): a migration must not change
# when the models do.
_VEHICLE = ("ALTER TABLE trips ADD CONSTRAINT ex_trips_vehicle_overlap EXCLUDE USING gist "
            "(vehicle_id WITH =, tstzrange(departure_at, arrival_at) WITH &&) WHERE (status <> 'cancelled')")
_DRIVER = ("ALTER TABLE trip_drivers ADD CONSTRAINT ex_trip_drivers_driver_overlap EXCLUDE USING gist "
           "(user_id WITH =, tstzrange(departure_at, arrival_at) WITH &&) WHERE (trip_status <> 'cancelled')")


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    # An index, not a table rebuild: on SQLite rebuilding trips would break every row that refers to it.
    op.create_index("uq_trips_id_times_status", "trips", ["id", "departure_at", "arrival_at", "status"], unique=True)
    with op.batch_alter_table("trip_drivers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("departure_at", app.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("arrival_at", app.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("trip_status", sa.String(length=12), nullable=True))
    op.execute(
        "UPDATE trip_drivers SET departure_at = (SELECT departure_at FROM trips WHERE trips.id = trip_drivers.trip_id), "
        "arrival_at = (SELECT arrival_at FROM trips WHERE trips.id = trip_drivers.trip_id), "
        "trip_status = (SELECT status FROM trips WHERE trips.id = trip_drivers.trip_id)"
    )
    with op.batch_alter_table("trip_drivers", schema=None) as batch_op:
        batch_op.alter_column("departure_at", existing_type=app.database.UTCDateTime(), nullable=False)
        batch_op.alter_column("arrival_at", existing_type=app.database.UTCDateTime(), nullable=False)
        batch_op.alter_column("trip_status", existing_type=sa.String(length=12), nullable=False)
        batch_op.create_foreign_key(
            "fk_trip_drivers_trip_times", "trips", ["trip_id", "departure_at", "arrival_at", "trip_status"],
            ["id", "departure_at", "arrival_at", "status"], ondelete="CASCADE", onupdate="CASCADE",
        )
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(_VEHICLE)
        op.execute(_DRIVER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE trip_drivers DROP CONSTRAINT ex_trip_drivers_driver_overlap")
        op.execute("ALTER TABLE trips DROP CONSTRAINT ex_trips_vehicle_overlap")
    with op.batch_alter_table("trip_drivers", schema=None) as batch_op:
        batch_op.drop_constraint("fk_trip_drivers_trip_times", type_="foreignkey")
        batch_op.drop_column("trip_status")
        batch_op.drop_column("arrival_at")
        batch_op.drop_column("departure_at")
    op.drop_index("uq_trips_id_times_status", table_name="trips")
