"""The ledger keeps each wallet's balance itself, in the same transaction as the entries.

Why: the balance used to be a cache the wallet area kept by listening to a ledger signal;
with no listener connected (a script, a worker built without the factory's wiring) a
posting moved the entries and silently left the balance behind. Now ``post`` moves the
kept balance itself: nothing has to be connected, and a rollback undoes both.
"""
from __future__ import annotations

from blinker import Signal

import app.ledger.service as ledger
from app.extensions import db
from app.ledger.service import Leg, balance, post, wallet_account
from app.wallet.service import get_wallet


def _listeners_disconnected(monkeypatch) -> None:
    """Whatever signal the ledger may send, nobody listens."""
    for value in vars(ledger).values():
        if isinstance(value, Signal):
            monkeypatch.setattr(value, "receivers", {})


def test_a_posting_moves_the_wallet_balance_with_no_listener_connected(app, world, monkeypatch):
    _listeners_disconnected(monkeypatch)
    account = wallet_account(world.passenger.id)
    post("topup", "kept-1", [Leg("provider_clearing:sandbox", -2500, "KES"), Leg(account, 2500, "KES")])
    db.session.commit()
    assert get_wallet(world.passenger.id).balance == 2500 == balance(account, "KES")


def test_a_rolled_back_posting_leaves_the_balance_as_it_was(app, world):
    account = wallet_account(world.passenger.id)
    post("topup", "kept-2", [Leg("provider_clearing:sandbox", -1000, "KES"), Leg(account, 1000, "KES")])
    db.session.commit()
    post("topup", "kept-3", [Leg("provider_clearing:sandbox", -700, "KES"), Leg(account, 700, "KES")])
    db.session.rollback()
    assert get_wallet(world.passenger.id).balance == 1000 == balance(account, "KES")
