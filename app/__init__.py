"""Application factory: the composition root that binds extensions, areas and the configured components (the channels).

Everything that varies between development, tests and production comes from
``app.config.build_config``; nothing here reads the environment directly.
"""
from __future__ import annotations

import importlib
import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import app.core.sqlprivacy  # noqa: F401 - database errors quote no personal data
from app.config import build_config
from app.errors import register_error_handlers
from app.core import input_guard, security_headers
from app.core.log_redaction import redact_handlers
from app.extensions import api, db, limiter, migrate, web_redis_options
from app.openapi import init_openapi, request_examples

# (module path, attribute) of each API blueprint (flask-smorest) and plain Flask blueprint.
# Add one line when an area gets endpoints.
API_BLUEPRINTS: list[tuple[str, str]] = [
    ("app.auth.routes", "blp"),
    ("app.auth.admin_routes", "blp"),
    ("app.accounts.routes", "blp"),
    ("app.sales.routes.booking", "blp"),
    ("app.sales.routes.seats", "blp"),
    ("app.sales.routes.payments", "blp"),
    ("app.sales.routes.wallet", "blp"),
    ("app.payments.statement_routes", "blp"),
    ("app.payouts.routes", "blp"),
    ("app.concessions.routes", "blp"),
    ("app.sales.routes.withdrawals", "blp"),
    ("app.sales.routes.suspense", "blp"),
    ("app.reconciliation.routes", "blp"),
    ("app.reports.routes", "blp"),
    ("app.sales.routes.search", "public_blp"),  # the catalog's public blueprint, with the sales search view
    ("app.catalog.routes", "admin_blp"),
    ("app.catalog.routes", "trips_blp"),
    ("app.sales.routes.tickets", "blp"),
    ("app.sales.routes.manifest", "blp"),
    ("app.ticketing.driver_routes", "blp"),
    ("app.ticketing.scanner_routes", "blp"),
    ("app.carrier_page.api", "blp"),
    ("app.sales.routes.counter", "blp"),
]
FLASK_BLUEPRINTS: list[tuple[str, str]] = [
    ("app.landing", "blp"),
    ("app.wellknown", "blp"),
    ("app.ticketing.shortlink", "blp"),
    ("app.scanner.page", "blp"),
    ("app.carrier_page.page", "blp"),
    ("app.counter_page.routes", "blp"),
]
DEV_BLUEPRINTS: list[tuple[str, str]] = [
    ("app.dev.routes", "blp"),
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


def _connect_areas() -> None:
    """Give lower areas what they ask of higher ones (dependencies point down)."""
    from app.booking.availability import taken_on_leg, taken_seat_counts
    from app.booking.passenger_list import sold_seat_counts
    from app.catalog.trips.occupancy import (
        register_sold_seat_counter,
        register_taken_on_leg,
        register_taken_seat_counter,
    )

    register_taken_seat_counter(taken_seat_counts)  # seats left, in search and on trip pages
    register_taken_on_leg(taken_on_leg)  # seats left in search's one statement
    register_sold_seat_counter(sold_seat_counts)  # seats sold, in the carrier's trip list


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(build_config(app.instance_path, test_config))
    from app.payments.price_points import parse_price_points

    parse_price_points(app.config.get("AT_PREMIUM_PRICE_POINTS"))  # a typo fails at start, not at a payment
    from app.messaging.catalogue import load_all

    load_all()  # the .po files read once (Babel): a broken catalogue fails at start, not in an SMS
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact_handlers(logging.getLogger().handlers)  # no ?token= in any line (app.core.log_redaction)
    app.json.sort_keys = False

    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=1)
    input_guard.init_app(app)  # before any blueprint: the bounded <int:> converter
    security_headers.init_app(app)  # CSP, frame-ancestors, nosniff... on every response
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis://", "rediss://")):
        # A request never waits long on the limiter's storage (app.extensions.web_redis_options).
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", web_redis_options())
    limiter.init_app(app)
    api.init_app(app)
    init_openapi(app, api)  # intro, shared components (Problem), Swagger UI served locally

    importlib.import_module("app.models")  # registers every table
    _connect_areas()

    for path, attr in API_BLUEPRINTS:
        api.register_blueprint(_import(path, attr))
    for path, attr in FLASK_BLUEPRINTS:
        app.register_blueprint(_import(path, attr))
    request_examples(api)  # after every API blueprint: each request body gets its schema's EXAMPLE
    if app.config["APP_ENV"] != "production":
        for path, attr in DEV_BLUEPRINTS:
            app.register_blueprint(_import(path, attr))

    register_error_handlers(app)

    # The channels (and any other configured component) register their own blueprints,
    # tables and listeners: ``app`` never imports them (dependencies point down).
    for component in app.config["COMPONENTS"]:
        importlib.import_module(component).init_app(app)

    from app.cli import register_cli

    register_cli(app)
    return app
