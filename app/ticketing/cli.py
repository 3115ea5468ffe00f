"""``flask --app wsgi verify-ticket PAYLOAD``: decode a QR payload and check its signature.

For support staff and operators: what does this ticket say, and is it ours? It uses the
app's keyring, or ``--jwks FILE`` (a downloaded ``/.well-known/ticket-keys.json``) to
check exactly what an offline scanner would. Exit status 0 when the signature holds
(even if the ticket is outside its window), 1 when it does not.

The payload carries the seat as an index into the trip vehicle's seat layout (ticket
format v2); the label is looked up in this app's database, as a scanner does through
its manifest. A trip this database does not know shows ``seat #<index + 1>``.
"""
from __future__ import annotations

import json
from datetime import datetime

import click
from flask import Flask

from app.catalog.models import Trip
from app.extensions import db
from app.ticketing.keyring import get_keyring
from tickets.codec import InvalidPayload, TicketClaims, decode_unverified
from tickets.keys import KeyringError
from tickets.verifier import Verifier


def seat_label(claims: TicketClaims) -> str:
    """``12a`` (the label of the claims' seat index on its trip's vehicle), else ``#12``."""
    # A signed trip id may exceed the database's integer range (a foreign or test key).
    trip = db.session.get(Trip, claims.trip_id) if claims.trip_id < 2**31 else None
    layout = list(trip.vehicle.seat_layout) if trip is not None else []
    if claims.seat_index < len(layout):
        return str(layout[claims.seat_index])
    return f"#{claims.seat_index + 1}"


def register_ticket_cli(app: Flask) -> None:
    @app.cli.command("verify-ticket")
    @click.argument("payload")
    @click.option("--jwks", "jwks_file", type=click.File("r"), help="verify with this JWK Set instead")
    @click.option("--at", "at", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z"]),
                  help="judge the time window at this moment (ISO with offset; default now)")
    def verify_ticket(payload: str, jwks_file, at: datetime | None) -> None:
        """Print the decoded ticket and whether its signature holds."""
        try:
            verifier = Verifier.from_jwks(json.load(jwks_file)) if jwks_file else Verifier.from_keyring(
                get_keyring(app))
        except (ValueError, KeyringError) as exc:
            raise click.ClickException(f"cannot read the key set: {exc}") from None
        try:
            claims = decode_unverified(payload)[0]
        except InvalidPayload as exc:
            claims = None
            click.echo(f"decoded: no ({exc})")
        if claims is not None:
            click.echo(
                f"decoded: ticket {claims.ticket_id}, trip {claims.trip_id}, seat {seat_label(claims)} "
                f"(index {claims.seat_index}), "
                f"fare {claims.fare_class.value}, key {claims.kid}\n"
                f"valid: {claims.valid_from.isoformat()} .. {claims.valid_until.isoformat()}"
            )
        result = verifier.verify(payload, now=at)
        signature_ok = result.claims is not None
        click.echo(f"signature: {'valid' if signature_ok else 'invalid'}")
        click.echo(f"result: {result.status} ({result.reason})")
        if not signature_ok:
            raise SystemExit(1)
