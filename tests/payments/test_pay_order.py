"""Paying an order through HTTP: sandbox M-Pesa, wallet, airtime sandbox, refusals."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.ledger.service import balance
from app.payments.models import AirtimeCharge, Refund
from app.ticketing.models import Ticket
from app.wallet.models import Wallet
from tests.payments.helpers import book, counts, fund_wallet, ledger_balanced, order_status, sms_to, wallets_match_ledger


def test_sandbox_mpesa_confirms_by_itself_and_issues_ticket_with_receipt_sms(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    assert resp.status_code == 202
    payment = resp.get_json()
    assert payment["provider"] == "sandbox"
    assert payment["method"] == "mpesa"  # one name: requested as "mpesa", answered as "mpesa" (was "mpesa_stk")
    # Inline jobs: the sandbox confirmation ran right after the commit, before the answer.
    assert payment["status"] == "succeeded"
    got = client.get(f"/api/v1/payments/{payment['id']}", headers=headers).get_json()
    assert got["status"] == "succeeded" and got["outcome"] == "applied"
    assert order_status(order["id"]) == "paid"
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.order_id == order["id"])) == 1
    receipts = sms_to(world.passenger.phone, "receipt")
    assert any("KES 1,500 paid" in text and order["code"] in text for text in receipts)
    # 5% platform fee split at sale time.
    assert balance(f"carrier_payable:{world.carrier.id}", "KES") == 142500
    assert balance("platform_fees", "KES") == 7500
    assert ledger_balanced()


def test_sandbox_phone_ending_0000_fails_like_a_cancelled_prompt_and_hold_stays(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa", "phone": "0711000000"},
                       headers=headers)
    assert resp.status_code == 202
    got = client.get(f"/api/v1/payments/{resp.get_json()['id']}", headers=headers).get_json()
    assert got["status"] == "failed"
    assert "cancelled" in got["message"]
    assert order_status(order["id"]) == "pending_payment"  # can retry while the hold lasts
    retry = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    assert client.get(f"/api/v1/payments/{retry.get_json()['id']}", headers=headers).get_json()["status"] == "succeeded"


def test_wallet_payment_settles_at_once_and_insufficient_funds_changes_nothing(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    fund_wallet(world.passenger, 100000)
    before = counts()
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=headers)
    assert resp.status_code == 402
    assert resp.get_json()["type"] == "/problems/insufficient-funds"
    assert counts() == before
    assert order_status(order["id"]) == "pending_payment"

    fund_wallet(world.passenger, 60000)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=headers)
    assert resp.status_code == 202 and resp.get_json()["status"] == "succeeded"
    assert order_status(order["id"]) == "paid"
    wallet = client.get("/api/v1/wallet", headers=headers).get_json()
    assert wallet["balance"] == {"amount": 10000, "currency": "KES"}
    assert wallets_match_ledger() and ledger_balanced()


def test_paying_by_wallet_without_ever_having_one_is_a_clear_402(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    before = counts()
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "wallet"}, headers=headers)
    assert resp.status_code == 402
    body = resp.get_json()
    assert body["type"] == "/problems/insufficient-funds" and body["balance"]["amount"] == 0
    assert counts() == before
    assert order_status(order["id"]) == "pending_payment"


def test_airtime_sandbox_success_and_failure(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "airtime", "phone": "0722000000"},
                       headers=headers)
    got = client.get(f"/api/v1/payments/{resp.get_json()['id']}", headers=headers).get_json()
    assert got["status"] == "failed" and "airtime balance is too low" in got["message"]
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "airtime"}, headers=headers)
    got = client.get(f"/api/v1/payments/{resp.get_json()['id']}", headers=headers).get_json()
    assert got["status"] == "succeeded" and order_status(order["id"]) == "paid"


def test_bad_inputs_are_refused_and_change_nothing(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    before = counts()
    url = f"/api/v1/orders/{order['id']}/payments"
    assert client.post(url, json={"method": "bitcoin"}, headers=headers).status_code == 422
    assert client.post(url, json={}, headers=headers).status_code == 422
    resp = client.post(url, json={"method": "mpesa", "phone": "12"}, headers=headers)
    assert resp.status_code == 422 and "phone" in resp.get_json()["errors"]
    assert client.post(url, json={"method": "mpesa"}).status_code == 401
    other = auth_headers(world.admin)
    assert client.post(url, json={"method": "mpesa"}, headers=other).status_code == 404
    assert client.post("/api/v1/orders/99999/payments", json={"method": "mpesa"}, headers=headers).status_code == 404
    assert counts() == before


def test_paying_a_paid_order_is_a_conflict(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    before = counts()
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    assert resp.status_code == 409 and resp.get_json()["type"] == "/problems/order-not-payable"
    assert counts() == before


def test_idempotency_key_replays_the_first_answer(client, world, auth_headers):
    headers = {**auth_headers(world.passenger), "Idempotency-Key": "pay-1"}
    order = book(client, world, auth_headers(world.passenger))
    first = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    before = counts()
    second = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    assert second.status_code == 202 and second.headers.get("Idempotent-Replayed") == "true"
    assert second.get_json()["id"] == first.get_json()["id"]
    assert counts() == before


def test_someone_elses_payment_is_not_found(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    pid = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers).get_json()["id"]
    assert client.get(f"/api/v1/payments/{pid}", headers=auth_headers(world.admin)).status_code == 404


def test_airtime_sandbox_charges_each_price_point_like_the_operator(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)  # KES 1,500 = 3 x KES 500 with the default price points
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "airtime"}, headers=headers)
    payment_id = resp.get_json()["id"]
    db.session.expire_all()
    rows = db.session.scalars(select(AirtimeCharge).where(AirtimeCharge.payment_id == payment_id)).all()
    assert sorted((c.keyword, c.status) for c in rows) == [("SAFIRI500", "delivered")] * 3
    assert order_status(order["id"]) == "paid"


def test_airtime_sandbox_partial_failure_credits_the_wallet(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    resp = client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "airtime", "phone": "0722000099"},
                       headers=headers)
    got = client.get(f"/api/v1/payments/{resp.get_json()['id']}", headers=headers).get_json()
    assert got["status"] == "failed" and "airtime balance is too low" in got["message"]
    assert order_status(order["id"]) == "pending_payment"
    db.session.expire_all()
    assert db.session.scalar(select(Wallet.balance).where(Wallet.user_id == world.passenger.id)) == 100000
    assert db.session.scalar(select(Refund.amount).where(Refund.payment_id == got["id"])) == 100000
