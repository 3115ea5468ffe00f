"""``/carrier``: the carrier admin's dashboard, a server-rendered page that draws its JSON.

Why a plain page: a carrier's finance person opens it on a phone or a desktop, signs in
with an SMS code like a driver on ``/scan`` (the same auth API: the refresh token in the
HttpOnly cookie, the access token in the script's memory), and reads today and the last
30 days. Everything it runs is served from ``static/`` (no CDN, no inline script or style,
so the strict CSP holds): ``dashboard.js`` and the vendored uPlot (MIT, ``static/vendor``,
``make vendor-carrier`` re-vendors it) for the charts. URLs carry a content version, so a
browser may keep the files for a year.

Texts come from the message catalogue (``carrier:*`` keys in ``app/messaging/locale``, en,
fr and sw), embedded in the page as one JSON object per language (a data block, not a
script: the CSP holds). The page speaks the language picked on its switch, else the
signed-in admin's account language, else the browser's.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, render_template, request, url_for

from app.carrier_page.api import TABLES
from app.messaging.catalogue import LANGUAGES, keys, template

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
PREFIX = "carrier:"
ASSETS = ("dashboard.css", "dashboard.js", "actions.js", "session.js", "vendor/uPlot.min.css", "vendor/uPlot.iife.min.js")

blp = Blueprint("carrier_page", __name__, url_prefix="/carrier", template_folder="templates",
                static_folder="static", static_url_path="/static")


@lru_cache(maxsize=1)
def catalogue() -> dict:
    """``{lang: {name: text}}`` of the page's texts (placeholders such as ``{n}`` filled in by the script)."""
    names = [key for key in keys() if key.startswith(PREFIX)]
    return {lang: {key[len(PREFIX):]: template(key, lang) for key in names} for lang in LANGUAGES}


@lru_cache(maxsize=1)
def asset_version() -> str:
    """Changes whenever a served file changes."""
    digest = hashlib.sha256()
    for name in ASSETS:
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


@blp.after_request
def _headers(response: Response) -> Response:
    if request.endpoint == "carrier_page.static" and request.args.get("v") == asset_version():
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@blp.get("")
def page():
    version = asset_version()
    assets = {name: url_for("carrier_page.static", filename=name, v=version) for name in ASSETS}
    columns = json.dumps({name: list(columns) for name, columns in TABLES.items()})
    return render_template("carrier/dashboard.html", assets=assets, columns=columns, catalogue=catalogue(),
                           languages=LANGUAGES)
