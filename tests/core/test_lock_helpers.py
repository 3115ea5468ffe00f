"""Every helper that takes a row lock re-reads the row it locks.

Why: ``SELECT ... FOR UPDATE`` returns the row as it is now, but SQLAlchemy keeps the
values of an object the session already loaded unless told to refresh it
(``populate_existing``). A wallet read for the order page and then locked to pay showed the
balance from before another payment: a decision on a stale row, under a lock that was
meant to prevent exactly that (``tests/wallet/test_wallet_lock.py`` shows it on PostgreSQL).
A lock that loads no object (ids only) says so with a ``lock only`` comment.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WINDOW = 4  # lines around ``with_for_update`` that belong to the same statement


def _locks():
    for package in ("app", "channels"):
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines):
                if "with_for_update" in line:
                    statement = "\n".join(lines[max(0, number - WINDOW):number + WINDOW])
                    yield f"{path.relative_to(ROOT)}:{number + 1}", statement, line


def test_every_row_lock_refreshes_what_it_locks():
    stale = [where for where, statement, line in _locks()
             if "populate_existing" not in statement and "lock only" not in line]
    assert stale == [], f"locks that keep a stale object: {stale}"


def test_the_check_sees_the_locks():
    assert sum(1 for _ in _locks()) >= 10
