"""USSD offers only what can be bought, and says what its numbers mean (issue 9).

"Where to?" lists the cities served from the chosen origin (not the busiest departure
cities, which from Nakuru were places with no trip); "My tickets" tells two tickets of one
trip apart by their seat; the trip list names its currency once and explains "(10)".
"""
from datetime import time

from app.booking.service import create_order
from app.sales.confirming import apply_to_order
from app.extensions import db
from app.ticketing.models import Ticket
from channels.ussd.engine import Ctx
from channels.ussd.menus import SCREENS
from tests.channels.scripts.runner import Conversation
from tests.factories import local_departure, make_fare, make_route, make_stop, make_trip


def _way_home_and_kisumu(world):
    """Eldoret - Nakuru - Nairobi tomorrow, and a busy Kisumu - Nairobi line (not via Nakuru)."""
    back = make_route(world.carrier, [(world.eldoret, 0), (world.nakuru, 180), (world.nairobi, 330)], code="ELD-NBO")
    make_trip(back, world.vehicle, local_departure(1, time(6, 0)))
    for origin, destination in [(world.eldoret, world.nakuru), (world.eldoret, world.nairobi),
                                (world.nakuru, world.nairobi)]:
        make_fare(back, origin, destination, 90000)
    kisumu = make_stop(world.carrier, "Kisumu", code="KSM")
    line = make_route(world.carrier, [(kisumu, 0), (world.nairobi, 420)], code="KSM-NBO")
    for days in (1, 2, 3):
        make_trip(line, world.vehicle, local_departure(days, time(20, 0)))
    make_fare(line, kisumu, world.nairobi, 120000)
    db.session.commit()


def test_where_to_from_nakuru_offers_exactly_the_cities_its_trips_reach(client, world):
    _way_home_and_kisumu(world)
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    talk.input("1")
    where_to = talk.input("nak")
    assert where_to == "CON From Nakuru. Where to? Choose or type:\n1 Nairobi\n2 Eldoret\n0 Back"
    assert "Kisumu" not in where_to  # busy, but no trip from Nakuru goes there
    assert talk.input("kis").startswith("CON No trips there from here.\nFrom Nakuru. Where to?")
    assert talk.input("1").startswith("CON Nakuru-Nairobi. When?")


def test_where_to_from_a_terminus_with_no_departures_says_so(client, world):
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    talk.input("1")
    # Eldoret is where the only trip ends: before, "Where to?" offered Nairobi and Nakuru anyway.
    assert talk.input("eld") == "CON No trips from Eldoret in the next days.\n0 Back"


def test_my_tickets_shows_the_seat_of_each_ticket_of_one_trip(client, world):
    order = create_order(world.passenger, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
                         destination_stop_id=world.eldoret.id, channel="ussd",
                         passengers=[{"fare_class": "standard", "seat": None, "name": None}] * 2)
    apply_to_order(order.id, amount=order.total_amount, currency=order.currency, payment_id=1)
    db.session.commit()
    seats = sorted(db.session.scalars(db.select(Ticket.seat).where(Ticket.order_id == order.id)))
    assert len(set(seats)) == 2
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    lines = talk.input("2").split("\n")
    assert lines[0] == "CON Your tickets:"
    assert sorted(line.split()[2] for line in lines[1:3]) == seats  # "1 Seat 1A NBO-ELD ..."
    assert all(line.split()[1] == "Seat" for line in lines[1:3])
    assert lines[1] != lines[2]


def test_trip_list_says_what_the_number_and_the_prices_mean(client, world):
    talk = Conversation(client, world.passenger.phone)
    talk.dial()
    for value in ("1", "1", "eld"):
        talk.input(value)
    trips = talk.input("2")
    head, first = trips.split("\n")[:2]
    assert head.endswith(". Prices in KES, (n) = seats left:")
    assert first == "1 08:00 Coast Express 1,500 (10)"
    assert trips.count("KES") == 1  # the currency is said once, not on every line


def test_trip_list_in_two_currencies_names_both_and_prices_each_line(app):
    offer = {"trip_id": 1, "origin_stop_id": 1, "destination_stop_id": 2, "time": "08:00", "carrier": "Coast",
             "seats": 4, "prices": {"standard": 150000}, "currency": "KES"}
    offers = [offer, {**offer, "time": "09:00", "carrier": "Gulu", "currency": "UGX", "prices": {"standard": 40000}}]
    state = {"lang": "en", "screen": "buy_trip", "stack": [], "page": 0, "items": [],
             "data": {"day": "2026-12-07", "offers": offers}}
    ctx = Ctx(state, "+254711000111")
    SCREENS["buy_trip"].enter(ctx)
    shown = SCREENS["buy_trip"].render(ctx, None).split("\n")
    assert shown[0] == "07 Dec. Prices in KES/UGX, (n) = seats left:"
    assert shown[1] == "1 08:00 Coast KES 1,500 (4)" and shown[2] == "2 09:00 Gulu UGX 40,000 (4)"
