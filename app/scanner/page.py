"""``/scan``: the driver's scanner, a page a driver opens once and then uses offline.

Why a page and not an app: many drivers carry a cheap Android phone and no scanner
app. Everything the page runs is served from here (no CDN): plain ES modules under
``static/`` and two vendored files (``static/vendor/``, pinned in ``package-lock.json``,
re-vendored by ``make vendor-scanner``), so nothing is built when the app runs.

Offline: ``/scan/sw.js`` is a service worker that caches the page and its assets under
a version derived from their contents (a changed file is a new version, so a driver's
phone picks it up at the next visit with signal); the web app manifest makes the page
installable. The page keeps scans in IndexedDB and uploads them through the scan API.
Texts come from the message catalogue (``scanner:*`` keys in ``app/messaging/locale``,
en/fr/sw), embedded in the page as one JSON object per language.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, render_template, request, url_for
from jinja2.utils import htmlsafe_json_dumps

from app.core.security_headers import allow_inline_script

from app.messaging.catalogue import keys, template

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
# Served with the page and cached by the service worker (vendor/noble-ed25519.js is
# cached too: a phone without WebCrypto Ed25519 must still verify offline; so are the
# home-screen icons, drawn by icons.py from icon.svg's design).
ICONS = ("icon-192.png", "icon-512.png", "icon-maskable-512.png")
ASSETS = ("scanner.css", "scanner.js", "ticket.js", "store.js", "decode.js", "icon.svg", *ICONS,
          "vendor/qr-worker.js", "vendor/noble-ed25519.js")
LANGUAGES = ("en", "fr", "sw")

blp = Blueprint("scanner_page", __name__, url_prefix="/scan", template_folder="templates",
                static_folder="static", static_url_path="/static")


SCANNER_PREFIX = "scanner:"


@lru_cache(maxsize=1)
def catalogue() -> dict:
    """``{lang: {name: text}}`` of the page (placeholders such as ``{time}`` filled in by the script)."""
    names = [key for key in keys() if key.startswith(SCANNER_PREFIX)]
    return {lang: {key[len(SCANNER_PREFIX):]: template(key, lang) for key in names} for lang in LANGUAGES}


@lru_cache(maxsize=1)
def asset_version() -> str:
    """Changes whenever a served file or the page's texts change."""
    digest = hashlib.sha256()
    for name in (*ASSETS, "../templates/scanner/scan.html"):
        digest.update((STATIC / name).read_bytes())
    digest.update(json.dumps(catalogue(), sort_keys=True).encode())
    return digest.hexdigest()[:12]


def _asset_urls() -> dict[str, str]:
    version = asset_version()
    return {name: url_for("scanner_page.static", filename=name, v=version) for name in ASSETS}


@blp.after_request
def _headers(response: Response) -> Response:
    if request.endpoint == "scanner_page.static" and request.args.get("v") == asset_version():
        # The URL names the version: a phone may keep it forever (saves the service
        # worker's install from downloading the page's files a second time).
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@blp.get("")
def page():
    assets = _asset_urls()
    # Modules import each other by plain path; the import map sends those imports to the
    # versioned URLs (the ones the service worker caches and browsers keep for a year).
    # An import map is an inline script: the CSP allows this one by its hash, nothing else.
    import_map = htmlsafe_json_dumps(
        {"imports": {url.split("?")[0]: url for name, url in assets.items() if name.endswith(".js")}})
    allow_inline_script(str(import_map))
    return render_template("scanner/scan.html", assets=assets, catalogue=catalogue(), import_map=import_map,
                           version=asset_version(), languages=LANGUAGES)


@blp.get("/sw.js")
def service_worker():
    cached = ["/scan", url_for("scanner_page.manifest"), *_asset_urls().values()]
    body = render_template("scanner/sw.js", version=asset_version(), cached=cached)
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/scan"
    return response


@blp.get("/app.webmanifest")
def manifest():
    """What Chromium needs to offer "Install" / "Add to home screen" (checked by
    tests/scanner/test_installable.py): name, start URL inside the scope, standalone
    display, and PNG icons of 192 and 512 px (Android builds its app from a PNG)."""
    assets = _asset_urls()

    def icon(name: str, sizes: str, kind: str, purpose: str = "any") -> dict:
        return {"src": assets[name], "sizes": sizes, "type": kind, "purpose": purpose}

    body = {
        "id": "/scan", "name": "Safiri scanner", "short_name": "Scanner",
        "start_url": "/scan", "scope": "/scan",
        "display": "standalone", "orientation": "portrait", "background_color": "#111827",
        "theme_color": "#111827",
        "icons": [icon("icon-192.png", "192x192", "image/png"), icon("icon-512.png", "512x512", "image/png"),
                  icon("icon-maskable-512.png", "512x512", "image/png", "maskable"),
                  icon("icon.svg", "any", "image/svg+xml")],
    }
    return Response(json.dumps(body), mimetype="application/manifest+json")
