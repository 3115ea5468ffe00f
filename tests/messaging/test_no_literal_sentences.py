"""No module writes its own sentence to a person: texts come from the message catalogue.

A cheap static check (the AST of ``app/`` and ``channels/``): what goes into an SMS
(``queue_sms``, or built in a function about SMS), onto a USSD screen (``End``/``Stay``),
into a payment's ``message`` or back as an SMS reply must not be a string literal or an
f-string holding words; a literal ``message=`` must be a catalogue key. Formatting glue
("\\n".join, "{n} {time}") passes. API error details (problem+json) are for developers
and stay English; log lines are not sent to anyone.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from app.messaging.catalogue import has

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "channels")
WORD = re.compile(r"[A-Za-z]{2,}")
PAIR = re.compile(r"\b[a-z]{2,} [a-z]{2,}\b")
SCREENS = {"End", "Stay"}
REPLY_MODULES = {"channels/sms/commands.py", "channels/sms/inbound.py"} | {
    f"channels/ussd/{name}.py" for name in ("menus", "choosing", "paying", "tickets")} | {
    f"channels/sms/commands/{name}.py" for name in ("account", "buy", "pay", "tickets", "wallet")}


def _literal_text(node) -> str | None:
    """The constant text of a str literal, f-string or concatenation; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        parts = [_literal_text(node.left), _literal_text(node.right)]
        return "".join(p for p in parts if p) or None
    return None


def _sentence(node) -> str | None:
    """The literal text when it reads as words for a person (3+ words, two in a row)."""
    found = _literal_text(node)
    if found is None:
        return None
    prose = re.sub(r"\{[^}]*\}", " ", found)
    return found if len(WORD.findall(prose)) >= 3 and PAIR.search(prose) else None


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _problems(path: Path, relative: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        where = f"{relative}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name == "queue_sms" and len(node.args) >= 2 and _sentence(node.args[1]):
                out.append(f"{where} queue_sms with a literal sentence")
            if name in SCREENS and node.args and _sentence(node.args[0]):
                out.append(f"{where} {name}() with a literal sentence")
            for keyword in node.keywords:
                if keyword.arg == "message" and isinstance(keyword.value, ast.Constant) \
                        and isinstance(keyword.value.value, str) and keyword.value.value and not has(keyword.value.value):
                    out.append(f"{where} message={keyword.value.value!r} is not a catalogue key")
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "message"
                                                for t in node.targets) and _sentence(node.value):
            out.append(f"{where} .message = a literal sentence")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and ("sms" in node.name or any(
                isinstance(n, ast.Call) and _name(n.func) == "queue_sms" for n in ast.walk(node))):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Assign) and isinstance(inner.targets[0], ast.Name) and _sentence(inner.value):
                    out.append(f"{relative}:{inner.lineno} a sentence built for an SMS")
                if isinstance(inner, ast.Return) and inner.value is not None and _sentence(inner.value):
                    out.append(f"{relative}:{inner.lineno} an SMS text returned as a literal sentence")
        if relative in REPLY_MODULES and isinstance(node, ast.Return) and node.value is not None \
                and _sentence(node.value):
            out.append(f"{where} returns a literal sentence to the sender")
    return out


def test_no_module_sends_its_own_sentence():
    problems = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            problems += _problems(path, path.relative_to(ROOT).as_posix())
    assert not problems, "say it with the catalogue (app/messaging/locale):\n" + "\n".join(problems)


def test_the_check_catches_a_literal_sms(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('queue_sms(phone, f"Safiri: your ticket {code} is ready now.", "ticket")\n'
                      'payment.message = "Paid. Your ticket is on its way."\n'
                      'StartResult(True, message="mpesa_prompt")\n')
    assert sorted(p.split(" ", 1)[1] for p in _problems(sample, "sample.py")) == [
        ".message = a literal sentence", "queue_sms with a literal sentence"]
