"""REST endpoints for orders, tickets, cancellations and carrier trip cancellation.

Translation only: each view parses with a schema, calls one use case of ``app.sales``
(the same ones USSD and SMS call, so the channels cannot disagree) and renders with a
schema; the carrier's trip cancellation too (``cancelling.cancel_trip``: booking and
payments in one unit of work).
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.booking.schemas import (
    OrderCancelResultSchema, OrderCancelSchema, OrderCreateSchema, OrderListQuerySchema, OrderSchema, CancellationQuoteQuerySchema,
    CancellationQuoteSchema, BookingTicketQuerySchema, BookingTicketSchema, BookingTripCancelResultSchema, BookingTripCancelSchema,
)
from app.catalog.models import Trip
from app.auth.idempotency import idempotent
from app.errors import NotFound
from app.extensions import db
from app.sales import cancelling, orders, tickets
from app.sales.callers import who_is_calling

blp = Blueprint("booking", __name__, url_prefix="/api/v1", description="Seat holds, orders and tickets")


def _caller():
    return who_is_calling(user=current_user())


@blp.route("/orders")
class Orders(MethodView):
    @auth_required()
    @blp.arguments(OrderListQuerySchema, location="query")
    @blp.response(200, OrderSchema(many=True))
    def get(self, query):
        """The caller's orders, newest first (optionally one status)."""
        return orders.list_orders(_caller(), query.get("status"))

    @auth_required("passenger")
    @idempotent
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    def post(self, data):
        """Hold seats and open an order to pay within the hold time (honours Idempotency-Key)."""
        return orders.hold_seats(_caller(), channel="api", **data)


@blp.route("/orders/<int:order_id>")
class OrderDetail(MethodView):
    @auth_required()
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """One of the caller's orders (404 for anyone else's); after a failed payment,
        ``other_methods`` lists what can pay it now while its seats stay held."""
        return orders.get_order(_caller(), order_id)


@blp.route("/orders/<int:order_id>/release")
class OrderRelease(MethodView):
    @auth_required()
    @blp.response(200, OrderSchema)
    def post(self, order_id):
        """Give up an unpaid order: its seats are free again at once."""
        return orders.release(_caller(), order_id)


@blp.route("/orders/<int:order_id>/cancellation-quote")
class CancellationQuote(MethodView):
    @auth_required()
    @blp.arguments(CancellationQuoteQuerySchema, location="query")
    @blp.response(200, CancellationQuoteSchema)
    def get(self, query, order_id):
        """What cancelling now would refund (``?ticket_ids=1,2``; default every cancellable ticket)."""
        return cancelling.cancellation_quote(_caller(), order_id=order_id, ticket_ids=query.get("ticket_ids"))


@blp.route("/orders/<int:order_id>/cancel")
class OrderCancel(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(OrderCancelSchema)
    @blp.response(200, OrderCancelResultSchema)
    def post(self, data, order_id):
        """Cancel tickets (default all cancellable ones) and refund per the carrier's policy;
        ``refund`` is the amount really refunded."""
        user = _caller()
        done = cancelling.cancel(user, order_id=order_id, ticket_ids=data["ticket_ids"], refund_to=data["refund_to"])
        return {"order": orders.get_order(user, order_id), "refund": done.refund.as_dict(), "refund_to": done.refund_to}


@blp.route("/tickets")
class Tickets(MethodView):
    @auth_required()
    @blp.arguments(BookingTicketQuerySchema, location="query")
    @blp.response(200, BookingTicketSchema(many=True))
    def get(self, query):
        """The caller's tickets: ``active`` (still usable) or ``history``."""
        if query["scope"] == "history":
            return tickets.history_ticket_rows(_caller())
        return tickets.active_ticket_rows(_caller())


@blp.route("/carriers/<int:carrier_id>/trips/<int:trip_id>/cancel")
class TripCancel(MethodView):
    @auth_required("carrier_admin", "platform_admin")
    @blp.arguments(BookingTripCancelSchema)
    @blp.response(200, BookingTripCancelResultSchema)
    def post(self, data, carrier_id, trip_id):
        """Cancel a trip: paid orders refunded in full, passengers told by SMS."""
        user = current_user()
        ensure_carrier_access(user, carrier_id)
        trip = db.session.get(Trip, trip_id)
        if trip is None or trip.carrier_id != carrier_id:
            raise NotFound("There is no such trip.", slug="trip-not-found")
        count = cancelling.cancel_trip(user, trip_id, data["reason"])
        return {"trip_id": trip_id, "status": db.session.get(Trip, trip_id).status, "orders_refunded": count}
