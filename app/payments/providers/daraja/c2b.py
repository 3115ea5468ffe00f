"""C2B (Paybill) URL registration: where Daraja sends validation and confirmation.

Why checked before sending: Daraja refuses URLs containing certain words with an unhelpful
error, and the answer shape differs between sandbox and production.
"""
from __future__ import annotations

from typing import Any

from app.payments.providers.daraja.wire import _require_accepted, check_callback_url


class C2BRegistration:
    """C2B URL registration; mixed into ``DarajaClient`` over ``DarajaHttp``'s transport."""

    def register_c2b_urls(
        self,
        confirmation_url: str,
        validation_url: str,
        response_type: str = "Completed",
    ) -> dict[str, Any]:
        """Register the Paybill's C2B URLs (v1 endpoint); returns Daraja's answer.

        ``response_type`` is what Daraja does when our validation URL cannot be reached:
        ``Completed`` accepts the payment anyway, ``Cancelled`` refuses it.
        """
        if response_type not in ("Completed", "Cancelled"):
            raise ValueError("response_type must be 'Completed' or 'Cancelled'")
        check_callback_url(confirmation_url)
        check_callback_url(validation_url)
        payload = {
            "ShortCode": self.shortcode,
            "ResponseType": response_type,
            "ConfirmationURL": confirmation_url,
            "ValidationURL": validation_url,
        }
        body = self._post("/mpesa/c2b/v1/registerurl", payload, "C2B URL registration")
        if "ResponseCode" in body:
            _require_accepted(body, "C2B URL registration")
        return body
