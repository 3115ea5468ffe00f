"""Every module of the application is small enough to read in one sitting (under 400 lines).

Why a test: the rule was written down (docs/CONTRIBUTING.md) and ``channels/ussd/menus.py``
still grew to 417 lines; a module that passes the bound is split by what it does.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "channels", "tickets")
MAX_LINES = 400


def test_every_module_is_under_400_lines():
    long = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines >= MAX_LINES:
                long[path.relative_to(ROOT).as_posix()] = lines
    assert not long, f"split these by what they do (under {MAX_LINES} lines): {long}"
