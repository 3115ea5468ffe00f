"""``/scan`` in real headless Chromium, as a driver uses it: sign in with a one-time code,
pick today's trip, scan QR pictures and typed codes, lose the signal, come back.

What each test shows is what the driver sees (the verdict screen, counts, pending
uploads) and what the server recorded. Timings and transfer sizes are printed (run with
``-s`` to see them), never asserted: the machine is shared.
"""
from __future__ import annotations

import base64
import io
import os
import re
import statistics
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import func, select

from app.database import utcnow
from app.extensions import db
from tests.factories import auth_headers, make_trip
from tests.scanner.browser import ARGS, CHROMIUM, poll, qr_png, require_chromium, serve, sign_in, upload_qr, y4m
from tests.scanner.v2 import doc_vectors, payload
from tests.tickets.test_scan_support import assign, sell, trip_departing
from app.ticketing.transitions import transition_ticket
from app.ticketing.models import Ticket
from app.ticketing.scan_models import Scan

pytestmark = pytest.mark.browser
PHONE = {"width": 400, "height": 720}


def _flip(text: str, at: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    return text[:at] + alphabet[(alphabet.index(text[at]) + 7) % 45] + text[at + 1:]


@pytest.fixture
def boarding(world):
    """Two trips of the world's driver leaving soon, on the driver's sheet at any hour
    (tickets in their window)."""
    soon = utcnow().replace(microsecond=0) + timedelta(minutes=30)
    # A short first run, so one driver can take both (never two overlapping trips).
    trip = make_trip(world.route, world.vehicle, soon, duration_minutes=15)
    db.session.commit()
    other = trip_departing(world, soon + timedelta(minutes=20))
    assign(world.driver, trip, other)
    return trip, other


def _launch(pw, *extra):
    return pw.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *extra])


