"""Trip search, a trip's public page and the stop picker, as a passenger uses them."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import update

from app.catalog import service
from app.catalog.models import Fare
from app.catalog.pricerules.models import PriceRule
from app.catalog.search.schemas import OfferSchema, offers_json
from app.catalog.service import UnknownStop
from app.extensions import db
from app.sales.offers import search_offers
from tests.catalog.conftest import is_problem, local_day
from tests.factories import NAIROBI, local_departure, make_fare, make_route, make_stop, make_trip

SEARCH = "/api/v1/trips/search"


def search(client, origin, destination, day):
    return client.get(SEARCH, query_string={"origin": origin, "destination": destination, "date": str(day)})


def test_search_shows_carrier_local_times_seats_and_prices(client, world):
    response = search(client, "NBO", "ELD", local_day(1))
    assert response.status_code == 200
    [offer] = response.get_json()
    departure = world.trip.departure_at.astimezone(NAIROBI)
    assert offer["trip_id"] == world.trip.id
    assert offer["carrier"] == {"id": world.carrier.id, "name": world.carrier.name}
    assert offer["timezone"] == "Africa/Nairobi"
    assert offer["departure_at"] == departure.isoformat() and offer["departure_at"].endswith("+03:00")
    assert offer["arrival_at"] == (departure + timedelta(minutes=330)).isoformat()
    assert offer["seats_left"] == world.vehicle.seat_count
    assert offer["prices"] == {
        cls: {"amount": world.fares[("NBO", "ELD", cls)].amount, "currency": "KES"}
        for cls in ("standard", "student", "reduced")
    }


def test_boarding_midway_shows_the_time_at_that_stop(client, world):
    [offer] = search(client, "Nakuru", "Eldoret", local_day(1)).get_json()
    departure = world.trip.departure_at.astimezone(NAIROBI)
    assert offer["origin"]["code"] == "NKR"
    assert offer["departure_at"] == (departure + timedelta(minutes=150)).isoformat()
    assert offer["arrival_at"] == (departure + timedelta(minutes=330)).isoformat()
    assert offer["prices"]["standard"]["amount"] == world.fares[("NKR", "ELD", "standard")].amount


def test_names_match_ignoring_case_accents_and_spaces(client, world):
    for origin in ("nairobi", "  NAÏROBI ", "Nairóbi", "nbo"):
        offers = search(client, origin, "eldoret", local_day(1)).get_json()
        assert [o["trip_id"] for o in offers] == [world.trip.id], origin


def test_wrong_direction_and_other_days_find_nothing(client, world):
    assert search(client, "ELD", "NBO", local_day(1)).get_json() == []
    assert search(client, "NBO", "ELD", local_day(2)).get_json() == []


def test_city_search_spans_carriers_sorted_by_departure(client, world, rival, db):
    early = make_trip(rival.route, rival.vehicle, local_departure(1, time(6, 30)))
    db.session.commit()
    offers = search(client, "Nairobi", "Eldoret", local_day(1)).get_json()
    assert [o["trip_id"] for o in offers] == [early.id, world.trip.id]
    assert [o["carrier"]["name"] for o in offers] == [rival.carrier.name, world.carrier.name]
    # A stop code means that stop only.
    assert [o["trip_id"] for o in search(client, "NRB", "Eldoret", local_day(1)).get_json()] == [early.id]


def test_each_offer_is_priced_in_its_own_carriers_currency(client, world, rival, db):
    """Two carriers, two currencies: each offer's prices carry its own fares' currency."""
    rival.carrier.currency = "UGX"
    db.session.execute(update(Fare).where(Fare.route_id == rival.route.id).values(currency="UGX"))
    make_trip(rival.route, rival.vehicle, local_departure(1, time(6, 30)))
    db.session.commit()
    offers = search(client, "Nairobi", "Eldoret", local_day(1)).get_json()
    currencies = {o["carrier"]["name"]: {p["currency"] for p in o["prices"].values()} for o in offers}
    assert currencies == {rival.carrier.name: {"UGX"}, world.carrier.name: {"KES"}}
    by_carrier = {o.carrier_name: o.currency for o in service.search_trips("Nairobi", "Eldoret", local_day(1))}
    assert by_carrier == {rival.carrier.name: "UGX", world.carrier.name: "KES"}


def test_cancelled_departed_and_unpriced_trips_are_not_offered(client, world, db):
    route, vehicle = world.route, world.vehicle
    make_trip(route, vehicle, local_departure(1, time(10, 0)), status="cancelled")
    make_trip(route, vehicle, local_departure(1, time(11, 0)), status="departed")
    boarding = make_trip(route, vehicle, local_departure(1, time(12, 0)), status="boarding")
    db.session.commit()
    ids = [o["trip_id"] for o in search(client, "NBO", "ELD", local_day(1)).get_json()]
    assert ids == [world.trip.id, boarding.id]
    # A pair without any fare cannot be sold, so it is not offered.
    make_stop(world.carrier, "Naivasha", code="NVS")
    db.session.commit()
    assert search(client, "NBO", "NVS", local_day(1)).get_json() == []


def test_trip_already_gone_from_origin_is_not_offered_but_later_stops_are(world):
    """At 09:00 the 08:00 coach has left Nairobi but reaches Nakuru at 10:30."""
    now = world.trip.departure_at + timedelta(hours=1)
    day = local_day(1)
    assert service.search_trips("NBO", "ELD", day, now=now) == []
    [offer] = service.search_trips("NKR", "ELD", day, now=now)
    assert offer.trip.id == world.trip.id and offer.origin_stop.code == "NKR"


def test_seats_left_counts_seats_booked(client, world, auth_headers):
    body = {"trip_id": world.trip.id, "origin_stop_id": world.nairobi.id, "destination_stop_id": world.eldoret.id,
            "passengers": [{"fare_class": "standard"}, {"fare_class": "student"}]}
    response = client.post("/api/v1/orders", json=body, headers=auth_headers(world.passenger))
    assert response.status_code == 201, response.get_json()
    [offer] = search(client, "NBO", "ELD", local_day(1)).get_json()
    assert offer["seats_left"] == world.vehicle.seat_count - 2
    page = client.get(f"/api/v1/trips/{world.trip.id}").get_json()
    assert page["seats_left"] == world.vehicle.seat_count - 2


def test_unknown_stop_is_404_naming_which(client, world):
    body = is_problem(search(client, "NBO", "Timbuktu", local_day(1)), 404)
    assert body["type"] == "/problems/unknown-stop"
    assert body["which"] == "destination" and "Timbuktu" in body["detail"]
    assert is_problem(search(client, "Atlantis", "ELD", local_day(1)), 404)["which"] == "origin"


@pytest.mark.parametrize("bad", ["2024-13-01", "tomorrow", "23/11/2030", ""])
def test_malformed_date_is_422(client, world, bad):
    body = is_problem(search(client, "NBO", "ELD", bad), 422)
    assert "date" in body["errors"]


def test_past_date_same_places_and_missing_fields_are_422(client, world):
    assert is_problem(search(client, "NBO", "ELD", local_day(-1)), 422)["type"] == "/problems/past-date"
    body = is_problem(search(client, "NBO", "Nairobi", local_day(1)), 422)
    assert body["type"] == "/problems/same-origin-destination"
    body = is_problem(client.get(SEARCH), 422)
    assert set(body["errors"]) == {"origin", "destination", "date"}


def test_trip_page_has_stops_in_local_time_seats_and_fares(client, world):
    page = client.get(f"/api/v1/trips/{world.trip.id}").get_json()
    departure = world.trip.departure_at.astimezone(NAIROBI)
    assert [s["stop"]["code"] for s in page["stops"]] == ["NBO", "NKR", "ELD"]
    assert [s["departure_at"] for s in page["stops"]] == [
        (departure + timedelta(minutes=m)).isoformat() for m in (0, 150, 330)
    ]
    assert page["seat_count"] == page["seats_left"] == world.vehicle.seat_count
    assert page["departure_at"] == departure.isoformat()
    prices = {(f["origin_stop_id"], f["destination_stop_id"], f["fare_class"]): f["price"] for f in page["fares"]}
    assert len(prices) == len(world.fares)
    assert prices[(world.nakuru.id, world.eldoret.id, "student")] == world.fares[("NKR", "ELD", "student")].price
    assert is_problem(client.get("/api/v1/trips/999999"), 404)


def test_stop_picker_matches_prefixes(client, world, rival):
    names = [s["name"] for s in client.get("/api/v1/stops", query_string={"q": "nai"}).get_json()]
    assert sorted(names) == sorted(["Nairobi", "Nairobi Westlands"])
    assert client.get("/api/v1/stops", query_string={"q": "zz"}).get_json() == []
    assert "q" in is_problem(client.get("/api/v1/stops"), 422)["errors"]
    assert "limit" in is_problem(client.get("/api/v1/stops?q=n&limit=500"), 422)["errors"]


def test_channel_helpers(world, rival, db):
    """What USSD/SMS call: cities for menus, stop resolution, fares and stop times."""
    assert service.match_cities("n") == ["Nairobi", "Nakuru"]
    assert service.match_cities("EL") == ["Eldoret"]
    # Nairobi has upcoming trips on both carriers' routes; Eldoret is only ever a terminus.
    make_trip(rival.route, rival.vehicle, local_departure(2))
    db.session.commit()
    assert service.popular_cities() == ["Nairobi", "Nakuru"]
    assert {s.id for s in service.resolve_stop("nairobi")} == {world.nairobi.id, rival.nairobi.id}
    with pytest.raises(UnknownStop):
        service.resolve_stop("Kampala")
    fare = service.fare_for(world.trip, world.nairobi.id, world.nakuru.id, "reduced")
    assert fare.amount == world.fares[("NBO", "NKR", "reduced")].amount
    assert service.fare_for(world.trip, world.eldoret.id, world.nairobi.id, "standard") is None
    times = service.stop_times(world.trip)
    assert [(rs.stop.code, at - world.trip.departure_at) for rs, at in times] == [
        ("NBO", timedelta(0)), ("NKR", timedelta(minutes=150)), ("ELD", timedelta(minutes=330))
    ]
    assert isinstance(times[0][1], datetime)


def _way_home(world, days_ahead: int = 1):
    """The world's road the other way (Eldoret - Nakuru - Nairobi) with one trip and fares."""
    back = make_route(world.carrier, [(world.eldoret, 0), (world.nakuru, 180), (world.nairobi, 330)], code="ELD-NBO")
    trip = make_trip(back, world.vehicle, local_departure(days_ahead, time(6, 0)))
    for origin, destination in [(world.eldoret, world.nakuru), (world.eldoret, world.nairobi),
                                (world.nakuru, world.nairobi)]:
        make_fare(back, origin, destination, 90000)
    return back, trip


