"""Cash drawers, their counts and their closing reports.

The database holds the rules a careless request could break:

- one open drawer per agent: a partial unique index on ``agent_id`` where ``closed_at``
  is NULL (``uq_cash_drawers_one_open``);
- at most two counts per drawer (the count and one recount): ``attempt`` is 1 or 2,
  unique per drawer;
- one closing report per drawer: ``drawer_closings.drawer_id`` is unique, so closing a
  drawer twice fails even if two requests race past the code's check; the report's
  ``difference`` is ``counted - expected`` by a check constraint. Nothing updates a
  report once written (no code path does; ``_refuse_changes`` stops any that tries).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import utcnow
from app.extensions import db

OPEN_DRAWER = "closed_at IS NULL"


class CashDrawer(db.Model):
    """One agent's shift: the float it opened with; ``closed_at`` once its report exists."""

    __tablename__ = "cash_drawers"
    __table_args__ = (
        CheckConstraint("opening_float >= 0", name="float_nonnegative"),
        Index("uq_cash_drawers_one_open", "agent_id", unique=True,
              postgresql_where=text(OPEN_DRAWER), sqlite_where=text(OPEN_DRAWER)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    opening_float: Mapped[int] = mapped_column(BigInteger)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    counts: Mapped[list[DrawerCount]] = relationship(order_by="DrawerCount.attempt", lazy="selectin")
    closing: Mapped[DrawerClosing | None] = relationship(uselist=False, lazy="selectin")


class DrawerCount(db.Model):
    """What the agent counted (blind: they never saw the expected amount); one recount."""

    __tablename__ = "drawer_counts"
    __table_args__ = (
        UniqueConstraint("drawer_id", "attempt"),
        CheckConstraint("attempt IN (1, 2)", name="one_recount"),
        CheckConstraint("counted >= 0", name="counted_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    drawer_id: Mapped[int] = mapped_column(ForeignKey("cash_drawers.id"))
    attempt: Mapped[int]
    counted: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DrawerClosing(db.Model):
    """The closing report: expected (from the ledger), counted, difference; written once."""

    __tablename__ = "drawer_closings"
    __table_args__ = (
        CheckConstraint("difference = counted - expected", name="difference_is_counted_minus_expected"),
        CheckConstraint("counted >= 0", name="counted_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    drawer_id: Mapped[int] = mapped_column(ForeignKey("cash_drawers.id"), unique=True)
    expected: Mapped[int] = mapped_column(BigInteger)
    counted: Mapped[int] = mapped_column(BigInteger)
    difference: Mapped[int] = mapped_column(BigInteger)
    comment: Mapped[str | None] = mapped_column(String(500))
    # What moved through the drawer during the shift (minor units): expected is the float
    # plus the sales minus the refunds.
    cash_sales: Mapped[int] = mapped_column(BigInteger)
    cash_refunds: Mapped[int] = mapped_column(BigInteger)
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(DrawerClosing, "before_update")
def _refuse_changes(mapper, connection, target) -> None:
    raise RuntimeError("a drawer's closing report is never changed")
