"""Seats per leg (issue 16): a seat sold Nairobi→Nakuru is sold again Nakuru→Eldoret on the same coach.

The world's route is Nairobi → Nakuru → Eldoret on a 10-seat coach (seats "1".."10").
Before, a hold took its seat for the whole trip: the second leg found the coach sold out.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.booking.models import Order, SeatHold, SeatSegment
from app.database import utcnow
from app.extensions import db
from tests.booking.conftest import new_passenger
from tests.factories import auth_headers as auth
from tests.channels.scripts.runner import Conversation
from tests.channels.test_sms_pay import reply
from tests.payments.helpers import fund_wallet


def _seats(resp):
    return [item["seat"] for item in resp.json["items"]]


def _fill_to_nakuru(book, pay, world):
    """Every seat of the coach sold Nairobi→Nakuru."""
    resp = book([{}] * 10, destination=world.nakuru)
    assert resp.status_code == 201, resp.json
    assert pay(resp.json).outcome == "applied"
    return resp


def seat_map(client, world, origin, destination, trip=None):
    return client.get(f"/api/v1/trips/{(trip or world.trip).id}/seats",
                      query_string={"origin_stop_id": origin.id, "destination_stop_id": destination.id})


def test_a_seat_sold_to_nakuru_is_sold_again_from_nakuru(book, pay, world):
    assert book([{"seat": "4"}], destination=world.nakuru).status_code == 201
    resp = book([{"seat": "4"}], user=new_passenger(), origin=world.nakuru)
    assert resp.status_code == 201, resp.json
    assert _seats(resp) == ["4"]


def test_automatic_seats_reuse_a_seat_freed_at_nakuru_before_a_whole_free_one(book, world):
    assert book([{"seat": "7"}], destination=world.nakuru).status_code == 201
    resp = book([{}], user=new_passenger(), origin=world.nakuru)
    assert _seats(resp) == ["7"]  # seat 1 stays free for someone riding Nairobi→Eldoret


def test_a_full_coach_to_nakuru_is_empty_from_nakuru(book, pay, world, client):
    _fill_to_nakuru(book, pay, world)
    resp = book([{}] * 10, user=new_passenger(), origin=world.nakuru)
    assert resp.status_code == 201, resp.json
    assert sorted(_seats(resp), key=int) == [str(n) for n in range(1, 11)]
    whole = book([{}], user=new_passenger())
    assert whole.status_code == 409 and whole.json["type"] == "/problems/sold-out"


def test_an_overlapping_leg_is_refused_seat_taken_and_changes_nothing(book, world):
    assert book([{"seat": "4"}], origin=world.nakuru).status_code == 201
    orders = db.session.scalar(select(func.count()).select_from(Order))
    segments = db.session.scalar(select(func.count()).select_from(SeatSegment))
    resp = book([{"seat": "3"}, {"seat": "4"}], user=new_passenger())  # Nairobi→Eldoret crosses Nakuru→Eldoret
    assert resp.status_code == 409 and resp.content_type == "application/problem+json"
    assert resp.json["type"] == "/problems/seat-taken" and resp.json["seats"] == ["4"]
    assert db.session.scalar(select(func.count()).select_from(Order)) == orders
    assert db.session.scalar(select(func.count()).select_from(SeatSegment)) == segments


def test_search_counts_the_seats_free_on_the_leg_searched(book, pay, world, client):
    _fill_to_nakuru(book, pay, world)

    def left(origin, destination):
        resp = client.get("/api/v1/trips/search", query_string={
            "origin": origin, "destination": destination, "date": world.trip.departure_local.date().isoformat()})
        assert resp.status_code == 200, resp.json
        return [offer["seats_left"] for offer in resp.json]

    assert left("NKR", "ELD") == [10]  # before: [0], every seat was taken for the whole trip
    assert left("NBO", "ELD") == [0]
    assert left("NBO", "NKR") == [0]


def test_seat_map_statuses_per_leg(book, pay, world, client):
    sold = book([{"seat": "1"}], destination=world.nakuru)
    pay(sold.json)
    book([{"seat": "2"}], user=new_passenger(), origin=world.nakuru)  # held, not paid

    def statuses(origin, destination):
        resp = seat_map(client, world, origin, destination)
        assert resp.status_code == 200, resp.json
        return {seat["label"]: seat["status"] for seat in resp.json["seats"]}, resp.json

    first, body = statuses(world.nairobi, world.nakuru)
    assert (first["1"], first["2"], first["3"]) == ("sold", "free", "free")
    assert body["free"] == 9 and [s["label"] for s in body["seats"]] == [str(n) for n in range(1, 11)]
    second, _ = statuses(world.nakuru, world.eldoret)
    assert (second["1"], second["2"]) == ("free", "held")
    whole, body = statuses(world.nairobi, world.eldoret)
    assert (whole["1"], whole["2"]) == ("sold", "held") and body["free"] == 8
    assert body["rows"][0] == {"row": 1, "deck": 1, "seats": ["1", "2", "3", "4"], "aisle_after": 2}


def test_seat_map_rows_follow_seat_labels(client, world):
    world.vehicle.seat_layout = ["1A", "1B", "1C", "1D", "2A", "2B", "2C", "2D", "3A", "3B", "3C", "3D", "3E"]
    world.vehicle.seat_count = 13
    db.session.commit()
    body = seat_map(client, world, world.nairobi, world.eldoret).json
    assert body["rows"] == [
        {"row": 1, "deck": 1, "seats": ["1A", "1B", "1C", "1D"], "aisle_after": 2},
        {"row": 2, "deck": 1, "seats": ["2A", "2B", "2C", "2D"], "aisle_after": 2},
        {"row": 3, "deck": 1, "seats": ["3A", "3B", "3C", "3D", "3E"], "aisle_after": None},
    ]


def test_seat_map_refuses_bad_legs_and_unknown_trips(client, world):
    backwards = seat_map(client, world, world.eldoret, world.nairobi)
    assert backwards.status_code == 422 and backwards.json["type"] == "/problems/stops-out-of-order"
    other = new_passenger()  # any id that is no stop of this route
    resp = client.get(f"/api/v1/trips/{world.trip.id}/seats",
                      query_string={"origin_stop_id": world.nairobi.id, "destination_stop_id": 10_000 + other.id})
    assert resp.status_code == 422 and resp.json["type"] == "/problems/stop-not-on-route"
    missing = client.get(f"/api/v1/trips/{world.trip.id}/seats", query_string={"origin_stop_id": world.nairobi.id})
    assert missing.status_code == 422 and "destination_stop_id" in missing.json["errors"]
    unknown = client.get("/api/v1/trips/999999/seats",
                         query_string={"origin_stop_id": world.nairobi.id, "destination_stop_id": world.eldoret.id})
    assert unknown.status_code == 404 and unknown.content_type == "application/problem+json"


def test_seat_map_of_a_cancelled_trip_is_409(client, world):
    world.trip.status = "cancelled"  # as the carrier's cancellation leaves it
    db.session.commit()
    resp = seat_map(client, world, world.nairobi, world.eldoret)
    assert resp.status_code == 409 and resp.json["type"] == "/problems/trip-not-bookable"


def test_the_seat_map_is_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").json
    operation = spec["paths"]["/api/v1/trips/{trip_id}/seats"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"origin_stop_id", "destination_stop_id"}
    assert "200" in operation["responses"]


def test_sms_buyer_gets_a_seat_sold_to_nakuru_before(book, pay, world, client):
    _fill_to_nakuru(book, pay, world)
    phone = world.passenger.phone
    fund_wallet(world.passenger, 200000)
    assert "1 10:30 Coast Express" in reply(client, phone, "BUY NAKURU ELDORET WALLET")
    reply(client, phone, "1")
    db.session.expire_all()
    order = db.session.scalar(select(Order).where(Order.channel == "sms"))
    assert order is not None and order.status == "paid"
    assert order.items[0].seat == "1"


def test_ussd_buyer_gets_a_seat_sold_to_nakuru_before(book, pay, world, client):
    _fill_to_nakuru(book, pay, world)
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    talk.input("1")
    assert "Eldoret" in talk.input("nak")  # where to, from Nakuru
    talk.input("1")
    trips = talk.input("2")  # tomorrow
    assert "(10)" in trips, trips  # ten seats left on this leg
    talk.input("1")  # the trip
    talk.input("1")  # one passenger
    talk.input("1")  # the default class
    db.session.expire_all()
    order = db.session.scalar(select(Order).where(Order.channel == "ussd"))
    assert order is not None and order.items[0].seat == "1"


def test_stale_holds_are_swept_when_they_stand_in_the_way(book, world):
    first = book([{}] * 10, destination=world.nakuru).json
    for hold in db.session.scalars(select(SeatHold).where(SeatHold.order_id == first["id"])):
        hold.expires_at = utcnow() - timedelta(seconds=1)  # lapsed, not yet swept
    db.session.commit()
    resp = book([{}], user=new_passenger())
    assert resp.status_code == 201 and _seats(resp) == ["1"]
    statuses = set(db.session.scalars(select(SeatHold.status).where(SeatHold.order_id == first["id"])))
    assert statuses == {"expired"}  # the sweep ran and gave their segments back


def test_a_released_order_frees_its_seat_on_its_leg(book, world, client):
    order = book([{"seat": "6"}], origin=world.nakuru).json
    before = {s["label"]: s["status"] for s in seat_map(client, world, world.nairobi, world.eldoret).json["seats"]}
    resp = client.post(f"/api/v1/orders/{order['id']}/release", headers=auth(world.passenger))
    assert resp.status_code == 200
    after = {s["label"]: s["status"] for s in seat_map(client, world, world.nairobi, world.eldoret).json["seats"]}
    assert (before["6"], after["6"]) == ("held", "free")
    assert db.session.scalar(select(func.count()).select_from(SeatSegment)) == 0
