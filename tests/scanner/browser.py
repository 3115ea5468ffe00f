"""Helpers for the /scan browser tests: a real server, Chromium, sign-in, QR pictures.

The server, Chromium and its flags come from ``tests/browser_support.py`` (shared by every
page test); this module adds what only the scanner needs: metered serving (transfer sizes),
QR pictures, polling.
"""
from __future__ import annotations

import io
import re
import time
from contextlib import contextmanager

from PIL import Image
from playwright.sync_api import expect

from tests.browser_support import ARGS, CHROMIUM, require_chromium  # noqa: F401 (the tests import them from here)
from tests.browser_support import serve as _serve
from tickets.qr import render_png


def _metered(app, traffic: list):
    """The app, noting ``(path, bytes sent)`` (status line, headers and body) per request."""

    def wsgi(environ, start_response):
        head = {}

        def start(status, headers, exc_info=None):
            head["bytes"] = len(status) + sum(len(k) + len(v) + 4 for k, v in headers) + 4
            return start_response(status, headers, exc_info)

        result = app(environ, start)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        traffic.append((environ["PATH_INFO"], head.get("bytes", 0) + len(body)))
        return [body]

    return wsgi


@contextmanager
def serve(app, traffic: list | None = None):
    """Serve ``app`` on a free port; with ``traffic``, note what each request sent."""
    with _serve(_metered(app, traffic) if traffic is not None else app) as url:
        yield url


def qr_png(text: str, box_size: int = 6) -> bytes:
    return render_png(text, box_size=box_size).content


def poll(check, timeout: float = 10.0, every: float = 0.05):
    """``check()``'s first truthy answer within ``timeout`` seconds, else AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout} s")
        time.sleep(every)


def sign_in(page, base: str, client, phone: str, *, goto: bool = True) -> None:
    """Phone number, one-time code read from the development outbox, as a driver would."""
    if goto:
        page.goto(f"{base}/scan")
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#phone", phone)
    page.click("#send-code")
    expect(page.locator("#signin-msg")).not_to_be_empty()

    def code():
        for message in client.get(f"/dev/outbox?to={phone}").get_json():
            found = re.search(r"\b(\d{6})\b", message["text"])
            if found:
                return found.group(1)
        return None

    page.fill("#otp", poll(code))
    page.click("#verify")
    expect(page.locator("#trips")).to_be_visible()


def upload_qr(page, text: str) -> None:
    page.set_input_files("#qr-file", {"name": "ticket.png", "mimeType": "image/png", "buffer": qr_png(text)})


def y4m(png: bytes, width: int = 480, height: int = 480) -> bytes:
    """One grey-scale Y4M frame of ``png`` (Chromium's fake camera loops it)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    canvas = Image.new("L", (width, height), 255)
    image.thumbnail((width - 40, height - 40))
    canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
    chroma = bytes([128]) * (width // 2 * height // 2)
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    return header + b"FRAME\n" + canvas.tobytes() + chroma + chroma
