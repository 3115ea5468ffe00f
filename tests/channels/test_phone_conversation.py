"""``GET /dev/phone/conversation``: the simulated phone's SMS both ways, oldest first, Nairobi time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.messaging.models import OutboundMessage
from channels.sms.models import InboundSms


def test_both_directions_oldest_first_in_nairobi_time(client, world, db):
    phone = world.passenger.phone
    t0 = datetime(2026, 12, 12, 5, 0, tzinfo=timezone.utc)  # 08:00 in Nairobi
    db.session.add_all([
        OutboundMessage(to_phone=phone, text="Your code is 123456", kind="otp", created_at=t0),
        InboundSms(gateway_id="g1", from_phone=phone, text="BAL", received_at=t0 + timedelta(minutes=5)),
        # A reply stamped in the same microsecond as its request still comes after it.
        OutboundMessage(to_phone=phone, text="Safiri wallet balance: KES 0", kind="reply",
                        created_at=t0 + timedelta(minutes=5)),
        InboundSms(gateway_id="g2", from_phone="+254722000999", text="HELP", received_at=t0),
        OutboundMessage(to_phone="+254722000999", text="not ours", kind="reply", created_at=t0),
    ])
    db.session.commit()
    thread = client.get("/dev/phone/conversation", query_string={"phone": "0711 000111"}).get_json()
    assert [(m["direction"], m["text"]) for m in thread] == [
        ("received", "Your code is 123456"), ("sent", "BAL"), ("received", "Safiri wallet balance: KES 0")]
    assert thread[0]["at"] == "2026-12-12T08:00:00+03:00"
    assert thread[1]["at_local"] == "Sat 12 Dec 08:05 EAT"


def test_bad_phone_is_a_clear_400(client, world):
    answer = client.get("/dev/phone/conversation", query_string={"phone": "hello"})
    assert answer.status_code == 400 and answer.content_type == "application/problem+json"
