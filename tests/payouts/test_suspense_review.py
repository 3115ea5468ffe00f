"""The suspense review: money that arrived but could not be acted on (a Paybill payment to an
unknown account, an amount that is not the booking's) is applied to a booking, refunded to
M-Pesa or written off, once, with who and why, each a balanced ledger transaction; a
carrier admin reviews only its own carrier's items (404 otherwise)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.ledger.service import balance
from app.payments.models import ParkedCallback
from app.payouts.models import Payout
from tests.channels.test_mpesa_callbacks import CONFIRMATION, c2b_body, cheap  # noqa: F401 - fixture
from tests.factories import make_carrier, make_user
from tests.payments.helpers import book, counts, ledger_balanced, order_status, wallets_match_ledger
from tests.payouts.helpers import platform_admin

ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


def unknown_account_payment(client, trans_id="RKTQDM7W6S"):
    """KES 1 to the Paybill with an account nobody has and a masked payer: suspense, no carrier."""
    body = dict(c2b_body("NOSUCHCODE"), TransID=trans_id)
    assert client.post(CONFIRMATION, json=body).get_json() == ACCEPTED
    return db.session.scalar(select(ParkedCallback).where(ParkedCallback.receipt == trans_id))


def wrong_amount_payment(client, world, auth_headers):
    """KES 5 for a KES 1 booking of the carrier: suspense, the carrier's item."""
    order = book(client, world, auth_headers(world.passenger))
    body = dict(c2b_body(order["code"], amount="5"), TransID="RKTQDM7W7A", MSISDN="254711000111")
    assert client.post(CONFIRMATION, json=body).get_json() == ACCEPTED
    return order, db.session.scalar(select(ParkedCallback).where(ParkedCallback.receipt == "RKTQDM7W7A"))


def test_money_for_an_unknown_account_is_applied_to_the_booking_it_was_meant_for(client, cheap, auth_headers):
    parked = unknown_account_payment(client)
    assert balance("review_suspense", "KES") == 100
    platform = auth_headers(platform_admin())
    (listed,) = client.get("/api/v1/suspense", headers=platform).get_json()
    assert listed["reason"] == "unknown_account" and listed["in_suspense"] == {"amount": 100, "currency": "KES"}
    assert client.get("/api/v1/suspense", headers=auth_headers(cheap.admin)).get_json() == []  # no carrier's
    assert client.get(f"/api/v1/suspense/{parked.id}", headers=auth_headers(cheap.admin)).status_code == 404

    order = book(client, cheap, auth_headers(cheap.passenger))
    payable = balance(f"carrier_payable:{cheap.carrier.id}", "KES")
    resp = client.post(f"/api/v1/suspense/{parked.id}/apply",
                       json={"order_code": order["code"].lower(), "reason": "typo in the account number"},
                       headers=platform)
    assert resp.status_code == 200, resp.get_json()
    done = resp.get_json()
    assert done["resolved_by"].startswith("user:") and "applied to" in done["resolution"]
    assert done["in_suspense"] == {"amount": 0, "currency": "KES"}
    assert order_status(order["id"]) == "paid"
    assert len(client.get("/api/v1/tickets", headers=auth_headers(cheap.passenger)).get_json()) == 1
    assert balance("review_suspense", "KES") == 0
    assert balance(f"carrier_payable:{cheap.carrier.id}", "KES") == payable + 95  # its sale, less the 5% fee
    again = client.post(f"/api/v1/suspense/{parked.id}/write-off", json={"reason": "twice"}, headers=platform)
    assert again.status_code == 409 and again.get_json()["type"].endswith("suspense-resolved")
    assert ledger_balanced() and wallets_match_ledger()


