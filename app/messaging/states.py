"""The outbound-SMS state machine (applied by ``app.states.machine``).

A message starts ``queued`` (the column default: it is written in the same transaction as
the change that causes it, the outbox). ``queued → sent`` (the gateway took it) ``|
rejected`` (a final refusal: invalid or blacklisted number) ``| failed`` (retries used
up, or its recipient was erased before it left); ``sent → delivered | failed`` by the
gateway's delivery report (which may also overtake the send's own answer:
``queued → delivered``). A retryable failure leaves it ``queued`` for the next attempt.
"""
from __future__ import annotations

from app.states.machine import Machine
from app.messaging.models import OutboundMessage

SMS = Machine("sms", OutboundMessage, {
    "queued": {"sent", "rejected", "failed", "delivered"},
    "sent": {"delivered", "failed"},
}, initial={"queued"}, slug="sms-state", noun="message")
