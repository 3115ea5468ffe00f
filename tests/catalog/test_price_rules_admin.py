"""Price rules, as a carrier admin manages them: CRUD, bad input, another carrier's rules,
and a rule set that could sell a seat at or below zero refused (naming the rule)."""
from __future__ import annotations

import pytest

from app.catalog.models import Fare
from app.catalog.pricerules.models import PriceRule
from app.extensions import db
from tests.catalog.conftest import count, is_problem

KES = "KES"


def url(world, rule_id=None):
    base = f"/api/v1/carriers/{world.carrier.id}/price-rules"
    return base if rule_id is None else f"{base}/{rule_id}"


def peak(**extra):
    body = {"name": "Morning peak", "priority": 10, "percent": 20, "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "hour_from": 6, "hour_until": 10}
    body.update(extra)
    return body


def test_admin_creates_lists_changes_and_deletes_a_rule(client, world, auth_headers):
    headers = auth_headers(world.admin)
    made = client.post(url(world), json=peak(ceiling={"amount": 150000, "currency": KES}), headers=headers)
    assert made.status_code == 201, made.json
    rule = made.json
    assert rule["percent"] == 20 and rule["amount"] is None
    assert rule["ceiling"] == {"amount": 150000, "currency": KES}
    assert [r["name"] for r in client.get(url(world), headers=headers).json] == ["Morning peak"]

    changed = client.patch(url(world, rule["id"]), json={"amount": {"amount": -5000, "currency": KES}},
                           headers=headers)
    assert changed.status_code == 200, changed.json
    assert changed.json["percent"] is None and changed.json["amount"]["amount"] == -5000

    assert client.delete(url(world, rule["id"]), headers=headers).status_code == 204
    assert client.get(url(world), headers=headers).json == []


def test_another_carriers_admin_gets_404_and_a_passenger_403(client, world, rival, auth_headers):
    made = client.post(url(world), json=peak(), headers=auth_headers(world.admin)).json
    for method in ("get", "patch", "delete"):
        answer = getattr(client, method)(url(world, made["id"]), json={"percent": 5},
                                         headers=auth_headers(rival.admin))
        is_problem(answer, 404)
    is_problem(client.get(url(world), headers=auth_headers(rival.admin)), 404)
    is_problem(client.post(url(world), json=peak(), headers=auth_headers(world.passenger)), 403)
    assert db.session.get(PriceRule, made["id"]).change_percent == 20


@pytest.mark.parametrize("body, field", [
    (peak(amount={"amount": 1000, "currency": KES}), "percent"),  # both kinds of change
    ({"name": "Nothing", "weekdays": [5]}, "percent"),  # no change at all
    (peak(percent=-100), "percent"),  # would give seats away
    (peak(percent=0), "percent"),
    (peak(weekdays=[0, 8]), "weekdays"),
    (peak(weekdays=[5, 5]), "weekdays"),
    (peak(hour_from=10, hour_until=10), "hour_until"),
    (peak(hour_until=25), "hour_until"),
    (peak(min_load_percent=80, max_load_percent=20), "max_load_percent"),
    (peak(floor={"amount": 9000, "currency": KES}, ceiling={"amount": 8000, "currency": KES}), "ceiling"),
    (peak(valid_from="2027-01-10", valid_until="2027-01-01"), "valid_until"),
    (peak(percent="20"), "percent"),
    (peak(name=""), "name"),
])
def test_bad_input_is_a_problem_and_changes_nothing(client, world, auth_headers, body, field):
    answer = is_problem(client.post(url(world), json=body, headers=auth_headers(world.admin)), 422)
    assert field in answer["errors"], answer
    assert count(db, PriceRule) == 0


def test_wrong_currency_and_another_carriers_route_are_refused(client, world, rival, auth_headers):
    headers = auth_headers(world.admin)
    is_problem(client.post(url(world), json=peak(percent=None, amount={"amount": 100, "currency": "UGX"}),
                           headers=headers), 422)
    answer = is_problem(client.post(url(world), json=peak(route_id=rival.route.id), headers=headers), 422)
    assert "route_id" in answer["errors"]
    assert count(db, PriceRule) == 0


def test_a_rule_set_that_could_price_a_seat_at_zero_is_refused_naming_the_rule(client, world, auth_headers):
    """The cheapest fare is reduced Nairobi → Nakuru, KES 400: KES 300 off, then KES 150 off,
    could meet on one ride; the second rule is the one refused (and named)."""
    headers = auth_headers(world.admin)
    first = client.post(url(world), json={"name": "Off-peak", "amount": {"amount": -30000, "currency": KES},
                                         "priority": 1}, headers=headers)
    assert first.status_code == 201, first.json
    refused = is_problem(client.post(url(world), json={
        "name": "Tuesday saver", "weekdays": [2], "amount": {"amount": -15000, "currency": KES}}, headers=headers), 422)
    assert refused["rule"] == {"id": None, "name": "Tuesday saver"} and "Tuesday saver" in refused["detail"]
    assert refused["type"].endswith("price-not-positive")
    assert count(db, PriceRule) == 1

    with_floor = client.post(url(world), json={
        "name": "Tuesday saver", "weekdays": [2], "amount": {"amount": -15000, "currency": KES},
        "floor": {"amount": 5000, "currency": KES}}, headers=headers)
    assert with_floor.status_code == 201, with_floor.json  # a floor keeps every seat paid for

    # Raising the first rule's discount would break it now: refused, the rule unchanged.
    rule_id = first.json["id"]
    patched = is_problem(client.patch(url(world, rule_id), json={"amount": {"amount": -40000, "currency": KES}},
                                      headers=headers), 422)
    assert patched["rule"] == {"id": rule_id, "name": "Off-peak"}
    assert db.session.get(PriceRule, rule_id).change_amount == -30000


def test_lowering_a_fare_under_a_fixed_discount_is_refused(client, world, auth_headers):
    headers = auth_headers(world.admin)
    assert client.post(url(world), json={"name": "Saver", "amount": {"amount": -20000, "currency": KES}},
                       headers=headers).status_code == 201
    fare = world.fares[("NBO", "NKR", "reduced")]
    answer = is_problem(client.patch(f"/api/v1/carriers/{world.carrier.id}/fares/{fare.id}",
                                     json={"price": {"amount": 15000, "currency": KES}}, headers=headers), 422)
    assert answer["rule"]["name"] == "Saver"
    db.session.expire_all()
    assert db.session.get(Fare, fare.id).amount == 40000
