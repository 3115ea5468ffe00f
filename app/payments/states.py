"""The payment, refund and airtime-charge state machines (applied by ``app.states.machine``).

Payment: created ``initiated``; ``initiated → pending → succeeded | failed | expired``
(``initiated → succeeded | failed`` when the operator answers at once: wallet, C2B, a
refused push); ``succeeded → refunded``. A failed or expired payment may still become
``succeeded``: when the operator later produces a receipt, money did move, and losing it
would be worse than a late change. ``expired`` is reached by the STK poller
(``app.payments.jobs``) when Daraja never answers. A ``pending`` STK push without a
``provider_ref`` is one whose outcome is unknown (its answer never reached us, or its worker
died): no state of its own, see ``app.payments.stk_window``.

Refund: created ``completed`` (to the wallet, instant) or ``pending_payout`` (owed to
M-Pesa); ``pending_payout → completed`` when its payout (``app.payouts``) is paid, or its
money given back to the wallet instead. How the payout gets there (B2C, reversal, a person)
is the payout's own state machine (``app.payouts.states``).

Airtime charge (one premium SMS of an airtime payment): created ``pending`` (sent) or
``failed`` (the gateway refused it); ``pending → delivered | failed`` by its delivery report.
"""
from __future__ import annotations

from app.states.machine import Machine
from app.errors import Conflict
from app.payments.models import AirtimeCharge, Payment, Refund

PAYMENT = Machine("payment", Payment, {
    "initiated": {"pending", "succeeded", "failed"},
    "pending": {"succeeded", "failed", "expired"},
    "failed": {"succeeded"},
    "expired": {"succeeded"},
    "succeeded": {"refunded"},
}, initial={"initiated"}, slug="payment-state",
    refusal=lambda machine, current, to: Conflict(f"This payment is {current}; it cannot become {to}.",
                                                  slug="payment-state"))

REFUND = Machine("refund", Refund, {
    "pending_payout": {"completed"},
}, initial={"completed", "pending_payout"}, slug="refund-state")

AIRTIME_CHARGE = Machine("airtime_charge", AirtimeCharge, {
    "pending": {"delivered", "failed"},
}, initial={"pending", "failed"}, slug="airtime-charge-state", noun="airtime charge")
