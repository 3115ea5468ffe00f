"""``/scan`` is installable: Chromium itself says so.

A driver adds the page to the home screen once and opens it with no signal afterwards;
Chromium offers that only when the page passes its installability checks (a manifest
with a name, a start URL inside the scope, ``display: standalone``, PNG icons of at
least 144 px, a service worker that controls the start URL and has a fetch handler).
Instead of re-implementing those rules, the test asks Chromium through the DevTools
protocol (``Page.getInstallabilityErrors``, ``Page.getAppManifest``), then checks that
the icons the manifest names come from the service worker's cache with no signal.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.scanner.browser import ARGS, CHROMIUM, poll, require_chromium, serve

pytestmark = pytest.mark.browser


def test_chromium_finds_the_scanner_page_installable_and_its_icons_work_offline(app, tmp_path):
    require_chromium()
    with serve(app) as base, sync_playwright() as pw:
        # A profile on disk: Chromium never offers to install from an incognito context,
        # which is what ``browser.new_context()`` makes.
        context = pw.chromium.launch_persistent_context(tmp_path / "profile", executable_path=CHROMIUM,
                                                        args=ARGS, locale="en-GB")
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{base}/scan")
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            poll(lambda: page.evaluate("!!navigator.serviceWorker.controller"))
            cdp = context.new_cdp_session(page)

            manifest = cdp.send("Page.getAppManifest")
            assert manifest["url"] == f"{base}/scan/app.webmanifest"
            assert manifest["errors"] == []
            parsed = manifest.get("manifest") or {}  # Chromium's parsed form (recent versions)
            if parsed:
                assert parsed["startUrl"] == f"{base}/scan"
                assert parsed["scope"] == f"{base}/scan"
                assert parsed["display"] in ("standalone", "kStandalone")
                assert parsed["name"] == "Safiri scanner"
                assert {(i["sizes"], i["type"]) for i in parsed["icons"]} >= {
                    ("192x192", "image/png"), ("512x512", "image/png")}
            # The service worker controls the start URL (recent Chromium no longer checks).
            assert page.evaluate("""async () => {
                const start = new URL((await (await fetch(document.querySelector("link[rel=manifest]").href)).json())
                                      .start_url, location.href).href;
                const registration = await navigator.serviceWorker.getRegistration(start);
                return !!(registration && registration.active && registration.active.state === "activated");
            }""")

            # Chromium may need a moment after the worker takes control to see it: ask
            # until it finds nothing wrong, for a bounded time, and show its last answer.
            answers = []

            def installable():
                answers.append(cdp.send("Page.getInstallabilityErrors")["installabilityErrors"])
                return answers[-1] == []

            try:
                poll(installable, timeout=5, every=0.2)
            except AssertionError:
                pass
            assert answers[-1] == [], f"Chromium says /scan is not installable: {answers[-1]}"

            # The icons the home screen shows are there with no signal too.
            icons = page.evaluate("""async () => {
                const m = await (await fetch(document.querySelector("link[rel=manifest]").href)).json();
                return m.icons.map((i) => ({src: new URL(i.src, location.href).href, sizes: i.sizes,
                                             type: i.type, purpose: i.purpose || "any"}));
            }""")
            sizes = {(i["sizes"], i["purpose"]) for i in icons if i["type"] == "image/png"}
            assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
            context.set_offline(True)
            for icon in icons:
                got = page.evaluate("""async ([src, raster]) => {
                    const r = await fetch(src);
                    const blob = await r.blob();
                    if (!raster) return [r.status, blob.type, blob.size];
                    const bitmap = await createImageBitmap(blob);
                    return [r.status, blob.type, `${bitmap.width}x${bitmap.height}`];
                }""", [icon["src"], icon["type"] == "image/png"])
                assert got[0] == 200 and got[1].split(";")[0] == icon["type"], (icon, got)
                if icon["type"] == "image/png":
                    assert got[2] == icon["sizes"], icon
        finally:
            context.close()
