"""`PORT=18600 make run`: the ticket SMS links to where the app serves, not to port 5000.

The app here is built as `make run` builds it: no PUBLIC_BASE_URL, only the HOST/PORT the
Makefile exports; the SMS then comes from a real paid order.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db as _db
from app.messaging.models import OutboundMessage
from tests.conftest import _empty_all_tables, test_config
from app.ticketing.models import Ticket


@pytest.fixture
def app(database_url, tmp_path_factory, _schema, monkeypatch):
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "18600")
    config = test_config(database_url, tmp_path_factory)
    del config["PUBLIC_BASE_URL"]  # the embedded default, as `make run` has it
    app = create_app(config)
    with app.app_context():
        yield app
        _db.session.rollback()
        _empty_all_tables()
        _db.session.remove()
        _db.engine.dispose()


def test_ticket_sms_links_to_the_port_make_run_serves(app, book, pay, world):
    order = book([{"seat": "3"}]).json
    pay(order)
    (ticket,) = _db.session.scalars(select(Ticket).where(Ticket.order_id == order["id"]))
    (sms,) = _db.session.scalars(select(OutboundMessage.text).where(OutboundMessage.to_phone == world.passenger.phone))
    assert f"http://127.0.0.1:18600/t/{ticket.short_code}" in sms
    assert ":5000" not in sms
