"""Catalog answers that change rarely, kept for a few seconds in each worker process.

Why: every USSD step of a purchase asked the database the same questions again: which
cities are busiest (the first menu), which stops a typed city names and their zone (the
origin was resolved two or three times per step), where one can travel from there (the
destination screen), a route's longest offset, and the fares and price rules a search
lists. They change when a carrier edits its network, timetable or prices, minutes apart; a
step asks them many times a second. Kept for ``CATALOG_CACHE_SECONDS`` (10 s by default),
a new trip, city or price shows in those lists at most that late. Never cached: seats
left, holds, prices on a booking (booking reads the fares and rules itself), anything
about a passenger.

Plain values only (names, ids, zones), never ORM objects: a cached object would outlive
its session. One dictionary per app (``app.extensions``), so two apps in one process (the
test suite) never share answers; tests run with the cache off unless they ask for it.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
DEFAULT_SECONDS = 10
MAX_ENTRIES = 5000  # typed prefixes are unbounded: past this, start again empty


def cache_seconds(app) -> float:
    """How long an answer is kept (0: not cached; the default under ``TESTING``)."""
    configured = app.config.get("CATALOG_CACHE_SECONDS")
    if configured is None:
        return 0 if app.testing else DEFAULT_SECONDS
    return float(configured)


def cached(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its answer for (``name``, ``key``) from the last few seconds."""
    app = current_app._get_current_object()
    seconds = cache_seconds(app)
    if not seconds:
        return compute()
    entries = app.extensions.setdefault("catalog_cache", {})
    now = time.monotonic()
    hit = entries.get((name, key))
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    if len(entries) >= MAX_ENTRIES:
        entries.clear()
    entries[(name, key)] = (now + seconds, value)
    return value


def forget() -> None:
    """Drop every kept answer of this app (after a change a reader must see at once)."""
    current_app.extensions.pop("catalog_cache", None)
