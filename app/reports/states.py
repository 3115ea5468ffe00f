"""The settlement state machine (applied by ``app.states.machine``).

A settlement is created ``pending`` from a run of closed days; a platform admin moves it
to ``paid`` with the transfer's reference (``app.reports.settlements.mark_paid``), which
also posts the payout to the ledger. Nothing un-pays a settlement: a mistake is
corrected by a new movement, never by rewriting history.
"""
from __future__ import annotations

from app.errors import Conflict
from app.reports.models import Settlement
from app.states.machine import Machine

SETTLEMENT = Machine("settlement", Settlement, {
    "pending": {"paid"},
}, initial={"pending"}, slug="settlement-state", reason_defaults_to_status=False,
    refusal=lambda machine, current, to: Conflict(f"This settlement is {current}; it cannot become {to}.",
                                                  slug="settlement-state"))
