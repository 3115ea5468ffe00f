"""Security headers on every response: a strict Content-Security-Policy and its companions.

Why on every response, not per page: a page forgotten is a page that can be framed
(clickjacking the scanner's "Undo boarding") or that runs an injected script. One
``after_request`` hook sets:

- ``Content-Security-Policy``: scripts, styles, images, connections, workers and
  manifests from this app only (``'self'``); no ``'unsafe-inline'`` and no ``eval`` for
  scripts; no plugins (``object-src 'none'``), no ``<base>``; forms post here only;
  ``frame-ancestors 'none'``: no other page may frame ours. An inline script a page
  really needs (the scanner's import map) is allowed by the SHA-256 of its exact text,
  which the view registers with ``allow_inline_script`` for that response only.
- ``X-Frame-Options: DENY`` for browsers older than ``frame-ancestors``.
- ``X-Content-Type-Options: nosniff``: a file is what its content type says.
- ``Referrer-Policy: no-referrer``: a ticket page's URL is its bearer code (``/t/<code>``);
  it must not leak to another site through a link.
- ``Cross-Origin-Opener-Policy: same-origin`` and a ``Permissions-Policy`` that allows the
  camera (the scanner) to this origin only, and nothing else we never use.
- In production, ``Strict-Transport-Security`` (a year, subdomains): never plain HTTP again.

Images may also be ``data:``/``blob:`` (Swagger UI's icons, a photographed ticket), and a
worker ``blob:`` (the scanner's vendored QR decoder builds its worker from a blob its own
served module holds); no other source is allowed anywhere, since everything the pages
run is served by the app.
"""
from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response, current_app, g

HSTS = "max-age=31536000; includeSubDomains"
_POLICY = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("worker-src", "'self' blob:"),  # the scanner's QR decoder starts its worker from a blob
    ("manifest-src", "'self'"),
    ("media-src", "'self' blob:"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
}


def script_hash(text: str) -> str:
    """The CSP source that allows an inline script of exactly ``text``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def allow_inline_script(text: str) -> str:
    """Allow the inline script ``text`` in this response's policy; returns ``text``."""
    g.setdefault("csp_script_hashes", []).append(script_hash(text))
    return text


def content_security_policy(script_hashes: list[str] | tuple[str, ...] = ()) -> str:
    parts = []
    for directive, sources in _POLICY:
        if directive == "script-src" and script_hashes:
            sources = " ".join((sources, *script_hashes))
        parts.append(f"{directive} {sources}")
    return "; ".join(parts)


def add_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy(g.get("csp_script_hashes", ()))
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["APP_ENV"] == "production":
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
