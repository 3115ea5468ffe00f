"""The OpenAPI document's spec-level parts, and Swagger UI served from the app itself.

Why here: the document at ``/api/openapi.json`` is a newcomer's first read, so it opens
with how to sign in and the conventions every endpoint shares (money, times, errors,
``Idempotency-Key``); the per-endpoint parts (schemas, examples) stay in each area's
``schemas.py``/``routes.py``. ``/api/docs`` must work on a machine without internet:
Swagger UI's files come from the pinned ``flask-swagger-ui`` wheel (its ``dist/``
folder, nothing else of that package is used) and are served under
``/api/docs/assets/``; nothing is downloaded at run time. The page itself is ours
(``openapi_ui/``), not flask-smorest's: theirs starts Swagger UI with an inline script,
which the Content-Security-Policy refuses (``app.core.security_headers``), so ours
loads ``/api/docs/init.js`` instead.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Flask, current_app, render_template, send_from_directory

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).parent / "dist"
SWAGGER_UI_ASSETS_URL = "/api/docs/assets/"
HERE = Path(__file__).resolve().parent / "openapi_ui"

INTRODUCTION = """\
Buy bus tickets, pay by M-Pesa, airtime or wallet, and board with a signed QR code.

## Sign in with a code (two calls)
1. `POST /api/v1/auth/otp` with `{"phone": "+254711000111"}`: a 6-digit code is sent by SMS.
   In development no SMS leaves the machine: read it at
   [`GET /dev/outbox?to=+254711000111`](/dev/outbox?to=%2B254711000111) (or in the phone
   simulator at [`/dev/phone`](/dev/phone)).
2. `POST /api/v1/auth/token` with `{"phone": "+254711000111", "code": "123456"}` answers an
   `access_token` (15 minutes) and a `refresh_token` (renew at `POST /api/v1/auth/refresh`).
3. Send `Authorization: Bearer <access_token>` with every other call (here: the
   **Authorize** button).

## Conventions
- **Money** is `{"amount": 150000, "currency": "KES"}` in requests and answers alike: an
  integer count of the currency's minor unit (this is KES 1,500.00) and its ISO 4217 code.
  Never a float, never a bare number.
- **Times** are ISO 8601 with an offset. A trip's times (`departure_at`, `arrival_at`, and a
  ticket's `valid_from`/`valid_until`) are in its departure stop's zone, e.g.
  `2026-03-01T08:00:00+03:00`; every other time (`created_at`, `paid_at`, `settled_at`,
  `hold_expires_at`, `scanned_at`...) is UTC, e.g. `2026-03-01T05:00:00+00:00`.
- **Phone numbers** are answered in E.164; local forms (`0711 000111`) are accepted.
- **Errors** are `application/problem+json` (RFC 9457, schema `Problem`): `type` (branch on
  it, e.g. `/problems/seat-taken`), `title`, `status`, `detail` (a sentence to show) and, for
  invalid fields, `errors` (field → messages). A refused request changes nothing.
- **Idempotency-Key**: POSTs that create orders or move money (orders, payments, top-ups)
  honour this header. Retrying with the same key and body replays the first answer
  (`Idempotent-Replayed: true`) instead of buying or charging twice.
"""


assets = Blueprint("swagger_ui_assets", __name__, template_folder=str(HERE))


@assets.get(SWAGGER_UI_ASSETS_URL + "<path:filename>")
def swagger_ui_asset(filename: str):
    """One file of the pinned Swagger UI build (cacheable: it changes only with the pin)."""
    return send_from_directory(SWAGGER_UI_DIST, filename, max_age=24 * 3600)


@assets.get("/api/docs")
def swagger_ui():
    """Swagger UI over ``/api/openapi.json``, started by a served script (no inline script)."""
    config = {"url": "/api/openapi.json", **current_app.config["OPENAPI_SWAGGER_UI_CONFIG"]}
    return render_template("api_docs.html", title=current_app.config["API_TITLE"], config=config,
                           assets_url=SWAGGER_UI_ASSETS_URL)


@assets.get("/api/docs/init.js")
def swagger_ui_init():
    return send_from_directory(HERE, "swagger-init.js", mimetype="text/javascript", max_age=3600)


def example_day(days_ahead: int) -> str:
    """A date ``days_ahead`` from today (ISO), for examples that must stay in the future."""
    return (date.today() + timedelta(days=days_ahead)).isoformat()


def request_examples(api) -> None:
    """Give each request body the ``EXAMPLE`` of its schema class, unless its route set one.

    ``EXAMPLE`` is a dict, or a function returning one (for dates relative to today). Call
    after every blueprint is registered; ``tests/openapi`` fails on a body without one.
    """
    classes = {name: key[0] for key, name in api.ma_plugin.converter.refs.items()}
    for operations in api.spec._paths.values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            for media in (body or {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                example = getattr(classes.get(ref.rsplit("/", 1)[-1]), "EXAMPLE", None)
                if example is not None and "example" not in media and "examples" not in media:
                    media["example"] = example() if callable(example) else example


def init_openapi(app: Flask, api) -> None:
    """Call right after ``api.init_app(app)``: intro, shared components, local Swagger UI."""
    api.spec.options.setdefault("info", {})["description"] = INTRODUCTION
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    app.register_blueprint(assets)
