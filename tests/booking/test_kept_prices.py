"""Search lists the fares and price rules it read in the last few seconds; a hold never does.

With ``CATALOG_CACHE_SECONDS`` (10 s in production) search keeps what it listed, so a rule
a carrier writes now shows in search at most that late, while the seats held right away are
priced with it. The clock the cache reads is moved by hand; nothing sleeps.

The world's trip leaves Nairobi tomorrow at 08:00 local, standard fare Nairobi → Nakuru
KES 800 (80000 minor units).
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.catalog import cache
from tests.booking.test_price_rules import add_rule, search


@pytest.fixture
def app_settings():
    return {"CATALOG_CACHE_SECONDS": 10}


@pytest.fixture
def clock(app, monkeypatch):
    """The cache's clock, moved by ``clock.advance(seconds)``; the cache starts empty."""
    cache.forget()

    class Clock:
        now = 1000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    ticking = Clock()
    monkeypatch.setattr(cache, "time", SimpleNamespace(monotonic=lambda: ticking.now))  # the cache's clock only
    yield ticking
    cache.forget()


def test_a_new_rule_prices_the_hold_at_once_and_shows_in_search_within_the_window(client, world, book, clock):
    assert search(client, world)["price"]["amount"] == 80000
    add_rule(world, name="Morning peak", change_percent=20, hour_from=6, hour_until=10)

    kept = search(client, world)
    assert kept["price"]["amount"] == 80000 and kept["pricing"]["rules"] == []
    held = book(passengers=[{"fare_class": "standard"}], destination=world.nakuru)
    assert held.status_code == 201, held.json
    assert held.json["total"]["amount"] == 96000
    assert [r["name"] for r in held.json["items"][0]["pricing"]["rules"]] == ["Morning peak"]

    clock.advance(9)
    assert search(client, world)["price"]["amount"] == 80000
    clock.advance(2)
    fresh = search(client, world)
    assert fresh["price"]["amount"] == 96000
    assert [r["name"] for r in fresh["pricing"]["rules"]] == ["Morning peak"]


def test_seats_left_are_never_kept(client, world, book, clock):
    before = search(client, world)["seats_left"]
    assert book(passengers=[{"fare_class": "standard"}], destination=world.nakuru).status_code == 201
    assert search(client, world)["seats_left"] == before - 1
