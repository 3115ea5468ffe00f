"""M-Pesa STK push (Lipa na M-Pesa Online) through Daraja.

One ``DarajaClient`` per app, built once under a lock (gunicorn ``gthread`` runs several
request threads per worker; its OAuth token cache is shared by them). The callback URL
carries the channel token, avoids the words Daraja refuses, and names the payment
(``push=<id>``): Daraja's callback carries no AccountReference, and a push whose answer we
never got has no CheckoutRequestID here, so that is how its callback still finds it.

A push whose answer does not come back in time is not a failure: Daraja has the request
and may prompt the phone, so ``start`` reports it accepted without a reference, and the
payment waits for its callback (``app.payments.stk_window``).
"""
from __future__ import annotations

import logging
import threading

from flask import current_app

from app.core.callback_urls import callback_url
from app.core.phone import mask_phone
from app.payments.providers.base import StartResult
from app.payments.providers.daraja import DarajaClient, DarajaError, DarajaNoAnswer

log = logging.getLogger(__name__)

STK_CALLBACK_PATH = "/channels/mobile-money/stk"
PROMPT = "mpesa_prompt"  # catalogue key: the payment shows it in the payer's language
PROMPT_SLOW = "mpesa_prompt_slow"  # no answer in time: wait for the prompt, we will tell you by SMS
CONNECT_TIMEOUT_SECONDS = 3.05  # just above TCP's 3 s retransmission, as requests suggests

_client_lock = threading.Lock()


def daraja_configured(config) -> bool:
    return bool(config.get("MPESA_CONSUMER_KEY") and config.get("MPESA_CONSUMER_SECRET"))


def get_client() -> DarajaClient:
    """The app's one Daraja client (two threads asking at once still build one)."""
    app = current_app._get_current_object()
    client = app.extensions.get("daraja_client")
    if client is None:
        with _client_lock:
            client = app.extensions.get("daraja_client")
            if client is None:
                timeout = (CONNECT_TIMEOUT_SECONDS, float(app.config.get("MPESA_READ_TIMEOUT_SECONDS") or 6))
                client = DarajaClient.from_settings(app.config, timeout=timeout)
                app.extensions["daraja_client"] = client
    return client


class MpesaStkProvider:
    name = "mpesa"

    @property
    def shortcode(self) -> str | None:
        """The Paybill the pushes go to (``MPESA_SHORTCODE``): recorded on each payment."""
        return current_app.config.get("MPESA_SHORTCODE") or None

    def start(self, payment, *, account_reference: str, description: str, link_id: str | None = None) -> StartResult:
        url = callback_url(STK_CALLBACK_PATH, push=payment.id)
        try:
            accepted = get_client().stk_push(payment.phone, payment.amount, account_reference, description, url)
        except DarajaNoAnswer as exc:
            log.warning("STK push for payment %s to %s sent but not answered (%s): waiting for its callback",
                        payment.id, mask_phone(payment.phone), exc)
            return StartResult(accepted=True, provider_ref=None, message=PROMPT_SLOW)
        except (DarajaError, ValueError) as exc:
            log.warning("STK push for payment %s to %s refused: %s", payment.id, mask_phone(payment.phone), exc)
            return StartResult(
                accepted=False, failure_reason=str(exc)[:200],
                message="mpesa_unavailable",
            )
        return StartResult(accepted=True, provider_ref=accepted.checkout_request_id, message=PROMPT)
