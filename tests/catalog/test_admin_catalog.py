"""Carrier administration of carriers, settings, stops, routes and vehicles over HTTP."""
from __future__ import annotations

import pytest

from app.catalog.models import Carrier, Route, Stop, Vehicle
from tests.catalog.conftest import count, is_problem
from tests.factories import make_user


def base(world):
    return f"/api/v1/carriers/{world.carrier.id}"


STOP = {"code": "nvs", "name": "Naivasha Stage", "city": "Naivasha", "timezone": "Africa/Nairobi"}


def test_admin_manages_stops(client, world, auth_headers):
    h = auth_headers(world.admin)
    created = client.post(f"{base(world)}/stops", json=STOP, headers=h)
    assert created.status_code == 201
    stop = created.get_json()
    assert stop["code"] == "NVS" and stop["carrier_id"] == world.carrier.id
    assert "NVS" in [s["code"] for s in client.get(f"{base(world)}/stops", headers=h).get_json()]
    url = f"{base(world)}/stops/{stop['id']}"
    assert client.patch(url, json={"name": "Naivasha Town"}, headers=h).get_json()["name"] == "Naivasha Town"
    # Search sees the new name at once (folded keys follow the edit).
    assert [s["id"] for s in client.get("/api/v1/stops?q=naivasha t").get_json()] == [stop["id"]]
    assert client.delete(url, headers=h).status_code == 204
    assert is_problem(client.get(url, headers=h), 404)


def test_stop_bad_input_changes_nothing(client, world, auth_headers, db):
    h = auth_headers(world.admin)
    before = count(db, Stop)
    body = is_problem(client.post(f"{base(world)}/stops", json={**STOP, "code": "nbo"}, headers=h), 409)
    assert body["type"] == "/problems/duplicate-code"
    body = is_problem(client.post(f"{base(world)}/stops", json={**STOP, "timezone": "Africa/Atlantis"}, headers=h), 422)
    assert "timezone" in body["errors"]
    body = is_problem(client.post(f"{base(world)}/stops", json={"name": "x"}, headers=h), 422)
    assert {"code", "city"} <= set(body["errors"])
    is_problem(client.post(f"{base(world)}/stops", data="code=NVS", headers=h,
                           content_type="application/x-www-form-urlencoded"), 415)
    is_problem(client.post(f"{base(world)}/stops", data="{not json", headers=h, content_type="application/json"), 400)
    is_problem(client.patch(f"{base(world)}/stops/{world.nakuru.id}", json={}, headers=h), 422)
    is_problem(client.patch(f"{base(world)}/stops/{world.nakuru.id}", json={"code": "ELD"}, headers=h), 409)
    assert count(db, Stop) == before
    db.session.expire_all()
    assert db.session.get(Stop, world.nakuru.id).code == "NKR"
    # A stop on a route cannot go.
    assert is_problem(client.delete(f"{base(world)}/stops/{world.nakuru.id}", headers=h), 409)["type"] == "/problems/stop-in-use"


@pytest.mark.parametrize("role", ["passenger", "driver"])
def test_passengers_and_drivers_cannot_administer(client, world, auth_headers, db, role):
    user = world.passenger if role == "passenger" else world.driver
    h = auth_headers(user)
    for method, path, body in [
        ("post", "/stops", STOP), ("get", "/stops", None), ("post", "/vehicles", {"registration": "KXX 1", "seat_count": 5}),
        ("get", "/trips", None), ("patch", "/settings", {"ticket_grace_minutes": 5}), ("post", "/fares", {}),
    ]:
        response = getattr(client, method)(base(world) + path, json=body, headers=h)
        assert is_problem(response, 403)["status"] == 403, path
    assert is_problem(client.post("/api/v1/carriers", json={"name": "X", "slug": "x"}, headers=h), 403)
    assert is_problem(client.get(f"{base(world)}/stops"), 401)
    assert count(db, Stop) == 3 and count(db, Vehicle) == 1


