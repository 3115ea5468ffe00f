"""Headless Chromium for page tests: Debian's browser, an app on a real local server.

Playwright drives ``/usr/bin/chromium`` (never a downloaded browser). Outside CI a missing
Chromium skips the test; in CI (``CI`` set) it fails, since a skipped page test would
hide a broken page.
"""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def require_chromium() -> None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: browser tests must run there")
        pytest.skip("Chromium is not installed (set CI=true to make this a failure)")


@contextmanager
def serve(app):
    """Serve ``app`` with werkzeug on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def offline(context) -> list[str]:
    """Abort every request of ``context`` to a host other than this machine, as on a
    machine without internet; the returned list collects the URLs that tried to leave."""
    left: list[str] = []

    def _route(route):
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            left.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", _route)
    return left
