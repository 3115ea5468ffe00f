"""No 500, whatever arrives: each cause of a server error found by hand, over several endpoints.

Every bad request gets a 4xx problem+json (an operator callback: its documented answer)
and changes nothing. The guards are shared (``app.core.input_guard``, ``app.core.fields``),
so each test goes through endpoints of different areas. Integer overflow differs by
database (SQLite overflows at 64 bits, PostgreSQL's INTEGER at 32): both are tested.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import OtpChallenge
from app.sales.confirming import apply_to_order
from app.catalog.models import Stop, Timetable, Trip
from app.database import utcnow
from app.extensions import db as real_db
from app.messaging.models import OutboundMessage
from app.payments.models import ParkedCallback
from channels.sms.models import InboundSms
from app.ticketing.models import Ticket
from tests.booking.conftest import order_body
from tests.factories import NAIROBI
from tests.fixtures import load_fixture, load_form

PROBLEM = "application/problem+json"
DEEP = 1000


def deep_json(levels: int = DEEP) -> str:
    return "[" * levels + "]" * levels


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.content_type == PROBLEM
    return response.get_json()


def rows(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def as_(world, auth_headers):
    return lambda who: auth_headers(getattr(world, who))


def _base(world) -> str:
    return f"/api/v1/carriers/{world.carrier.id}"


# --- JSON nested ~1,000 levels ---------------------------------------------------------------

WRITE_ENDPOINTS = [  # (method, path template, who)
    ("post", "/api/v1/auth/otp", None),
    ("post", "/api/v1/auth/token", None),
    ("post", "/api/v1/orders", "passenger"),
    ("patch", "/api/v1/me", "passenger"),
    ("post", "/api/v1/wallet/top-ups", "passenger"),
    ("post", "{base}/stops", "admin"),
    ("post", "/api/v1/scans", "driver"),
]


@pytest.mark.parametrize("method,path,who", WRITE_ENDPOINTS)
def test_deeply_nested_json_is_400_on_every_write_endpoint(client, world, as_, db, method, path, who):
    before = rows(db, Stop), rows(db, OutboundMessage)
    for body in (deep_json(), '{"a":' * DEEP + "1" + "}" * DEEP):
        response = getattr(client, method)(path.format(base=_base(world)), data=body,
                                           content_type="application/json", headers=as_(who) if who else {})
        assert problem(response, 400)["type"] == "/problems/json-too-deep"
    assert (rows(db, Stop), rows(db, OutboundMessage)) == before


@pytest.mark.parametrize("path,code", [("/channels/mobile-money/stk", 1), ("/channels/mobile-money/c2b/confirmation", 1),
                                       ("/channels/mobile-money/c2b/validation", "C2B00016")])
def test_deeply_nested_json_to_daraja_callbacks_gets_darajas_rejection(client, db, path, code):
    response = client.post(path, data=deep_json(), content_type="application/json")
    assert response.status_code == 400 and response.get_json()["ResultCode"] == code
    assert rows(db, ParkedCallback) == 0


# --- integers beyond the database's range ------------------------------------------------------

BIG = [2 ** 31, 2 ** 63, 10 ** 30]  # beyond PostgreSQL's INTEGER, SQLite's 64 bits, any column


@pytest.mark.parametrize("n", BIG)
@pytest.mark.parametrize("path,who", [
    ("/api/v1/trips/{n}", None),
    ("/api/v1/orders/{n}", "passenger"),
    ("/api/v1/tickets/{n}/qr.svg", "passenger"),
    ("{base}/stops/{n}", "admin"),
    ("/api/v1/carriers/{n}/trips", "admin"),
])
def test_ids_beyond_the_database_range_in_paths_are_404(client, world, as_, path, who, n):
    response = client.get(path.format(base=_base(world), n=n), headers=as_(who) if who else {})
    problem(response, 404)


@pytest.mark.parametrize("n", BIG)
def test_integers_beyond_the_database_range_in_bodies_and_queries_are_422(client, world, as_, db, n):
    before = rows(db, Trip)
    # In a JSON body, a field's bounds answer 422 (with the field); beyond 64 bits no
    # column can hold it and the shared guard answers 400 before any schema runs.
    status = 422 if n < 2 ** 63 else 400
    body = problem(client.post("/api/v1/orders", json={**order_body(world), "trip_id": n},
                               headers=as_("passenger")), status)
    assert status == 400 or "trip_id" in body["errors"]
    body = problem(client.post(f"{_base(world)}/trips", json={"route_id": n, "vehicle_id": world.vehicle.id,
                                                               "departure_date": "2030-01-01", "departure_time": "08:00"},
                               headers=as_("admin")), status)
    assert status == 400 or "route_id" in body["errors"]
    problem(client.post("/api/v1/wallet/top-ups", json={"amount": n}, headers=as_("passenger")), status)
    body = problem(client.get(f"{_base(world)}/trips?route_id={n}", headers=as_("admin")), 422)
    assert "route_id" in body["errors"]
    assert rows(db, Trip) == before


def test_an_integer_too_long_for_python_is_400(client, world, as_):
    body = '{"trip_id": ' + "9" * 5000 + "}"
    problem(client.post("/api/v1/orders", data=body, content_type="application/json", headers=as_("passenger")), 400)
    problem(client.get("/api/v1/trips/" + "9" * 5000), 404)


# --- NUL characters and lone surrogates --------------------------------------------------------

BAD_TEXT = ["Nai\x00robi", "Nai\ud800robi"]


@pytest.mark.parametrize("text", BAD_TEXT, ids=["nul", "surrogate"])
def test_bad_text_in_json_strings_is_400_and_changes_nothing(client, world, as_, db, text):
    stops = rows(db, Stop)
    stop = {"code": "NVS", "name": text, "city": "Naivasha", "timezone": "Africa/Nairobi"}
    # json.dumps writes the surrogate as the escape \\ud800, as a client would.
    for method, path, who, body in [
        ("post", f"{_base(world)}/stops", "admin", stop),
        ("post", f"{_base(world)}/stops", "admin", {**stop, "name": "Naivasha", text: 1}),
        ("patch", "/api/v1/me", "passenger", {"name": text}),
        ("post", "/api/v1/scans", "driver", {"trip_id": world.trip.id, "short_code": text,
                                             "device_id": "d1", "nonce": "n1"}),
    ]:
        response = getattr(client, method)(path, data=json.dumps(body), content_type="application/json",
                                           headers=as_(who))
        assert problem(response, 400)["type"] == "/problems/invalid-text"
    assert rows(db, Stop) == stops
    db.session.refresh(world.passenger)
    assert world.passenger.name == "Wanjiku Passenger"


@pytest.mark.parametrize("query", ["q=Nai%00robi", "q=%00", "origin=NBO&destination=ELD%00&date=2030-01-01"])
def test_nul_in_query_strings_is_400(client, world, query):
    path = "/api/v1/stops" if query.startswith("q=") else "/api/v1/trips/search"
    problem(client.get(f"{path}?{query}"), 400)
    problem(client.get("/t/AB%00CD"), 400)


@pytest.mark.parametrize("field", ["text", "from", "id", "linkId"])
def test_bad_text_in_an_inbound_sms_is_acknowledged_and_ignored(client, db, field):
    form = {**load_form("africastalking/sms_inbound.form"), field: "NUNUA\x00 NBO ELD"}
    response = client.post("/channels/sms/inbound", data=form)
    assert response.status_code == 200 and response.get_data(as_text=True) == "ignored"
    assert rows(db, InboundSms) == 0 and rows(db, OutboundMessage) == 0


def test_bad_text_in_ussd_and_delivery_callbacks_gets_their_answer(client, db):
    ussd = {**load_form("africastalking/ussd_first.form"), "text": "1\x00"}
    response = client.post("/channels/ussd", data=ussd)
    assert response.status_code == 200 and response.get_data(as_text=True).startswith("END ")
    report = {**load_form("africastalking/sms_delivery_success.form"), "id": "ATXid\x00"}
    assert client.post("/channels/sms/delivery", data=report).status_code == 200
    stk = json.dumps(load_fixture("mpesa/stk_callback_success.json")).replace('"ResultDesc": "', '"ResultDesc": "\\u0000', 1)
    assert "\\u0000" in stk
    response = client.post("/channels/mobile-money/stk", data=stk, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["ResultCode"] == 1
    assert rows(db, ParkedCallback) == 0


# --- dates at the ends of the calendar; trips for the year 9999 -------------------------------

@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_dates_at_the_ends_of_the_calendar_are_422(client, world, as_, day):
    assert "date" in problem(client.get(f"/api/v1/trips/search?origin=NBO&destination=ELD&date={day}"), 422)["errors"]
    assert "from" in problem(client.get(f"{_base(world)}/trips?from={day}", headers=as_("admin")), 422)["errors"]
    assert "date" in problem(client.get(f"{_base(world)}/statement?date={day}", headers=as_("admin")), 422)["errors"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_scan_times_at_the_ends_of_the_calendar_are_422(client, world, as_, moment):
    body = {"trip_id": world.trip.id, "short_code": "ABCD2345", "device_id": "d1", "nonce": "n1", "scanned_at": moment}
    assert "scanned_at" in problem(client.post("/api/v1/scans", json=body, headers=as_("driver")), 422)["errors"]
    batch = [{"nonce": "n2", "short_code": "ABCD2345", "scanned_at": moment}]
    response = client.post(f"/api/v1/driver/trips/{world.trip.id}/scans:batch", json=batch, headers=as_("driver"))
    problem(response, 422)


def _local_day(days_ahead: int) -> str:
    return (utcnow().astimezone(NAIROBI).date() + timedelta(days=days_ahead)).isoformat()


@pytest.mark.parametrize("day", ["9999-12-31", "2099-06-01", "+400"])
def test_trips_beyond_the_schedule_horizon_are_422(client, world, as_, db, day):
    day = _local_day(int(day)) if day.startswith("+") else day
    trips = rows(db, Trip)
    trip = {"route_id": world.route.id, "vehicle_id": world.vehicle.id, "departure_date": day, "departure_time": "08:00"}
    body = problem(client.post(f"{_base(world)}/trips", json=trip, headers=as_("admin")), 422)
    assert "departure_date" in body["errors"]
    moved = client.patch(f"{_base(world)}/trips/{world.trip.id}", json={"departure_date": day, "departure_time": "09:00"},
                         headers=as_("admin"))
    problem(moved, 422)
    timetable = {"route_id": world.route.id, "vehicle_id": world.vehicle.id, "weekdays": [1],
                 "departure_time": "07:00", "valid_from": _local_day(300), "valid_until": day}
    if day > _local_day(300):
        problem(client.post(f"{_base(world)}/timetables", json=timetable, headers=as_("admin")), 422)
    assert rows(db, Trip) == trips and rows(db, Timetable) == 0


def test_a_trip_within_the_horizon_is_scheduled(client, world, as_):
    trip = {"route_id": world.route.id, "vehicle_id": world.vehicle.id, "departure_date": _local_day(365),
            "departure_time": "08:00"}
    assert client.post(f"{_base(world)}/trips", json=trip, headers=as_("admin")).status_code == 201


# --- time-zone names that are not zones ---------------------------------------------------------

@pytest.mark.parametrize("zone", ["Africa", "A" * 300, "Factory", "../../etc/passwd", "Africa/", "localtime"])
def test_time_zones_that_are_not_places_are_422(client, world, as_, db, zone):
    stops = rows(db, Stop)
    stop = {"code": "NVS", "name": "Naivasha", "city": "Naivasha", "timezone": zone}
    assert "timezone" in problem(client.post(f"{_base(world)}/stops", json=stop, headers=as_("admin")), 422)["errors"]
    response = client.patch(f"{_base(world)}/stops/{world.nairobi.id}", json={"timezone": zone}, headers=as_("admin"))
    problem(response, 422)
    assert rows(db, Stop) == stops
    db.session.refresh(world.nairobi)
    assert world.nairobi.timezone == "Africa/Nairobi"


# --- an SMS delivery report id longer than its column --------------------------------------------

@pytest.mark.parametrize("length", [81, 300, 5000])
def test_a_delivery_report_with_an_overlong_id_is_acknowledged_and_parked(client, db, length):
    report = {**load_form("africastalking/sms_delivery_success.form"), "id": "ATXid_" + "x" * length}
    assert client.post("/channels/sms/delivery", data=report).status_code == 200
    assert client.post("/channels/sms/delivery", data=report).status_code == 200  # a replay too
    parked = db.session.scalars(select(ParkedCallback)).all()
    assert len(parked) == 1 and parked[0].reason == "unknown_message" and len(parked[0].provider_ref) == 80


# --- concurrent sign-in code requests for one number (see tests/auth/test_otp_race.py) -----------

def test_a_sign_in_code_request_that_keeps_losing_the_race_is_429(client, db, monkeypatch):
    """Every insert collides with a concurrent request's pending code (forced here)."""
    original = real_db.session.flush

    def flush_colliding(*args, **kwargs):
        if any(isinstance(o, OtpChallenge) for o in real_db.session.new):
            raise IntegrityError("INSERT INTO otp_challenges", {}, Exception("uq_otp_challenges_pending_phone"))
        return original(*args, **kwargs)

    monkeypatch.setattr(real_db.session, "flush", flush_colliding)
    response = client.post("/api/v1/auth/otp", json={"phone": "0711000999"})
    monkeypatch.undo()
    body = problem(response, 429)
    assert body["type"] == "/problems/code-request-raced" and response.headers["Retry-After"]
    assert rows(db, OtpChallenge) == 0 and rows(db, OutboundMessage) == 0


