"""The suspense review: parked callbacks, and money in ``review_suspense``, resolved by a person.

What settlement could not act on is parked (``app.payments.review``): a callback for no
payment of ours, an amount or payer that does not match, a Paybill payment to an unknown
account. Where money arrived, it sits in ``review_suspense`` (the ledger transaction
``suspense`` / ``payment:<id>``). An admin resolves each item once, with a reason:

- **apply** it to a booking (the money becomes that booking's sale; ``app.sales.suspense``
  has booking apply it and ticketing issue the tickets, then ``record_applied`` here);
- **refund** it: a payout to the payer's M-Pesa (or the number the admin gives);
- **write off**: the money goes to ``suspense_written_off`` (no one can be found to give it
  back), or, for an item without money, the item is simply closed.

Each money movement leaves suspense in one balanced ledger transaction,
``suspense_resolved`` / ``payment:<id>`` (unique: money leaves suspense once), whose memo
and the item's ``resolution`` / ``resolved_by`` say who and why. Isolation: a carrier admin
sees the items whose payment paid (or was for) one of its bookings; anything else is 404.
Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.booking.models import Order
from app.catalog.models import Trip
from app.core.phone import InvalidPhone, normalize_phone
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.ledger.fees import commission
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.service import (
    PLATFORM_FEES,
    PLATFORM_PAYOUTS_PENDING,
    REVIEW_SUSPENSE,
    SUSPENSE_WRITTEN_OFF,
    Leg,
    carrier_payable,
    post,
)
from app.payments.models import ParkedCallback, Payment
from app.payouts.service import create_payout

RESOLUTIONS = ("apply", "refund", "write_off")


@dataclass
class SuspenseItem:
    """A parked callback as the review queue shows it."""

    parked: ParkedCallback
    carrier_id: int | None
    in_suspense: int  # minor units still in review_suspense for it (0: no money, or resolved)
    currency: str | None

    def __getattr__(self, name):
        if name == "parked":
            raise AttributeError(name)
        return getattr(self.parked, name)


def _carrier_of(parked: ParkedCallback) -> int | None:
    if parked.payment_id is None:
        return None
    return db.session.scalar(
        select(Trip.carrier_id).join(Order, Order.trip_id == Trip.id).join(Payment, Payment.order_id == Order.id)
        .where(Payment.id == parked.payment_id))


def _money(parked: ParkedCallback) -> tuple[int, str | None]:
    """What of this item's money is still in suspense (parked with the suspense posting of its payment)."""
    if parked.payment_id is None:
        return 0, None
    rows = db.session.execute(
        select(LedgerTransaction.kind, LedgerEntry.amount, LedgerEntry.currency)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.ref == f"payment:{parked.payment_id}", LedgerEntry.account == REVIEW_SUSPENSE,
               LedgerTransaction.kind.in_(("suspense", "suspense_resolved")))
    ).all()
    if not any(kind == "suspense" for kind, _, _ in rows):
        return 0, None
    return sum(amount for _, amount, _ in rows), rows[0][2]


def item(parked: ParkedCallback) -> SuspenseItem:
    amount, currency = _money(parked)
    return SuspenseItem(parked, _carrier_of(parked), amount, currency)


def _visible(user, parked: ParkedCallback | None) -> SuspenseItem:
    if parked is None:
        raise NotFound("No such item.")
    found = item(parked)
    if user.role != "platform_admin" and (found.carrier_id is None or found.carrier_id != user.carrier_id):
        raise NotFound("No such item.")
    return found


def queue(user, *, carrier_id: int | None = None, open_only: bool = True) -> list[SuspenseItem]:
    """The items ``user`` may review, oldest first (open ones only unless asked)."""
    query = select(ParkedCallback).order_by(ParkedCallback.id)
    if open_only:
        query = query.where(ParkedCallback.resolved_at.is_(None))
    if user.role != "platform_admin":
        carrier_id = user.carrier_id
    if carrier_id is not None:
        query = (query.join(Payment, Payment.id == ParkedCallback.payment_id)
                 .join(Order, Order.id == Payment.order_id).join(Trip, Trip.id == Order.trip_id)
                 .where(Trip.carrier_id == carrier_id))
    return [item(parked) for parked in db.session.scalars(query.limit(500))]


def get(user, item_id: int) -> SuspenseItem:
    return _visible(user, db.session.get(ParkedCallback, item_id))


def open_item(user, item_id: int, *, needs_money: bool) -> SuspenseItem:
    """The item under its row lock, if ``user`` may resolve it and it is still open."""
    parked = db.session.execute(select(ParkedCallback).where(ParkedCallback.id == item_id).with_for_update()
                                .execution_options(populate_existing=True)).scalar_one_or_none()
    found = _visible(user, parked)
    if parked.resolved_at is not None:
        raise Conflict("This item is already resolved.", slug="suspense-resolved")
    if needs_money and found.in_suspense <= 0:
        raise Conflict("No money of this item is in suspense.", slug="suspense-no-money")
    return found


