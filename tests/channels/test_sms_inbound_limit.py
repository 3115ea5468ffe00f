"""Inbound SMS are limited per sender number (``SMS_INBOUND_RATE_LIMIT``).

Why: 100 messages from one number in a second got 100 replies (each one an SMS we pay
for, and work for a web worker). Beyond the limit a message is acknowledged with 200 (the
gateway must not retry it) and nothing else happens: not stored, not read, not answered.
"""
from __future__ import annotations

from limits import parse_many
from sqlalchemy import func, select

from app.extensions import db
from channels.sms.models import InboundSms
from tests.channels.scripts.runner import inbox
from tests.fixtures import load_form


def _send(client, phone: str, n: int, text: str = "BAL"):
    form = load_form("africastalking/sms_inbound.form")
    return client.post("/channels/sms/inbound", data=dict(form, id=f"ATXid_flood_{phone}_{n}", text=text, **{"from": phone}))


def test_messages_beyond_the_limit_are_acknowledged_and_not_answered(app, client, world):
    allowed = min(item.amount for item in parse_many(app.config["SMS_INBOUND_RATE_LIMIT"]))
    answers = [_send(client, world.passenger.phone, n) for n in range(allowed + 10)]
    assert all(a.status_code == 200 for a in answers)
    assert len(inbox(world.passenger.phone)) == allowed
    assert db.session.scalar(select(func.count()).select_from(InboundSms)) == allowed
    # Another number has its own budget.
    assert _send(client, world.admin.phone, 0).status_code == 200
    assert len(inbox(world.admin.phone)) == 1