# --- a body that is not JSON ---------------------------------------------------------------------

def _paid_order(client, world, as_, db, passengers: int = 2) -> dict:
    order = client.post("/api/v1/orders", json=order_body(world, [{"fare_class": "standard"}] * passengers),
                        headers=as_("passenger")).get_json()
    apply_to_order(order["id"], amount=order["total"]["amount"], currency=order["total"]["currency"], payment_id=1)
    db.session.commit()
    return order


@pytest.mark.parametrize("content_type,data", [
    ("application/x-www-form-urlencoded", '{"ticket_ids":[31]}'),
    ("application/x-www-form-urlencoded", "ticket_ids=31"),
    ("text/plain", '{"ticket_ids": [31]}'),
    (None, '{"ticket_ids": [31]}'),
])
def test_cancelling_with_a_body_that_is_not_json_is_415_and_cancels_nothing(client, world, as_, db, content_type, data):
    order = _paid_order(client, world, as_, db)
    kwargs = {"content_type": content_type} if content_type else {}
    response = client.post(f"/api/v1/orders/{order['id']}/cancel", data=data, headers=as_("passenger"), **kwargs)
    assert problem(response, 415)["type"] == "/problems/unsupported-media-type"
    db.session.rollback()
    statuses = db.session.scalars(select(Ticket.status).where(Ticket.order_id == order["id"])).all()
    assert statuses == ["valid", "valid"]


