"""How many SQL statements an online scan costs (PostgreSQL, where production runs).

Why a test: a gate scans a coach's passengers in a few minutes and each scan is a round
trip the driver waits for (issue 17). The trip comes with the driver's assignment, and the
ticket with its order, in one statement each; the counts are upper bounds, so a change that
adds one shows here. Statements, not time: nothing here is timed.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.ticketing.models import Ticket
from app.ticketing.scan_models import Scan
from tests import factories
from tests.sales.test_statement_counts import Counter
from tests.tickets.test_scan_support import boarding_trip, payload_for, scan, sell  # noqa: F401 - a fixture

pytestmark = pytest.mark.postgres_only

# The driver's account is already in this test's session; a real request reads it first (+1).
BOARDS_MAX = 5  # trip + assignment, ticket + order (locked), the ticket's update, the scan, its history
ALREADY_USED_MAX = 4  # trip + assignment, ticket + order, the first boarding, the scan


def test_a_scan_takes_few_statements_and_still_boards_once(client, db, world, boarding_trip):
    (ticket,) = sell(world, boarding_trip)
    headers = factories.auth_headers(world.driver)
    warm_ticket, = sell(world, boarding_trip, names=("Achieng Otieno",))
    scan(client, headers, boarding_trip, payload=payload_for(warm_ticket))  # first use: keys, settings
    payload = payload_for(ticket)
    counter = Counter(db.engine)
    try:
        boarded, boards = counter.during(lambda: scan(client, headers, boarding_trip, payload=payload))
        again, repeat = counter.during(lambda: scan(client, headers, boarding_trip, payload=payload))
    finally:
        counter.close()
    assert boarded.get_json()["result"] == "valid" and again.get_json()["result"] == "already_used"
    assert len(boards) <= BOARDS_MAX, "\n".join(boards)
    assert len(repeat) <= ALREADY_USED_MAX, "\n".join(repeat)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "used"
    results = db.session.scalars(select(Scan.result).where(Scan.ticket_id == ticket.id).order_by(Scan.id)).all()
    assert results == ["valid", "already_used"]
