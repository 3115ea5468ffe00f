"""Opening, counting and closing a cash drawer, and the ledger postings around them.

Accounts (``app.ledger.service``): ``cash_drawer:<agent>`` is the cash in the drawer (an
asset, negative while it holds cash), ``counter_cash:<carrier>`` the carrier's cash in hand
(it lends the float and gets the counted cash back at closing), ``cash_over_short:<carrier>``
the differences found by counting. Cash sales (``app.payments.settlement``) and cash refunds
(``app.payments.refunds``) move the drawer account like any other money, so what the drawer
should hold, the *expected* amount, is read from the ledger: minus the account's balance
(it is zero between shifts: each closing hands the counted cash back and books the
difference). The agent counts blind (``count``): the first count, if it differs, only says
"count again"; the second closes whatever it finds. A difference above the carrier's
``cash_difference_threshold`` needs a comment. Nothing here commits (``app.sales.counter``
does, one unit of work per request).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.counter.models import CashDrawer, DrawerClosing, DrawerCount
from app.database import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.service import Leg, balance, cash_drawer, cash_over_short, counter_cash, post

MAX_AMOUNT = 100_000_000  # minor units: KES 1,000,000 in one drawer is a typo, not a float
COMMENT_MAX = 500


@dataclass(frozen=True)
class CountOutcome:
    """What a count did: ``recount`` (it differs: count once more; nothing revealed) or ``closed``."""

    status: str
    drawer: CashDrawer
    closing: DrawerClosing | None = None


def check_amount(value, field: str) -> int:
    """An amount the agent typed: an integer of minor units, 0..MAX_AMOUNT; else 422."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise Unprocessable(f"{field} is a whole number of cents between 0 and {MAX_AMOUNT}.",
                            slug="invalid-amount", errors={field: ["out of range"]})
    return value


def open_drawer(agent, opening_float: int, currency: str, now: datetime | None = None) -> CashDrawer:
    """Open the agent's shift with ``opening_float`` (the carrier's cash, lent to the drawer).

    409 ``drawer-already-open`` when one is open (the partial unique index refuses a second
    even when two requests race past this check: the caller turns its IntegrityError into
    the same answer).
    """
    now = now or utcnow()
    check_amount(opening_float, "opening_float")
    if open_drawer_of(agent) is not None:
        raise DrawerAlreadyOpen()
    drawer = CashDrawer(agent_id=agent.id, carrier_id=agent.carrier_id, currency=currency,
                        opening_float=opening_float, opened_at=now)
    db.session.add(drawer)
    db.session.flush()
    if opening_float:
        post("drawer_open", f"drawer:{drawer.id}", [
            Leg(cash_drawer(agent.id), -opening_float, currency),
            Leg(counter_cash(agent.carrier_id), opening_float, currency),
        ], memo="opening float", now=now)
    return drawer


class DrawerAlreadyOpen(Conflict):
    def __init__(self):
        super().__init__("Your shift is already open; close it before opening another.", slug="drawer-already-open")


def open_drawer_of(agent, *, lock: bool = False) -> CashDrawer | None:
    query = select(CashDrawer).where(CashDrawer.agent_id == agent.id, CashDrawer.closed_at.is_(None))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def require_open_drawer(agent, *, lock: bool = False) -> CashDrawer:
    """The agent's open drawer (locked: cash moves in or out), else 409 ``drawer-not-open``."""
    drawer = open_drawer_of(agent, lock=lock)
    if drawer is None:
        raise Conflict("Open your shift (the cash drawer) first.", slug="drawer-not-open")
    return drawer


def drawer_of(agent, drawer_id: int) -> CashDrawer:
    """One of the agent's own drawers; 404 for anyone else's."""
    drawer = db.session.get(CashDrawer, drawer_id)
    if drawer is None or drawer.agent_id != agent.id:
        raise NotFound("There is no such drawer.", slug="drawer-not-found")
    return drawer


def expected_cash(drawer: CashDrawer) -> int:
    """What the open drawer should hold: minus its ledger account's balance."""
    return -balance(cash_drawer(drawer.agent_id), drawer.currency)


def movements(drawer: CashDrawer) -> tuple[int, int]:
    """(cash sales, cash refunds) of the shift, from the drawer account's entries since it opened."""
    rows = dict(db.session.execute(
        select(LedgerTransaction.kind, func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerEntry.account == cash_drawer(drawer.agent_id), LedgerEntry.currency == drawer.currency,
               LedgerTransaction.created_at >= drawer.opened_at, LedgerTransaction.kind.in_(("sale", "refund")))
        .group_by(LedgerTransaction.kind)).all())
    return -int(rows.get("sale", 0)), int(rows.get("refund", 0))


def count(drawer: CashDrawer, counted: int, comment: str | None, threshold: int,
          now: datetime | None = None) -> CountOutcome:
    """The agent's blind count of ``drawer`` (locked by the caller, open).

    First count equal to the ledger: closed. First count that differs: kept, and the
    answer is only ``recount``. Second count: closed with that figure. Closing with a
    difference above ``threshold`` needs ``comment`` (422 ``comment-required``, nothing
    kept, so the agent sends the count again with one).
    """
    now = now or utcnow()
    check_amount(counted, "counted")
    comment = (comment or "").strip()[:COMMENT_MAX] or None
    attempt = len(drawer.counts) + 1
    expected = expected_cash(drawer)
    difference = counted - expected
    if attempt == 1 and difference != 0:
        db.session.add(DrawerCount(drawer_id=drawer.id, attempt=1, counted=counted, created_at=now))
        db.session.flush()
        db.session.expire(drawer, ["counts"])
        return CountOutcome("recount", drawer)
    if abs(difference) > threshold and comment is None:
        raise Unprocessable("The count differs from the sales by more than the carrier allows: say why in a comment.",
                            slug="comment-required", errors={"comment": ["required"]})
    db.session.add(DrawerCount(drawer_id=drawer.id, attempt=attempt, counted=counted, created_at=now))
    return CountOutcome("closed", drawer, _close(drawer, expected, counted, comment, now))


def _close(drawer: CashDrawer, expected: int, counted: int, comment: str | None, now: datetime) -> DrawerClosing:
    """The report, the difference booked to over/short, the counted cash handed back."""
    sales, refunds = movements(drawer)
    closing = DrawerClosing(drawer_id=drawer.id, expected=expected, counted=counted, difference=counted - expected,
                            comment=comment, cash_sales=sales, cash_refunds=refunds, closed_at=now)
    db.session.add(closing)
    drawer.closed_at = now
    db.session.flush()  # drawer_closings.drawer_id is unique: a second closing fails here
    agent, carrier, currency, ref = drawer.agent_id, drawer.carrier_id, drawer.currency, f"drawer:{drawer.id}"
    if closing.difference:
        post("drawer_difference", ref, [
            Leg(cash_drawer(agent), -closing.difference, currency),
            Leg(cash_over_short(carrier), closing.difference, currency),
        ], memo=(comment or "count differs")[:200], now=now)
    if counted:
        post("drawer_close", ref, [
            Leg(cash_drawer(agent), counted, currency),
            Leg(counter_cash(carrier), -counted, currency),
        ], memo="counted cash handed back", now=now)
    db.session.expire(drawer, ["counts", "closing"])
    return closing
