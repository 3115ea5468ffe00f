"""Airtime payments: a premium SMS from our short code, charged to the subscriber's airtime.

The charge's outcome comes by delivery report (POST /channels/sms/delivery), keyed by the
message id the gateway returns here. The price is what the operator configured for the
short code/keyword, not a per-request amount: the carrier's fares must match a configured
price point (``AT_PREMIUM_KEYWORD``). An ambiguous send is not retried (double charge).
"""
from __future__ import annotations

import logging

from flask import current_app

from app.core.money import format_money
from app.core.phone import mask_phone
from app.payments.providers.base import StartResult
from channels.sms.at_gateway import AfricasTalkingSms, SmsGatewayError

log = logging.getLogger(__name__)


def airtime_configured(config) -> bool:
    return bool(config.get("AT_USERNAME") and config.get("AT_API_KEY") and config.get("AT_SHORT_CODE"))


def get_gateway() -> AfricasTalkingSms:
    app = current_app._get_current_object()
    gateway = app.extensions.get("at_premium")
    if gateway is None:
        cfg = app.config
        gateway = AfricasTalkingSms(cfg["AT_USERNAME"], cfg["AT_API_KEY"], sender_id=cfg.get("AT_SENDER_ID"),
                                    short_code=cfg.get("AT_SHORT_CODE"))
        app.extensions["at_premium"] = gateway
    return gateway


class AirtimeProvider:
    name = "africastalking"

    def start(self, payment, *, account_reference: str, description: str, link_id: str | None = None) -> StartResult:
        keyword = current_app.config.get("AT_PREMIUM_KEYWORD", "SAFIRI")
        text = f"Safiri: {format_money(payment.amount, payment.currency)} for booking {account_reference}."
        try:
            status = get_gateway().send_premium(payment.phone, text, keyword, link_id=link_id)
        except (SmsGatewayError, ValueError) as exc:
            log.warning("premium SMS for payment %s to %s failed: %s", payment.id, mask_phone(payment.phone), exc)
            return StartResult(False, failure_reason=str(exc)[:200],
                               message="We could not charge your airtime right now. Please pay by M-Pesa.")
        if not status.accepted or not status.message_id:
            return StartResult(False, failure_reason=status.status[:200],
                               message="We could not charge your airtime right now. Please pay by M-Pesa.")
        return StartResult(True, provider_ref=status.message_id,
                           message="You will be charged in airtime; wait for the confirmation SMS.")
