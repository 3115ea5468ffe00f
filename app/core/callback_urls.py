"""The public URLs operators call us back on (Daraja, Africa's Talking), with the token.

Why in core: payments builds the STK ``CallBackURL`` and the channels serve and check
those callbacks (``channels.security``); both need the same URL, and the app never
imports the channels. Daraja refuses callback URLs holding certain words (``mpesa``,
``cmd``...): production refuses to start when ``PUBLIC_BASE_URL`` or ``CHANNEL_TOKEN``
holds one (``app.production.DARAJA_REFUSED_WORDS``).
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app


def callback_url(path: str, **params: str | int) -> str:
    """The public URL of one of our callbacks, with the token when one is set.

    ``params`` are added to the query (an STK push names its payment: ``push=42``), so that
    a callback whose operator id we never learnt still says what it answers.
    """
    base = current_app.config["PUBLIC_BASE_URL"]
    token = current_app.config.get("CHANNEL_TOKEN")
    query = [f"token={token}"] if token else []
    if params:
        query.append(urlencode(params))
    return f"{base}{path}" + (f"?{'&'.join(query)}" if query else "")
