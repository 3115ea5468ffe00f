"""Settlements: what the platform owes a carrier for a run of closed days, and its payout.

A settlement adds up the snapshots of closed days (never the live ledger, whose past days
may still gain late adjustments), each day in at most one settlement
(``report_closed_days.settlement_id``). Marking it paid needs the transfer's reference,
moves it ``pending → paid`` through its state machine (who, when, the reference) and posts
the payout to the ledger: ``carrier_payable:<carrier>`` goes down by ``net``, and
``provider_clearing:settlements`` (money the platform sent by bank or M-Pesa, by hand)
records it leaving. The daily report leaves that posting out (it is not a sale).

Cash sold at the carrier's own counters (``cash_kept``) is already in the carrier's hands
(``counter_cash:<carrier>`` after each drawer's closing), so it is netted: ``net`` is what
is left to transfer, ``gross - refunds - commission - fees - cash_kept``, and may be
negative when a carrier sold mostly for cash (it then owes the platform its commission).
Paying the settlement also settles that cash against the payable.

Errors: 404 ``settlement-not-found``; 409 ``day-not-closed``, ``already-settled``,
``settlement-state`` (paid already, with another reference); 422 ``invalid-period``.
Each use case commits once (``unit_of_work``: a transaction that lost a race runs again).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.catalog.models import Carrier
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db, unit_of_work
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.service import Leg, carrier_payable, counter_cash, post, provider_clearing
from app.reports.models import ClosedDay, ClosedDayTransaction, Settlement
from app.reports.states import SETTLEMENT
from app.states.history import history_of

MAX_PERIOD_DAYS = 366
CLEARING = provider_clearing("settlements")
# Moving a float into a drawer and the counted cash out of it is the carrier's own cash going
# around; only sales and refunds paid through a drawer change what the carrier kept.
DRAWER_HANDLING = ("drawer_open", "drawer_close", "drawer_difference")


def cash_kept(day_ids: list[int]) -> int:
    """Cash taken at the carrier's counters in these closed days, net of cash refunds."""
    if not day_ids:
        return 0
    held = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(ClosedDayTransaction, ClosedDayTransaction.ledger_transaction_id == LedgerTransaction.id)
        .where(ClosedDayTransaction.closed_day_id.in_(day_ids), LedgerEntry.account.like("cash_drawer:%"),
               LedgerTransaction.kind.not_in(DRAWER_HANDLING)))
    return -int(held)  # a drawer holding cash is negative


def create_settlement(carrier_id: int, period_start: date, period_end: date, *, actor: str,
                      now: datetime | None = None) -> Settlement:
    """A pending settlement of the closed days ``period_start``..``period_end`` (inclusive)."""
    now = now or utcnow()
    if period_end < period_start:
        raise Unprocessable("period_end comes before period_start.", slug="invalid-period",
                            errors={"period_end": ["Before period_start."]})
    n = (period_end - period_start).days + 1
    if n > MAX_PERIOD_DAYS:
        raise Unprocessable(f"A settlement covers at most {MAX_PERIOD_DAYS} days.", slug="invalid-period",
                            errors={"period_end": ["Period too long."]})

    def work() -> Settlement:
        carrier = db.session.execute(
            select(Carrier).where(Carrier.id == carrier_id).with_for_update()
            .execution_options(populate_existing=True)).scalar_one()
        days = list(db.session.scalars(
            select(ClosedDay).where(ClosedDay.carrier_id == carrier.id, ClosedDay.day >= period_start,
                                    ClosedDay.day <= period_end).order_by(ClosedDay.day).with_for_update()
            .execution_options(populate_existing=True)))
        closed = {d.day for d in days}
        missing = next((period_start + timedelta(days=i) for i in range(n)
                        if period_start + timedelta(days=i) not in closed), None)
        if missing is not None:
            raise Conflict(f"{missing} is not closed; close the period's days first.", slug="day-not-closed",
                           day=missing.isoformat())
        settled = next((d for d in days if d.settlement_id is not None), None)
        if settled is not None:
            raise Conflict(f"{settled.day} is already in settlement {settled.settlement_id}.",
                           slug="already-settled", settlement_id=settled.settlement_id)
        cash = cash_kept([d.id for d in days])
        settlement = Settlement(
            carrier_id=carrier.id, period_start=period_start, period_end=period_end, currency=carrier.currency,
            days=n, gross=sum(d.gross for d in days), refunds=sum(d.refunds for d in days),
            commission=sum(d.commission for d in days), fees=sum(d.operator_fees for d in days),
            cash_kept=cash, net=sum(d.net_payable for d in days) - cash, created_at=now, created_by=actor,
        )
        SETTLEMENT.create(settlement, "pending", actor=actor, reason=f"{n} closed days", now=now)
        for d in days:
            d.settlement_id = settlement.id
        return settlement

    return unit_of_work(work)


def get_settlement(carrier_id: int, settlement_id: int) -> Settlement:
    settlement = db.session.get(Settlement, settlement_id)
    if settlement is None or settlement.carrier_id != carrier_id:
        raise NotFound("No such settlement.", slug="settlement-not-found")
    return settlement


def mark_paid(carrier_id: int, settlement_id: int, reference: str, *, actor: str,
              now: datetime | None = None) -> Settlement:
    """Record the payout of a settlement with its transfer reference.

    Repeating it with the same reference answers the paid settlement (a retry); another
    reference for a paid one is refused (409 ``settlement-state``).
    """
    now = now or utcnow()

    def work() -> Settlement:
        get_settlement(carrier_id, settlement_id)
        settlement = SETTLEMENT.lock(settlement_id)
        if settlement.status == "paid" and settlement.reference == reference:
            return settlement
        if settlement.status != "pending":
            raise SETTLEMENT.refusal(settlement.status, "paid")
        settlement.reference = reference
        settlement.paid_at = now
        legs = [Leg(account, amount, settlement.currency) for account, amount in (
            (carrier_payable(carrier_id), -(settlement.net + settlement.cash_kept)),
            (CLEARING, settlement.net), (counter_cash(carrier_id), settlement.cash_kept)) if amount]
        if legs:
            posted = post("settlement", f"settlement:{settlement.id}", legs, carrier_id=carrier_id, memo=f"settlement {settlement.period_start}..{settlement.period_end}",
                now=now)
            settlement.ledger_transaction_id = posted.transaction.id
        SETTLEMENT.transition(settlement, "paid", actor=actor, reason=f"reference {reference}", now=now,
                              locked=True)
        return settlement

    return unit_of_work(work)


def list_settlements(carrier_id: int, *, offset: int, limit: int) -> tuple[list[Settlement], int]:
    """The carrier's settlements, latest period first, one page; and how many there are."""
    total = db.session.scalar(select(func.count()).select_from(Settlement).where(Settlement.carrier_id == carrier_id))
    rows = list(db.session.scalars(
        select(Settlement).where(Settlement.carrier_id == carrier_id)
        .order_by(Settlement.period_end.desc(), Settlement.id.desc()).offset(offset).limit(limit)))
    return rows, int(total)


def history(settlement: Settlement) -> list[dict]:
    return [{"from_status": h.from_status, "to_status": h.to_status, "actor": h.actor, "reason": h.reason,
             "at": h.at} for h in history_of("settlement", settlement.id)]
