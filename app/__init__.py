"""Application factory: the composition root that binds extensions, blueprints and channels.

Everything that varies between development, tests and production comes from
``app.config.build_config``; nothing here reads the environment directly.
"""
from __future__ import annotations

import importlib
import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

import app.core.sqlprivacy  # noqa: F401 - database errors quote no personal data
from app.config import build_config
from app.errors import register_error_handlers
from app.core import input_guard
from app.extensions import api, db, limiter, migrate
from app.openapi import init_openapi, request_examples

# (module path, attribute) of each API blueprint (flask-smorest) and plain Flask blueprint.
# Add one line when an area gets endpoints.
API_BLUEPRINTS: list[tuple[str, str]] = [
    ("app.auth.routes", "blp"),
    ("app.auth.admin_routes", "blp"),
    ("app.accounts.routes", "blp"),
    ("app.booking.routes", "blp"),
    ("app.payments.routes", "blp"),
    ("app.wallet.routes", "blp"),
    ("app.ledger.routes", "blp"),
    ("app.catalog.routes_public", "blp"),
    ("app.catalog.routes_admin", "blp"),
    ("app.catalog.routes_trips", "blp"),
    ("app.ticketing.routes", "blp"),
    ("app.ticketing.driver_routes", "blp"),
    ("app.ticketing.scanner_routes", "blp"),
]
FLASK_BLUEPRINTS: list[tuple[str, str]] = [
    ("app.landing", "blp"),
    ("app.wellknown", "blp"),
    ("app.ticketing.shortlink", "blp"),
    ("app.scanner.page", "blp"),
    ("channels.mpesa.routes", "blp"),
    ("channels.sms.delivery", "blp"),
    ("channels.ussd.routes", "blp"),
    ("channels.sms.inbound", "blp"),
]
DEV_BLUEPRINTS: list[tuple[str, str]] = [
    ("app.dev.routes", "blp"),
    ("app.dev.phone", "blp"),
]


def _import(path: str, attr: str):
    return getattr(importlib.import_module(path), attr)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite ignores foreign keys unless asked; we rely on them everywhere."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(build_config(app.instance_path, test_config))
    from app.payments.price_points import parse_price_points

    parse_price_points(app.config.get("AT_PREMIUM_PRICE_POINTS"))  # a typo fails at start, not at a payment
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.json.sort_keys = False

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=1)
    input_guard.init_app(app)  # before any blueprint: the bounded <int:> converter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    limiter.init_app(app)
    api.init_app(app)
    init_openapi(app, api)  # intro, shared components (Problem), Swagger UI served locally

    importlib.import_module("app.models")  # registers every table

    for path, attr in API_BLUEPRINTS:
        api.register_blueprint(_import(path, attr))
    for path, attr in FLASK_BLUEPRINTS:
        app.register_blueprint(_import(path, attr))
    request_examples(api)  # after every API blueprint: each request body gets its schema's EXAMPLE
    if app.config["APP_ENV"] != "production":
        for path, attr in DEV_BLUEPRINTS:
            app.register_blueprint(_import(path, attr))

    register_error_handlers(app)

    # Booking and payments do not import each other: the sales layer answers their signals.
    from app.sales.wiring import register as register_sales

    register_sales()

    # Lower layers signal, higher ones listen: the channels erase what they hold about a
    # person whose account is deleted (app.accounts.service.account_erasing).
    from channels.erasure import register as register_channel_erasure

    register_channel_erasure()

    from app.cli import register_cli

    register_cli(app)
    return app
