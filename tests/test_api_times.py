"""One rule for the times of every API answer (docs/CONTRIBUTING.md, "Times").

A trip's times (``departure_at``, ``arrival_at``, and a ticket's ``valid_from`` /
``valid_until``, which follow from them) are in the zone of the departure stop, as the
timetable on the wall says; every other time (when something was created, paid, settled,
scanned, or when a hold lapses) is UTC, written ``+00:00``. Orders used to answer their
times in ``+03:00`` and payments in ``+00:00``, and a wallet payment was settled before it
was created.
"""
from __future__ import annotations

import re
from datetime import datetime

from tests.payments.helpers import book, fund_wallet
from tests.tickets.test_scan_support import (  # noqa: F401 - boarding_trip is a fixture
    boarding_trip, payload_for, scan, sell,
)

TRIP_TIMES = {"departure_at", "arrival_at", "valid_from", "valid_until"}
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
NAIROBI = "+03:00"  # the test world's stops


def _moments(value, key=""):
    """Every ``(field name, ISO text)`` in an answer, nested objects and lists included."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _moments(inner, name)
    elif isinstance(value, list):
        for inner in value:
            yield from _moments(inner, key)
    elif isinstance(value, str) and MOMENT.match(value):
        yield key, value


def _check(answer) -> set[str]:
    seen = set()
    for key, text in _moments(answer):
        expected = NAIROBI if key in TRIP_TIMES else "+00:00"
        assert text.endswith(expected), f"{key} = {text}: expected {expected}"
        seen.add(key)
    return seen


def test_orders_tickets_payments_and_the_wallet_follow_one_rule(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    fund_wallet(world.passenger, 500_000)
    seen = set()
    order = book(client, world, headers)
    seen |= _check(order)
    paid = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=headers)
    assert paid.status_code == 202
    seen |= _check(paid.get_json())
    seen |= _check(client.get(f"/api/v1/payments/{paid.get_json()['id']}", headers=headers).get_json())
    seen |= _check(client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json())
    tickets = client.get("/api/v1/tickets", headers=headers).get_json()
    seen |= _check(tickets)
    seen |= _check(client.get(f"/api/v1/tickets/{tickets[0]['id']}", headers=headers).get_json())
    top_up = client.post("/api/v1/wallet/top-ups", headers=headers, json={"amount": {"amount": 10000, "currency": "KES"}})
    seen |= _check(top_up.get_json())
    seen |= _check(client.get("/api/v1/wallet/transactions", headers=headers).get_json())
    seen |= _check(client.get("/api/v1/me", headers=headers).get_json())
    day = world.trip.departure_local.date().isoformat()
    seen |= _check(client.get(f"/api/v1/trips/search?origin=Nairobi&destination=Nakuru&date={day}").get_json())
    assert {"departure_at", "arrival_at", "valid_from", "valid_until", "created_at", "hold_expires_at",
            "paid_at", "settled_at"} <= seen


def test_a_scan_and_its_first_use_follow_the_rule(client, world, auth_headers, boarding_trip):
    ticket = sell(world, boarding_trip)[0]
    headers = auth_headers(world.driver)
    scan(client, headers, boarding_trip, payload=payload_for(ticket), device="dev-A")
    again = scan(client, headers, boarding_trip, payload=payload_for(ticket), device="dev-B").get_json()
    assert again["result"] == "already_used"
    assert _check(again) >= {"at", "scanned_at"}


def test_a_wallet_payment_is_settled_when_it_is_created_not_before(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    fund_wallet(world.passenger, 500_000)
    order = book(client, world, headers)
    payment = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"},
                          headers=headers).get_json()
    created, settled = (datetime.fromisoformat(payment[k]) for k in ("created_at", "settled_at"))
    assert settled >= created, payment
    paid_order = client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()
    assert datetime.fromisoformat(paid_order["paid_at"]) >= datetime.fromisoformat(paid_order["created_at"])