def test_another_carriers_data_is_404(client, world, rival, auth_headers, db):
    h = auth_headers(world.admin)
    theirs = f"/api/v1/carriers/{rival.carrier.id}"
    is_problem(client.get(f"{theirs}/stops", headers=h), 404)
    is_problem(client.post(f"{theirs}/stops", json=STOP, headers=h), 404)
    # Their ids through our own carrier's URL are just as invisible.
    is_problem(client.get(f"{base(world)}/stops/{rival.nairobi.id}", headers=h), 404)
    is_problem(client.patch(f"{base(world)}/stops/{rival.nairobi.id}", json={"name": "Mine"}, headers=h), 404)
    is_problem(client.delete(f"{base(world)}/routes/{rival.route.id}", headers=h), 404)
    is_problem(client.get(f"{base(world)}/vehicles/{rival.vehicle.id}", headers=h), 404)
    db.session.expire_all()
    assert db.session.get(Stop, rival.nairobi.id).name == "Nairobi Westlands"
    assert db.session.get(Route, rival.route.id) is not None


def test_platform_admin_creates_carriers_and_acts_on_any(client, world, auth_headers, db):
    root = auth_headers(make_user("platform_admin"))
    db.session.commit()
    created = client.post("/api/v1/carriers", json={"name": "Guardian Angel", "slug": "guardian-angel",
                                                    "country": "KE", "currency": "KES"}, headers=root)
    assert created.status_code == 201
    carrier_id = created.get_json()["id"]
    assert "guardian-angel" in [c["slug"] for c in client.get("/api/v1/carriers", headers=root).get_json()]
    assert client.post(f"/api/v1/carriers/{carrier_id}/stops", json=STOP, headers=root).status_code == 201
    assert client.get(f"{base(world)}/stops", headers=root).status_code == 200
    before = count(db, Carrier)
    is_problem(client.post("/api/v1/carriers", json={"name": "Dup", "slug": "guardian-angel"}, headers=root), 409)
    body = is_problem(client.post("/api/v1/carriers", json={"name": "X", "slug": "Bad Slug", "currency": "EUR"},
                                  headers=root), 422)
    assert {"slug", "currency"} <= set(body["errors"])
    is_problem(client.get("/api/v1/carriers/999999/stops", headers=root), 404)
    assert count(db, Carrier) == before


def route_body(world, stops, code="NBO-NKR"):
    return {"code": code, "name": "Express", "stops": [{"stop_id": s.id, "minutes_from_start": m} for s, m in stops]}


def test_admin_creates_routes_in_order(client, world, auth_headers):
    h = auth_headers(world.admin)
    response = client.post(f"{base(world)}/routes", json=route_body(world, [(world.nairobi, 0), (world.nakuru, 140)]),
                           headers=h)
    assert response.status_code == 201
    route = response.get_json()
    assert [(s["code"], s["position"], s["minutes_from_start"]) for s in route["stops"]] == [
        ("NBO", 0, 0), ("NKR", 1, 140)]
    # Without trips the shape can change; then it can be deleted.
    url = f"{base(world)}/routes/{route['id']}"
    patched = client.patch(url, json={"stops": [{"stop_id": world.nairobi.id, "minutes_from_start": 0},
                                                {"stop_id": world.eldoret.id, "minutes_from_start": 320}]}, headers=h)
    assert [s["code"] for s in patched.get_json()["stops"]] == ["NBO", "ELD"]
    assert client.delete(url, headers=h).status_code == 204


@pytest.mark.parametrize("stops, field_hint", [
    ("out_of_order", "increase"), ("not_from_zero", "0"), ("one_stop", None), ("repeated", "twice"), ("rival", "carrier"),
])
def test_bad_routes_are_422(client, world, rival, auth_headers, db, stops, field_hint):
    shapes = {
        "out_of_order": [(world.nairobi, 0), (world.nakuru, 200), (world.eldoret, 150)],
        "not_from_zero": [(world.nairobi, 10), (world.nakuru, 150)],
        "one_stop": [(world.nairobi, 0)],
        "repeated": [(world.nairobi, 0), (world.nairobi, 10)],
        "rival": [(world.nairobi, 0), (rival.eldoret, 300)],
    }
    before = count(db, Route)
    body = is_problem(client.post(f"{base(world)}/routes", json=route_body(world, shapes[stops], code="NEW"),
                                  headers=auth_headers(world.admin)), 422)
    assert "stops" in body["errors"]
    if field_hint:
        assert field_hint in " ".join(body["errors"]["stops"])
    assert count(db, Route) == before


