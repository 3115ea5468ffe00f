"""Driver manifests: contents, incremental sync by cursor, ETag/304, access."""
from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.database import utcnow
from tests import factories
from tests.tickets.test_scan_support import assign, sell
from app.ticketing.transitions import transition_ticket
from app.ticketing.manifest import encode_cursor
from app.ticketing.models import Ticket
from tickets.shortcode import short_code_hash


def url(trip, since=None):
    return f"/api/v1/driver/trips/{trip.id}/manifest" + (f"?since={since}" if since else "")


def backdate_all(db, hours=1, ids=None):
    """As if the tickets changed an hour ago (the cursor trails the clock by a lag)."""
    stmt = update(Ticket).values(updated_at=utcnow() - timedelta(hours=hours))
    db.session.execute(stmt.where(Ticket.id.in_(ids)) if ids else stmt)
    db.session.commit()


def test_full_manifest_has_no_codes_or_names(client, world, auth_headers):
    assign(world.driver, world.trip)
    tickets = sell(world, names=["Amani Baraka", "Neema Chebet"])
    response = client.get(url(world.trip), headers=auth_headers(world.driver))
    assert response.status_code == 200 and response.headers["ETag"]
    body = response.get_json()
    assert body["full"] is True and body["trip"]["id"] == world.trip.id
    assert [t["id"] for t in body["tickets"]] == [t.id for t in tickets]
    entry = body["tickets"][0]
    assert entry["initials"] == "A.B." and entry["status"] == "valid"
    assert entry["short_code_hash"] == short_code_hash(tickets[0].short_code)
    text = response.get_data(as_text=True)
    assert tickets[0].short_code not in text and "Amani" not in text


def test_incremental_sync_and_304(client, world, auth_headers, db):
    assign(world.driver, world.trip)
    first, second = sell(world, names=["Amani Baraka", "Neema Chebet"])
    backdate_all(db)
    headers = auth_headers(world.driver)
    full = client.get(url(world.trip), headers=headers)
    cursor, etag = full.get_json()["cursor"], full.headers["ETag"]

    unchanged = client.get(url(world.trip), headers={**headers, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag

    delta = client.get(url(world.trip, cursor), headers=headers).get_json()
    assert delta["full"] is False and delta["tickets"] == [] and delta["cursor"] == cursor

    transition_ticket(second, "cancelled", actor="system:test", reason="passenger cancelled")
    db.session.commit()
    delta = client.get(url(world.trip, cursor), headers=headers)
    body = delta.get_json()
    assert [(t["id"], t["status"]) for t in body["tickets"]] == [(second.id, "cancelled")]
    assert body["revoked_ticket_ids"] == [second.id]
    # A change younger than the lag keeps the cursor behind it (a commit racing the read
    # must not be skipped), so it is sent again until it has settled...
    assert body["cursor"] < encode_cursor(utcnow()) and body["cursor"] > cursor
    assert client.get(url(world.trip, body["cursor"]), headers=headers).get_json()["tickets"]
    # ...and once settled, re-syncing from the same cursor is a 304.
    backdate_all(db, hours=0.5, ids=[second.id])
    settled = client.get(url(world.trip, cursor), headers=headers)
    again = client.get(url(world.trip, cursor), headers={**headers, "If-None-Match": settled.headers["ETag"]})
    assert again.status_code == 304
    after = client.get(url(world.trip, settled.get_json()["cursor"]), headers=headers).get_json()
    assert after["tickets"] == []
    assert client.get(url(world.trip), headers={**headers, "If-None-Match": etag}).status_code == 200


def test_bad_cursor_and_access(client, world, auth_headers, db):
    assign(world.driver, world.trip)
    assert client.get(url(world.trip, "yesterday"), headers=auth_headers(world.driver)).status_code == 400
    stranger = factories.make_user("driver", carrier=factories.make_carrier("Other"))
    idle = factories.make_user("driver", carrier=world.carrier)
    db.session.commit()
    assert client.get(url(world.trip), headers=auth_headers(stranger)).status_code == 404
    assert client.get(url(world.trip), headers=auth_headers(idle)).status_code == 403
    assert client.get(url(world.trip), headers=auth_headers(world.passenger)).status_code == 403


@pytest.mark.parametrize("since", [
    "999999999999999999",  # 18 digits: year 31,690 (OverflowError in decode_cursor before)
    "99999999999999999",  # year 5138: never handed out either
    "9" * 19, "9" * 400, "-1", "1e9", "１２３",  # too long, signed, not digits, non-ASCII digits
])
def test_a_cursor_this_server_never_handed_out_is_a_400_problem(client, world, auth_headers, since):
    assign(world.driver, world.trip)
    response = client.get(url(world.trip, since), headers=auth_headers(world.driver))
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "/problems/bad-cursor"


def test_sixty_seat_manifest_stays_small(client, auth_headers, app):
    """The bench reports the figure; this guards against a regression by a wide margin."""
    world = factories.build_world(seats=60)
    assign(world.driver, world.trip)
    for start in range(0, 60, 10):
        sell(world, names=[f"Passenger Number{i}" for i in range(start, start + 10)])
    body = client.get(url(world.trip), headers=auth_headers(world.driver)).get_data()
    assert len(json.loads(body)["tickets"]) == 60
    assert len(body) < 20_000 and len(gzip.compress(body)) < 8_000
