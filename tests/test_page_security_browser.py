"""What the security headers do in a real browser (headless Chromium), page by page.

Break 7 of issue 14: any site could frame ``/scan`` (and click "Undo boarding" through a
transparent frame), a script injected into a page would have run, and the scanner kept
both its tokens where any script reads them. Here:

- each page (``/``, ``/scan``, ``/counter``, ``/t/<code>``, ``/api/docs``, ``/dev/phone``) works under its
  policy: it renders and the browser reports no violation;
- framed by a page of another origin, none of them renders (``frame-ancestors 'none'``);
- a script injected into each page (the response rewritten on its way, headers kept, as
  a stored XSS would be) does not run, and the browser reports the violation;
- the scanner keeps no token where a script can read it (localStorage, IndexedDB,
  ``document.cookie``); the refresh cookie is HttpOnly, SameSite=Strict and limited to the
  refresh path; after a reload it signs in again by itself from the cookie.
Offline scanning and the recovery after an offline reload are in tests/scanner.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect, sync_playwright

from app.database import utcnow
from tests.browser_support import ARGS, CHROMIUM, require_chromium, serve
from tests.scanner.browser import poll, sign_in
from tests.tickets.test_scan_support import assign, sell, trip_departing

pytestmark = pytest.mark.browser

# Recorded from the first script of every page (Playwright's init scripts are not subject
# to the page's policy): each violation the browser reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.effectiveDirective + " " + e.blockedURI));
"""
INJECTED = "<script>window.__injected = true;</script>"


@pytest.fixture
def pages(world):
    """Each page and something on it that shows it rendered (its scripts ran, where it has any)."""
    ticket = sell(world)[0]
    return {
        "/": ("h1", "Safiri ticketing"),
        "/scan": ("#signin h1", "Sign in"),  # written by scanner.js
        "/carrier": ("#signin:not([hidden]) h1", "Sign in"),  # shown by dashboard.js
        "/counter": ("#signin h1", "Sign in"),  # server-rendered forms
        f"/t/{ticket.short_code}": ("h1", "Safiri"),
        "/api/docs": (".info .title", "Safiri ticketing API"),  # drawn by Swagger UI
        "/dev/phone": ("h2", "SMS conversation"),
    }


def _browser(pw):
    return pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def test_every_page_works_under_its_policy_and_runs_no_injected_script(app, pages):
    require_chromium()
    with serve(app) as base, sync_playwright() as pw:
        browser = _browser(pw)
        try:
            context = browser.new_context(service_workers="block")
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            page.set_default_timeout(20_000)
            for path, (selector, shown) in pages.items():
                page.goto(base + path)
                expect(page.locator(selector)).to_contain_text(shown)
                assert page.evaluate("window.__violations") == [], path

            def inject(route):
                response = route.fetch()
                route.fulfill(response=response, body=response.text().replace("</body>", INJECTED + "</body>"))

            page.route(f"{base}/**", lambda route: inject(route) if route.request.resource_type == "document"
                       else route.continue_())
            for path, (selector, shown) in pages.items():
                page.goto(base + path)
                expect(page.locator(selector)).to_contain_text(shown)  # the page itself still works
                assert INJECTED in page.content(), path
                assert page.evaluate("window.__injected") is None, f"an injected script ran on {path}"
                assert poll(lambda: page.evaluate("window.__violations")) == ["script-src-elem inline"], path
        finally:
            browser.close()


def _framing_site(html: str):
    """Another origin on this machine (its own port): a page that frames ours. A public one
    would be stopped by Chromium's private-network rules before our headers were read."""

    def site(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [html.encode()]

    return site


def test_no_page_renders_in_a_frame_of_another_origin(app, pages):
    require_chromium()
    with serve(app) as base, sync_playwright() as pw:
        frames = "".join(f'<iframe src="{base}{path}"></iframe>' for path in pages)
        with serve(_framing_site(f"<!doctype html><title>not us</title>{frames}")) as framer:
            browser = _browser(pw)
            try:
                page = browser.new_context(service_workers="block").new_page()
                page.goto(framer, wait_until="load")
                children = page.main_frame.child_frames
                assert len(children) == len(pages)
                for frame in children:  # Chromium shows its error page in place of each
                    assert not frame.url.startswith(base), f"{frame.url} rendered inside another site"
                    assert "Safiri" not in frame.evaluate("document.documentElement.innerText")
            finally:
                browser.close()


def test_the_scanner_keeps_no_token_where_a_script_reads_it_and_signs_in_again_from_the_cookie(
        app, world, client):
    require_chromium()
    trip = trip_departing(world, utcnow().replace(microsecond=0) + timedelta(minutes=30))  # today's
    assign(world.driver, trip)
    with serve(app) as base, sync_playwright() as pw:
        browser = _browser(pw)
        try:
            context = browser.new_context(locale="en-GB")
            page = context.new_page()
            page.set_default_timeout(15_000)
            sign_in(page, base, client, world.driver.phone)
            access = page.evaluate("window.scanner.state.accessToken")
            (cookie,) = [c for c in context.cookies() if c["name"] == "safiri_refresh"]
            assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/api/v1/auth/refresh")
            assert page.evaluate("document.cookie") == ""
            stored = page.evaluate("""async () => {
                const local = Object.entries(localStorage).map(([k, v]) => k + "=" + v).join("\\n");
                const db = await new Promise((resolve) => {
                    const open = indexedDB.open("safiri-scanner");
                    open.onsuccess = () => resolve(open.result);
                });
                const kv = await new Promise((resolve) => {
                    const all = db.transaction("kv").objectStore("kv").getAll();
                    all.onsuccess = () => resolve(JSON.stringify(all.result));
                });
                return local + "\\n" + kv;
            }""")
            assert access and access not in stored and cookie["value"] not in stored
            assert "refresh_token" not in stored and "access_token" not in stored

            refreshed: list[int] = []
            page.on("response", lambda r: refreshed.append(r.status) if r.url.endswith("/api/v1/auth/refresh") else None)
            page.reload()  # memory is gone; the cookie brings a new access token
            expect(page.locator("#trips")).to_be_visible()
            expect(page.locator(f".trip[data-trip-id='{trip.id}']")).to_be_visible()
            assert refreshed == [200] and poll(lambda: page.evaluate("window.scanner.state.accessToken"))

            page.click("#sign-out")
            expect(page.locator("#signin")).to_be_visible()
            poll(lambda: not [c for c in context.cookies() if c["name"] == "safiri_refresh"])
            page.reload()
            expect(page.locator("#signin")).to_be_visible()
        finally:
            browser.close()
