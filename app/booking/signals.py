"""Signals booking sends where an area beside or above it must act.

Why: booking decides *how much* a cancellation refunds; payments moves the money. Booking
importing payments (and payments importing booking to apply a payment) made a cycle;
now booking sends ``refund_due`` inside the cancelling transaction and the sales layer
(``app.sales.wiring``, connected in ``create_app``) answers with payments' ``Refund``.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
# sender: the order; kwargs: amount, reason, destination, ref, now, notify. One receiver,
# whose answer (payments' Refund) ``cancellation`` returns.
refund_due = _signals.signal("booking-refund-due")
