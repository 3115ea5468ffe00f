"""Safaricom Daraja (M-Pesa) client: STK push, STK query, C2B URL registration, B2C,
reversal, transaction status, callbacks.

Plain Python on top of ``requests``: no Flask, no database. Wire shapes follow
``tests/fixtures/mpesa/``; the quirks handled here are documented where they are handled,
because each of them has bitten somebody in production. Modules: ``http`` (credentials,
OAuth token, transport), ``stk``, ``c2b``, ``initiator`` (the API initiator and its
SecurityCredential), ``outbound`` (B2C, reversal, status), ``callbacks`` (parsers),
``results``, ``errors``, ``wire`` (constants, conversions and payloads); import the public
names from here.
"""
from app.payments.providers.daraja.callbacks import parse_c2b, parse_result, parse_stk_callback
from app.payments.providers.daraja.client import DarajaClient
from app.payments.providers.daraja.errors import (
    DarajaError,
    DarajaNoAnswer,
    DarajaUnavailable,
    MalformedCallback,
)
from app.payments.providers.daraja.initiator import (
    Initiator,
    InitiatorConfigError,
    encrypt_password,
    initiator_configured,
)
from app.payments.providers.daraja.results import (
    C2BNotification,
    InitiatorAccepted,
    InitiatorResult,
    StkCallback,
    StkPushAccepted,
    StkQueryResult,
)
from app.payments.providers.daraja.wire import base_url_for, check_callback_url, mask_phone

__all__ = [
    "C2BNotification",
    "DarajaClient",
    "DarajaError",
    "DarajaNoAnswer",
    "DarajaUnavailable",
    "Initiator",
    "InitiatorAccepted",
    "InitiatorConfigError",
    "InitiatorResult",
    "MalformedCallback",
    "StkCallback",
    "StkPushAccepted",
    "StkQueryResult",
    "base_url_for",
    "check_callback_url",
    "encrypt_password",
    "initiator_configured",
    "mask_phone",
    "parse_c2b",
    "parse_result",
    "parse_stk_callback",
]