@pytest.mark.parametrize("method,path,who", [
    ("patch", "/api/v1/me", "passenger"),
    ("post", "/api/v1/auth/otp", None),
    ("put", "/api/v1/wallet/auto-recharge", "passenger"),
    ("patch", "{base}/settings", "admin"),
    ("post", "/api/v1/orders", "passenger"),
])
def test_a_text_body_on_a_json_endpoint_is_415(client, world, as_, db, method, path, who):
    response = getattr(client, method)(path.format(base=_base(world)), data='{"name": "Changed", "language": "sw"}',
                                       content_type="text/plain", headers=as_(who) if who else {})
    problem(response, 415)
    db.session.refresh(world.passenger)
    assert world.passenger.name == "Wanjiku Passenger" and world.passenger.language != "sw"


def test_an_empty_body_is_no_fields_whatever_its_content_type(client, world, as_):
    assert client.patch("/api/v1/me", data="", content_type="text/plain", headers=as_("passenger")).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=as_("passenger")).status_code != 415


def test_every_schema_uses_the_bounded_fields():
    """A schema importing marshmallow's own ``fields`` would let 2**31 or year 9999 through."""
    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(path.relative_to(root)) for folder in ("app", "channels", "tickets") for path in (root / folder).rglob("*.py")
        if path.name != "fields.py"
        and re.search(r"^from marshmallow import [^\n]*\bfields\b|^import marshmallow\.fields|^from marshmallow\.fields import",
                      path.read_text(), re.M)
    ]
    assert offenders == []
