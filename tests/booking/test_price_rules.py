"""Price rules as a passenger meets them: the search and the quote show the base fare, each
rule that applied and the result; a hold fixes the price; a paid order never changes.

The world's trip leaves Nairobi tomorrow at 08:00 local (``factories.build_world``), 10
seats, standard fare Nairobi → Nakuru KES 800 (80000 minor units).
"""
from __future__ import annotations

from datetime import timedelta

from app.catalog.pricerules.engine import percent_of
from app.catalog.pricerules.models import PriceRule
from app.database import utcnow
from app.extensions import db
from app.sales.orders import hold_seats, quote as quote_now
from tests import factories

KES = "KES"


def add_rule(world, **columns):
    columns.setdefault("priority", 100)
    rule = PriceRule(carrier_id=world.carrier.id, **columns)
    db.session.add(rule)
    db.session.commit()
    return rule


def tomorrow(world):
    return world.trip.departure_at.astimezone(factories.NAIROBI).date()


def search(client, world):
    answer = client.get(f"/api/v1/trips/search?origin=Nairobi&destination=Nakuru&date={tomorrow(world)}")
    assert answer.status_code == 200, answer.json
    return answer.json[0]


def quote(client, world, **args):
    query = "&".join(f"{k}={v}" for k, v in {"origin_stop_id": world.nairobi.id,
                                              "destination_stop_id": world.nakuru.id, **args}.items())
    answer = client.get(f"/api/v1/trips/{world.trip.id}/quote?{query}")
    assert answer.status_code == 200, answer.json
    return answer.json


def test_without_rules_the_price_is_the_base_fare(client, world):
    offer = search(client, world)
    assert offer["price"] == {"amount": 80000, "currency": KES}
    assert offer["pricing"] == {"fare_class": "standard", "base": {"amount": 80000, "currency": KES},
                                "rules": [], "price": {"amount": 80000, "currency": KES}}


def test_a_morning_peak_rule_shows_in_search_and_quote_with_its_change(client, world):
    rule = add_rule(world, name="Morning peak", change_percent=20, hour_from=6, hour_until=10)
    add_rule(world, name="Evening peak", change_percent=30, hour_from=16, hour_until=20)  # not this trip
    offer = search(client, world)
    assert offer["price"]["amount"] == 96000
    assert offer["pricing"]["rules"] == [{"id": rule.id, "name": "Morning peak",
                                          "change": {"amount": 16000, "currency": KES}}]
    assert offer["prices"]["student"]["amount"] == 64000 * 120 // 100
    quoted = quote(client, world, passengers=2)
    assert quoted["unit"] == offer["pricing"]
    assert quoted["total"] == {"amount": 2 * 96000, "currency": KES}


def test_rules_apply_in_priority_order_each_clamped_to_its_floor_and_ceiling(client, world):
    add_rule(world, name="Last minute", change_percent=50, max_days_before=1, priority=2,
             ceiling_amount=110000)
    add_rule(world, name="Early bird", change_percent=-20, min_days_before=30, priority=1)  # not tomorrow
    add_rule(world, name="Loyal route", change_amount=-2500, priority=1)
    pricing = quote(client, world)["unit"]
    # 80000 - 2500 = 77500; +50 % = 116250, ceiling 110000: a change of 32500.
    assert [(r["name"], r["change"]["amount"]) for r in pricing["rules"]] == [
        ("Loyal route", -2500), ("Last minute", 32500)]
    assert pricing["price"]["amount"] == 110000


def test_a_holiday_date_range_and_a_weekday_match_the_local_departure(client, world):
    day = tomorrow(world)
    add_rule(world, name="Holiday", change_amount=10000, departs_from=day, departs_until=day)
    add_rule(world, name="Other weekday", change_amount=5000, weekdays=[day.isoweekday() % 7 + 1])
    add_rule(world, name="Expired", change_amount=7000, valid_until=day - timedelta(days=5))
    assert [r["name"] for r in quote(client, world)["unit"]["rules"]] == ["Holiday"]


def test_a_demand_band_applies_once_the_trip_is_that_full(client, world):
    add_rule(world, name="Nearly full", change_percent=25, min_load_percent=80)
    assert quote(client, world)["unit"]["price"]["amount"] == 80000
    other = factories.make_user()
    db.session.commit()
    hold_seats(other, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
               destination_stop_id=world.nakuru.id, passengers=8)
    assert quote(client, world)["unit"]["price"]["amount"] == 100000
    assert search(client, world)["price"]["amount"] == 100000


