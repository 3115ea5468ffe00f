"""``/`` and ``/api/docs`` in real headless Chromium on a machine with no internet.

Every request to a host other than 127.0.0.1 is aborted (``route.abort``), as it would
fail offline; the docs must still render their operations, from the app's own files.
"""
import pytest
from playwright.sync_api import expect, sync_playwright
from tests.browser_support import ARGS, CHROMIUM, offline, require_chromium, serve

pytestmark = pytest.mark.browser


@pytest.mark.xfail(strict=True, reason=(
    "Known bug since price rules and concessions joined the spec (138 operations): Swagger UI "
    "stops after the first 3 operations with no console error; every half of the spec renders. "
    "/api/openapi.json itself is complete (tests/openapi). Strict: this fails once it is fixed."))
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
            assert page.locator(".opblock").count() >= 40  # the whole operations list

            sign_in.click()  # an operation opens with its request body example
            expect(page.locator(".opblock.is-open .body-param__example, .opblock.is-open .microlight").first)\
                .to_contain_text("+254711000111")
        finally:
            browser.close()

    assert left == [], f"requests tried to leave the machine: {left}"
    assert requested and all(url.startswith(base) for url in requested), requested