def _open_scanner(browser, base):
    """A phone-sized English context with ``/scan`` open in it."""
    context = browser.new_context(locale="en-GB", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/scan")
    return context, page


def _open_trip(page, trip):
    page.click(f".trip[data-trip-id='{trip.id}']")
    expect(page.locator("#scanner")).to_be_visible()
    expect(page.locator("#pending")).to_have_attribute("data-count", "0")
    expect(page.locator("#last-sync")).not_to_have_text(re.compile("Not synced"))


def _verdict(page, result: str, word, seat: str | None = None):
    expect(page.locator("#verdict")).to_have_attribute("data-result", result)
    expect(page.locator("#verdict-word")).to_have_text(word)
    if seat is not None:
        expect(page.locator("#verdict-seat")).to_have_text(f"Seat {seat}")


def _scans(trip) -> list[Scan]:
    db.session.expire_all()
    return list(db.session.scalars(select(Scan).where(Scan.trip_id == trip.id).order_by(Scan.id)))


def _kib(traffic, kind: str) -> float:
    is_api = (lambda path: path.startswith(("/api/", "/.well-known/")))
    return sum(n for path, n in traffic if is_api(path) == (kind == "api")) / 1024


def test_driver_scans_valid_reused_forged_wrong_trip_and_typed_tickets(app, world, client, boarding):
    require_chromium()
    trip, other = boarding
    first, second = sell(world, trip, names=("Wanjiku Kamau", "Otieno Juma"))
    (elsewhere,) = sell(world, other)
    with serve(app) as base, sync_playwright() as pw:
        browser = _launch(pw)
        try:
            context, page = _open_scanner(browser, base)
            _snap(page, "sign-in")
            _js_verifier_in_chromium(page)
            sign_in(page, base, client, world.driver.phone, goto=False)
            expect(page.locator(".trip")).to_have_count(2)
            _snap(page, "trips")
            _open_trip(page, trip)
            expect(page.locator("#boarded")).to_have_text("0")
            expect(page.locator("#expected")).to_have_text("2")
            _snap(page, "ready")

            upload_qr(page, payload(first))
            _verdict(page, "valid", "Valid", seat=first.seat)
            expect(page.locator("#boarded")).to_have_text("1")
            expect(page.locator("#expected")).to_have_text("1")
            _snap(page, "valid")

            upload_qr(page, payload(first))
            _verdict(page, "already_used", re.compile(r"^Already used at \d\d:\d\d$"), seat=first.seat)
            expect(page.locator("#undo")).to_be_hidden()  # only a boarding can be undone
            _snap(page, "already-used")

            upload_qr(page, _flip(payload(first), 100))
            _verdict(page, "invalid", "Invalid")
            expect(page.locator("#verdict-detail")).to_contain_text("Forged")
            _snap(page, "forged")

            upload_qr(page, payload(elsewhere))
            _verdict(page, "wrong_trip", "Wrong trip")
            expect(page.locator("#verdict-detail")).to_contain_text(f"trip {other.id}")

            # A passenger with only the SMS: the code typed as people type it.
            code = second.short_code
            page.fill("#code-input", f"{code[:5].lower()} {code[5:].lower()}")
            page.click("#code-submit")
            _verdict(page, "valid", "Valid", seat=second.seat)
            page.fill("#code-input", code[:9] + ("0" if code[9] != "0" else "1"))
            page.click("#code-submit")
            _verdict(page, "invalid", "Invalid")
            expect(page.locator("#verdict-detail")).to_contain_text("Mistyped")

            # The second boarding was a mistake: undo it from the recent list.
            expect(page.locator("#boarded")).to_have_text("2")
            page.locator("#recent button.undo").first.click()
            expect(page.locator("#boarded")).to_have_text("1")
            expect(page.locator("#expected")).to_have_text("1")

            # Everything reached the server once, judged the same; the undo with who and when.
            expect(page.locator("#pending")).to_have_attribute("data-count", "0")
            scans = poll(lambda: len(_scans(trip)) == 6 and _scans(trip))
            assert [s.result for s in scans] == ["valid", "already_used", "invalid", "wrong_trip", "valid", "invalid"]
            assert len({s.device_id for s in scans}) == 1 and scans[0].device_id.startswith("web-")
            poll(lambda: _scans(trip)[4].undone_at is not None)
            assert _scans(trip)[4].undone_by_id == world.driver.id
            assert db.session.get(Ticket, second.id).status == "valid"
            assert db.session.get(Ticket, first.id).status == "used"

            # The same screen in French and in Swahili.
            upload_qr(page, payload(first))
            page.select_option("#lang", "fr")
            expect(page.locator("#verdict-word")).to_have_text(re.compile(r"^Déjà utilisé à \d\d:\d\d$"))
            expect(page.locator("#verdict-seat")).to_have_text(f"Place {first.seat}")
            expect(page.get_by_text("Encore attendus")).to_be_visible()
            page.select_option("#lang", "sw")
            expect(page.locator("#verdict-word")).to_have_text(re.compile(r"^Imeshatumika saa \d\d:\d\d$"))
            expect(page.locator("#net")).to_have_text("Mtandaoni")
            _snap(page, "swahili")
            page.reload()  # the choice is kept
            expect(page.locator("#boarded + span")).to_have_text("Wamepanda")
            page.select_option("#lang", "en")

            _measure_scans(page, payload(first))
        finally:
            browser.close()


def _js_verifier_in_chromium(page) -> None:
    """The document's first vector through ticket.js in this browser, with both engines."""
    vector = doc_vectors()[0]
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": vector["kid"], "x": vector["public_x"]}]}
    now = int(datetime.fromisoformat(vector["valid_from"].replace("Z", "+00:00")).timestamp())
    answers = page.evaluate(
        """async ([text, jwks, now]) => {
            const m = await import("/scan/static/ticket.js");
            const forged = text.slice(0, 60) + (text[60] === "A" ? "B" : "A") + text.slice(61);
            const out = [];
            for (const engine of ["auto", "noble"]) {
                const keys = await m.loadKeys(jwks, {engine});
                const good = await m.verifyTicket(text, keys, now);
                out.push([keys.engine, good.result, good.claims.seatIndex, (await m.verifyTicket(forged, keys, now)).result]);
            }
            return out;
        }""",
        [vector["payload"], jwks, now],
    )
    seat = int(vector["seat_index"])
    assert answers == [["webcrypto", "valid", seat, "invalid"], ["noble", "valid", seat, "invalid"]]


def _measure_scans(page, text: str) -> None:
    """100 scans in a row: decoded text to verdict, and picture to verdict (printed)."""
    png = base64.b64encode(qr_png(text)).decode()
    timings = page.evaluate(
        """async ([text, png]) => {
            const t = window.scanner.timings;
            t.decodeToVerdict.length = 0; t.imageToVerdict.length = 0;
            for (let i = 0; i < 100; i++) await window.scanner.scanText(text);
            // Built here, not fetched from a data: URL: the page's CSP connects to 'self' only.
            const blob = new Blob([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], {type: "image/png"});
            for (let i = 0; i < 100; i++) await window.scanner.scanImage(blob);
            return {decoded: t.decodeToVerdict.slice(0, 100), image: t.imageToVerdict.slice(0, 100)};
        }""",
        [text, png],
    )
    assert len(timings["decoded"]) == len(timings["image"]) == 100
    for name, values in timings.items():
        values = sorted(values)
        print(f"\n[scanner] {name}-to-verdict over 100 scans: median {statistics.median(values):.1f} ms, "
              f"p95 {values[94]:.1f} ms, max {values[-1]:.1f} ms")


def _snap(page, name: str) -> None:
    """With SCANNER_SCREENSHOTS=1 (``make scanner-screenshots``), a small PNG of the
    screen for docs/scanner/; otherwise nothing."""
    if not os.environ.get("SCANNER_SCREENSHOTS"):
        return
    folder = Path(__file__).resolve().parents[2] / "docs" / "scanner"
    folder.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    image.quantize(colors=48).save(folder / f"{name}.png", optimize=True)


def test_offline_scans_wait_in_indexeddb_and_reach_the_server_once(app, world, client, boarding):
    require_chromium()
    trip, _ = boarding
    first, second, late_cancel, given_back = sell(world, trip, names=("A One", "B Two", "C Three", "D Four"))
    traffic: list[tuple[str, int]] = []
    with serve(app, traffic) as base, sync_playwright() as pw:
        browser = _launch(pw)
        try:
            context, page = _open_scanner(browser, base)
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            poll(lambda: page.evaluate("!!navigator.serviceWorker.controller"))
            first_load = list(traffic)  # the page, its files, and the service worker's install
            sign_in(page, base, client, world.driver.phone, goto=False)
            _open_trip(page, trip)
            expect(page.locator("#expected")).to_have_text("4")

            # A ticket cancelled after the last sync is caught as soon as one sync succeeds.
            transition_ticket(given_back, "cancelled", actor="system:test", reason="given back")
            db.session.commit()
            page.click("#sync")
            expect(page.locator("#expected")).to_have_text("3")
            upload_qr(page, payload(given_back))
            _verdict(page, "cancelled", "Cancelled", seat=given_back.seat)
            expect(page.locator("#pending")).to_have_attribute("data-count", "0")

            # The signal drops: the page says so by itself and keeps working.
            context.set_offline(True)
            expect(page.locator("#net")).to_have_attribute("data-state", "offline")
            upload_qr(page, payload(first))
            _verdict(page, "valid", "Valid", seat=first.seat)
            page.fill("#code-input", second.short_code)
            page.click("#code-submit")
            _verdict(page, "valid", "Valid", seat=second.seat)
            expect(page.locator("#pending")).to_have_attribute("data-count", "2")
            expect(page.locator("#pending")).to_have_text("2 waiting for upload")
            _snap(page, "offline")
            stored = page.evaluate("""() => new Promise((resolve) => {
                const open = indexedDB.open("safiri-scanner");
                open.onsuccess = () => {
                    const all = open.result.transaction("queue").objectStore("queue").getAll();
                    all.onsuccess = () => resolve(all.result.filter((i) => !i.uploaded).map((i) => i.local.result));
                };
            })""")
            assert stored == ["valid", "valid"]
            assert len(_scans(trip)) == 1  # only the online scan so far

            # Reloaded with no signal: the service worker serves the page, IndexedDB the scans.
            page.reload()
            expect(page.locator("#scanner")).to_be_visible()
            expect(page.locator("#pending")).to_have_attribute("data-count", "2")
            expect(page.locator("#boarded")).to_have_text("2")
            # The second passenger was let in by mistake: undone offline, kept for upload.
            page.locator("#recent li", has_text=f"Seat {second.seat}").locator("button.undo").click()
            expect(page.locator("#boarded")).to_have_text("1")
            expect(page.locator("#pending")).to_have_attribute("data-count", "3")

            # Cancelled on the server while the bus is out of coverage: the phone cannot know.
            transition_ticket(late_cancel, "cancelled", actor="system:test", reason="given back")
            db.session.commit()
            upload_qr(page, payload(late_cancel))
            _verdict(page, "valid", "Valid", seat=late_cancel.seat)
            upload_qr(page, payload(first))
            _verdict(page, "already_used", re.compile(r"^Already used at \d\d:\d\d$"))
            expect(page.locator("#pending")).to_have_attribute("data-count", "5")

            # Signal again: one upload, each scan recorded once, the conflict reported.
            context.set_offline(False)
            expect(page.locator("#net")).to_have_attribute("data-state", "online")
            expect(page.locator("#pending")).to_have_attribute("data-count", "0")
            expect(page.locator("#notice")).to_have_text("1 scans reported to the carrier as conflicts.")
            scans = _scans(trip)
            assert [s.result for s in scans] == ["cancelled", "valid", "valid", "cancelled", "already_used"]
            # the undo reached the server after the boarding it undoes, with who did it
            assert [s.undone_by_id for s in scans] == [None, None, world.driver.id, None, None]
            assert db.session.get(Ticket, second.id).status == "valid"
            assert db.session.get(Ticket, first.id).status == "used"
            assert db.session.scalar(select(func.count(func.distinct(Scan.nonce))).where(Scan.trip_id == trip.id)) == 5
            conflicts = client.get(f"/api/v1/carriers/{world.carrier.id}/scan-conflicts?trip_id={trip.id}",
                                   headers=_headers(world.admin)).get_json()
            assert [(c["kind"], c["ticket_id"]) for c in conflicts] == [("boarded_revoked", late_cancel.id)]
            # The next sync brings the cancellation: the same ticket is now turned away.
            upload_qr(page, payload(late_cancel))
            _verdict(page, "cancelled", "Cancelled")
            page.click("#sync")
            expect(page.locator("#pending")).to_have_attribute("data-count", "0")
            assert len(_scans(trip)) == 6  # nothing uploaded twice

            mark = len(traffic)
            repeat_page = context.new_page()
            repeat_page.goto(f"{base}/scan")
            expect(repeat_page.locator("#scanner")).to_be_visible()
            repeat_page.evaluate("window.scanner.ready.then(() => window.scanner.sync())")
            repeat = traffic[mark:]
            print(f"\n[scanner] first load (page, its files, service worker install): {_kib(first_load, 'static'):.1f} KiB "
                  f"in {len(first_load)} responses")
            print(f"[scanner] repeat visit: {_kib(repeat, 'static'):.1f} KiB of page files "
                  f"({[p for p, _ in repeat if not p.startswith(('/api/', '/.well-known/'))]}), "
                  f"{_kib(repeat, 'api'):.1f} KiB of sync (key set, manifest delta)")
        finally:
            browser.close()


def _headers(user):
    return auth_headers(user)


def test_gate_agent_scans_a_ticket_with_the_camera(app, world, client, boarding, tmp_path):
    require_chromium()
    trip, _ = boarding
    (ticket,) = sell(world, trip)
    video = tmp_path / "ticket.y4m"
    video.write_bytes(y4m(qr_png(payload(ticket), box_size=8)))
    with serve(app) as base, sync_playwright() as pw:
        browser = _launch(pw, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                          f"--use-file-for-fake-video-capture={video}")
        try:
            context = browser.new_context(locale="en-GB", viewport=PHONE, permissions=["camera"],
                                          timezone_id="Africa/Nairobi")
            page = context.new_page()
            page.set_default_timeout(15_000)
            # A carrier admin at a terminal gate: every trip of the carrier leaving today.
            sign_in(page, base, client, world.admin.phone)
            _open_trip(page, trip)
            page.click("#camera-toggle")
            _verdict(page, "valid", "Valid", seat=ticket.seat)
            expect(page.locator("#camera-toggle")).to_have_text("Stop camera")
            # The code stays in front of the camera: one scan, not one per frame.
            poll(lambda: len(page.evaluate("window.scanner.timings.imageToVerdict")) >= 1)
            expect(page.locator("#recent li")).to_have_count(1)
            expect(page.locator("#boarded")).to_have_text("1")
            page.click("#camera-toggle")
            expect(page.locator("#camera")).to_be_hidden()
            frames = page.evaluate("window.scanner.timings.imageToVerdict")
            print(f"\n[scanner] camera frame-to-verdict: {', '.join(f'{t:.0f}' for t in frames)} ms")
        finally:
            browser.close()
