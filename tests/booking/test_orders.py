"""Placing orders: holds, prices, automatic seats and every way an order can be refused."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.booking.models import Order, SeatHold
from app.database import utcnow
from tests import factories
from tests.booking.conftest import new_passenger, order_body


def counts(db):
    return (db.session.scalar(select(func.count()).select_from(Order)),
            db.session.scalar(select(func.count()).select_from(SeatHold)))


def test_order_holds_seats_and_quotes_price(book, world):
    resp = book([{"fare_class": "standard", "name": "Wanjiku"}, {"fare_class": "student", "seat": "5"}])
    assert resp.status_code == 201, resp.json
    order = resp.json
    assert order["status"] == "pending_payment"
    assert order["total"] == {"amount": 150000 + 120000, "currency": "KES"}
    assert [(i["seat"], i["fare_class"], i["price"]["amount"]) for i in order["items"]] == [
        ("1", "standard", 150000), ("5", "student", 120000)]
    assert len(order["code"]) <= 12 and order["code"].isalnum() and order["code"].isupper()
    assert order["payment_instructions"]["paybill"] == {
        "business_number": "174379", "account": order["code"], "amount": order["total"]}
    assert order["hold_expires_at"].endswith("+00:00")  # when the hold ends: UTC, like every record time
    # one name for a departure time across trips, tickets and orders: departure_at, local with offset
    trip = world.trip.departure_at.astimezone(ZoneInfo("Africa/Nairobi")).isoformat()
    assert order["departure_at"] == trip and order["departure_at"].endswith("+03:00")


def test_automatic_seats_skip_taken_ones(book, world, make_app):
    book([{"seat": "1"}, {"seat": "3"}])
    resp = book([{}, {}], user=new_passenger())
    assert [i["seat"] for i in resp.json["items"]] == ["2", "4"]


def test_taken_seat_is_409_and_changes_nothing(book, world, db):
    assert book([{"seat": "4"}]).status_code == 201
    before = counts(db)
    resp = book([{"seat": "2"}, {"seat": "4"}], user=new_passenger())
    assert resp.status_code == 409
    assert resp.content_type == "application/problem+json"
    assert resp.json["type"] == "/problems/seat-taken" and resp.json["seats"] == ["4"]
    assert counts(db) == before


def test_sold_out(book, world, db):
    assert book([{}] * 10).status_code == 201
    resp = book([{}], user=new_passenger())
    assert resp.status_code == 409 and resp.json["type"] == "/problems/sold-out"


@pytest.mark.parametrize("passengers, slug", [
    ([], None),
    ([{}] * 11, None),
    ([{"seat": "99"}], "seat-not-in-layout"),
    ([{"seat": "2"}, {"seat": "2"}], "duplicate-seat"),
    ([{"fare_class": "first"}], None),
])
def test_bad_passengers_are_422(book, db, passengers, slug):
    resp = book(passengers)
    assert resp.status_code == 422, resp.json
    assert resp.content_type == "application/problem+json"
    if slug:
        assert resp.json["type"] == f"/problems/{slug}"
    assert counts(db) == (0, 0)


def test_fare_class_without_fare_is_422(book, world, db):
    db.session.delete(world.fares[("NBO", "ELD", "reduced")])
    db.session.commit()
    resp = book([{"fare_class": "reduced"}])
    assert resp.status_code == 422 and resp.json["type"] == "/problems/unknown-fare-class"
    assert counts(db) == (0, 0)


def test_unknown_trip_is_404(client, world, auth_headers, db):
    body = order_body(world) | {"trip_id": 999999}
    resp = client.post("/api/v1/orders", json=body, headers=auth_headers(world.passenger))
    assert resp.status_code == 404 and resp.json["type"] == "/problems/trip-not-found"
    assert counts(db) == (0, 0)


def test_stops_must_be_on_route_in_order(book, world, db):
    resp = book(origin=world.eldoret, destination=world.nairobi)
    assert resp.status_code == 422 and resp.json["type"] == "/problems/stops-out-of-order"
    other = factories.make_stop(world.carrier, "Mombasa", code="MBA")
    db.session.commit()
    resp = book(origin=world.nairobi, destination=other)
    assert resp.status_code == 422 and resp.json["type"] == "/problems/stop-not-on-route"
    assert counts(db) == (0, 0)


def test_departed_or_cancelled_trip_is_not_sold(book, world, db):
    world.trip.departure_at = utcnow() - timedelta(minutes=5)
    world.trip.arrival_at = utcnow() + timedelta(hours=5)
    db.session.commit()
    resp = book()
    assert resp.status_code == 409 and resp.json["type"] == "/problems/trip-departed"
    world.trip.departure_at = utcnow() + timedelta(hours=1)
    world.trip.status = "cancelled"
    db.session.commit()
    resp = book()
    assert resp.status_code == 409 and resp.json["type"] == "/problems/trip-not-bookable"
    assert counts(db) == (0, 0)


def test_missing_fields_and_wrong_role(book, client, world, auth_headers):
    resp = client.post("/api/v1/orders", json={"trip_id": "x"}, headers=auth_headers(world.passenger))
    assert resp.status_code == 422 and set(resp.json["errors"]) >= {"trip_id", "passengers"}
    assert client.post("/api/v1/orders", json={}).status_code == 401
    assert book(user=world.driver).status_code == 403


def test_another_users_order_is_404(book, client, world, auth_headers):
    order = book().json
    stranger = new_passenger()
    assert client.get(f"/api/v1/orders/{order['id']}", headers=auth_headers(world.passenger)).status_code == 200
    for path in (f"/api/v1/orders/{order['id']}", f"/api/v1/orders/{order['id']}/cancellation-quote"):
        resp = client.get(path, headers=auth_headers(stranger))
        assert resp.status_code == 404 and resp.content_type == "application/problem+json"
    resp = client.post(f"/api/v1/orders/{order['id']}/release", headers=auth_headers(stranger))
    assert resp.status_code == 404
    assert client.get(f"/api/v1/orders/{order['id']}", headers=auth_headers(world.passenger)).json["status"] == \
        "pending_payment"


def test_list_orders_by_status(book, client, world, auth_headers):
    first = book().json
    book()
    client.post(f"/api/v1/orders/{first['id']}/release", headers=auth_headers(world.passenger))
    h = auth_headers(world.passenger)
    assert len(client.get("/api/v1/orders", headers=h).json) == 2
    assert [o["id"] for o in client.get("/api/v1/orders?status=expired", headers=h).json] == [first["id"]]
    assert client.get("/api/v1/orders?status=bogus", headers=h).status_code == 422
