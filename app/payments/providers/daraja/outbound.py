"""Money going back out: B2C payments, reversals, and transaction status checks.

Why one module: the three share the API initiator (``initiator``), an answer that only
means "accepted" (the outcome is posted later to ``ResultURL``, or ``QueueTimeOutURL``), and
the same rule on what a failure means. A refusal (``DarajaError``) means Daraja did not
take the request; ``DarajaNoAnswer`` means it may have (the caller must find out, with a
status check, before sending anything again); ``DarajaUnavailable`` means it never left.
Payloads are built in ``wire``; results are parsed by ``callbacks.parse_result``.
"""
from __future__ import annotations

import logging

from app.payments.providers.daraja.errors import DarajaError
from app.payments.providers.daraja.results import InitiatorAccepted
from app.payments.providers.daraja.wire import (
    B2C_PATH,
    REVERSAL_PATH,
    STATUS_PATH,
    _require_accepted,
    b2c_payload,
    mask_phone,
    reversal_payload,
    status_payload,
)

log = logging.getLogger(__name__)


class OutboundOperations:
    """B2C, reversal and status; mixed into ``DarajaClient`` over ``DarajaHttp``'s transport."""

    initiator = None  # app.payments.providers.daraja.initiator.Initiator, set by DarajaHttp

    def _need_initiator(self):
        if self.initiator is None:
            raise ValueError("no API initiator configured (MPESA_INITIATOR_NAME)")
        return self.initiator

    def _initiator_call(self, path: str, payload: dict, what: str) -> InitiatorAccepted:
        body = self._post(path, payload, what)
        _require_accepted(body, what)
        conversation = body.get("ConversationID")
        if not isinstance(conversation, str) or not conversation.strip():
            raise DarajaError("answer lacks ConversationID", body=body, operation=what)
        return InitiatorAccepted(
            conversation_id=conversation.strip(),
            originator_conversation_id=str(body.get("OriginatorConversationID") or ""),
            description=str(body.get("ResponseDescription") or ""),
        )

    def b2c_payment(self, originator_id: str, phone_e164: str, amount_minor: int, *, remarks: str,
                    occasion: str = "", result_url: str, timeout_url: str) -> InitiatorAccepted:
        """Pay ``amount_minor`` (whole shillings) to a customer's M-Pesa.

        ``originator_id`` is the idempotency key: send the same one again to retry a request
        whose answer was lost; Daraja refuses the second if it has the first.
        """
        payload = b2c_payload(self._need_initiator(), originator_id, phone_e164, amount_minor, remarks=remarks,
                              occasion=occasion, result_url=result_url, timeout_url=timeout_url)
        log.info("daraja: B2C %s KES %d to %s", originator_id, amount_minor // 100, mask_phone(phone_e164))
        return self._initiator_call(B2C_PATH, payload, "B2C payment")

    def reverse(self, receipt: str, amount_minor: int, *, remarks: str, result_url: str,
                timeout_url: str) -> InitiatorAccepted:
        """Reverse a customer's payment ``receipt`` to the Paybill (e.g. a booking paid twice)."""
        payload = reversal_payload(self._need_initiator(), receipt, amount_minor, remarks=remarks,
                                   result_url=result_url, timeout_url=timeout_url)
        log.info("daraja: reversal of %s KES %d", receipt, amount_minor // 100)
        return self._initiator_call(REVERSAL_PATH, payload, "reversal")

    def transaction_status(self, *, receipt: str | None = None, originator_id: str | None = None,
                           b2c: bool = False, remarks: str, result_url: str,
                           timeout_url: str) -> InitiatorAccepted:
        """Ask how a transaction ended: by receipt, or by our OriginatorConversationID.

        ``b2c``: the transaction was ours to a customer (asked on the B2C shortcode); else it
        was a customer's payment to the Paybill.
        """
        initiator = self._need_initiator()
        payload = status_payload(initiator, party=initiator.b2c_shortcode if b2c else initiator.shortcode,
                                 receipt=receipt, originator_id=originator_id, remarks=remarks,
                                 result_url=result_url, timeout_url=timeout_url)
        return self._initiator_call(STATUS_PATH, payload, "transaction status")