def test_destinations_from_a_city_are_those_its_trips_reach(world):
    _way_home(world)
    kisumu = make_stop(world.carrier, "Kisumu", code="KSM")
    naivasha = make_stop(world.carrier, "Naivasha", code="NVS")
    kericho = make_stop(world.carrier, "Kericho", code="KER")
    to_kisumu = make_route(world.carrier, [(world.nakuru, 0), (kisumu, 200)], code="NKR-KSM")
    make_fare(to_kisumu, world.nakuru, kisumu, 70000)
    make_trip(to_kisumu, world.vehicle, local_departure(1, time(12, 0)), status="cancelled")  # not sellable
    to_naivasha = make_route(world.carrier, [(world.nakuru, 0), (naivasha, 90)], code="NKR-NVS")
    make_fare(to_naivasha, world.nakuru, naivasha, 40000)
    make_trip(to_naivasha, world.vehicle, local_departure(30))  # beyond the coming days
    to_kericho = make_route(world.carrier, [(world.nakuru, 0), (kericho, 120)], code="NKR-KER")
    make_trip(to_kericho, world.vehicle, local_departure(1, time(14, 0)))  # no fare: cannot be sold
    db.session.commit()

    assert service.destinations_from("Nakuru") == ["Nairobi", "Eldoret"]  # one trip each: nearest first
    assert service.destinations_from("NBO") == ["Nakuru", "Eldoret"]
    assert service.destinations_from("Kisumu") == []  # a terminus: nothing leaves from it


