"""Pricing: what a seat costs between two stops of a trip, and the carrier's writes to fares.

Orders keep the price they were quoted: changing a fare never rewrites one already placed.
``fares_between`` is the one fare lookup: search (what a trip costs), the counter and
``fare_for`` all ask it, so a change to how fares are matched is made once and the channels
cannot disagree about a price. The hold (the price copied onto the order) reads the same
rows with its carrier's price rules in one statement (``pricerules.service.fares_with_rules``).
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import bindparam, select

from app.catalog.common import flush_or_conflict, referenced
from app.catalog.models import Fare, Route, Trip
from app.catalog.pricerules.service import check_rule_set
from app.core.money import amount_in
from app.errors import Unprocessable
from app.extensions import db, unit_of_work

def _ids(value) -> list[int]:
    return [value] if isinstance(value, int) else list(value)


def fares_between(route_ids: int | Iterable[int], origin_stop_ids: int | Iterable[int],
                  destination_stop_ids: int | Iterable[int], classes: Iterable[str] | None = None) -> list[Fare]:
    """The fares of ``route_ids`` from any of ``origin_stop_ids`` to any of ``destination_stop_ids``.

    ``classes`` narrows to those fare classes (default: every class sold). Each argument is
    one id or several, so a search over many trips is still one query.
    """
    params = {"routes": _ids(route_ids), "origins": _ids(origin_stop_ids), "destinations": _ids(destination_stop_ids)}
    if classes is not None:
        params["classes"] = list(classes)
    return list(db.session.scalars(_fares_statement(classes is not None), params))


@lru_cache(maxsize=2)
def _fares_statement(by_class: bool):
    """``fares_between``'s query, built once per shape with bound parameters (search asks it
    whenever its kept fares lapse: building it was most of that miss)."""
    stmt = select(Fare).where(
        Fare.route_id.in_(bindparam("routes", expanding=True)),
        Fare.origin_stop_id.in_(bindparam("origins", expanding=True)),
        Fare.destination_stop_id.in_(bindparam("destinations", expanding=True)),
    )
    if by_class:
        stmt = stmt.where(Fare.fare_class.in_(bindparam("classes", expanding=True)))
    return stmt.order_by(Fare.id)


def fare_for(trip: Trip, origin_stop_id: int, destination_stop_id: int, fare_class: str = "standard") -> Fare | None:
    """The price of one seat on ``trip`` between two of its stops, or None when not sold."""
    return next(iter(fares_between(trip.route_id, origin_stop_id, destination_stop_id, [fare_class])), None)


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
    amount = amount_in(price, carrier.currency, "price")

    def work():
        fare = Fare(carrier_id=carrier.id, currency=carrier.currency, amount=amount, **data)
        db.session.add(fare)
        flush_or_conflict("This route already has a fare for that pair and class; edit it instead.", "duplicate-fare")
        check_rule_set(carrier.id)  # a low fare the carrier's rules would take to zero: refused
        return fare

    return unit_of_work(work)


def list_fares(carrier_id: int, route_id: int | None) -> list[Fare]:
    """A carrier's fares (of one route when given), in a stable order."""
    stmt = select(Fare).where(Fare.carrier_id == carrier_id)
    if route_id:
        stmt = stmt.where(Fare.route_id == route_id)
    return list(db.session.scalars(stmt.order_by(Fare.route_id, Fare.origin_stop_id,
                                                 Fare.destination_stop_id, Fare.fare_class)))


def change_price(fare: Fare, price: dict) -> Fare:
    """A new amount in the fare's own currency (orders already placed keep their price)."""
    amount = amount_in(price, fare.currency, "price")

    def work():
        fare.amount = amount
        flush_or_conflict("The fare could not be saved.")
        check_rule_set(fare.carrier_id)
        return fare

    return unit_of_work(work)


def delete_fare(fare: Fare) -> None:
    """Delete a fare; 409 while something still refers to it."""

    def work():
        db.session.delete(fare)
        flush_or_conflict("This fare is still referenced.", "fare-in-use")

    unit_of_work(work)
