"""``/`` and ``/dev/phone`` in headless Chromium on a 390 px phone: every page linked, the
demo numbers shown outside production, nothing scrolls sideways, and links in an SMS open."""
from __future__ import annotations

from playwright.sync_api import expect, sync_playwright

from app.catalog.seed import USERS
from app.messaging.models import OutboundMessage
from tests.browser_support import ARGS, CHROMIUM, require_chromium, serve

PHONE = {"width": 390, "height": 844}
PAGES = {"#scanner-page": "/scan", "#carrier-page": "/carrier", "#counter-page": "/counter",
         "#dev-phone": "/dev/phone", "#api-docs": "/api/docs"}
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_the_start_page_links_every_page_and_the_demo_numbers_on_a_phone(app, client):
    require_chromium()
    # /counter comes with the counter's own area: linked as soon as it is served, never dead.
    served = {rule.rule for rule in app.url_map.iter_rules()}
    assert set(PAGES.values()) - served <= {"/counter"}
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport=PHONE).new_page()
            page.goto(f"{base}/")
            for selector, path in PAGES.items():
                if path in served:
                    expect(page.locator(selector)).to_have_attribute("href", path)
            numbers = page.locator("#demo-numbers li")
            expect(numbers).to_have_count(5)
            for phone, role, _name, _scoped in USERS:
                expect(page.locator("#demo-numbers")).to_contain_text(phone)
            assert page.evaluate(SIDEWAYS) <= 0
            page.click("#dev-phone")
            expect(page.locator("#dial")).to_be_visible()
        finally:
            browser.close()
    for path in set(PAGES.values()) & served:
        assert client.get(path).status_code == 200, path


def test_dev_phone_fits_a_390px_phone_and_its_sms_links_open(app, db):
    require_chromium()
    with serve(app) as base, sync_playwright() as pw:
        db.session.add(OutboundMessage(to_phone="+254711000111", kind="ticket",
                                       text=f"Your ticket: {base}/api/docs. Safe travels."))
        db.session.commit()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport=PHONE)
            page = context.new_page()
            page.goto(f"{base}/dev/phone")
            page.click("#refresh")
            link = page.locator(".sms a")
            expect(link).to_have_attribute("href", f"{base}/api/docs")  # the full stop is not part of it
            assert page.evaluate(SIDEWAYS) <= 0
            box = page.locator("#messages").bounding_box()
            assert box["x"] + box["width"] <= PHONE["width"]
            with context.expect_page() as opened:
                link.click()
            new = opened.value
            new.wait_for_load_state()
            assert new.url == f"{base}/api/docs"
        finally:
            browser.close()
