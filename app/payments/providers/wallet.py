"""Wallet payments settle at once: no operator, so no callback to wait for.

Kept as a provider so that the payment row, the state machine and settlement are the same
as for every other method; ``start`` is never called (see ``app.sales.paying``: a wallet
purchase is confirmed in the same unit of work).
"""
from __future__ import annotations

from app.payments.providers.base import StartResult


class WalletProvider:
    name = "wallet"

    def start(self, payment, *, account_reference: str, description: str, link_id: str | None = None) -> StartResult:
        raise RuntimeError("wallet payments settle in the purchase itself; there is nothing to start")

