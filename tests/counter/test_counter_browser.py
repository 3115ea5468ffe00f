"""/counter in headless Chromium, as an agent uses it on a tablet: sign in with the SMS code,
open the shift, tick a seat on the seat map, sell for cash, print the ticket (its QR drawn),
close the drawer with a blind count and read the report. Nothing leaves the machine, no
script or style breaks the CSP, and the page never scrolls sideways. With
COUNTER_SCREENSHOTS=1 (``make counter-screenshots``) it also saves docs/counter/*.png."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright

from app.extensions import db
from app.ledger.service import balance, cash_drawer
from tests.browser_support import offline
from tests.counter.helpers import AGENT_PHONE, make_agent
from tests.scanner.browser import ARGS, CHROMIUM, poll, require_chromium, serve

TABLET = {"width": 800, "height": 1100}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "counter"


def _snap(page, name: str, *, full_page: bool = True) -> None:
    if not os.environ.get("COUNTER_SCREENSHOTS"):
        return
    DOCS.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(full_page=full_page))).convert("RGB")
    image.quantize(colors=64).save(DOCS / f"{name}.png", optimize=True)


def _sign_in(page, base, client):
    page.goto(f"{base}/counter")
    page.fill("#phone", AGENT_PHONE)
    page.click("#send-code")
    expect(page.locator("#notice")).to_be_visible()

    def code():
        for message in reversed(client.get(f"/dev/outbox?to={AGENT_PHONE}").get_json()):
            found = re.search(r"\b(\d{6})\b", message["text"])
            if found:
                return found.group(1)
        return None

    page.fill("#otp", poll(code))
    page.click("#verify")


def test_an_agent_sells_for_cash_prints_the_ticket_and_closes_the_drawer(app, world, client):
    require_chromium()
    agent = make_agent(world)
    problems: list[str] = []
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(locale="en-GB", viewport=TABLET)
            left = offline(context)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))

            _sign_in(page, base, client)
            page.fill("#opening-float", "5000")
            page.click("#open-shift")
            expect(page.locator("#shift")).to_be_visible()
            _snap(page, "counter")
            trip = page.locator(f'li[data-trip="{world.trip.id}"]')
            trip.locator("select[name=destination]").select_option(str(world.nakuru.id))
            trip.locator("button[type=submit]").click()

            expect(page.locator("#seatmap")).to_be_visible()
            page.click('label[data-seat="4"]')
            _snap(page, "seat-map")
            page.click("#continue")
            page.fill("#name-4", "Otieno Walk-in")
            page.fill("#passenger-phone", "0722000333")
            page.check("#pay-cash")
            page.click("#sell")
            expect(page.locator("#status")).to_have_attribute("data-status", "paid")
            _snap(page, "sold")

            page.click("#print-80")
            expect(page.locator(".ticket .qr svg")).to_be_visible()
            expect(page.locator(".ticket")).to_contain_text("Otieno Walk-in")
            page.emulate_media(media="print")
            expect(page.locator("#print")).to_be_hidden()  # the printer gets the ticket only
            page.set_viewport_size({"width": 302, "height": 700})  # 80 mm at 96 dpi
            _snap(page, "ticket-80mm")
            page.emulate_media(media="screen")
            page.set_viewport_size(TABLET)
            page.goto(page.url.replace("paper=80", "paper=a4"))
            expect(page.locator(".ticket .qr svg")).to_be_visible()

            page.goto(f"{base}/counter/close")
            expect(page.locator("body")).not_to_contain_text("5,800")  # blind
            page.fill("#counted", "5,800")
            page.click("#close-drawer")
            expect(page.locator("#expected")).to_have_text(re.compile(r"KES\s?5,800"))
            expect(page.locator("#difference")).to_have_text(re.compile(r"KES\s?0"))
            wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
            _snap(page, "closing-report")
            assert not wide
        finally:
            browser.close()
    assert problems == []
    assert left == []
    db.session.expire_all()
    assert balance(cash_drawer(agent.id), "KES") == 0  # the counted cash was handed back at closing
