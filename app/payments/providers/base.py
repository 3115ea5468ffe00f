"""What a payment provider does: start a payment; its outcome arrives later and is settled
through ``app.payments.settlement`` (the same path for every provider).

``start`` runs outside any database transaction (it may call an operator over the
network), and must not raise for an operator refusal: it reports it in ``StartResult``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StartResult:
    """``accepted``: the operator has the request, so the payment waits (``pending``) for its
    outcome; ``provider_ref`` None then means it was sent but never answered (Daraja may
    prompt the phone all the same): an *unknown* push, settled by its callback or failed
    when its window closes (``app.payments.stk_window``). Not accepted: refused, or never
    sent; the payment fails now."""

    accepted: bool
    provider_ref: str | None = None
    message: str = ""  # a message catalogue key (app.messaging): shown in the payer's language
    failure_reason: str | None = None
    # Airtime only: one entry per premium message, (seq, keyword, amount, message_id or
    # None when that send failed, failure) — see app.payments.airtime.record_charges.
    charges: tuple = ()


class Provider(Protocol):
    name: str  # stored as Payment.provider

    def start(self, payment, *, account_reference: str, description: str, link_id: str | None = None) -> StartResult:
        ...
