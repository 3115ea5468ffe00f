"""``/dev/phone`` in real headless Chromium: dial, buy a ticket, read the SMS conversation.

The page drives the real endpoints (/channels/ussd, /dev/outbox) of an app served by a
werkzeug server in a thread. Skipped only when Chromium is missing outside CI; in CI a
skip would hide a broken page, so it fails instead.
"""

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser_support import ARGS, CHROMIUM, require_chromium, serve

pytestmark = pytest.mark.browser


@pytest.fixture
def served(app, world):
    with serve(app) as url:
        yield url, world


def test_a_developer_buys_a_ticket_on_the_simulated_phone(served):
    require_chromium()
    base, world = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{base}/dev/phone")
            page.fill("#msisdn", world.passenger.phone)
            page.click("#dial")
            expect(page.locator("#screen")).to_contain_text("1 Buy ticket")
            for value, shown in [("1", "Where from?"), ("1", "Where to?"), ("1", "When?"), ("2", "Prices in KES"),
                                 ("1", "How many"), ("1", "Fare class"), ("1", "= KES 800"),
                                 ("1", "Enter your M-Pesa PIN")]:
                page.fill("#reply", value)
                page.click("#send")
                expect(page.locator("#screen")).to_contain_text(shown)
            expect(page.locator("#send")).to_be_disabled()  # END closed the session
            page.click("#refresh")
            expect(page.locator("#messages")).to_contain_text("Safiri ticket NBO-NKR")
            page.fill("#sms-text", "BAL")
            page.click("#sms-send")
            expect(page.locator("#messages")).to_contain_text("Safiri wallet balance")
            # One conversation, oldest first: the ticket, then what the phone sent, then the reply.
            bubbles = page.locator("#messages .sms")
            texts = bubbles.all_inner_texts()
            classes = [bubbles.nth(i).get_attribute("class") for i in range(len(texts))]
            ticket = next(i for i, t in enumerate(texts) if "Safiri ticket NBO-NKR" in t)
            sent = next(i for i, t in enumerate(texts) if t.startswith("BAL"))
            reply = next(i for i, t in enumerate(texts) if "Safiri wallet balance" in t)
            assert ticket < sent < reply == len(texts) - 1, texts
            assert classes[sent] == "sms sent" and classes[ticket] == classes[reply] == "sms received"
            assert all(" EAT · " in t for t in texts), texts  # Nairobi time, named
        finally:
            browser.close()