def test_refund_needs_a_number_when_the_payer_is_masked_and_becomes_a_payout(client, cheap, auth_headers):
    parked = unknown_account_payment(client)
    platform = auth_headers(platform_admin())
    before = counts()
    masked = client.post(f"/api/v1/suspense/{parked.id}/refund", json={"reason": "asked back"}, headers=platform)
    assert masked.status_code == 422 and masked.get_json()["type"].endswith("refund-phone")
    assert counts() == before
    resp = client.post(f"/api/v1/suspense/{parked.id}/refund", json={"reason": "asked back", "phone": "0722000333"},
                       headers=platform)
    assert resp.status_code == 200, resp.get_json()
    payout = db.session.scalar(select(Payout))
    assert (payout.phone, payout.amount, payout.status, payout.carrier_id) == ("+254722000333", 100, "pending", None)
    assert balance("review_suspense", "KES") == 0 and balance("payouts_pending:platform", "KES") == 100
    assert ledger_balanced()


def test_write_off_with_a_reason_and_items_without_money_are_closed(client, cheap, auth_headers):
    parked = unknown_account_payment(client)
    platform = auth_headers(platform_admin())
    short = client.post(f"/api/v1/suspense/{parked.id}/write-off", json={"reason": "x"}, headers=platform)
    assert short.status_code == 422
    resp = client.post(f"/api/v1/suspense/{parked.id}/write-off", json={"reason": "no payer after 90 days"},
                       headers=platform)
    assert resp.status_code == 200 and resp.get_json()["resolution"] == "written off: no payer after 90 days"
    assert balance("suspense_written_off", "KES") == 100 and balance("review_suspense", "KES") == 0
    # A callback that was only garbage: no money, closed with its reason; it cannot be "applied".
    client.post(CONFIRMATION, json={"TransID": "X"})
    (garbage,) = client.get("/api/v1/suspense", headers=platform).get_json()
    assert garbage["in_suspense"] is None
    refused = client.post(f"/api/v1/suspense/{garbage['id']}/refund", json={"reason": "nothing"}, headers=platform)
    assert refused.status_code == 409 and refused.get_json()["type"].endswith("suspense-no-money")
    closed = client.post(f"/api/v1/suspense/{garbage['id']}/write-off", json={"reason": "malformed test body"},
                         headers=platform)
    assert closed.status_code == 200
    assert client.get("/api/v1/suspense", headers=platform).get_json() == []
    assert len(client.get("/api/v1/suspense?open=false", headers=platform).get_json()) == 2
    assert ledger_balanced()


def test_a_carrier_reviews_only_its_own_items(client, cheap, auth_headers):
    order, parked = wrong_amount_payment(client, cheap, auth_headers)
    admin = auth_headers(cheap.admin)
    (mine,) = client.get(f"/api/v1/carriers/{cheap.carrier.id}/suspense", headers=admin).get_json()
    assert mine["id"] == parked.id and mine["carrier_id"] == cheap.carrier.id
    assert mine["in_suspense"] == {"amount": 500, "currency": "KES"}
    other = make_carrier("Other Coaches")
    stranger = auth_headers(make_user("carrier_admin", carrier=other))
    db.session.commit()
    assert client.get(f"/api/v1/carriers/{cheap.carrier.id}/suspense", headers=stranger).status_code == 404
    assert client.get("/api/v1/suspense", headers=stranger).get_json() == []
    for action, body in (("apply", {"order_code": order["code"], "reason": "mine"}), ("refund", {"reason": "mine"}),
                         ("write-off", {"reason": "mine"})):
        assert client.post(f"/api/v1/suspense/{parked.id}/{action}", json=body, headers=stranger).status_code == 404
    # KES 5 cannot pay a KES 1 booking; the carrier gives it back to the payer instead.
    wrong = client.post(f"/api/v1/suspense/{parked.id}/apply", json={"order_code": order["code"], "reason": "try"},
                        headers=admin)
    assert wrong.status_code == 409 and wrong.get_json()["type"].endswith("suspense-amount")
    resp = client.post(f"/api/v1/suspense/{parked.id}/refund", json={"reason": "paid the wrong amount"}, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    payout = db.session.scalar(select(Payout))
    assert payout.phone == "+254711000111" and payout.amount == 500
    assert ledger_balanced()
