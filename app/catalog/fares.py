"""The one fare lookup: which ``Fare`` rows price a ride between two stops of a route.

Why one function: search (what a trip costs), the hold (the price copied onto the order)
and the carrier's pages all ask the same question; when each spelled out its own query,
a change to how fares are matched (a new column, a validity window) had to be made in
four places or the channels disagreed about a price.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.catalog.models import Fare
from app.extensions import db


def _ids(value) -> list[int]:
    return [value] if isinstance(value, int) else list(value)


def fares_between(route_ids: int | Iterable[int], origin_stop_ids: int | Iterable[int],
                  destination_stop_ids: int | Iterable[int], classes: Iterable[str] | None = None) -> list[Fare]:
    """The fares of ``route_ids`` from any of ``origin_stop_ids`` to any of ``destination_stop_ids``.

    ``classes`` narrows to those fare classes (default: every class sold). Each argument
    is one id or several, so a search over many trips is still one query.
    """
    stmt = select(Fare).where(
        Fare.route_id.in_(_ids(route_ids)),
        Fare.origin_stop_id.in_(_ids(origin_stop_ids)),
        Fare.destination_stop_id.in_(_ids(destination_stop_ids)),
    )
    if classes is not None:
        stmt = stmt.where(Fare.fare_class.in_(list(classes)))
    return list(db.session.scalars(stmt.order_by(Fare.id)))
