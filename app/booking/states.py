"""The order and hold state machines (applied by ``app.states.machine``; helpers in
``app.booking.transitions``).

Order: ``pending_payment → paid | expired | failed``; ``expired → paid`` (a late payment
whose seats could be re-claimed) or ``failed`` (the trip was cancelled);
``paid → partially_refunded | refunded``; ``partially_refunded → partially_refunded |
refunded``.

Hold: created ``held`` (a buyer starts paying) or ``converted`` (a late payment
re-claims a seat directly); ``held → converted | expired | released``;
``converted → released`` (a cancelled ticket frees its seat) or ``expired`` (only when
``apply_payment`` undoes, in the same transaction, a conversion it could not complete).
"""
from __future__ import annotations

from app.booking.models import Order, SeatHold
from app.states.machine import Machine

ORDER = Machine("order", Order, {
    "pending_payment": {"paid", "expired", "failed"},
    "expired": {"paid", "failed"},
    "paid": {"partially_refunded", "refunded"},
    "partially_refunded": {"partially_refunded", "refunded"},
}, initial={"pending_payment"}, slug="order-state")

HOLD = Machine("hold", SeatHold, {
    "held": {"converted", "expired", "released"},
    "converted": {"released", "expired"},
}, initial={"held", "converted"}, slug="hold-state")
