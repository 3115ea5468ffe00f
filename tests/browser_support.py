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


class _InFlight:
    """Counts the requests the server is still answering.

    Why: werkzeug answers each request in a daemon thread that ``shutdown`` does not wait
    for. A browser closed mid-upload leaves one still writing (a scan row) while the test's
    teardown empties the tables, and the foreign key then fails every later test.
    """

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            result = self.app(environ, start_response)
            try:
                yield from result
            finally:
                if hasattr(result, "close"):  # Flask's teardown runs here
                    result.close()
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


@contextmanager
def serve(app):
    """Serve ``app`` with werkzeug on 127.0.0.1 (a free port) in a thread; yield its base URL.
    On the way out, wait for the requests still being answered (bounded) before the test's
    teardown touches the database."""
    in_flight = _InFlight(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        if not in_flight.wait_idle(timeout=30):
            pytest.fail("the test server was still answering a request 30 s after the test ended")


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
