"""A complete, well-formed production environment (fake credentials), for tests.

Production refuses to start unless every setting of ``app.production`` is sound, so a test
that needs ``APP_ENV=production`` starts from this and changes the one thing it is about.
Nothing here reaches a network: the credentials are fake and no operator is called.
"""
from __future__ import annotations

import functools

from tickets.keys import Keyring

# Every setting build_config or the production checks read: cleared before a test sets its own.
SETTINGS = (
    "APP_ENV", "SECRET_KEY", "CHANNEL_TOKEN", "DATABASE_URL", "REDIS_URL", "TICKET_SIGNING_KEYS",
    "TICKET_SIGNING_KEYS_FILE", "AT_USERNAME", "AT_API_KEY", "AT_SENDER_ID", "AT_SHORT_CODE",
    "MPESA_ENV", "MPESA_BASE_URL", "MPESA_CONSUMER_KEY", "MPESA_CONSUMER_SECRET", "MPESA_SHORTCODE",
    "MPESA_PASSKEY", "PUBLIC_BASE_URL", "HOST", "PORT", "MPESA_INITIATOR_NAME", "MPESA_SECURITY_CREDENTIAL",
    "MPESA_INITIATOR_PASSWORD", "MPESA_CERT_FILE", "MPESA_B2C_SHORTCODE",
)


@functools.cache
def _signing_keys() -> str:
    return Keyring.generate("k1").to_text()


def production_environ(**changes: str | None) -> dict[str, str]:
    """The environment of a sound production deploy; ``NAME=None`` leaves a setting out."""
    environ = {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "CHANNEL_TOKEN": "c" * 40,
        "DATABASE_URL": "postgresql://safiri@db.example.test/safiri",
        "REDIS_URL": "redis://redis.example.test:6379/0",
        "TICKET_SIGNING_KEYS": _signing_keys(),
        "AT_USERNAME": "safiri",
        "AT_API_KEY": "atsk_" + "0" * 60,
        "MPESA_ENV": "production",
        "MPESA_CONSUMER_KEY": "consumer-key",
        "MPESA_CONSUMER_SECRET": "consumer-secret",
        "MPESA_SHORTCODE": "174379",
        "MPESA_PASSKEY": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
        "PUBLIC_BASE_URL": "https://tickets.example.test",
    }
    environ.update(changes)
    return {name: value for name, value in environ.items() if value is not None}


def set_environ(monkeypatch, environ: dict[str, str]) -> None:
    """Make ``environ`` the whole of the app's settings in ``os.environ`` for one test."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
