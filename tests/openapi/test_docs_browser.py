"""``/`` and ``/api/docs`` in real headless Chromium on a machine with no internet.

Every request to a host other than 127.0.0.1 is aborted (``route.abort``), as it would
fail offline; the docs must still render their operations, from the app's own files.
"""
import pytest
from playwright.sync_api import expect, sync_playwright
from tests.browser_support import ARGS, CHROMIUM, offline, require_chromium, serve

pytestmark = pytest.mark.browser
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def every_operation_seen_scrolling(page) -> int:
    """Operations a reader meets scrolling to the end, then back to the top.

    Swagger UI (5.3x) draws a long list (150 tags and operations or more) virtually: only
    what is near the viewport is in the page, so a count of elements says nothing; a person
    scrolls, and so does this."""
    seen: set[str] = set()
    for _ in range(300):
        seen.update(page.eval_on_selector_all(
            ".opblock", "els => els.map(e => e.id || e.querySelector('.opblock-summary-path')?.dataset.path)"))
        at_end = page.evaluate("""() => { const y = window.scrollY; window.scrollBy(0, 500);
            return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(window.scrollY === y)))); }""")
        if at_end:
            break
    page.evaluate("window.scrollTo(0, 0)")
    return len(seen)


def test_landing_page_leads_to_api_docs_that_render_offline(app):
    require_chromium()
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context()
            left = offline(context)
            requested: list[str] = []
            context.on("request", lambda request: requested.append(request.url))
            page = context.new_page()
            page.set_default_timeout(20_000)

            page.goto(f"{base}/")
            expect(page.locator("h1")).to_have_text("Safiri ticketing")
            # the app's own style sheet applied (no CDN): the heading is Safiri green
            assert page.eval_on_selector("h1", "e => getComputedStyle(e).color") == "rgb(11, 107, 58)"
            expect(page.locator("#dev-phone")).to_have_attribute("href", "/dev/phone")

            page.click("#api-docs")
            page.wait_for_url(f"{base}/api/docs")
            expect(page.locator(".info .title")).to_contain_text("Safiri ticketing API")
            expect(page.locator(".info")).to_contain_text("Authorization: Bearer")
            sign_in = page.locator(".opblock-summary-path[data-path='/api/v1/auth/otp']")
            expect(sign_in).to_be_visible()
            spec = app.test_client().get("/api/openapi.json").get_json()
            operations = sum(1 for item in spec["paths"].values() for method in item if method in HTTP_METHODS)
            assert operations >= 40 and every_operation_seen_scrolling(page) == operations  # every one reachable

            sign_in.click()  # an operation opens with its request body example
            expect(page.locator(".opblock.is-open .body-param__example, .opblock.is-open .microlight").first)\
                .to_contain_text("+254711000111")
        finally:
            browser.close()

    assert left == [], f"requests tried to leave the machine: {left}"
    assert requested and all(url.startswith(base) for url in requested), requested
