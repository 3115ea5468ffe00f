"""Airtime payments: premium SMS from our short code, charged to the subscriber's airtime.

The operator bills each premium message the fixed tariff of its keyword (price points set
with the operator, ``AT_PREMIUM_PRICE_POINTS``), so a total is sent as the few messages
whose prices make it exactly (``app.payments.airtime.plan_airtime``, checked up front by
``open_payment``). Each message's outcome comes by its own delivery report
(POST /channels/sms/delivery), keyed by the message id the gateway returns here. An
ambiguous send is not retried (double charge); after a refused send the remaining messages
are not sent, and the payment fails once the reports of those already sent arrive (what
they took goes to the wallet).
"""
from __future__ import annotations

import logging

from flask import current_app

from app.core.phone import mask_phone
from app.messaging import Amount, t
from app.payments.airtime import passenger_language, plan_airtime
from app.payments.providers.base import StartResult
from app.messaging.at_gateway import AfricasTalkingSms, SmsGatewayError

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


def charge_texts(payment, account_reference: str, plan) -> list[str]:
    """The text of each premium message, in the passenger's language."""
    language = passenger_language(payment)
    return [t("airtime_charge_text", language, amount=Amount(point.amount, payment.currency),
              part=i, parts=len(plan), code=account_reference) for i, point in enumerate(plan, 1)]


class AirtimeProvider:
    name = "africastalking"

    def start(self, payment, *, account_reference: str, description: str, link_id: str | None = None) -> StartResult:
        plan = plan_airtime(payment.amount, payment.currency)
        texts = charge_texts(payment, account_reference, plan)
        unavailable = "airtime_fail_unavailable"  # catalogue keys: the payment says them in the payer's language
        charges = []
        for seq, (point, text) in enumerate(zip(plan, texts), 1):
            try:
                status = get_gateway().send_premium(payment.phone, text, point.keyword, link_id=link_id)
            except (SmsGatewayError, ValueError) as exc:
                log.warning("premium SMS %d/%d for payment %s to %s failed: %s", seq, len(plan), payment.id,
                            mask_phone(payment.phone), exc)
                charges.append((seq, point.keyword, point.amount, None, str(exc)[:80]))
                break
            if not status.accepted or not status.message_id:
                charges.append((seq, point.keyword, point.amount, None, status.status[:80]))
                break
            charges.append((seq, point.keyword, point.amount, status.message_id, None))
        sent = [c for c in charges if c[3]]
        if not sent:
            return StartResult(False, failure_reason=(charges[0][4] or "operator refused")[:200], message=unavailable)
        return StartResult(True, provider_ref=sent[0][3], charges=tuple(charges),
                           message="airtime_started")
