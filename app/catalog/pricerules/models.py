"""The ``price_rules`` table: one change a carrier makes to its base fares, and when it applies.

Why every condition is a nullable column of one table (not a rule "kind"): a carrier's real
rules combine them ("Friday evenings in December", "last two days when the coach is over
80 % full"); a condition left NULL matches everything. The database refuses what no
evaluation could make sense of (no change or both kinds, a percentage at or below -100 %,
a floor above the ceiling, hours outside the day), whatever writes the row.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import TimestampMixin
from app.extensions import db

MIN_PERCENT, MAX_PERCENT = -99, 500


class PriceRule(TimestampMixin, db.Model):
    __tablename__ = "price_rules"
    __table_args__ = (
        CheckConstraint("(change_percent IS NULL) <> (change_amount IS NULL)", name="one_change"),
        CheckConstraint(f"change_percent IS NULL OR (change_percent BETWEEN {MIN_PERCENT} AND {MAX_PERCENT} "
                        "AND change_percent <> 0)", name="percent_range"),
        CheckConstraint("change_amount IS NULL OR change_amount <> 0", name="amount_nonzero"),
        CheckConstraint("floor_amount IS NULL OR floor_amount > 0", name="floor_positive"),
        CheckConstraint("ceiling_amount IS NULL OR floor_amount IS NULL OR ceiling_amount >= floor_amount",
                        name="floor_below_ceiling"),
        CheckConstraint("ceiling_amount IS NULL OR ceiling_amount > 0", name="ceiling_positive"),
        CheckConstraint("hour_from IS NULL OR (hour_from BETWEEN 0 AND 23)", name="hour_from_range"),
        CheckConstraint("hour_until IS NULL OR (hour_until BETWEEN 1 AND 24)", name="hour_until_range"),
        CheckConstraint("min_days_before IS NULL OR min_days_before >= 0", name="min_days_nonnegative"),
        CheckConstraint("max_days_before IS NULL OR max_days_before >= 0", name="max_days_nonnegative"),
        CheckConstraint("min_load_percent IS NULL OR (min_load_percent BETWEEN 0 AND 100)", name="min_load_range"),
        CheckConstraint("max_load_percent IS NULL OR (max_load_percent BETWEEN 0 AND 100)", name="max_load_range"),
        CheckConstraint("valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
                        name="validity_order"),
        CheckConstraint("departs_until IS NULL OR departs_from IS NULL OR departs_until >= departs_from",
                        name="departs_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    route_id: Mapped[int | None] = mapped_column(ForeignKey("routes.id"))  # NULL: every route
    name: Mapped[str] = mapped_column(String(80))
    priority: Mapped[int] = mapped_column(default=100)  # lower first; ties by id
    change_percent: Mapped[int | None]  # +20 = 20 % more; -15 = 15 % less
    change_amount: Mapped[int | None]  # minor units, signed
    floor_amount: Mapped[int | None]  # after this rule, never below (minor units)
    ceiling_amount: Mapped[int | None]  # after this rule, never above
    # When the rule is sold (local date of the sale at the passenger's stop), inclusive.
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    # Conditions on the departure at the passenger's stop, in that stop's zone.
    weekdays: Mapped[list | None] = mapped_column(JSON)  # ISO weekdays 1 (Monday) .. 7
    hour_from: Mapped[int | None]  # inclusive
    hour_until: Mapped[int | None]  # exclusive
    departs_from: Mapped[date | None]  # holidays: departure date range, inclusive
    departs_until: Mapped[date | None]
    min_days_before: Mapped[int | None]  # early bird: at least this many days ahead
    max_days_before: Mapped[int | None]  # last minute: at most this many days ahead
    min_load_percent: Mapped[int | None]  # demand band: seats taken, % of the vehicle, inclusive
    max_load_percent: Mapped[int | None]

    carrier = relationship("Carrier")
