"""SMS are written with the change that causes them and sent only after commit."""
from app.extensions import db
from app.messaging.models import OutboundMessage
from app.messaging.service import queue_sms


def test_committed_message_is_sent_and_readable_in_outbox(app, client):
    queue_sms("+254711000111", "Hello", kind="test")
    db.session.commit()
    message = db.session.scalars(db.select(OutboundMessage)).one()
    db.session.refresh(message)
    assert message.status == "sent" and message.backend == "outbox"
    listed = client.get("/dev/outbox?to=0711000111").get_json()
    assert [m["text"] for m in listed] == ["Hello"]


def test_rolled_back_message_is_never_sent(app, client):
    queue_sms("+254711000111", "Never", kind="test")
    db.session.rollback()
    assert client.get("/dev/outbox").get_json() == []


def test_outbox_filter_rejects_a_malformed_phone(client):
    response = client.get("/dev/outbox?to=12ab")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
