"""Which totals phone balance can pay: exact sums of the operator's premium price points."""
from __future__ import annotations

from itertools import combinations_with_replacement

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.payments.price_points import (
    InvalidPricePoints,
    PricePoint,
    decompose,
    nearest_payable,
    parse_price_points,
)

POINTS = parse_price_points("SAFIRI50=5000,SAFIRI100=10000,SAFIRI200=20000,SAFIRI500=50000")


def amounts(plan):
    return [p.amount for p in plan]


def test_parse_reads_keyword_price_pairs_highest_first():
    assert parse_price_points(" A=1000 , B=5000,") == (PricePoint(5000, "B"), PricePoint(1000, "A"))
    assert parse_price_points("") == () and parse_price_points(None) == ()


@pytest.mark.parametrize("raw", ["A", "A=", "=100", "A=-5", "A=0", "A=1.5", "A=100,A=200", "A=100,B=100"])
def test_parse_refuses_what_it_cannot_read(raw):
    with pytest.raises(InvalidPricePoints):
        parse_price_points(raw)


def test_decompose_uses_the_fewest_messages():
    assert amounts(decompose(150000, POINTS)) == [50000, 50000, 50000]
    assert amounts(decompose(80000, POINTS)) == [50000, 20000, 10000]
    assert amounts(decompose(5000, POINTS)) == [5000]
    # Greedy would take 500 first and fail; the exact search finds 3 x 300.
    odd = parse_price_points("BIG=50000,MID=30000")
    assert amounts(decompose(90000, odd)) == [30000, 30000, 30000]


def test_decompose_refuses_what_no_sum_makes():
    assert decompose(72000, POINTS) is None  # KES 720: 20 is no price point
    assert decompose(300000, POINTS) is None  # 6 messages of 500: over the bound of 5
    assert decompose(300000, POINTS, max_messages=6) is not None
    assert decompose(0, POINTS) is None and decompose(5000, ()) is None


def test_nearest_payable_totals():
    assert nearest_payable(72000, POINTS) == (70000, 75000)
    assert nearest_payable(1000, POINTS) == (None, 5000)
    assert nearest_payable(999999, POINTS) == (250000, None)


@settings(max_examples=200, deadline=None)
@given(
    prices=st.lists(st.integers(1, 60), min_size=1, max_size=5, unique=True),
    total=st.integers(1, 400),
    bound=st.integers(1, 5),
)
def test_decompose_is_exact_minimal_and_bounded(prices, total, bound):
    points = tuple(PricePoint(p * 100, f"K{p}") for p in prices)
    plan = decompose(total * 100, points, bound)
    shortest = next((n for n in range(1, bound + 1)
                     if any(sum(c) == total for c in combinations_with_replacement(prices, n))), None)
    if shortest is None:
        assert plan is None
    else:
        assert plan is not None and sum(amounts(plan)) == total * 100 and len(plan) == shortest
        assert set(plan) <= set(points)
