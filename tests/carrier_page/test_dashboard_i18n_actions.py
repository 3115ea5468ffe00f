"""/carrier in headless Chromium speaks the admin's language (French for a French account,
Swahili on the switch), and its money queues act through the API: "Mark paid" on a pending
payout and "Write off" on a suspense item change the ledger exactly as the API calls would;
a refused action says why and changes nothing."""
from __future__ import annotations

from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from app.extensions import db
from app.ledger.service import REVIEW_SUSPENSE, SUSPENSE_WRITTEN_OFF, balance
from app.payments.models import ParkedCallback
from app.payouts.models import Payout
from tests.carrier_page.helpers import sell
from tests.carrier_page.test_dashboard_page import DESKTOP, _page, _sign_in
from tests.carrier_page.test_dashboard_queues import cancelled_mpesa_booking
from tests.channels.test_mpesa_callbacks import cheap  # noqa: F401 - fixture
from tests.payments.helpers import ledger_balanced
from tests.payouts.test_suspense_review import wrong_amount_payment
from tests.scanner.browser import ARGS, CHROMIUM, require_chromium, serve


def _browser(pw):
    return pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def test_a_french_admin_reads_the_dashboard_in_french(app, world, client, auth_headers):
    require_chromium()
    sell(client, world, auth_headers)
    world.admin.language = "fr"
    db.session.commit()
    problems: list[str] = []
    with serve(app) as base, sync_playwright() as pw:
        browser = _browser(pw)
        try:
            context, page = _page(browser, DESKTOP, problems)
            _sign_in(page, base, client, world.admin.phone)  # the sign-in speaks the browser's English
            expect(page.locator("html")).to_have_attribute("lang", "fr")
            expect(page.locator("h2", has_text="Ventes par canal")).to_be_visible()
            expect(page.locator("#sign-out")).to_have_text("Se déconnecter")
            expect(page.locator("#table-sales_by_channel th").first).to_have_text("Date")
            expect(page.locator("#table-sales_by_channel th").nth(4)).to_have_text("Montant")
            expect(page.locator("#table-pending_payouts")).to_contain_text("Rien ici.")
            expect(page.locator("#today-count")).to_have_text("Commandes : 3")
            assert page.title() == "Tableau de bord transporteur Safiri"
            assert "Sales" not in page.locator("main").inner_text()
            page.select_option("#lang", "sw")
            expect(page.locator("h2", has_text="Mauzo kwa njia ya malipo")).to_be_visible()
            expect(page.locator("#table-occupancy th").nth(5)).to_have_text("Vilivyouzwa")
            page.reload()  # the switch is remembered over the account's language
            expect(page.locator("body")).to_have_attribute("data-loaded", "true")
            expect(page.locator("html")).to_have_attribute("lang", "sw")
            context.close()
        finally:
            browser.close()
    assert problems == []


def test_marking_a_payout_paid_and_writing_off_suspense_from_the_page(app, cheap, client, auth_headers):
    require_chromium()
    world = cheap
    order = cancelled_mpesa_booking(client, world, auth_headers)
    _, parked = wrong_amount_payment(client, world, auth_headers)
    payout = db.session.scalar(select(Payout))
    pending_account = f"payouts_pending:{world.carrier.id}"
    payable = balance(f"carrier_payable:{world.carrier.id}", "KES")
    assert balance(pending_account, "KES") == order["total"]["amount"] and balance(REVIEW_SUSPENSE, "KES") == 500
    problems: list[str] = []
    with serve(app) as base, sync_playwright() as pw:
        browser = _browser(pw)
        try:
            context, page = _page(browser, DESKTOP, problems)
            _sign_in(page, base, client, world.admin.phone)
            row = page.locator("#table-pending_payouts tbody tr", has_text=order["code"])
            row.locator("input[name=reference]").fill("x")
            row.locator("button", has_text="Mark paid").click()
            expect(page.locator("#dashboard-msg")).to_contain_text("Not done (HTTP 422)")
            row.locator("input[name=reference]").fill("SL1CX8KQ2P")
            row.locator("button", has_text="Mark paid").click()
            expect(page.locator("#dashboard-msg")).to_have_text(f"Payout {payout.id} marked paid.")
            expect(page.locator("#table-pending_payouts")).to_contain_text("Nothing here.")

            item = page.locator("#table-suspense tbody tr", has_text=parked.receipt)
            item.locator("select[name=resolution]").select_option("apply")
            item.locator("input[name=order_code]").fill("NOSUCH99")
            item.locator("input[name=reason]").fill("typo")
            item.locator("button", has_text="Resolve").click()
            expect(page.locator("#dashboard-msg")).to_contain_text("Not done (HTTP 404)")
            item.locator("select[name=resolution]").select_option("write_off")
            item.locator("input[name=reason]").fill("no payer found after 90 days")
            item.locator("button", has_text="Resolve").click()
            expect(page.locator("#dashboard-msg")).to_have_text(f"Item {parked.id} resolved.")
            expect(page.locator("#table-suspense")).to_contain_text("Nothing here.")
            context.close()
        finally:
            browser.close()
    assert all("404" in p or "422" in p for p in problems), problems  # only the two refused requests
    db.session.expire_all()
    paid = db.session.get(Payout, payout.id)
    assert (paid.status, paid.method, paid.receipt) == ("paid", "manual", "SL1CX8KQ2P")
    # As the API does for a hand payment from the carrier's own M-Pesa.
    assert balance(pending_account, "KES") == 0
    assert balance(f"carrier_payable:{world.carrier.id}", "KES") == payable + order["total"]["amount"]
    resolved = db.session.get(ParkedCallback, parked.id)
    assert resolved.resolved_by == f"user:{world.admin.id}" and "no payer found" in resolved.resolution
    assert balance(REVIEW_SUSPENSE, "KES") == 0 and balance(SUSPENSE_WRITTEN_OFF, "KES") == 500
    assert ledger_balanced()
