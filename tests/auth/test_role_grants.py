"""Platform admins grant roles; nobody else can."""
import pytest

from app.extensions import db
from tests.auth.flow import assert_problem, bearer, sign_in
from tests.factories import make_user

GRANTS = "/api/v1/admin/role-grants"


@pytest.fixture
def platform_admin(world):
    admin = make_user("platform_admin", phone="+254799000001")
    db.session.commit()
    return admin


def _users(client, headers, **query):
    response = client.get("/api/v1/admin/users", headers=headers, query_string=query)
    assert response.status_code == 200
    return response.get_json()


def test_grant_driver_to_a_new_number_then_they_sign_in_as_driver(client, world, platform_admin, auth_headers):
    admin = auth_headers(platform_admin)
    response = client.post(GRANTS, headers=admin, json={"phone": "0788 000111", "role": "driver", "carrier_id": world.carrier.id})
    assert response.status_code == 201
    granted = response.get_json()
    assert (granted["phone"], granted["role"], granted["carrier_id"]) == ("+254788000111", "driver", world.carrier.id)

    drivers = _users(client, admin, role="driver", carrier_id=world.carrier.id)
    assert {u["phone"] for u in drivers} == {"+254788000111", world.driver.phone}

    tokens = sign_in(client, "+254788000111")
    assert tokens["user"]["id"] == granted["id"]
    assert tokens["user"]["role"] == "driver"


def test_changing_a_role_invalidates_the_old_access_token(client, world, platform_admin, auth_headers):
    tokens = sign_in(client, world.passenger.phone)
    response = client.post(GRANTS, headers=auth_headers(platform_admin),
                           json={"phone": world.passenger.phone, "role": "carrier_admin", "carrier_id": world.carrier.id})
    assert response.status_code == 201
    assert_problem(client.get("/api/v1/me", headers=bearer(tokens)), 401, "invalid-token")
    # a refresh picks up the new role
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).get_json()
    assert refreshed["user"]["role"] == "carrier_admin"
    assert client.get("/api/v1/me", headers=bearer(refreshed)).status_code == 200


def test_grant_back_to_passenger_drops_the_carrier(client, world, platform_admin, auth_headers):
    response = client.post(GRANTS, headers=auth_headers(platform_admin), json={"phone": world.driver.phone, "role": "passenger"})
    assert response.status_code == 201
    assert response.get_json()["carrier_id"] is None


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"phone": "0711000111", "role": "driver"}, "carrier_id"),
        ({"phone": "0711000111", "role": "carrier_admin", "carrier_id": 999999}, "carrier_id"),
        ({"phone": "0711000111", "role": "platform_admin", "carrier_id": "CARRIER"}, "carrier_id"),
        ({"phone": "0711000111", "role": "superuser"}, "role"),
        ({"phone": "12", "role": "passenger"}, "phone"),
    ],
)
def test_bad_grants_are_422_and_change_nothing(client, world, platform_admin, auth_headers, payload, field):
    admin = auth_headers(platform_admin)
    before = _users(client, admin)
    if payload.get("carrier_id") == "CARRIER":
        payload = {**payload, "carrier_id": world.carrier.id}
    body = assert_problem(client.post(GRANTS, headers=admin, json=payload), 422)
    assert list(body["errors"]) == [field]
    assert _users(client, admin) == before


def test_admin_cannot_demote_themselves(client, platform_admin, auth_headers):
    admin = auth_headers(platform_admin)
    assert_problem(client.post(GRANTS, headers=admin, json={"phone": platform_admin.phone, "role": "passenger"}), 409, "self-demotion")
    assert client.get("/api/v1/admin/users", headers=admin).status_code == 200


@pytest.mark.parametrize("who", ["passenger", "driver", "admin"])
def test_only_platform_admins_may_grant_or_list(client, world, auth_headers, who):
    headers = auth_headers(getattr(world, who))
    assert_problem(client.post(GRANTS, headers=headers, json={"phone": getattr(world, who).phone, "role": "platform_admin"}), 403)
    assert_problem(client.get("/api/v1/admin/users", headers=headers), 403)
    assert client.get("/api/v1/me", headers=headers).get_json()["role"] != "platform_admin"


def test_grants_need_a_token(client, world):
    assert_problem(client.post(GRANTS, json={"phone": world.passenger.phone, "role": "platform_admin"}), 401)


def test_user_list_filters_and_paginates(client, world, platform_admin, auth_headers):
    admin = auth_headers(platform_admin)
    assert {u["role"] for u in _users(client, admin, role="passenger")} == {"passenger"}
    assert [u["id"] for u in _users(client, admin, carrier_id=world.carrier.id)] == [world.driver.id, world.admin.id]
    response = client.get("/api/v1/admin/users", headers=admin, query_string={"page": 1, "page_size": 2})
    assert len(response.get_json()) == 2
    assert '"total": 4' in response.headers["X-Pagination"]
    assert_problem(client.get("/api/v1/admin/users", headers=admin, query_string={"role": "king"}), 422)


@pytest.mark.parametrize("page", [2 ** 31, 2 ** 63 - 1, 10 ** 20])
def test_a_page_beyond_every_row_is_empty_not_a_500(client, world, platform_admin, auth_headers, page):
    response = client.get("/api/v1/admin/users", headers=auth_headers(platform_admin), query_string={"page": page})
    assert response.status_code == 200 and response.get_json() == []
