"""What payments needs to know about orders, asked through signals the sales layer answers.

Why signals and not an import: orders belong to booking, and booking's cancellations need
payments' refunds; with both importing each other neither could be read, tested or
layered on its own. Payments sits beside booking, below ``app.sales``: it asks its
questions here, and ``app.sales.wiring`` (connected in ``create_app``) answers them with
booking's functions. Payments only reads plain attributes of the order it gets back
(``id``, ``code``, ``user_id``, ``status``, ``total_amount``, ``currency``,
``hold_expires_at``, ``trip.carrier_id``).

Each signal has exactly one receiver; asking with none connected is a wiring bug and
raises at once rather than dropping a payment.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
# kwargs: order_id | code (case-insensitive), lock (row lock for this transaction)
order_wanted = _signals.signal("payments-order-wanted")
# kwargs: order_id, now; the receiver locks the order and raises 409 ``order-not-payable``
payable_order_wanted = _signals.signal("payments-payable-order-wanted")
# kwargs: order_id, amount, currency, payment_id, now; answers an object with
# ``outcome`` (applied | already_paid | seats_gone | mismatch | not_payable) and ``order``.
order_money_received = _signals.signal("payments-order-money-received")


class NotWired(RuntimeError):
    """No receiver answered: ``create_app`` did not register ``app.sales.wiring``."""


def _ask(signal, **kwargs):
    answers = signal.send(None, **kwargs)
    if not answers:
        raise NotWired(f"nobody answers {signal.name!r}; is app.sales.wiring registered?")
    return answers[0][1]


def find_order(order_id: int | None = None, *, code: str | None = None, lock: bool = False):
    """The order by id or booking code (None when there is none)."""
    return _ask(order_wanted, order_id=order_id, code=code, lock=lock)


def lock_payable_order(order_id: int, now):
    """The order under a row lock, if it can be paid now; else 404 / 409 ``order-not-payable``."""
    return _ask(payable_order_wanted, order_id=order_id, now=now)


def apply_money(order_id: int, *, amount: int, currency: str, payment_id: int, now,
                actor: str = "system:payments"):
    """Money of a payment arrived for the order: turn it into tickets (the caller's transaction).
    ``actor`` (``provider:mpesa``) is recorded in the status history of what it changes."""
    return _ask(order_money_received, order_id=order_id, amount=amount, currency=currency,
                payment_id=payment_id, now=now, actor=actor)
