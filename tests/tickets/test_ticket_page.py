"""The ticket page ``/t/<code>`` as a passenger reads it: their language, their carrier,
their own stops, and a banner that says at first sight whether the ticket still boards.

Plain client tests read the HTML; the browser test opens the page in headless Chromium
(phone-sized, offline) and reads what is shown, as a person would.
"""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect, sync_playwright

from app.booking.service import create_order
from app.sales.confirming import apply_to_order
from app.extensions import db
from app.ticketing.transitions import transition_ticket
from tests.browser_support import ARGS, CHROMIUM, offline, require_chromium, serve

_payments = itertools.count(7000)


def _ticket(world, *, origin=None, destination=None, language="en", name="Wanjiku Kamau", fare_class="student"):
    """One paid ticket of the world's trip, from ``origin`` to ``destination``, bought a day before."""
    world.passenger.language = language
    bought = world.trip.departure_at - timedelta(days=1)
    order = create_order(world.passenger, trip_id=world.trip.id, origin_stop_id=(origin or world.nairobi).id,
                         destination_stop_id=(destination or world.nakuru).id, now=bought,
                         passengers=[{"fare_class": fare_class, "name": name, "seat": None}])
    result = apply_to_order(order.id, amount=order.total_amount, currency=order.currency,
                           payment_id=next(_payments), now=bought)
    db.session.commit()
    return result.tickets[0]


def _field(html: str, name: str) -> str:
    found = re.search(rf'data-field="{name}">(.*?)</dd>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def _banner(html: str) -> tuple[str, str]:
    found = re.search(r'class="banner (\w+)"[^>]*>(.*?)</p>', html, re.S)
    return found.group(1), found.group(2)


def test_the_page_shows_the_passengers_own_stops_and_the_carrier(client, world):
    ticket = _ticket(world, origin=world.nairobi, destination=world.nakuru)
    html = client.get(f"/t/{ticket.short_code}").get_data(as_text=True)
    assert _field(html, "carrier") == "Coast Express"
    assert (_field(html, "from"), _field(html, "to")) == ("Nairobi", "Nakuru")
    assert "Eldoret" not in html  # the route goes on to Eldoret; this passenger does not
    assert _field(html, "fare") == "Student" and _field(html, "passenger") == "W.K."
    assert _banner(html) == ("valid", "Valid ticket: show this page or the code to the driver.")


def test_the_page_speaks_the_ticket_holders_language(client, world):
    ticket = _ticket(world, language="fr", origin=world.nakuru, destination=world.eldoret)
    response = client.get(f"/t/{ticket.short_code}")
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html and response.headers["Content-Language"] == "fr"
    assert _banner(html) == ("valid", "Billet valable: montrez cette page ou le code au chauffeur.")
    assert "Arrivée" in html and _field(html, "fare") == "Étudiant"
    assert re.search(r"\w+\. \d\d \w+\.? \d{4} 10:30 EAT \(UTC\+03:00\)", _field(html, "departure"))
    months_fr = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
    assert any(month in _field(html, "departure") for month in months_fr)


def test_lang_in_the_address_wins_and_an_unknown_one_is_ignored(client, world):
    ticket = _ticket(world, language="fr")
    swahili = client.get(f"/t/{ticket.short_code}?lang=sw").get_data(as_text=True)
    assert _banner(swahili)[1] == "Tiketi halali: mwonyeshe dereva ukurasa huu au msimbo."
    assert "Kwenda" in swahili and _field(swahili, "fare") == "Mwanafunzi"
    unknown = client.get(f"/t/{ticket.short_code}?lang=de").get_data(as_text=True)
    assert '<html lang="fr">' in unknown


@pytest.mark.parametrize("status, state, english", [
    ("cancelled", "cancelled", "Cancelled: this ticket is not valid for travel."),
    ("refunded", "refunded", "Refunded: the carrier cancelled this trip. This ticket is not valid for travel."),
    ("used", "used", "Used: this ticket was scanned at boarding."),
    ("expired", "expired", "Expired: this ticket can no longer be used."),
])
def test_a_ticket_that_no_longer_boards_says_so_and_shows_no_qr(client, world, status, state, english):
    ticket = _ticket(world)
    transition_ticket(ticket, status, actor="system:test", reason="test")
    db.session.commit()
    html = client.get(f"/t/{ticket.short_code}").get_data(as_text=True)
    assert _banner(html) == (state, english) and "<svg" not in html


def test_a_valid_ticket_past_its_window_shows_expired(client, world):
    ticket = _ticket(world)
    ticket.valid_from -= timedelta(days=3)  # a window that closed (still ``valid``: no sweep ran)
    ticket.valid_until = ticket.valid_from + timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"/t/{ticket.short_code}").get_data(as_text=True)
    assert _banner(html)[0] == "expired" and "<svg" not in html


def test_pages_without_a_ticket_follow_the_browser_language(client):
    typo = client.get("/t/8Z2K4", headers={"Accept-Language": "sw-KE,sw;q=0.9,en;q=0.5"})
    unknown = client.get("/t/8Z2K4M7QX4", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    english = client.get("/t/8Z2K4M7QX4", headers={"Accept-Language": "de-DE"})
    assert unknown.status_code == 404 and "Aucun billet ne porte ce code." in unknown.get_data(as_text=True)
    assert typo.status_code == 404 and "Msimbo huu una kosa la uchapaji" in typo.get_data(as_text=True)
    assert "No ticket has this code." in english.get_data(as_text=True)


@pytest.mark.browser
def test_a_passenger_opens_the_link_of_their_sms_on_a_phone(app, world):
    """Chromium, phone-sized and offline: the French holder sees a green banner, their own
    stops and the QR; switching to Kiswahili keeps the ticket; a cancelled one is red."""
    require_chromium()
    ticket = _ticket(world, language="fr", origin=world.nairobi, destination=world.nakuru)
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
            left = offline(context)
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{base}/t/{ticket.short_code}")
            banner = page.locator(".banner")
            expect(banner).to_have_text("Billet valable: montrez cette page ou le code au chauffeur.")
            assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(10, 125, 50)"
            expect(page.locator("[data-field=carrier]")).to_have_text("Coast Express")
            expect(page.locator("[data-field=from]")).to_have_text("Nairobi")
            expect(page.locator("[data-field=to]")).to_have_text("Nakuru")
            expect(page.locator(".qr svg")).to_be_visible()
            assert page.locator(".qr svg").bounding_box()["width"] <= 360  # fits the phone
            assert "Eldoret" not in page.inner_text("body")

            page.click("a[hreflang=sw]")
            expect(banner).to_have_text("Tiketi halali: mwonyeshe dereva ukurasa huu au msimbo.")
            expect(page.locator("html")).to_have_attribute("lang", "sw")

            transition_ticket(ticket, "cancelled", actor="system:test", reason="passenger")
            db.session.commit()
            page.goto(f"{base}/t/{ticket.short_code}")
            expect(banner).to_have_text("Annulé: ce billet n'est pas valable pour voyager.")
            assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(176, 0, 32)"
            assert page.locator(".qr svg").count() == 0
        finally:
            browser.close()
    assert left == []
