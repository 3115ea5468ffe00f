"""Every seat label gets a QR that carries it exactly (ticket format v2: the seat index).

Format v1 signed ``12a`` as ``12A`` and refused ``A-1`` or ``VIP01`` (409, no QR). Here a
ticket on such seats is sold through booking, its QR image is read back by a real decoder,
verified with the published keys, and the seat is mapped back to its label through the
driver's manifest (``trip.seat_layout``), as an offline scanner does.
"""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image

from app.database import utcnow
from app.extensions import db
from tests import factories
from tests.tickets.test_scan_support import assign, scan, sell, trip_departing
from tickets.verifier import Verifier

LAYOUT = ["1A", "1B", "12a", "A-1", "VIP01", "B 2", "99ZZZ", "x"]


def _decoded_seat(client, ticket, passenger, driver, auth_headers) -> tuple[str, int]:
    """(label, index) of the seat the ticket's QR image carries, read as a scanner would."""
    png = client.get(f"/api/v1/tickets/{ticket.id}/qr.png", headers=auth_headers(passenger))
    assert png.status_code == 200, png.get_json()
    (barcode,) = zxingcpp.read_barcodes(Image.open(BytesIO(png.data)))
    assert len(barcode.text) == 133
    jwks = client.get("/.well-known/ticket-keys.json").get_json()
    verdict = Verifier.from_jwks(jwks).verify(barcode.text, now=ticket.valid_from)
    assert verdict.status == "valid"
    assert (verdict.claims.ticket_id, verdict.claims.trip_id) == (ticket.id, ticket.trip_id)
    manifest = client.get(f"/api/v1/driver/trips/{ticket.trip_id}/manifest", headers=auth_headers(driver))
    layout = manifest.get_json()["trip"]["seat_layout"]
    return layout[verdict.claims.seat_index], verdict.claims.seat_index


@pytest.mark.parametrize("label", ["12a", "A-1", "VIP01", "B 2", "99ZZZ", "x"])
def test_any_seat_label_gets_a_qr_that_carries_it_exactly(client, world, auth_headers, label):
    world.vehicle.seat_layout = LAYOUT
    world.vehicle.seat_count = len(LAYOUT)
    db.session.commit()
    assign(world.driver, world.trip)
    (ticket,) = sell(world, seats=[label])
    assert ticket.seat == label
    assert _decoded_seat(client, ticket, world.passenger, world.driver, auth_headers) == (
        label, LAYOUT.index(label))


def test_last_seat_of_a_sixty_seat_coach(client, auth_headers, app):
    world = factories.build_world(seats=60)
    assign(world.driver, world.trip)
    (ticket,) = sell(world, seats=["60"])
    assert _decoded_seat(client, ticket, world.passenger, world.driver, auth_headers) == ("60", 59)


def test_scan_of_a_lower_case_seat_boards_with_its_label(client, world, auth_headers):
    world.vehicle.seat_layout = LAYOUT
    world.vehicle.seat_count = len(LAYOUT)
    db.session.commit()
    trip = trip_departing(world, utcnow().replace(microsecond=0) + timedelta(minutes=30))
    assign(world.driver, trip)
    (ticket,) = sell(world, trip, seats=["12a"])
    detail = client.get(f"/api/v1/tickets/{ticket.id}", headers=auth_headers(world.passenger)).get_json()
    body = scan(client, auth_headers(world.driver), trip, payload=detail["qr_payload"]).get_json()
    assert body["result"] == "valid" and body["ticket"]["seat"] == "12a" and "seat 12a" in body["reason"]


def test_layout_of_a_bus_on_the_road_cannot_change(client, world, auth_headers):
    """Scanners map the QR's index through the layout until the trip arrives."""
    world.trip.status = "departed"
    db.session.commit()
    url = f"/api/v1/carriers/{world.carrier.id}/vehicles/{world.vehicle.id}"
    answer = client.patch(url, json={"seat_layout": list(reversed(world.vehicle.seat_layout))},
                          headers=auth_headers(world.admin))
    assert answer.status_code == 409 and answer.get_json()["type"].endswith("vehicle-in-use")
    world.trip.status = "arrived"
    db.session.commit()
    answer = client.patch(url, json={"seat_layout": ["1", "2"]}, headers=auth_headers(world.admin))
    assert answer.status_code == 200, answer.get_json()
