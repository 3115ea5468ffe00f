"""The carrier's manifest: who travels on a trip, for admins, agents and the trip's driver."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import func, select

from app.booking.service import create_order
from app.sales.confirming import apply_to_order
from app.database import utcnow
from app.ticketing.models import Ticket
from tests.catalog.conftest import is_problem, rival  # noqa: F401 - the rival fixture
from tests.factories import make_trip, make_user
from tests.tickets.test_scan_support import assign, scan, sell, trip_departing


def manifest_url(carrier, trip) -> str:
    return f"/api/v1/carriers/{carrier.id}/trips/{trip.id}/manifest"


def test_one_row_per_ticket_with_who_paid_what_and_who_boarded(client, world, auth_headers, db):
    trip = trip_departing(world, utcnow().replace(microsecond=0) + timedelta(minutes=30))
    assign(world.driver, trip)
    first, second = sell(world, trip, names=("Wanjiku Kamau", "Otieno Odhiambo"))
    student = sell(world, trip, names=("Achieng Student",), fare_class="student", origin=world.nakuru)[0]
    assert scan(client, auth_headers(world.driver), trip, code=first.short_code).get_json()["result"] == "valid"
    response = client.get(manifest_url(world.carrier, trip), headers=auth_headers(world.admin))
    assert response.status_code == 200
    body = response.get_json()
    rows = {row["passenger_name"]: row for row in body["passengers"]}
    assert set(rows) == {"Wanjiku Kamau", "Otieno Odhiambo", "Achieng Student"}
    wanjiku = rows["Wanjiku Kamau"]
    assert wanjiku["seat"] == first.seat and wanjiku["fare_class"] == "standard" and wanjiku["channel"] == "api"
    assert wanjiku["phone"] == "+2547****0111"  # masked: the sheet is printed
    assert wanjiku["origin"] == "Nairobi" and wanjiku["destination"] == "Eldoret"
    assert wanjiku["paid"] == {"amount": 150000, "currency": "KES"} and wanjiku["status"] == "used"
    assert wanjiku["boarded"] is True and rows["Otieno Odhiambo"]["boarded"] is False
    assert rows["Achieng Student"]["origin"] == "Nakuru" and rows["Achieng Student"]["paid"]["amount"] == 72000
    assert not any(row["no_show"] for row in body["passengers"])  # not left yet
    assert body["counts"] == {"tickets": 3, "boarded": 1, "no_shows": 0, "seats": trip.vehicle.seat_count}
    assert student.id in [row["ticket_id"] for row in body["passengers"]]


def test_after_departure_the_ones_who_never_boarded_are_no_shows(client, world, auth_headers, db):
    trip = trip_departing(world, utcnow().replace(microsecond=0) - timedelta(minutes=10))
    assign(world.driver, trip)
    came, missed = sell(world, trip, names=("Came Aboard", "Never Came"))
    scan(client, auth_headers(world.driver), trip, code=came.short_code)
    body = client.get(manifest_url(world.carrier, trip), headers=auth_headers(world.admin)).get_json()
    no_show = {row["passenger_name"]: row["no_show"] for row in body["passengers"]}
    assert no_show == {"Came Aboard": False, "Never Came": True}
    assert body["counts"]["no_shows"] == 1 and body["counts"]["boarded"] == 1


def test_csv_for_spreadsheets_and_printing(client, world, auth_headers, db):
    sell(world, names=("=HYPERLINK(1)", "Baraka Mwangi"))
    response = client.get(manifest_url(world.carrier, world.trip),
                          headers={**auth_headers(world.admin), "Accept": "text/csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["passenger_name"] for r in rows] == ["'=HYPERLINK(1)", "Baraka Mwangi"]  # never run as a formula
    assert rows[1]["paid_amount"] == "150000" and rows[1]["paid_currency"] == "KES" and rows[1]["boarded"] == "no"
    assert rows[1]["phone"] == "+2547****0111" and rows[1]["origin"] == "Nairobi"


def test_readers_are_admins_agents_and_the_trips_own_driver_anyone_else_gets_404(client, world, rival, auth_headers, db):
    sell(world)
    agent = make_user("agent", carrier=world.carrier)
    other_driver = make_user("driver", carrier=world.carrier)
    rival_agent = make_user("agent", carrier=rival.carrier)
    db.session.commit()
    url = manifest_url(world.carrier, world.trip)
    assert client.get(url, headers=auth_headers(agent)).status_code == 200
    is_problem(client.get(url, headers=auth_headers(world.driver)), 404)  # not assigned (yet)
    assign(world.driver, world.trip)
    assert client.get(url, headers=auth_headers(world.driver)).status_code == 200
    for someone in (other_driver, rival.admin, rival_agent, rival.driver, world.passenger):
        is_problem(client.get(url, headers=auth_headers(someone)), 404)
    # another carrier's trip under one's own carrier id is as absent
    is_problem(client.get(f"/api/v1/carriers/{rival.carrier.id}/trips/{world.trip.id}/manifest",
                          headers=auth_headers(rival.admin)), 404)
    rival_trip = make_trip(rival.route, rival.vehicle, utcnow() + timedelta(days=2))
    db.session.commit()
    is_problem(client.get(f"/api/v1/carriers/{world.carrier.id}/trips/{rival_trip.id}/manifest",
                          headers=auth_headers(world.admin)), 404)
    is_problem(client.get(f"/api/v1/carriers/{world.carrier.id}/trips/999999/manifest",
                          headers=auth_headers(world.admin)), 404)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_the_carrier_trip_list_shows_seats_sold_held_and_free(client, world, auth_headers, db):
    sell(world, names=("A", "B"))
    create_order(world.passenger, trip_id=world.trip.id, origin_stop_id=world.nairobi.id,
                 destination_stop_id=world.eldoret.id, passengers=[{"fare_class": "standard"}])  # still paying
    db.session.commit()
    trips = client.get(f"/api/v1/carriers/{world.carrier.id}/trips", headers=auth_headers(world.admin)).get_json()
    row = next(t for t in trips if t["id"] == world.trip.id)
    assert row["seats"] == {"sold": 2, "held": 1, "free": world.vehicle.seat_count - 3}


def test_a_seat_sold_on_two_legs_is_one_seat_sold_and_two_manifest_rows(client, world, auth_headers, db):
    bought = world.trip.departure_at - timedelta(days=1)
    for origin, destination, name in ((world.nairobi, world.nakuru, "To Nakuru"), (world.nakuru, world.eldoret, "On")):
        order = create_order(world.passenger, trip_id=world.trip.id, origin_stop_id=origin.id,
                             destination_stop_id=destination.id, now=bought,
                             passengers=[{"fare_class": "standard", "name": name, "seat": "1"}])
        apply_to_order(order.id, amount=order.total_amount, currency=order.currency, payment_id=9000 + order.id,
                       now=bought)
        db.session.commit()
    trips = client.get(f"/api/v1/carriers/{world.carrier.id}/trips", headers=auth_headers(world.admin)).get_json()
    row = next(t for t in trips if t["id"] == world.trip.id)
    assert row["seats"] == {"sold": 1, "held": 0, "free": world.vehicle.seat_count - 1}
    rows = client.get(manifest_url(world.carrier, world.trip), headers=auth_headers(world.admin)).get_json()
    assert [(r["seat"], r["origin"], r["destination"]) for r in rows["passengers"]] == [
        ("1", "Nairobi", "Nakuru"), ("1", "Nakuru", "Eldoret")]
