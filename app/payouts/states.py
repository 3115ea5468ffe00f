"""The payout state machine (applied by ``app.states.machine``).

``pending`` (owed, not sent) → ``sent`` (Daraja took a B2C or reversal request) →
``paid`` (its result, or a status check, says the money left) or ``failed`` (Daraja says it
did not). ``failed → sent``: a retry, with the next attempt's key. ``pending | failed →
paid``: a person paid it by hand and gives the reference. ``pending | failed → returned``:
the money went back to the passenger's wallet instead (a reversal Daraja refused, a
withdrawal a person gave back). A ``sent`` payout whose result never comes stays ``sent``
until a Transaction Status answer settles it (``app.payouts.sending``): a payout whose
outcome is unknown is never sent again under a new key.
"""
from __future__ import annotations

from app.errors import Conflict
from app.payouts.models import Payout
from app.states.machine import Machine

PAYOUT = Machine("payout", Payout, {
    "pending": {"sent", "paid", "returned"},
    "sent": {"paid", "failed"},
    "failed": {"sent", "paid", "returned"},
}, initial={"pending"}, slug="payout-state",
    refusal=lambda machine, current, to: Conflict(f"This payout is {current}; it cannot become {to}.",
                                                  slug="payout-state"))