def test_destinations_from_leave_out_trips_already_gone_and_put_the_busiest_first(world):
    back, _ = _way_home(world)
    make_trip(back, world.vehicle, local_departure(2, time(6, 0)))
    db.session.commit()
    assert service.destinations_from("Eldoret") == ["Nakuru", "Nairobi"]  # two trips each: nearest first
    assert service.destinations_from("Nakuru") == ["Nairobi", "Eldoret"]  # Nairobi: two trips, Eldoret: one
    # Once the first trip to Eldoret has passed Nakuru, nothing to Eldoret is left.
    later = world.trip.departure_at + timedelta(minutes=151)
    assert service.destinations_from("Nakuru", now=later) == ["Nairobi"]


def test_destinations_from_an_unknown_place_is_a_clear_error(world):
    with pytest.raises(UnknownStop):
        service.destinations_from("Atlantis")


def test_the_written_out_answer_is_the_offer_schemas_dump_field_for_field(client, world, rival, db):
    """The search view writes its answer by hand (``offers_json``, for speed); ``OfferSchema``
    is the documented contract. Both carriers, one with a price rule that applies, a stop
    with coordinates and one without: every field of every offer must be the schema's."""
    db.session.add(PriceRule(carrier_id=world.carrier.id, name="Weekend", change_amount=-5000, priority=1))
    rival.route.stops[0].stop.latitude, rival.route.stops[0].stop.longitude = -1.2676, 36.8108
    make_trip(rival.route, rival.vehicle, local_departure(1, time(6, 30)))
    db.session.commit()
    offers = search_offers("Nairobi", "Eldoret", local_day(1))
    assert len(offers) == 2 and any(o.quote.applied for o in offers)
    assert offers_json(offers) == OfferSchema(many=True).dump(offers)
    assert search(client, "Nairobi", "Eldoret", local_day(1)).get_json() == OfferSchema(many=True).dump(offers)
