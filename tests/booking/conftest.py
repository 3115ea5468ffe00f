"""Helpers for booking tests: place an order through HTTP, pay it through the payments seam."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.extensions import db
from tests import factories
from app.sales import cancelling
from app.sales.confirming import apply_to_order


def order_body(world, passengers=None, origin=None, destination=None, trip=None):
    return {
        "trip_id": (trip or world.trip).id,
        "origin_stop_id": (origin or world.nairobi).id,
        "destination_stop_id": (destination or world.eldoret).id,
        "passengers": passengers if passengers is not None else [{"fare_class": "standard"}],
    }


@pytest.fixture
def book(client, world, auth_headers):
    """``book(passengers=..., user=..., headers=...)`` → the HTTP response of POST /orders."""

    def _book(passengers=None, user=None, headers=None, **kw):
        hdrs = dict(auth_headers(user or world.passenger))
        hdrs.update(headers or {})
        return client.post("/api/v1/orders", json=order_body(world, passengers, **kw), headers=hdrs)

    return _book


@pytest.fixture
def pay():
    """``pay(order_json, now=None, amount=None)``: what payments does on a successful payment."""
    counter = iter(range(1000, 100000))

    def _pay(order, now=None, amount=None, currency=None):
        result = apply_to_order(
            order["id"], amount=order["total"]["amount"] if amount is None else amount,
            currency=currency or order["total"]["currency"], payment_id=next(counter), now=now,
        )
        db.session.commit()
        return result

    return _pay


@dataclass
class RefundCalls:
    calls: list = field(default_factory=list)


@pytest.fixture
def refunds(monkeypatch):
    """Record what the cancelling use cases ask payments to refund (the seam ``refund_order``)."""
    recorded = RefundCalls()

    def fake(order, amount, *, reason, destination, ref, now=None, notify=True, actor=None):
        recorded.calls.append({"order_id": order.id, "amount": amount, "destination": destination, "ref": ref})
        return recorded.calls[-1]

    monkeypatch.setattr(cancelling, "refund_order", fake)
    return recorded


def new_passenger():
    """Another passenger, committed (a failed request rolls back the shared test session)."""
    user = factories.make_user()
    db.session.commit()
    return user