def _close(found: SuspenseItem, user, what: str, reason: str) -> None:
    found.in_suspense = 0  # whatever was in suspense has just left it
    found.parked.resolved_at = utcnow()
    found.parked.resolved_by = f"user:{user.id}"
    found.parked.resolution = f"{what}: {reason}"[:200]


def _reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise Unprocessable("Say why (at least 3 characters).", slug="reason-required",
                            errors={"reason": ["At least 3 characters."]})
    return reason


def write_off(user, item_id: int, reason: str) -> SuspenseItem:
    """Close the item; its money (if any) leaves suspense for ``suspense_written_off``."""
    reason = _reason(reason)
    found = open_item(user, item_id, needs_money=False)
    if found.in_suspense > 0:
        post("suspense_resolved", f"payment:{found.payment_id}", [
            Leg(REVIEW_SUSPENSE, -found.in_suspense, found.currency),
            Leg(SUSPENSE_WRITTEN_OFF, found.in_suspense, found.currency),
        ], payment_id=found.payment_id, memo=f"written off by user:{user.id}: {reason}")
    _close(found, user, "written off", reason)
    return found


def refund(user, item_id: int, reason: str, phone: str | None = None):
    """The money back to the payer's M-Pesa (or ``phone``): a payout of the platform's."""
    reason = _reason(reason)
    found = open_item(user, item_id, needs_money=True)
    payment = db.session.get(Payment, found.payment_id)
    raw = phone or payment.phone
    try:
        to = normalize_phone(raw or "", "KE")
    except InvalidPhone:
        to = ""
    if not to.startswith(("+2547", "+2541")):
        raise Unprocessable("Give the Kenyan M-Pesa number to refund (the payer's is not known).",
                            slug="refund-phone", errors={"phone": ["A Kenyan M-Pesa number."]})
    amount, currency = found.in_suspense, found.currency
    post("suspense_resolved", f"payment:{payment.id}", [
        Leg(REVIEW_SUSPENSE, -amount, currency), Leg(PLATFORM_PAYOUTS_PENDING, amount, currency),
    ], payment_id=payment.id, memo=f"refunded by user:{user.id}: {reason}")
    payout = create_payout("refund", f"suspense:{found.parked.id}", amount=amount, currency=currency,
                           account=PLATFORM_PAYOUTS_PENDING, phone=to, actor=f"user:{user.id}",
                           reason=f"suspense refund: {reason}", user_id=payment.user_id, payment_id=payment.id)
    _close(found, user, f"refunded (payout {payout.id})", reason)
    return found, payout


def order_to_apply(user, code: str, found: SuspenseItem) -> Order:
    """The booking an item's money may pay: the caller's carrier's (a carrier admin), same amount."""
    order = db.session.scalar(select(Order).where(Order.code == (code or "").strip().upper()))
    if order is None:
        raise NotFound("No such booking.")
    carrier_id = db.session.scalar(select(Trip.carrier_id).where(Trip.id == order.trip_id))
    if user.role != "platform_admin" and carrier_id != user.carrier_id:
        raise NotFound("No such booking.")
    if order.total_amount != found.in_suspense or order.currency != found.currency:
        raise Conflict(f"Booking {order.code} costs {order.total_amount} {order.currency}, not what is in "
                       "suspense.", slug="suspense-amount")
    return order


def record_applied(user, found: SuspenseItem, order, reason: str) -> None:
    """Booking took the money (``app.sales.suspense``): it leaves suspense as that booking's sale."""
    amount, currency = found.in_suspense, found.currency
    trip = db.session.get(Trip, order.trip_id)
    carrier_id = trip.carrier_id
    fee = commission(amount, trip.carrier.commission_bps)  # the carrier's rate, as a sale takes it
    payment = db.session.get(Payment, found.payment_id)  # now this booking's payment, refundable as one
    payment.purpose, payment.order_id, payment.outcome = "order", order.id, "applied"
    payment.user_id = payment.user_id or order.user_id
    post("suspense_resolved", f"payment:{found.payment_id}", [
        Leg(REVIEW_SUSPENSE, -amount, currency),
        Leg(carrier_payable(carrier_id), amount - fee, currency),
        Leg(PLATFORM_FEES, fee, currency),
    ], carrier_id=carrier_id, order_id=order.id, payment_id=found.payment_id,
        memo=f"applied to {order.code} by user:{user.id}: {reason}")
    _close(found, user, f"applied to {order.code}", reason)
