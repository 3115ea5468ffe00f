"""One name per thing on the wire: a passenger's name, and money's one shape.

A passenger's name was ``name`` in an order request and ``passenger_name`` in every answer
(orders, tickets, the carrier's manifest): the request says ``passenger_name`` now, and the
old ``name`` is still read (clients already send it). A bare number given for money was
answered "Invalid input type." without saying what money looks like; the error now shows
the expected ``{"amount", "currency"}``.
"""
from __future__ import annotations

import pytest


def test_an_order_takes_the_name_it_answers(book):
    response = book([{"fare_class": "standard", "passenger_name": "Wanjiku Kamau"}])
    assert response.status_code == 201, response.json
    assert response.json["items"][0]["passenger_name"] == "Wanjiku Kamau"


def test_the_old_request_name_is_still_read(book):
    response = book([{"fare_class": "standard", "name": "Wanjiku Kamau"}])
    assert response.status_code == 201, response.json
    assert response.json["items"][0]["passenger_name"] == "Wanjiku Kamau"


def test_two_different_names_for_one_passenger_are_refused(book):
    response = book([{"passenger_name": "Wanjiku Kamau", "name": "Achieng Otieno"}])
    assert response.status_code == 422
    assert "passenger_name" in str(response.json["errors"])


def test_the_document_names_the_passenger_as_the_answers_do(client):
    spec = client.get("/api/openapi.json").json
    passenger = spec["components"]["schemas"]["OrderPassenger"]["properties"]
    assert "passenger_name" in passenger and passenger["name"].get("deprecated") is True


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/wallet/top-ups", {"amount": 50000}, "amount"),
    ("/api/v1/wallet/top-ups", {"amount": "KES 500"}, "amount"),
    ("/api/v1/wallet/auto-recharge", {"enabled": True, "threshold": 20000}, "threshold"),
])
def test_a_bare_number_for_money_says_what_money_looks_like(client, world, auth_headers, path, body, field):
    method = client.put if path.endswith("auto-recharge") else client.post
    response = method(path, json=body, headers=auth_headers(world.passenger))
    assert response.status_code == 422
    message = " ".join(str(m) for m in _messages(response.json["errors"][field]))
    assert '"amount"' in message and '"currency"' in message and "KES" in message, message


def _messages(errors):
    if isinstance(errors, dict):
        for inner in errors.values():
            yield from _messages(inner)
    elif isinstance(errors, list):
        for inner in errors:
            yield from _messages(inner)
    else:
        yield errors
