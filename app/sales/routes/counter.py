"""REST endpoints of the counter (role ``agent``): trips and seats of the agent's carrier,
sales paid by cash or M-Pesa, counter cancellations, and the agent's cash drawer.

Translation only: each view parses with a schema and calls one use case of
``app.sales.counter`` (the page ``/counter`` calls the same ones). Anything of another
carrier, or another agent's drawer, answers 404.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.decorators import auth_required, current_user
from app.booking.schemas import OrderSchema
from app.errors import NotFound
from app.sales import counter
from app.sales.callers import who_is_calling
from app.sales.routes.counter_schemas import (
    CounterSaleSchema,
    CounterSeatsQuerySchema,
    CounterSeatsSchema,
    CounterTripSchema,
    CounterTripsQuerySchema,
    DrawerCountSchema,
    DrawerOpenSchema,
    DrawerSchema,
)

blp = Blueprint("counter", __name__, url_prefix="/api/v1/counter", description="Counter sales and cash drawers")


def _agent():
    return who_is_calling(user=current_user())


@blp.route("/trips")
class Trips(MethodView):
    @auth_required("agent")
    @blp.arguments(CounterTripsQuerySchema, location="query")
    @blp.response(200, CounterTripSchema(many=True))
    def get(self, query):
        """The carrier's trips still on sale (next 7 days, or one local date)."""
        return counter.carrier_trips(_agent(), day=query["date"])


@blp.route("/trips/<int:trip_id>/seats")
class Seats(MethodView):
    @auth_required("agent")
    @blp.arguments(CounterSeatsQuerySchema, location="query")
    @blp.response(200, CounterSeatsSchema)
    def get(self, query, trip_id):
        """The seat map for a ride on one of the carrier's trips, and its fares by class."""
        return counter.trip_seats(_agent(), trip_id, query["origin_stop_id"], query["destination_stop_id"])


@blp.route("/sales")
class Sales(MethodView):
    @auth_required("agent")
    @blp.arguments(CounterSaleSchema)
    @blp.response(201, OrderSchema)
    def post(self, data):
        """Sell to a walk-in passenger: seats held for their phone number, then paid in cash
        (into the agent's drawer: ``paid`` at once) or by an M-Pesa prompt to that phone."""
        return counter.sell(_agent(), **data)


@blp.route("/orders/<int:order_id>")
class Order(MethodView):
    @auth_required("agent")
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """An order of the carrier (is the M-Pesa prompt paid yet?)."""
        return counter.counter_order_view(_agent(), order_id)


def _action(name: str, doc: str):
    def post(self, order_id):
        return getattr(counter, name)(_agent(), order_id)

    post.__doc__ = doc
    return post


@blp.route("/orders/<int:order_id>/cash")
class PayCash(MethodView):
    post = auth_required("agent")(blp.response(200, OrderSchema)(_action(
        "pay_cash", "Take cash for a held order (into the agent's open drawer).")))


@blp.route("/orders/<int:order_id>/mpesa")
class PayMpesa(MethodView):
    post = auth_required("agent")(blp.response(200, OrderSchema)(_action(
        "pay_mpesa", "Send (again) an M-Pesa prompt to the passenger's phone.")))


@blp.route("/orders/<int:order_id>/release")
class Release(MethodView):
    post = auth_required("agent")(blp.response(200, OrderSchema)(_action(
        "release", "Give up an unpaid counter order: its seats are free at once.")))


@blp.route("/orders/<int:order_id>/cancel")
class Cancel(MethodView):
    post = auth_required("agent")(blp.response(200, OrderSchema)(_action(
        "cancel", "Cancel an order's valid tickets per the carrier's policy; cash-paid: cash out of the drawer.")))


@blp.route("/drawer")
class Drawer(MethodView):
    @auth_required("agent")
    @blp.response(200, DrawerSchema)
    def get(self):
        """The agent's open drawer (never the expected amount: the count is blind)."""
        found = counter.current_drawer(_agent())
        if found is None:
            raise NotFound("No shift is open.", slug="drawer-not-open")
        return found

    @auth_required("agent")
    @blp.arguments(DrawerOpenSchema)
    @blp.response(201, DrawerSchema)
    def post(self, data):
        """Open the shift with its float (409 ``drawer-already-open``)."""
        return counter.open_shift(_agent(), data["opening_float"])


@blp.route("/drawer/count")
class DrawerCount(MethodView):
    @auth_required("agent")
    @blp.arguments(DrawerCountSchema)
    @blp.response(200, DrawerSchema)
    def post(self, data):
        """Count the drawer blind: ``recount`` if it differs the first time, else closed with its report."""
        return counter.count_drawer(_agent(), data["counted"], data["comment"])


@blp.route("/drawers/<int:drawer_id>")
class DrawerReport(MethodView):
    @auth_required("agent")
    @blp.response(200, DrawerSchema)
    def get(self, drawer_id):
        """One of the agent's drawers, with its closing report once closed (404 for anyone else's)."""
        return counter.drawer(_agent(), drawer_id)
