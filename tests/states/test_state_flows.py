"""What the state machines record along real journeys: a ticket's history from issue to
cancellation, the one rule for ticket expiry (read at once, recorded by the sweep), and
the payment an unanswered M-Pesa prompt leaves ``expired``."""
from __future__ import annotations

from datetime import timedelta

from app.booking.service import list_tickets
from app.states.history import history_of
from app.database import utcnow
from app.extensions import db
from app.jobs.periodic import run_all_once
from app.sales import cancelling
from app.sales.paying import pay_order
from app.ticketing.states import expire_tickets
from tests.tickets.test_scan_batch import item, past_trip, upload
from tests.tickets.test_scan_support import sell
from app.ticketing.transitions import transition_ticket
from app.ticketing.models import Ticket


def _steps(entity, row_id):
    return [(h.from_status, h.to_status, h.actor) for h in history_of(entity, row_id)]


def test_a_tickets_history_says_who_issued_and_who_cancelled_it(client, world, auth_headers):
    h = auth_headers(world.passenger)
    world.trip.departure_at = utcnow() + timedelta(hours=48)
    world.trip.arrival_at = world.trip.departure_at + timedelta(hours=6)
    db.session.commit()
    order = client.post("/api/v1/orders", headers=h, json={
        "trip_id": world.trip.id, "origin_stop_id": world.nairobi.id, "destination_stop_id": world.eldoret.id,
        "passengers": [{"fare_class": "standard"}]}).get_json()
    payment = pay_order(world.passenger, order["id"], "mpesa", phone=world.passenger.phone)  # sandbox
    [ticket] = client.get("/api/v1/tickets", headers=h).get_json()
    response = client.post(f"/api/v1/orders/{order['id']}/cancel", json={"ticket_ids": [ticket["id"]]}, headers=h)
    assert response.status_code == 200, response.get_json()

    passenger, sandbox = f"user:{world.passenger.id}", "provider:sandbox"
    assert _steps("ticket", ticket["id"]) == [(None, "valid", sandbox), ("valid", "cancelled", passenger)]
    assert _steps("order", order["id"]) == [
        (None, "pending_payment", passenger), ("pending_payment", "paid", sandbox), ("paid", "refunded", passenger)]
    assert _steps("payment", payment.id) == [
        (None, "initiated", passenger), ("initiated", "pending", sandbox), ("pending", "succeeded", sandbox),
        ("succeeded", "refunded", passenger)]
    reasons = [h.reason or "" for entity, row in (("order", order["id"]), ("payment", payment.id))
               for h in history_of(entity, row)]
    assert not any(world.passenger.phone[1:] in reason for reason in reasons)


def test_an_expired_ticket_is_expired_everywhere_before_and_after_the_sweep(app, world):
    used, past, cancelled = sell(world, names=["A", "B", "C"])
    transition_ticket(used, "used", actor="system:test")
    transition_ticket(cancelled, "cancelled", actor="system:test")
    db.session.commit()
    after = past.valid_until + timedelta(minutes=1)
    before = past.valid_until - timedelta(minutes=1)

    assert not past.expired_at(before) and past.expired_at(after)
    assert past.is_active(before) and not past.is_active(after) and not used.is_active(before)
    assert past in list_tickets(world.passenger, "active", now=before)
    assert past not in list_tickets(world.passenger, "active", now=after)  # read time: already over
    assert past in list_tickets(world.passenger, "history", now=after)

    assert expire_tickets(now=before) == 0
    assert expire_tickets(now=after) == 1  # only the valid one; used and cancelled stay as they are
    db.session.expire_all()
    assert [t.status for t in (used, past, cancelled)] == ["used", "expired", "cancelled"]
    assert _steps("ticket", past.id)[-1] == ("valid", "expired", "system:ticket-expiry")
    assert past in list_tickets(world.passenger, "history", now=after) and past.expired_at(after)
    assert expire_tickets(now=after) == 0  # nothing left to expire, no second history row


def test_the_periodic_sweep_expires_tickets_whose_trip_has_arrived(app, world):
    ticket = sell(world)[0]
    ticket_id = ticket.id
    long_ago = utcnow() - timedelta(days=2)
    db.session.query(Ticket).filter(Ticket.id == ticket_id).update(  # the trip arrived long ago
        {Ticket.valid_from: long_ago, Ticket.valid_until: long_ago + timedelta(hours=8)}, synchronize_session=False)
    db.session.commit()
    outcome = run_all_once()
    assert outcome["app.ticketing.states:expire_tickets"] == "ok 1"
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).status == "expired"


def test_a_boarding_made_offline_inside_the_window_counts_even_after_the_sweep(client, world, auth_headers):
    trip = past_trip(world)  # its tickets' window closed 1.5 hours ago
    ticket = sell(world, trip)[0]
    ticket_id = ticket.id
    assert expire_tickets() == 1
    db.session.commit()  # the job runner commits a sweep
    boarded_at = trip.departure_at - timedelta(minutes=10)
    response = upload(client, auth_headers(world.driver), trip, "dev-A", [item("n1", boarded_at,
                                                                               code=ticket.short_code)])
    assert [r["result"] for r in response.get_json()["results"]] == ["valid"]
    assert _steps("ticket", ticket_id)[-2:] == [
        ("valid", "expired", "system:ticket-expiry"), ("expired", "used", f"user:{world.driver.id}")]
    late = upload(client, auth_headers(world.driver), trip, "dev-A", [item("n2", utcnow(), code=ticket.short_code)])
    assert [r["result"] for r in late.get_json()["results"]] == ["already_used"]


def test_a_trip_cancelled_after_its_time_refunds_tickets_the_sweep_expired(client, world, auth_headers, monkeypatch):
    refunded = []
    monkeypatch.setattr(cancelling, "refund_order", lambda order, amount, **kw: refunded.append(amount))
    trip = past_trip(world)  # never ran: still scheduled, its tickets' window closed
    ticket = sell(world, trip)[0]
    ticket_id, price = ticket.id, ticket.order_item.price
    assert expire_tickets() == 1
    db.session.commit()  # the job runner commits a sweep
    response = client.post(f"/api/v1/carriers/{world.carrier.id}/trips/{trip.id}/cancel",
                           json={"reason": "Bus broke down"}, headers=auth_headers(world.admin))
    assert response.status_code == 200 and response.get_json()["orders_refunded"] == 1
    assert refunded == [price]
    assert _steps("ticket", ticket_id)[-1] == ("expired", "refunded", f"user:{world.admin.id}")


def test_the_history_command_prints_a_tickets_changes(app, world, runner):
    ticket = sell(world)[0]
    transition_ticket(ticket, "cancelled", actor=f"user:{world.passenger.id}", reason="cancelled by the passenger")
    db.session.commit()
    out = runner.invoke(args=["history", "ticket", str(ticket.id)]).output.splitlines()
    assert [line.split("  ", 1)[1] for line in out] == [
        "(new) -> valid  system:payments  order " + ticket.order.code + " paid",
        f"valid -> cancelled  user:{world.passenger.id}  cancelled by the passenger",
    ]
    refused = runner.invoke(args=["history", "tickets", "1"])
    assert refused.exit_code != 0 and "ticket" in refused.output
