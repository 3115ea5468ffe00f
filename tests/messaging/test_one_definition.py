"""The SMS segment length and GSM-7 counting are defined once, in ``app/messaging/gsm.py``.

Why: 160 was written down four times (the ticket SMS, BUY's list, TICKETS' list, the
catalogue) and the septet count of GSM-7's extension characters twice; a change to one
would leave the others behind. A static check over ``app/`` and ``channels/``.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = "app/messaging/gsm.py"
SEGMENT_SIZES = {160, 153}
EXTENSION = set("{}[]~|^\\\u20ac\f")  # GSM-7's extension table (two septets each)


def _modules():
    for package in ("app", "channels"):
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_the_sms_segment_length_is_defined_once():
    found = []
    for relative, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant) \
                    and node.value.value in SEGMENT_SIZES and relative != HOME:
                found.append(f"{relative}:{node.lineno}")
    assert not found, f"use app.messaging's SMS_SEGMENT / CONCATENATED_SEGMENT: {found}"


def test_gsm7_extension_characters_are_listed_once():
    found = []
    for relative, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and relative != HOME \
                    and len(node.value) >= 5 and set(node.value) <= EXTENSION:
                found.append(f"{relative}:{node.lineno}")
    assert not found, f"use app.messaging.gsm's GSM7_EXTENSION and septets(): {found}"
