"""The signals lower areas send, answered by sales: connected once in ``create_app``.

Why here: booking and payments sit side by side and must not import each other. When
money arrives for an order (payments) booking must turn it into tickets; when a ticket is
cancelled (booking) payments must move the refund. The sales layer, which may import
both, connects the one receiver of each question.
"""
from __future__ import annotations

from app.booking.service import apply_payment, find_order, lock_payable_order

from app.booking.signals import refund_due

from app.payments.orders import order_money_received, order_wanted, payable_order_wanted

from app.payments.refunds import refund_order


def _order_wanted(_sender, *, order_id=None, code=None, lock=False):
    return find_order(order_id, code=code, lock=lock)


def _payable_order_wanted(_sender, *, order_id, now):
    return lock_payable_order(order_id, now)


def _money_received(_sender, *, order_id, amount, currency, payment_id, now, actor="system:payments"):
    """Order paid → holds converted, tickets issued (booking's ``apply_payment``), never committing."""
    return apply_payment(order_id, amount=amount, currency=currency, payment_id=payment_id, now=now, actor=actor)


def _refund_due(order, *, amount, reason, destination, ref, now=None, notify=True, actor="system:refunds"):
    return refund_order(order, amount, reason=reason, destination=destination, ref=ref, now=now, notify=notify,
                        actor=actor)


def register() -> None:
    """Connect every receiver (idempotent: connecting the same function twice is one connection)."""
    order_wanted.connect(_order_wanted, weak=False)
    payable_order_wanted.connect(_payable_order_wanted, weak=False)
    order_money_received.connect(_money_received, weak=False)
    refund_due.connect(_refund_due, weak=False)
