"""``flask verify-ticket PAYLOAD [--jwks FILE]``."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from tests.tickets.test_scan_support import payload_for, sell
from app.ticketing.keyring import get_keyring
from tickets.codec import TicketClaims
from tickets.keys import Keyring


def test_prints_the_ticket_and_a_valid_signature(runner, world):
    ticket = sell(world)[0]
    result = runner.invoke(args=["verify-ticket", payload_for(ticket)])
    assert result.exit_code == 0, result.output
    assert (f"ticket {ticket.id}, trip {ticket.trip_id}, seat {ticket.seat} (index {ticket.seat_index})"
            in result.output)
    assert "signature: valid" in result.output


def test_flipped_payload_is_invalid(runner, world):
    payload = payload_for(sell(world)[0])
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    result = runner.invoke(args=["verify-ticket", flipped])
    assert result.exit_code == 1 and "signature: invalid" in result.output
    garbage = runner.invoke(args=["verify-ticket", "not a ticket"])
    assert garbage.exit_code == 1 and "decoded: no" in garbage.output


def test_with_a_downloaded_jwks(runner, world, tmp_path):
    payload = payload_for(sell(world)[0])
    ours, theirs = tmp_path / "ours.json", tmp_path / "theirs.json"
    ours.write_text(json.dumps(get_keyring().jwks()))
    theirs.write_text(json.dumps(Keyring.generate("k1").jwks()))
    assert runner.invoke(args=["verify-ticket", "--jwks", str(ours), payload]).exit_code == 0
    other = runner.invoke(args=["verify-ticket", "--jwks", str(theirs), payload])
    assert other.exit_code == 1 and "signature: invalid" in other.output


def test_seat_of_an_unknown_trip_is_shown_by_number(runner, app):
    """Without the trip's layout the seat index is all there is: "seat #<index + 1>"."""
    keyring = get_keyring()
    claims = TicketClaims(7, 2**32 - 1, 2, "standard", datetime(2025, 1, 1, tzinfo=timezone.utc),
                          datetime(2025, 1, 2, tzinfo=timezone.utc), keyring.signing_kid)
    result = runner.invoke(args=["verify-ticket", keyring.sign(claims)])
    assert result.exit_code == 0, result.output
    assert "ticket 7, trip 4294967295, seat #3 (index 2)" in result.output
