"""M-Pesa STK push (Lipa na M-Pesa Online) through Daraja.

One ``DarajaClient`` per app (its OAuth token cache is shared across threads). The
callback URL carries the channel token and avoids the words Daraja refuses.
"""
from __future__ import annotations

import logging

from flask import current_app

from app.core.phone import mask_phone
from app.payments.providers.base import StartResult
from app.payments.providers.daraja import DarajaClient, DarajaError
from app.core.callback_urls import callback_url

log = logging.getLogger(__name__)

STK_CALLBACK_PATH = "/channels/mobile-money/stk"
PROMPT = "mpesa_prompt"  # catalogue key: the payment shows it in the payer's language


def daraja_configured(config) -> bool:
    return bool(config.get("MPESA_CONSUMER_KEY") and config.get("MPESA_CONSUMER_SECRET"))


def get_client() -> DarajaClient:
    app = current_app._get_current_object()
    client = app.extensions.get("daraja_client")
    if client is None:
        client = DarajaClient.from_settings(app.config, timeout=(3.05, 10))
        app.extensions["daraja_client"] = client
    return client


class MpesaStkProvider:
    name = "mpesa"

    def start(self, payment, *, account_reference: str, description: str, link_id: str | None = None) -> StartResult:
        try:
            accepted = get_client().stk_push(
                payment.phone, payment.amount, account_reference, description, callback_url(STK_CALLBACK_PATH)
            )
        except (DarajaError, ValueError) as exc:
            log.warning("STK push for payment %s to %s refused: %s", payment.id, mask_phone(payment.phone), exc)
            return StartResult(
                accepted=False, failure_reason=str(exc)[:200],
                message="mpesa_unavailable",
            )
        return StartResult(accepted=True, provider_ref=accepted.checkout_request_id, message=PROMPT)
