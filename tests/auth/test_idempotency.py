"""Idempotency-Key on POST /api/v1/orders: replay, reuse with another body, in flight."""
from __future__ import annotations

import hashlib
import json as _json
from datetime import timedelta

from flask import Response as FlaskResponse
from sqlalchemy import func, select

from app.auth.idempotency import _finish, _take_over
from app.booking.models import Order
from app.auth.idempotency_models import IdempotencyRecord
from app.database import utcnow
from tests.booking.conftest import new_passenger, order_body


def orders(db):
    return db.session.scalar(select(func.count()).select_from(Order))


def post(client, world, headers, key, passengers=None):
    return client.post("/api/v1/orders", json=order_body(world, passengers),
                       headers=headers | {"Idempotency-Key": key})


def test_same_key_same_body_replays_the_answer(client, world, auth_headers, db):
    h = auth_headers(world.passenger)
    first = post(client, world, h, "k-1")
    second = post(client, world, h, "k-1")
    assert first.status_code == second.status_code == 201
    assert second.json == first.json and second.headers["Idempotent-Replayed"] == "true"
    assert orders(db) == 1


def test_same_key_other_body_is_422(client, world, auth_headers, db):
    h = auth_headers(world.passenger)
    post(client, world, h, "k-2")
    resp = post(client, world, h, "k-2", passengers=[{"seat": "5"}])
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    assert resp.json["type"] == "/problems/idempotency-key-reused"
    assert orders(db) == 1


def test_key_in_flight_is_409(client, world, auth_headers, db):
    body = order_body(world)
    db.session.add(IdempotencyRecord(
        user_id=world.passenger.id, key="k-3", endpoint="/api/v1/orders",
        request_hash=hashlib.sha256(_json.dumps(body).encode()).hexdigest()))
    db.session.commit()
    resp = post(client, world, auth_headers(world.passenger), "k-3")
    assert resp.status_code == 409 and resp.json["type"] == "/problems/idempotency-key-in-flight"
    assert orders(db) == 0


def test_keys_are_per_user_and_errors_replay(client, world, auth_headers, db):
    other = new_passenger()
    assert post(client, world, auth_headers(world.passenger), "same", [{"seat": "4"}]).status_code == 201
    taken = post(client, world, auth_headers(other), "same", [{"seat": "4"}])
    assert taken.status_code == 409 and taken.json["type"] == "/problems/seat-taken"
    replay = post(client, world, auth_headers(other), "same", [{"seat": "4"}])
    assert replay.status_code == 409 and replay.json == taken.json
    assert orders(db) == 1


def test_validation_error_frees_the_key(client, world, auth_headers, db):
    h = auth_headers(world.passenger) | {"Idempotency-Key": "k-5"}
    bad = client.post("/api/v1/orders", json={"trip_id": "x"}, headers=h)
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    too_long = client.post("/api/v1/orders", json=order_body(world),
                           headers=auth_headers(world.passenger) | {"Idempotency-Key": "x" * 300})
    assert too_long.status_code == 422 and orders(db) == 0


def _in_flight(world, db, key, age_seconds, body=None):
    record = IdempotencyRecord(
        user_id=world.passenger.id, key=key, endpoint="/api/v1/orders",
        request_hash=hashlib.sha256(_json.dumps(body or order_body(world)).encode()).hexdigest(),
        created_at=utcnow() - timedelta(seconds=age_seconds))
    db.session.add(record)
    db.session.commit()
    return record.id


def test_abandoned_in_flight_key_is_taken_over(client, world, auth_headers, db):
    """A request that crashed mid-way left its key in flight; after the bound the retry runs."""
    record_id = _in_flight(world, db, "k-crashed", age_seconds=61)
    h = auth_headers(world.passenger)
    resp = post(client, world, h, "k-crashed")
    assert resp.status_code == 201, resp.json
    assert orders(db) == 1
    db.session.expire_all()
    record = db.session.get(IdempotencyRecord, record_id)
    assert record.response_status == 201 and record.response_body == resp.json
    replay = post(client, world, h, "k-crashed")
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json == resp.json
    assert orders(db) == 1


def test_recent_in_flight_key_is_still_409(client, world, auth_headers, db):
    _in_flight(world, db, "k-busy", age_seconds=30)
    resp = post(client, world, auth_headers(world.passenger), "k-busy")
    assert resp.status_code == 409 and resp.json["type"] == "/problems/idempotency-key-in-flight"
    assert orders(db) == 0


def test_slow_first_request_cannot_overwrite_the_takeover(app, world, db):
    """The lease is created_at: once taken over, the old owner's _finish changes nothing."""
    record_id = _in_flight(world, db, "k-slow", age_seconds=120)
    record = db.session.get(IdempotencyRecord, record_id)
    old_claim = record.created_at
    assert _take_over(record) is not None
    assert _take_over(db.session.get(IdempotencyRecord, record_id)) is None  # now fresh: no second takeover
    _finish(record_id, old_claim, FlaskResponse("{}", status=201, mimetype="application/json"))
    db.session.expire_all()
    assert db.session.get(IdempotencyRecord, record_id).response_status is None
    _finish(record_id, old_claim, None)  # a late 500 of the old owner does not delete the new owner's key
    assert db.session.get(IdempotencyRecord, record_id) is not None
