"""REST endpoints for orders, tickets, cancellations and carrier trip cancellation.

Views only translate HTTP to the services in ``app.booking.service`` and
``app.booking.cancellation``; every rule lives there so that USSD and SMS behave alike.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user, ensure_carrier_access
from app.booking import cancellation, service
from app.booking.schemas import (
    OrderCancelResultSchema, OrderCancelSchema, OrderCreateSchema, OrderListQuerySchema, OrderSchema, CancellationQuoteQuerySchema,
    CancellationQuoteSchema, BookingTicketQuerySchema, BookingTicketSchema, BookingTripCancelResultSchema, BookingTripCancelSchema,
)
from app.catalog.models import Trip
from app.auth.idempotency import idempotent
from app.core.money import money
from app.errors import NotFound
from app.extensions import db

blp = Blueprint("booking", __name__, url_prefix="/api/v1", description="Seat holds, orders and tickets")


@blp.route("/orders")
class Orders(MethodView):
    @auth_required()
    @blp.arguments(OrderListQuerySchema, location="query")
    @blp.response(200, OrderSchema(many=True))
    def get(self, query):
        """The caller's orders, newest first (optionally one status)."""
        return service.list_orders(current_user(), query.get("status"))

    @auth_required("passenger")
    @idempotent
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    def post(self, data):
        """Hold seats and open an order to pay within the hold time (honours Idempotency-Key)."""
        return service.create_order(current_user(), channel="api", **data)


@blp.route("/orders/<int:order_id>")
class OrderDetail(MethodView):
    @auth_required()
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """One of the caller's orders (404 for anyone else's)."""
        return service.get_order_for(current_user(), order_id)


@blp.route("/orders/<int:order_id>/release")
class OrderRelease(MethodView):
    @auth_required()
    @blp.response(200, OrderSchema)
    def post(self, order_id):
        """Give up an unpaid order: its seats are free again at once."""
        return service.release_order(current_user(), order_id)


@blp.route("/orders/<int:order_id>/cancellation-quote")
class CancellationQuote(MethodView):
    @auth_required()
    @blp.arguments(CancellationQuoteQuerySchema, location="query")
    @blp.response(200, CancellationQuoteSchema)
    def get(self, query, order_id):
        """What cancelling now would refund (``?ticket_ids=1,2``; default every valid ticket)."""
        order = service.get_order_for(current_user(), order_id)
        return cancellation.quote_cancellation(order, query.get("ticket_ids"))


@blp.route("/orders/<int:order_id>/cancel")
class OrderCancel(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(OrderCancelSchema)
    @blp.response(200, OrderCancelResultSchema)
    def post(self, data, order_id):
        """Cancel tickets (default all valid ones) and refund per the carrier's policy."""
        user = current_user()
        before = service.get_order_for(user, order_id).refunded_amount
        cancellation.cancel_tickets(user, order_id, data["ticket_ids"], refund_to=data["refund_to"])
        order = service.get_order_for(user, order_id)
        return {"order": order, "refund": money(order.refunded_amount - before, order.currency),
                "refund_to": data["refund_to"]}


@blp.route("/tickets")
class Tickets(MethodView):
    @auth_required()
    @blp.arguments(BookingTicketQuerySchema, location="query")
    @blp.response(200, BookingTicketSchema(many=True))
    def get(self, query):
        """The caller's tickets: ``active`` (still usable) or ``history``."""
        return service.list_tickets(current_user(), query["scope"])


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
        count = cancellation.cancel_trip(user, trip_id, data["reason"])
        return {"trip_id": trip_id, "status": db.session.get(Trip, trip_id).status, "orders_refunded": count}
