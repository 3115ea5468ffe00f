"""The public URLs operators call us back on (Daraja, Africa's Talking), with the token.

Why in core: payments builds the STK ``CallBackURL`` and the channels serve and check
those callbacks (``channels.security``); both need the same URL, and the app never
imports the channels.
"""
from __future__ import annotations

from flask import current_app

# Daraja's URL registration refuses a callback URL holding any of these, in any case
# ("M-PESA, M-Pesa, Safaricom, exe, exec, cmd, SQL, query or any similar keyword"); "exe"
# covers "exec". Our paths say "mobile-money" for that reason; the base URL and the
# token are the deployer's, so ``app.production`` refuses to start with one of these in
# them: every payment would fail with a reason no passenger can act on.
DARAJA_REFUSED_WORDS = ("m-pesa", "mpesa", "safaricom", "exe", "cmd", "sql", "query")


def daraja_refused_word(text: str) -> str | None:
    """The first word of ``DARAJA_REFUSED_WORDS`` that ``text`` holds (any case), or None."""
    lowered = text.lower()
    return next((word for word in DARAJA_REFUSED_WORDS if word in lowered), None)


def callback_url(path: str) -> str:
    """The public URL of one of our callbacks, with the token when one is set."""
    base = current_app.config["PUBLIC_BASE_URL"]
    token = current_app.config.get("CHANNEL_TOKEN")
    return f"{base}{path}" + (f"?token={token}" if token else "")
