"""Seeing and editing one's own profile."""
import pytest

from tests.auth.flow import assert_problem, bearer, outbox, request_code, sign_in


@pytest.fixture
def tokens(client, world):
    return sign_in(client, world.passenger.phone)


def test_profile_shows_the_account(client, world, tokens):
    me = client.get("/api/v1/me", headers=bearer(tokens)).get_json()
    assert me["phone"] == world.passenger.phone and me["name"] == "Wanjiku Passenger"
    assert (me["language"], me["preferred_payment"], me["role"]) == ("en", None, "passenger")


def test_edit_profile_and_the_next_code_arrives_in_swahili(client, world, tokens):
    response = client.patch("/api/v1/me", headers=bearer(tokens),
                            json={"name": "  Wanjiku   Kamau ", "language": "sw", "preferred_payment": "mpesa"})
    assert response.status_code == 200
    me = client.get("/api/v1/me", headers=bearer(tokens)).get_json()
    assert (me["name"], me["language"], me["preferred_payment"]) == ("Wanjiku Kamau", "sw", "mpesa")

    # a partial edit leaves the rest alone; null clears the payment choice
    client.patch("/api/v1/me", headers=bearer(tokens), json={"preferred_payment": None})
    me = client.get("/api/v1/me", headers=bearer(tokens)).get_json()
    assert (me["name"], me["preferred_payment"]) == ("Wanjiku Kamau", None)

    request_code(client, world.passenger.phone)
    assert outbox(client, world.passenger.phone)[0]["text"].startswith("Msimbo wa Safiri")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"language": "de"}, "language"),
        ({"preferred_payment": "cash"}, "preferred_payment"),
        ({"name": "x" * 121}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "bad\x07name"}, "name"),
        ({"role": "platform_admin"}, "role"),
        ({"phone": "+254799999999"}, "phone"),
        ({"language": 3}, "language"),
    ],
)
def test_bad_edits_are_422_and_change_nothing(client, tokens, payload, field):
    before = client.get("/api/v1/me", headers=bearer(tokens)).get_json()
    body = assert_problem(client.patch("/api/v1/me", headers=bearer(tokens), json=payload), 422)
    assert list(body["errors"]) == [field]
    assert client.get("/api/v1/me", headers=bearer(tokens)).get_json() == before


def test_non_json_and_oversized_edits_are_problems(client, tokens):
    before = client.get("/api/v1/me", headers=bearer(tokens)).get_json()
    assert_problem(client.patch("/api/v1/me", headers=bearer(tokens), data="{name", content_type="application/json"), 400)
    assert_problem(client.patch("/api/v1/me", headers=bearer(tokens), json={"name": "x" * 70_000}), 413)
    assert client.get("/api/v1/me", headers=bearer(tokens)).get_json() == before


def test_profile_needs_a_token(client):
    assert_problem(client.get("/api/v1/me"), 401)
    assert_problem(client.patch("/api/v1/me", json={"name": "X"}), 401)
    assert_problem(client.delete("/api/v1/me"), 401)
    assert_problem(client.post("/api/v1/me/deactivate"), 401)