def test_percentages_round_to_the_minor_unit_halves_away_from_zero():
    assert percent_of(5, 10) == 1 and percent_of(5, -10) == -1  # 0.5 → 1, -0.5 → -1
    assert percent_of(15, 3) == 0 and percent_of(150, 3) == 5  # 0.45 → 0, 4.5 → 5
    assert percent_of(80001, 15) == 12000 and percent_of(80003, -15) == -12000


def test_the_hold_fixes_the_price_and_a_paid_order_never_changes(client, world, book, pay):
    add_rule(world, name="Morning peak", change_percent=20, hour_from=6, hour_until=10)
    held = book(passengers=[{"fare_class": "standard"}], destination=world.nakuru)
    assert held.status_code == 201, held.json
    order = held.json
    assert order["total"]["amount"] == 96000
    assert order["items"][0]["pricing"]["base"]["amount"] == 80000
    assert [r["name"] for r in order["items"][0]["pricing"]["rules"]] == ["Morning peak"]

    add_rule(world, name="Surge", change_percent=100)  # rules written while the seat is held
    headers = factories.auth_headers(world.passenger)
    again = client.get(f"/api/v1/orders/{order['id']}", headers=headers).json
    assert again["total"]["amount"] == 96000
    assert pay(order).outcome == "applied"  # the price held is the price paid
    add_rule(world, name="Later surge", change_amount=5000)
    paid = client.get(f"/api/v1/orders/{order['id']}", headers=headers).json
    assert paid["status"] == "paid" and paid["total"]["amount"] == 96000
    assert [i["price"]["amount"] for i in paid["items"]] == [96000]
    assert quote(client, world)["unit"]["price"]["amount"] == 96000 * 2 + 5000


def test_the_sale_day_decides_validity_and_days_before(client, world):
    """Quoted five days earlier, "last minute" does not apply yet; on the day before, it does."""
    add_rule(world, name="Last minute", change_percent=10, max_days_before=1)

    early = quote_now(world.trip.id, world.nairobi.id, world.nakuru.id, now=utcnow() - timedelta(days=5))
    assert early.unit.amount == 80000
    assert quote_now(world.trip.id, world.nairobi.id, world.nakuru.id).unit.amount == 88000


def test_a_demand_band_counts_the_passengers_leg_only(client, world):
    """Eight seats held Nakuru → Eldoret leave Nairobi → Nakuru empty: no surcharge there,
    in the search or the quote; the full leg pays it."""
    add_rule(world, name="Nearly full", change_percent=25, min_load_percent=80)
    other = factories.make_user()
    db.session.commit()
    hold_seats(other, trip_id=world.trip.id, origin_stop_id=world.nakuru.id,
               destination_stop_id=world.eldoret.id, passengers=8)
    assert quote(client, world)["unit"]["price"]["amount"] == 80000
    assert search(client, world)["price"]["amount"] == 80000
    later = quote_now(world.trip.id, world.nakuru.id, world.eldoret.id)
    assert later.unit.amount == 90000 * 125 // 100


def test_a_party_of_two_classes_gets_each_rule_once_in_order_and_never_another_carriers(client, world, book):
    """The hold reads its fares and the carrier's rules in one statement (a row per fare and
    rule): each item still lists each rule once, in priority order."""
    other = factories.make_carrier("Other Coaches")
    db.session.flush()
    db.session.add(PriceRule(carrier_id=other.id, name="Not ours", change_percent=300, priority=0))
    add_rule(world, name="Last minute", change_percent=50, max_days_before=1, priority=2, ceiling_amount=110000)
    add_rule(world, name="Loyal route", change_amount=-2500, priority=1)
    held = book(passengers=[{"fare_class": "standard"}, {"fare_class": "student"}], destination=world.nakuru)
    assert held.status_code == 201, held.json
    items = {item["fare_class"]: item for item in held.json["items"]}
    for item in items.values():
        assert [r["name"] for r in item["pricing"]["rules"]] == ["Loyal route", "Last minute"]
    # standard 80000 - 2500 = 77500, +50 % capped at 110000; student 64000 - 2500 = 61500, +50 % = 92250
    assert items["standard"]["price"]["amount"] == 110000
    assert items["student"]["price"]["amount"] == 92250
    assert held.json["total"]["amount"] == 110000 + 92250
