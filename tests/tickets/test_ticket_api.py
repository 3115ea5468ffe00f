"""A passenger's ticket over HTTP: detail, QR images read back by a real decoder, short link."""
from __future__ import annotations

from datetime import timedelta, timezone
from io import BytesIO

import zxingcpp
from PIL import Image

from app.core.timeutil import to_local
from tests import factories
from tests.tickets.test_scan_support import sell
from app.ticketing.issuing import ticket_sms_text
from app.ticketing.transitions import transition_ticket
from tickets.shortcode import format_short_code
from tickets.verifier import Verifier


def test_ticket_detail_for_its_owner_only(client, world, auth_headers, db):
    ticket = sell(world, names=["Wanjiku Kamau"])[0]
    response = client.get(f"/api/v1/tickets/{ticket.id}", headers=auth_headers(world.passenger))
    assert response.status_code == 200
    body = response.get_json()
    assert body["seat"] == ticket.seat and body["status"] == "valid" and body["fare_class"] == "standard"
    assert body["number"] == f"{ticket.order.code}-{ticket.seat}"
    assert body["short_code"] == format_short_code(ticket.short_code)
    assert body["trip"]["origin"]["code"] == "NBO" and body["trip"]["destination"]["code"] == "ELD"
    assert body["trip"]["departure_at"].endswith("+03:00") and "T08:00:00" in body["trip"]["departure_at"]
    assert "departure_local" not in body["trip"]  # one name per thing: trips and tickets say departure_at
    assert body["valid_from"].endswith("+03:00") and body["qr_payload"].startswith("SF1:")
    assert body["short_link"] == f"https://tickets.example.test/t/{ticket.short_code}"

    other = factories.make_user()
    db.session.commit()
    for path in ("", "/qr.png", "/qr.svg"):
        response = client.get(f"/api/v1/tickets/{ticket.id}{path}", headers=auth_headers(other))
        assert response.status_code == 404, path
    assert client.get(f"/api/v1/tickets/{ticket.id}").status_code == 401


def test_qr_png_decodes_to_a_ticket_the_published_keys_verify(client, world, auth_headers):
    ticket = sell(world)[0]
    headers = auth_headers(world.passenger)
    detail = client.get(f"/api/v1/tickets/{ticket.id}", headers=headers).get_json()
    png = client.get(f"/api/v1/tickets/{ticket.id}/qr.png", headers=headers)
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["Cache-Control"].startswith("private, max-age=")

    (barcode,) = zxingcpp.read_barcodes(Image.open(BytesIO(png.data)))
    assert barcode.text == detail["qr_payload"]
    jwks = client.get("/.well-known/ticket-keys.json").get_json()
    verdict = Verifier.from_jwks(jwks).verify(barcode.text, now=ticket.valid_from)
    assert verdict.status == "valid"
    assert (verdict.claims.ticket_id, verdict.claims.trip_id) == (ticket.id, ticket.trip_id)
    assert world.vehicle.seat_layout[verdict.claims.seat_index] == ticket.seat

    cached = client.get(f"/api/v1/tickets/{ticket.id}/qr.png",
                        headers={**headers, "If-None-Match": png.headers["ETag"]})
    assert cached.status_code == 304 and cached.data == b""


def test_qr_svg(client, world, auth_headers):
    ticket = sell(world)[0]
    headers = auth_headers(world.passenger)
    svg = client.get(f"/api/v1/tickets/{ticket.id}/qr.svg", headers=headers)
    png = client.get(f"/api/v1/tickets/{ticket.id}/qr.png", headers=headers)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert svg.headers["ETag"] != png.headers["ETag"]


def test_short_link_page(client, world, db):
    ticket = sell(world, names=["Wanjiku Kamau"])[0]
    page = client.get(f"/t/{format_short_code(ticket.short_code).lower()}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<svg" in html and "W.K." in html and "Wanjiku" not in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"

    typo = client.get(f"/t/{ticket.short_code[1]}{ticket.short_code[0]}{ticket.short_code[2:]}")
    if ticket.short_code[0] != ticket.short_code[1]:
        assert typo.status_code == 404 and "typo" in typo.get_data(as_text=True)
    unknown = client.get("/t/8Z2K4M7QX4")
    assert unknown.status_code == 404 and "No ticket" in unknown.get_data(as_text=True)

    transition_ticket(ticket, "cancelled", actor="system:test", reason="test")
    db.session.commit()
    html = client.get(f"/t/{ticket.short_code}").get_data(as_text=True)
    assert "cancelled" in html and "<svg" not in html


def test_short_link_page_shows_the_boarding_time_in_local_time_like_the_sms(client, world):
    """The page said the trip's UTC time without an offset while the SMS said local time."""
    ticket = sell(world, origin=world.nakuru)[0]  # Nakuru: 150 minutes after 08:00 in Nairobi
    html = client.get(f"/t/{ticket.short_code}").get_data(as_text=True)
    boards = to_local(world.trip.departure_at, "Africa/Nairobi") + timedelta(minutes=150)
    assert f"{boards:%d %b %Y} 10:30 EAT (UTC+03:00)" in html
    assert f'datetime="{boards.isoformat()}"' in html and 'data-field="from">Nakuru<' in html
    utc = world.trip.departure_at.astimezone(timezone.utc)
    assert f"{utc:%H:%M}" not in html  # neither the trip's UTC departure (05:00) ...
    assert "08:00" not in html  # ... nor its departure from the first stop
    assert f"{boards:%d %b} 10:30" in ticket_sms_text(ticket)  # the same moment as the SMS
