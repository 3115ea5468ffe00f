"""Premium-SMS price points: which totals phone balance (airtime) can actually pay.

Africa's Talking cannot charge an arbitrary amount of airtime: each premium SMS bills the
subscriber the tariff of its keyword, fixed with the operator. So a total is payable only
when it is an exact sum of a few of those price points (one premium message each). This
module is pure (no Flask, no database) so the rule is testable on its own and every
channel asks the same question the same way.

Setting: ``AT_PREMIUM_PRICE_POINTS = "SAFIRI50=5000,SAFIRI100=10000"`` (keyword=price in
minor units of ``WALLET_CURRENCY``) and ``AT_PREMIUM_MAX_MESSAGES`` (default 5).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement

MAX_MESSAGES = 5


@dataclass(frozen=True, order=True)
class PricePoint:
    amount: int  # minor units
    keyword: str


class InvalidPricePoints(ValueError):
    """The setting cannot be read: the app refuses to start rather than mis-charge."""


def parse_price_points(raw: str | None) -> tuple[PricePoint, ...]:
    """``"KW=1000,KW2=5000"`` → price points, highest first. Empty → no airtime at all."""
    points: dict[str, PricePoint] = {}
    for item in (raw or "").split(","):
        item = item.strip()
        if not item:
            continue
        keyword, sep, amount = item.partition("=")
        keyword, amount = keyword.strip(), amount.strip()
        if not sep or not keyword or not amount.isdigit() or int(amount) <= 0:
            raise InvalidPricePoints(f"price point {item!r} is not KEYWORD=positive minor units")
        if keyword in points:
            raise InvalidPricePoints(f"keyword {keyword!r} is listed twice")
        points[keyword] = PricePoint(int(amount), keyword)
    amounts = [p.amount for p in points.values()]
    if len(set(amounts)) != len(amounts):
        raise InvalidPricePoints("two keywords have the same price")
    return tuple(sorted(points.values(), reverse=True))


def decompose(total: int, points: tuple[PricePoint, ...], max_messages: int = MAX_MESSAGES
              ) -> tuple[PricePoint, ...] | None:
    """The fewest price points that sum exactly to ``total`` (highest first), or None.

    At most ``max_messages`` messages: each is a separate charge the subscriber sees, and
    each may fail on its own. Among equally short answers, the one with the larger
    messages first is chosen, so the answer is deterministic.
    """
    if total <= 0 or not points:
        return None
    ordered = tuple(sorted(points, reverse=True))
    if total > ordered[0].amount * max_messages:
        return None
    for count in range(1, max_messages + 1):
        for combo in combinations_with_replacement(ordered, count):
            if sum(p.amount for p in combo) == total:
                return combo
    return None


def payable_totals(points: tuple[PricePoint, ...], max_messages: int = MAX_MESSAGES) -> list[int]:
    """Every total airtime can pay, ascending."""
    totals: set[int] = set()
    for count in range(1, max_messages + 1):
        for combo in combinations_with_replacement(points, count):
            totals.add(sum(p.amount for p in combo))
    return sorted(totals)


def nearest_payable(total: int, points: tuple[PricePoint, ...], max_messages: int = MAX_MESSAGES
                    ) -> tuple[int | None, int | None]:
    """The payable totals just below and just above ``total`` (None where there is none)."""
    totals = payable_totals(points, max_messages)
    below = max((t for t in totals if t < total), default=None)
    above = min((t for t in totals if t > total), default=None)
    return below, above
