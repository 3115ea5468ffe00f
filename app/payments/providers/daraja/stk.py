"""Lipa na M-Pesa Online: the STK push (PIN prompt) and the STK query that settles it.

Why a query besides the callback: Daraja sometimes never calls back, so a poller asks how
each push ended; "still being processed" is an answer (pending), not a failure.
"""
from __future__ import annotations

import logging

from app.payments.providers.daraja.errors import DarajaError, DarajaUnavailable, MalformedCallback
from app.payments.providers.daraja.results import StkPushAccepted, StkQueryResult
from app.payments.providers.daraja.wire import (
    ACCOUNT_REFERENCE_MAX,
    STK_QUERY_PROCESSING_CODE,
    TRANSACTION_DESC_MAX,
    _as_int,
    _daraja_msisdn,
    _require_accepted,
    check_callback_url,
    mask_phone,
)

log = logging.getLogger(__name__)


class StkOperations:
    """STK push and query; mixed into ``DarajaClient`` over ``DarajaHttp``'s transport."""

    def stk_push(
        self,
        phone_e164: str,
        amount_minor: int,
        account_reference: str,
        description: str,
        callback_url: str,
    ) -> StkPushAccepted:
        """Prompt the customer's phone for their M-Pesa PIN (Lipa na M-Pesa Online, Paybill).

        Daraja takes whole shillings only, so ``amount_minor`` must be a multiple of 100 (we
        refuse rather than round: rounding would change the price). ``AccountReference`` is
        shown to the customer and capped at 12 characters: too long is refused, not cut,
        because it is the booking code we match the payment on.
        """
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
            raise ValueError("amount_minor must be an int")
        if amount_minor <= 0 or amount_minor % 100:
            raise ValueError("amount_minor must be a positive whole number of shillings (x100)")
        msisdn = _daraja_msisdn(phone_e164)
        if not account_reference or len(account_reference) > ACCOUNT_REFERENCE_MAX:
            raise ValueError(f"account_reference must be 1..{ACCOUNT_REFERENCE_MAX} characters")
        description = description.strip()[:TRANSACTION_DESC_MAX]
        if not description:
            raise ValueError("description must not be empty")
        check_callback_url(callback_url)

        ts = self.timestamp()
        payload = {
            "BusinessShortCode": self.shortcode,
            "Password": self.password(ts),
            "Timestamp": ts,
            "TransactionType": "CustomerPayBillOnline",
            "Amount": str(amount_minor // 100),
            "PartyA": msisdn,
            "PartyB": self.shortcode,
            "PhoneNumber": msisdn,
            "CallBackURL": callback_url,
            "AccountReference": account_reference,
            "TransactionDesc": description,
        }
        log.info(
            "daraja: STK push %s KES %d to %s",
            account_reference, amount_minor // 100, mask_phone(phone_e164),
        )
        body = self._post("/mpesa/stkpush/v1/processrequest", payload, "STK push")
        _require_accepted(body, "STK push")
        try:
            return StkPushAccepted(
                merchant_request_id=str(body["MerchantRequestID"]),
                checkout_request_id=str(body["CheckoutRequestID"]),
                customer_message=str(body.get("CustomerMessage", "")),
            )
        except KeyError as exc:
            raise DarajaError(f"answer lacks {exc.args[0]}", body=body, operation="STK push") from None

    def stk_query(self, checkout_request_id: str) -> StkQueryResult:
        """Ask Daraja how an STK push ended (Daraja sometimes never calls back).

        While the customer has not answered the prompt Daraja replies HTTP 500 with
        ``500.001.1001`` "The transaction is being processed": reported as pending
        (``result_code=None``) so a poller can simply try again later.
        """
        if not checkout_request_id:
            raise ValueError("checkout_request_id must not be empty")
        ts = self.timestamp()
        payload = {
            "BusinessShortCode": self.shortcode,
            "Password": self.password(ts),
            "Timestamp": ts,
            "CheckoutRequestID": checkout_request_id,
        }
        try:
            body = self._post(
                "/mpesa/stkpushquery/v1/query",
                payload,
                "STK query",
                expected_codes=frozenset({STK_QUERY_PROCESSING_CODE}),
            )
        except DarajaError as exc:
            if not isinstance(exc, DarajaUnavailable) and exc.code == STK_QUERY_PROCESSING_CODE:
                return StkQueryResult(None, exc.message, exc.body or {})
            raise
        _require_accepted(body, "STK query")
        if body.get("ResultCode") is None:
            return StkQueryResult(None, str(body.get("ResultDesc", "")), body)
        try:
            result_code = _as_int(body["ResultCode"], "ResultCode")
        except MalformedCallback as exc:
            raise DarajaError(str(exc), body=body, operation="STK query") from None
        return StkQueryResult(result_code, str(body.get("ResultDesc", "")), body)
