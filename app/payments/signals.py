"""Signals payments send so that higher layers (the channels) can add to what it says.

Why a signal: the SMS of a failed payment should say how to retry by SMS
(``PAY <code> WALLET``), but payments sits below the channels and may not import them.
A receiver of ``payment_failed`` returns candidate sentences to append, longest first;
``with_hint`` keeps the first that lets the SMS fit one segment.
"""
from __future__ import annotations

from blinker import Namespace

SMS_LIMIT = 160  # one GSM-7 segment

_signals = Namespace()
payment_failed = _signals.signal("payment-failed")
"""Sent with the failed payment as sender and ``to`` (the phone told), before its SMS is queued."""


def with_hint(payment, to: str, text: str) -> str:
    """``text`` with the first hint that keeps it within one SMS (else the shortest: two segments)."""
    hints = [hint for _, offered in payment_failed.send(payment, to=to) for hint in (offered or ())]
    if not hints:
        return text
    for hint in hints:
        if len(f"{text} {hint}") <= SMS_LIMIT:
            return f"{text} {hint}"
    return f"{text} {hints[-1]}"
