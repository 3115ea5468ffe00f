"""The app's ticket keyring and verifier, built once per app.

Why cached on ``app.extensions``: parsing PEM keys on every request would dominate a
scan, and two workers must not each mint a development key (``resolve_keyring`` creates
the file atomically; the loser loads it). Production never creates a key file: a
missing key there must stop the app rather than sign tickets no scanner can verify.
"""
from __future__ import annotations

from flask import Flask, current_app

from tickets.keys import Keyring, resolve_keyring
from tickets.verifier import Verifier

_KEYRING = "ticket_keyring"
_VERIFIER = "ticket_verifier"


def get_keyring(app: Flask | None = None) -> Keyring:
    """The keyring the app's settings name (``TICKET_SIGNING_KEYS[_FILE]``)."""
    app = app or current_app._get_current_object()
    keyring = app.extensions.get(_KEYRING)
    if keyring is None:
        keyring = resolve_keyring(
            app.config, create_missing_file=app.config["APP_ENV"] != "production"
        )
        app.extensions[_KEYRING] = keyring
    return keyring


def get_verifier(app: Flask | None = None) -> Verifier:
    """A verifier over every public key of the app's keyring (online scans)."""
    app = app or current_app._get_current_object()
    verifier = app.extensions.get(_VERIFIER)
    if verifier is None:
        verifier = Verifier.from_keyring(get_keyring(app))
        app.extensions[_VERIFIER] = verifier
    return verifier
