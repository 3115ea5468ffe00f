"""A carrier admin adds drivers and agents by phone, lists, removes and assigns them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import RefreshToken, User
from app.auth.refresh import issue
from app.catalog.models import TripDriver
from app.extensions import db as _db
from app.messaging.models import OutboundMessage
from tests.catalog.conftest import count, is_problem
from tests.factories import make_user


def staff_url(carrier) -> str:
    return f"/api/v1/carriers/{carrier.id}/staff"


def sms_to(phone: str) -> list[str]:
    return list(_db.session.scalars(select(OutboundMessage.text).where(OutboundMessage.to_phone == phone)))


def test_a_new_number_becomes_a_driver_told_by_sms_in_its_language(client, world, auth_headers, db):
    response = client.post(staff_url(world.carrier), headers=auth_headers(world.admin),
                           json={"phone": "0722 000 222", "role": "driver", "name": "Baraka", "language": "sw"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["phone"] == "+254722000222" and body["role"] == "driver" and body["name"] == "Baraka"
    (text,) = sms_to("+254722000222")
    assert "dereva" in text and "/scan" in text and world.carrier.name in text
    listed = client.get(staff_url(world.carrier), headers=auth_headers(world.admin)).get_json()
    assert {(p["phone"], p["role"]) for p in listed} >= {("+254722000222", "driver"), (world.driver.phone, "driver"),
                                                         (world.admin.phone, "carrier_admin")}


@pytest.mark.parametrize("language,word", [("en", "counter agent"), ("fr", "agent de guichet")])
def test_an_existing_passenger_becomes_an_agent(client, world, auth_headers, db, language, word):
    world.passenger.language = language
    db.session.commit()
    response = client.post(staff_url(world.carrier), headers=auth_headers(world.admin),
                           json={"phone": "+254711000111", "role": "agent"})
    assert response.status_code == 201
    assert response.get_json()["id"] == world.passenger.id
    db.session.expire_all()
    assert db.session.get(User, world.passenger.id).role == "agent"
    (text,) = sms_to("+254711000111")
    assert word in text and "/counter" in text
    again = client.post(staff_url(world.carrier), headers=auth_headers(world.admin),
                        json={"phone": "0711000111", "role": "agent"})
    assert again.status_code == 200 and len(sms_to("+254711000111")) == 1  # idempotent: nothing sent twice


def test_another_carriers_staff_or_a_platform_admin_is_refused(client, world, rival, auth_headers, db):
    boss = make_user("platform_admin", phone="+254733000333")
    db.session.commit()
    users_before = count(db, User)
    for phone in (rival.driver.phone, boss.phone):
        body = is_problem(client.post(staff_url(world.carrier), headers=auth_headers(world.admin),
                                      json={"phone": phone, "role": "driver"}), 409)
        assert body["type"].endswith("staff-elsewhere")
    db.session.expire_all()
    assert db.session.get(User, rival.driver.id).carrier_id == rival.carrier.id
    assert db.session.get(User, boss.id).role == "platform_admin"
    assert count(db, User) == users_before and count(db, OutboundMessage) == 0


def test_malformed_input_is_a_problem_and_changes_nothing(client, world, auth_headers, db):
    before = (count(db, User), count(db, OutboundMessage))
    h = auth_headers(world.admin)
    for body in ({"phone": "12", "role": "driver"}, {"phone": "0722000222", "role": "carrier_admin"},
                 {"phone": "0722000222"}, {"role": "driver"}, {"phone": "0722000222", "role": "driver", "language": "de"},
                 {"phone": "x" * 40, "role": "agent"}):
        problem = is_problem(client.post(staff_url(world.carrier), json=body, headers=h), 422)
        assert problem["errors"]
    is_problem(client.post(staff_url(world.carrier), data="not json", headers=h), 415)
    is_problem(client.post(staff_url(world.carrier), data="{", content_type="application/json", headers=h), 400)
    assert (count(db, User), count(db, OutboundMessage)) == before


def test_another_carriers_admin_gets_404(client, world, rival, auth_headers, db):
    h = auth_headers(rival.admin)
    is_problem(client.get(staff_url(world.carrier), headers=h), 404)
    is_problem(client.post(staff_url(world.carrier), json={"phone": "0722000222", "role": "driver"}, headers=h), 404)
    is_problem(client.delete(f"{staff_url(world.carrier)}/{world.driver.id}", headers=h), 404)
    # and their own list does not reach our driver
    is_problem(client.delete(f"{staff_url(rival.carrier)}/{world.driver.id}", headers=h), 404)
    is_problem(client.get(f"{staff_url(rival.carrier)}/{world.driver.id}", headers=h), 404)
    db.session.expire_all()
    assert db.session.get(User, world.driver.id).role == "driver"
    is_problem(client.get(staff_url(world.carrier), headers=auth_headers(world.driver)), 403)


def test_removal_makes_a_passenger_whose_sessions_stop_granting_the_role(client, world, auth_headers, db):
    old_access = auth_headers(world.driver)
    raw_refresh = issue(world.driver)
    db.session.add(TripDriver(trip_id=world.trip.id, user_id=world.driver.id))
    db.session.commit()
    assert client.get("/api/v1/driver/trips", headers=old_access).status_code == 200
    response = client.delete(f"{staff_url(world.carrier)}/{world.driver.id}", headers=auth_headers(world.admin))
    assert response.status_code == 204
    db.session.expire_all()
    user = db.session.get(User, world.driver.id)
    assert (user.role, user.carrier_id) == ("passenger", None)
    assert is_problem(client.get("/api/v1/driver/trips", headers=old_access), 401)
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": raw_refresh})
    assert refreshed.status_code == 401
    assert db.session.scalar(select(func.count()).select_from(RefreshToken).where(
        RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))) == 0
    assert count(db, TripDriver) == 0  # off the trips still to run
    listed = client.get(staff_url(world.carrier), headers=auth_headers(world.admin)).get_json()
    assert world.driver.id not in [p["id"] for p in listed]
    # an admin is not removed here
    is_problem(client.delete(f"{staff_url(world.carrier)}/{world.admin.id}", headers=auth_headers(world.admin)), 409)


def test_assign_a_driver_by_phone_or_from_the_list(client, world, auth_headers, db):
    h = auth_headers(world.admin)
    url = f"/api/v1/carriers/{world.carrier.id}/trips/{world.trip.id}/drivers"
    response = client.post(url, json={"phone": "0700 000002"}, headers=h)
    assert response.status_code == 200 and response.get_json()["driver_ids"] == [world.driver.id]
    added = client.post(staff_url(world.carrier), json={"phone": "0722000222", "role": "driver"}, headers=h).get_json()
    response = client.post(url, json={"user_id": added["id"]}, headers=h)
    assert sorted(response.get_json()["driver_ids"]) == sorted([world.driver.id, added["id"]])
    before = count(db, TripDriver)
    for body in ({"phone": world.passenger.phone}, {"phone": "12"}, {}, {"phone": "0700000002", "user_id": 1},
                 {"user_id": world.admin.id}):
        is_problem(client.post(url, json=body, headers=h), 422)
    assert count(db, TripDriver) == before
