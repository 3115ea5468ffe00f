"""Applying price rules to a base fare: pure arithmetic, the same for a quote, a search and a hold.

Why pure (no database): search prices many trips at once and the hold one; both hand the
rules and the facts of the ride here, so a channel cannot price differently. Order: rules by
``priority`` (lower first), then id; each applies to the price the previous ones left, then
clamps it to its own floor and ceiling.

Rounding (deterministic, integer only): a percentage change is ``price * percent / 100``
rounded to the nearest minor unit, halves away from zero (KES 12.345 of change → 12.35; a
-12.345 change → -12.35). Fixed changes are already whole minor units.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Ride:
    """What rules look at: departure at the passenger's stop (local), the sale day there, and
    how full the trip is (seats held or sold, in percent of the vehicle, rounded down)."""

    departure_local: datetime
    today_local: date
    load_percent: int
    route_id: int | None = None

    @property
    def days_before(self) -> int:
        return (self.departure_local.date() - self.today_local).days


@dataclass(frozen=True)
class RuleTerms:
    """A rule's terms as plain values: what ``matches`` and ``step`` read of a ``PriceRule``,
    without its session (search keeps them for seconds; see ``service.shown_rules_of``)."""

    id: int
    name: str
    priority: int
    route_id: int | None
    change_percent: int | None
    change_amount: int | None
    floor_amount: int | None
    ceiling_amount: int | None
    valid_from: date | None
    valid_until: date | None
    weekdays: tuple[int, ...] | None
    hour_from: int | None
    hour_until: int | None
    departs_from: date | None
    departs_until: date | None
    min_days_before: int | None
    max_days_before: int | None
    min_load_percent: int | None
    max_load_percent: int | None


@dataclass(frozen=True)
class Applied:
    rule_id: int | None
    name: str
    change: int  # minor units the rule added (negative: taken off), after its floor/ceiling

    def as_dict(self) -> dict:
        return {"id": self.rule_id, "name": self.name, "change": self.change}


@dataclass(frozen=True)
class Priced:
    """A base fare and what the rules made of it; ``amount`` is what is charged."""

    base: int
    currency: str
    fare_class: str
    applied: tuple[Applied, ...] = field(default_factory=tuple)

    @property
    def amount(self) -> int:
        return self.base + sum(a.change for a in self.applied)

    def detail(self) -> dict:
        return {"base": self.base, "rules": [a.as_dict() for a in self.applied]}


def percent_of(price: int, percent: int) -> int:
    """``price * percent / 100`` to the nearest integer, halves away from zero."""
    quotient, remainder = divmod(abs(price * percent), 100)
    if remainder * 2 >= 100:
        quotient += 1
    return quotient if price * percent >= 0 else -quotient


def step(rule, price: int) -> int:
    """The price after ``rule`` alone (its change, then its floor and ceiling)."""
    changed = price + (percent_of(price, rule.change_percent) if rule.change_percent is not None
                       else rule.change_amount)
    if rule.floor_amount is not None:
        changed = max(changed, rule.floor_amount)
    if rule.ceiling_amount is not None:
        changed = min(changed, rule.ceiling_amount)
    return changed


def _between(value, low, high) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def matches(rule, ride: Ride) -> bool:
    """Whether every condition ``rule`` sets holds for ``ride`` (an unset one always does)."""
    departure = ride.departure_local
    hour_ok = ((rule.hour_from is None or departure.hour >= rule.hour_from)
               and (rule.hour_until is None or departure.hour < rule.hour_until))
    return (
        (rule.route_id is None or rule.route_id == ride.route_id)
        and _between(ride.today_local, rule.valid_from, rule.valid_until)
        and (not rule.weekdays or departure.isoweekday() in rule.weekdays)
        and hour_ok
        and _between(departure.date(), rule.departs_from, rule.departs_until)
        and _between(ride.days_before, rule.min_days_before, rule.max_days_before)
        and _between(ride.load_percent, rule.min_load_percent, rule.max_load_percent)
    )


def ordered(rules) -> list:
    return sorted(rules, key=lambda r: (r.priority, r.id or 0))


def apply_rules(base: int, currency: str, fare_class: str, rules, ride: Ride) -> Priced:
    """``base`` with every matching rule applied in order (see the module's docstring)."""
    price, applied = base, []
    for rule in ordered(rules):
        if not matches(rule, ride):
            continue
        after = step(rule, price)
        applied.append(Applied(rule.id, rule.name, after - price))
        price = after
    return Priced(base, currency, fare_class, tuple(applied))


def lowest_reachable(base: int, rules) -> tuple[int, object | None]:
    """The lowest price any combination of ``rules`` can make of ``base``, and the rule that
    first takes it to zero or below (None when it stays positive).

    Why a single pass is exact: each rule's step is non-decreasing in the price (percent
    changes are above -100 %, rounding and clamps keep order), so the minimum after a rule is
    the smaller of "skipped" and "applied to the minimum so far".
    """
    lowest = base
    for rule in ordered(rules):
        lowest = min(lowest, step(rule, lowest))
        if lowest <= 0:
            return lowest, rule
    return lowest, None
