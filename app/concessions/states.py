"""The concession state machine (applied by ``app.states.machine``).

Created ``pending`` (waiting for an agent) or ``approved`` (a student, when the carrier does
not ask for an agent); ``pending → approved | rejected``; ``approved → revoked``. Rejected
and revoked are final: the person asks again (a new row).
"""
from __future__ import annotations

from app.concessions.models import Concession
from app.states.machine import Machine

CONCESSION = Machine("concession", Concession, {
    "pending": {"approved", "rejected"},
    "approved": {"revoked"},
}, initial={"pending", "approved"}, slug="concession-state", reason_defaults_to_status=False)
