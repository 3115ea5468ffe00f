"""Pricing: what a seat costs between two stops of a trip, and the carrier's writes to fares.

Orders keep the price they were quoted: changing a fare never rewrites one already placed.
"""
from __future__ import annotations

from sqlalchemy import select

from app.catalog.common import commit, referenced
from app.catalog.models import Fare, Route, Trip
from app.core.money import amount_in
from app.errors import Unprocessable
from app.extensions import db

def fare_for(trip: Trip, origin_stop_id: int, destination_stop_id: int, fare_class: str = "standard") -> Fare | None:
    """The price of one seat on ``trip`` between two of its stops, or None when not sold."""
    return db.session.scalar(
        select(Fare).where(
            Fare.route_id == trip.route_id,
            Fare.origin_stop_id == origin_stop_id,
            Fare.destination_stop_id == destination_stop_id,
            Fare.fare_class == fare_class,
        )
    )


def create_fare(carrier, data: dict) -> Fare:
    """A price for one ordered pair of the route's stops (origin before destination)."""
    route = referenced(Route, carrier.id, data["route_id"], "route_id")
    positions = {rs.stop_id: rs.position for rs in route.stops}
    origin, destination = data["origin_stop_id"], data["destination_stop_id"]
    if origin not in positions or destination not in positions or positions[origin] >= positions[destination]:
        raise Unprocessable(
            "The origin and destination must be stops of this route, the origin first.",
            slug="pair-not-on-route",
            errors={"destination_stop_id": ["Not after the origin on this route."]},
        )
    price = data.pop("price")
    fare = Fare(carrier_id=carrier.id, currency=carrier.currency, amount=amount_in(price, carrier.currency, "price"),
                **data)
    db.session.add(fare)
    commit("This route already has a fare for that pair and class; edit it instead.", "duplicate-fare")
    return fare


def list_fares(carrier_id: int, route_id: int | None) -> list[Fare]:
    """A carrier's fares (of one route when given), in a stable order."""
    stmt = select(Fare).where(Fare.carrier_id == carrier_id)
    if route_id:
        stmt = stmt.where(Fare.route_id == route_id)
    return list(db.session.scalars(stmt.order_by(Fare.route_id, Fare.origin_stop_id,
                                                 Fare.destination_stop_id, Fare.fare_class)))


def change_price(fare: Fare, price: dict) -> Fare:
    """A new amount in the fare's own currency (orders already placed keep their price)."""
    fare.amount = amount_in(price, fare.currency, "price")
    commit("The fare could not be saved.")
    return fare


def delete_fare(fare: Fare) -> None:
    """Delete a fare; 409 while something still refers to it."""
    db.session.delete(fare)
    commit("This fare is still referenced.", "fare-in-use")
