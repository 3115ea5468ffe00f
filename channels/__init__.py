"""Operator-facing channels: USSD, SMS and payment callbacks.

Channels translate a protocol into a domain service call and the result back into the
protocol. They hold no business rules.

Registered into the app by ``init_app`` (``create_app`` calls it for each package named in
the ``COMPONENTS`` setting), so the app never imports the channels.
"""
from __future__ import annotations

import importlib

from flask import Flask

from app.jobs.periodic import Sweep, register_sweep
from channels.erasure import register as register_erasure
from channels.sms import models as sms_models  # noqa: F401 - tables for metadata
from channels.ussd import models as ussd_models  # noqa: F401

# Plain Flask blueprints of the channels (operator callbacks and gateways), in order.
BLUEPRINTS: list[tuple[str, str]] = [
    ("channels.mpesa.routes", "blp"),
    ("channels.sms.delivery", "blp"),
    ("channels.ussd.routes", "blp"),
    ("channels.sms.inbound", "blp"),
]
DEV_BLUEPRINTS: list[tuple[str, str]] = [
    ("channels.dev.phone", "blp"),  # /dev/phone, the feature-phone simulator
]


def init_app(app: Flask) -> None:
    """Register the channels' tables, blueprints, sweep and erasure listener on ``app``."""
    for path, attr in BLUEPRINTS + (DEV_BLUEPRINTS if app.config["APP_ENV"] != "production" else []):
        app.register_blueprint(getattr(importlib.import_module(path), attr))
    register_sweep(Sweep("purge-ussd", "channels.ussd.store:purge_stale_sessions", 60))
    # Lower layers signal, higher ones listen: the channels erase what they hold about a
    # person whose account is deleted (app.accounts.service.account_erasing).
    register_erasure()