def test_routes_and_vehicles_with_trips_are_protected(client, world, auth_headers, db):
    h = auth_headers(world.admin)
    route_url, vehicle_url = f"{base(world)}/routes/{world.route.id}", f"{base(world)}/vehicles/{world.vehicle.id}"
    is_problem(client.delete(route_url, headers=h), 409)
    is_problem(client.patch(route_url, json={"stops": [{"stop_id": world.nairobi.id, "minutes_from_start": 0},
                                                       {"stop_id": world.eldoret.id, "minutes_from_start": 300}]},
                            headers=h), 409)
    is_problem(client.delete(vehicle_url, headers=h), 409)
    is_problem(client.patch(vehicle_url, json={"seat_count": 4}, headers=h), 409)
    is_problem(client.post(f"{base(world)}/routes", json=route_body(world, [(world.nairobi, 0), (world.nakuru, 1)],
                                                                  code="NBO-ELD"), headers=h), 409)
    assert client.patch(route_url, json={"name": "Western Express"}, headers=h).get_json()["name"] == "Western Express"
    db.session.expire_all()
    assert len(db.session.get(Route, world.route.id).stops) == 3
    assert db.session.get(Vehicle, world.vehicle.id).seat_count == world.vehicle.seat_count


def test_vehicles_from_count_or_layout(client, world, auth_headers, db):
    h = auth_headers(world.admin)
    by_count = client.post(f"{base(world)}/vehicles", json={"registration": "KCB 123X", "seat_count": 3}, headers=h)
    assert by_count.status_code == 201 and by_count.get_json()["seat_layout"] == ["1", "2", "3"]
    layout = ["1A", "1B", "2A", "2B"]
    by_layout = client.post(f"{base(world)}/vehicles", json={"registration": "KCC 9", "seat_layout": layout}, headers=h)
    assert by_layout.get_json()["seat_count"] == 4 and by_layout.get_json()["seat_layout"] == layout
    before = count(db, Vehicle)
    for bad in ({"registration": "K1", "seat_count": 0}, {"registration": "K2", "seat_count": 101},
                {"registration": "K3", "seat_layout": ["1", "1"]}, {"registration": "K4"},
                {"registration": "K5", "seat_count": 2, "seat_layout": ["a", "b"]},
                {"registration": "K6", "seat_count": "12"}, {"registration": "K7", "seat_layout": []}):
        is_problem(client.post(f"{base(world)}/vehicles", json=bad, headers=h), 422)
    is_problem(client.post(f"{base(world)}/vehicles", json={"registration": "KCB 123X", "seat_count": 9}, headers=h), 409)
    assert count(db, Vehicle) == before


def test_settings_refund_rules(client, world, auth_headers, db):
    h = auth_headers(world.admin)
    url = f"{base(world)}/settings"
    assert client.get(url, headers=h).get_json()["refund_rules"] == world.carrier.refund_rules
    rules = [{"hours_before_departure": 2, "refund_percent": 25}, {"hours_before_departure": 48, "refund_percent": 100},
             {"hours_before_departure": 12, "refund_percent": 75}]
    changed = client.patch(url, json={"refund_rules": rules, "mpesa_refunds_allowed": True,
                                      "ticket_grace_minutes": 30, "boarding_opens_minutes": 90}, headers=h).get_json()
    assert [r["hours_before_departure"] for r in changed["refund_rules"]] == [48, 12, 2]
    assert changed["mpesa_refunds_allowed"] is True and changed["ticket_grace_minutes"] == 30
    for bad in (
        {"refund_rules": [{"hours_before_departure": 5, "refund_percent": 50}] * 2},
        {"refund_rules": [{"hours_before_departure": 24, "refund_percent": 10},
                          {"hours_before_departure": 1, "refund_percent": 90}]},
        {"refund_rules": [{"hours_before_departure": -1, "refund_percent": 10}]},
        {"refund_rules": [{"hours_before_departure": 1, "refund_percent": 101}]},
        {"ticket_grace_minutes": -5}, {"boarding_opens_minutes": 10**6}, {}, {"support_phone": "12"},
    ):
        is_problem(client.patch(url, json=bad, headers=h), 422)
    assert client.get(url, headers=h).get_json() == changed
