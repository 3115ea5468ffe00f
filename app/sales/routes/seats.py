"""``GET /api/v1/trips/{trip_id}/seats``: a leg's seat map, public like trip search.

Translation only: the query is parsed by a schema, ``app.sales.seats.leg_seat_map``
decides, the schema renders (contract: ``CONTRACTS.md``, "Seat map").
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.booking.schemas import SeatMapQuerySchema, SeatMapSchema
from app.sales.seats import leg_seat_map

blp = Blueprint("seats", __name__, url_prefix="/api/v1", description="Seat maps of a leg (public)")


@blp.route("/trips/<int:trip_id>/seats")
class TripSeats(MethodView):
    @blp.arguments(SeatMapQuerySchema, location="query")
    @blp.response(200, SeatMapSchema)
    def get(self, query, trip_id):
        """Every seat free, held or sold for the leg from ``origin_stop_id`` to ``destination_stop_id``.

        A seat sold on a leg that does not overlap this one (Nairobi→Nakuru when asking
        Nakuru→Kisumu) is free. ``rows`` is the layout to draw: each row's seats from left
        to right, where the aisle is, and the deck. 404 ``trip-not-found``; 409
        ``trip-not-bookable`` (cancelled, departed) and ``trip-departed`` (gone from the
        origin stop); 422 ``stop-not-on-route``, ``stops-out-of-order``.
        """
        return leg_seat_map(trip_id, query["origin_stop_id"], query["destination_stop_id"])
