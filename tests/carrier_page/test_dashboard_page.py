"""/carrier in headless Chromium: a carrier admin signs in with an SMS code, the two sales
charts draw the expected series, every table is there, a CSV downloads, and a 390 px phone
never scrolls sideways. With CARRIER_SCREENSHOTS=1 (``make carrier-screenshots``) the tests
also save docs/carrier/{desktop,phone}.png."""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright

from tests.carrier_page.helpers import sell
from tests.scanner.browser import ARGS, CHROMIUM, poll, require_chromium, serve

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SERIES_COLOURS = ((0x1D, 0x4E, 0xD8), (0x05, 0x96, 0x69))  # the first two series (dashboard.js)

# Pixels of each series' colour on a chart's canvas: uPlot drew the lines, not only the axes.
COUNT_COLOURED = """([id, colours]) => {
  const canvas = document.querySelector(`#${id} canvas`);
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  return colours.map(([r, g, b]) => {
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24) n++;
    }
    return n;
  });
}"""


def _snap(page, name: str) -> None:
    if not os.environ.get("CARRIER_SCREENSHOTS"):
        return
    folder = Path(__file__).resolve().parents[2] / "docs" / "carrier"
    folder.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    image.quantize(colors=64).save(folder / f"{name}.png", optimize=True)


def _sign_in(page, base: str, client, phone: str) -> None:
    page.goto(f"{base}/carrier")
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#phone", phone)
    page.click("#send-code")
    expect(page.locator("#signin-msg")).to_have_text("Code sent by SMS.")

    def code():
        for message in client.get(f"/dev/outbox?to={phone}").get_json():
            found = re.search(r"\b(\d{6})\b", message["text"])
            if found:
                return found.group(1)
        return None

    page.fill("#otp", poll(code))
    page.click("#verify")
    expect(page.locator("body")).to_have_attribute("data-loaded", "true")


def _page(browser, viewport, problems: list):
    context = browser.new_context(locale="en-GB", viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return context, page


def test_admin_signs_in_sees_both_charts_and_downloads_a_csv(app, world, client, auth_headers, tmp_path):
    require_chromium()
    sold = sell(client, world, auth_headers)
    problems: list[str] = []
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context, page = _page(browser, DESKTOP, problems)
            _sign_in(page, base, client, world.admin.phone)
            expect(page.locator("#carrier-name")).to_have_text(world.carrier.name)
            labels = page.evaluate("Object.fromEntries(Object.entries(safiriCharts).map("
                                   "([k, u]) => [k, u.series.slice(1).map((s) => s.label)]))")
            assert labels == {"channel": sorted(sold["channel"]), "method": sorted(sold["method"])}
            for chart in ("chart-channel", "chart-method"):
                drawn = page.evaluate(COUNT_COLOURED, [chart, SERIES_COLOURS])
                assert all(n > 20 for n in drawn), (chart, drawn)  # each series is on the canvas
            expect(page.locator("#table-occupancy tbody tr")).to_have_count(1)
            expect(page.locator("#table-unmatched_statement_lines")).to_contain_text("Nothing here.")
            with page.expect_download() as download:
                page.click("button.csv[data-table='sales_by_method']")
            path = tmp_path / "methods.csv"
            download.value.save_as(path)
            assert download.value.suggested_filename == f"carrier-{world.carrier.id}-sales_by_method.csv"
            rows = list(csv.DictReader(io.StringIO(path.read_text())))
            assert {row["method"]: int(row["amount"]) for row in rows} == sold["method"]
            _snap(page, "desktop")
            # A reload signs in again from the HttpOnly cookie; the page never sees the token.
            page.reload()
            expect(page.locator("body")).to_have_attribute("data-loaded", "true")
            assert "safiri_refresh" not in page.evaluate("document.cookie")
            context.close()
        finally:
            browser.close()
    assert problems == []  # no CSP violation, no script error


def test_phone_layout_has_no_horizontal_scroll(app, world, client, auth_headers):
    require_chromium()
    sell(client, world, auth_headers)
    problems: list[str] = []
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context, page = _page(browser, PHONE, problems)
            _sign_in(page, base, client, world.admin.phone)
            widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1] == PHONE["width"], widths
            box = page.locator("#chart-channel canvas").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            _snap(page, "phone")
            context.close()
        finally:
            browser.close()
    assert problems == []


def test_a_passenger_is_not_let_in(app, world, client):
    require_chromium()
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context, page = _page(browser, PHONE, [])
            page.goto(f"{base}/carrier")
            page.fill("#phone", world.passenger.phone)
            page.click("#send-code")
            expect(page.locator("#signin-msg")).to_have_text("Code sent by SMS.")
            code = poll(lambda: next((m.group(1) for msg in client.get(f"/dev/outbox?to={world.passenger.phone}")
                                      .get_json() if (m := re.search(r"\b(\d{6})\b", msg["text"]))), None))
            page.fill("#otp", code)
            page.click("#verify")
            expect(page.locator("#signin-msg")).to_have_text("This page is for carrier admins.")
            expect(page.locator("#dashboard")).to_be_hidden()
            context.close()
        finally:
            browser.close()
