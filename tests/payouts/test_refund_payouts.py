"""Refunds go back the way the money came, and are paid like every payout: an M-Pesa
booking cancelled by its carrier is refunded by B2C (Daraja mocked); without an API
initiator the payout waits for the carrier's team, who pays it by hand and marks it paid;
another carrier's admin sees none of it (404). A deleted account's wallet is paid the same way."""
from __future__ import annotations

import pytest
import responses
from sqlalchemy import select

from app.extensions import db
from app.ledger.service import balance
from app.payments.models import Refund
from app.states.history import history_of
from tests.channels.test_mpesa_callbacks import CONFIRMATION, c2b_body, cheap  # noqa: F401 - fixture
from tests.factories import make_carrier, make_user
from tests.payments.helpers import book, fund_wallet, ledger_balanced, sms_to, wallets_match_ledger
from tests.payouts.helpers import B2C_URL, INITIATOR_CONFIG, accept_b2c, b2c_result, mock_oauth, payout_of, \
    platform_admin, sent_bodies

ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


def paybill_paid_order(client, world, auth_headers, trans_id="RKTQDM7W6S"):
    """A booking paid at the Paybill (C2B confirmation fixture): money that came by M-Pesa."""
    order = book(client, world, auth_headers(world.passenger))
    body = dict(c2b_body(order["code"]), TransID=trans_id, MSISDN="254711000111")
    assert client.post(CONFIRMATION, json=body).get_json() == ACCEPTED
    return order


def cancel_trip(client, world, auth_headers):
    resp = client.post(f"/api/v1/carriers/{world.carrier.id}/trips/{world.trip.id}/cancel",
                       json={"reason": "bus broke down"}, headers=auth_headers(world.admin))
    assert resp.status_code == 200, resp.get_json()


class TestWithInitiator:
    @pytest.fixture
    def app_settings(self):
        return INITIATOR_CONFIG

    def test_an_mpesa_booking_refunded_by_its_carrier_goes_back_by_b2c(self, client, cheap, auth_headers):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as daraja:
            mock_oauth(daraja)
            accept_b2c(daraja)
            order = paybill_paid_order(client, cheap, auth_headers)
            cancel_trip(client, cheap, auth_headers)
            (sent,) = sent_bodies(daraja, B2C_URL)
        refund = db.session.scalar(select(Refund))
        payout = payout_of(refund_id=refund.id)
        assert (refund.destination, refund.status, payout.kind, payout.carrier_id) == \
            ("mpesa", "pending_payout", "refund", cheap.carrier.id)
        assert (sent["Amount"], sent["PartyB"]) == ("1", "254711000111")  # KES 1, to the payer
        assert balance(f"payouts_pending:{cheap.carrier.id}", "KES") == 100
        resp = client.post("/channels/mobile-money/b2c/result?token=s3cret-token",
                           json=b2c_result(payout.originator_id, amount_kes=1))
        assert resp.get_json() == ACCEPTED
        db.session.expire_all()
        assert payout_of(id=payout.id).status == "paid"
        assert db.session.get(Refund, refund.id).status == "completed"
        assert [h.to_status for h in history_of("refund", refund.id)] == ["pending_payout", "completed"]
        assert balance(f"payouts_pending:{cheap.carrier.id}", "KES") == 0
        assert any(order["code"] in text and "M-Pesa" in text for text in sms_to(cheap.passenger.phone))
        assert ledger_balanced() and wallets_match_ledger()

    def test_a_deleted_accounts_wallet_is_sent_by_b2c(self, client, world, auth_headers):

        fund_wallet(world.passenger, 12345)  # KES 123.45: paid as KES 124, the platform rounds up
        with responses.RequestsMock(assert_all_requests_are_fired=False) as daraja:
            mock_oauth(daraja)
            accept_b2c(daraja)
            assert client.delete("/api/v1/me", headers=auth_headers(world.passenger)).status_code in (200, 204)
            (sent,) = sent_bodies(daraja, B2C_URL)
        assert (sent["Amount"], sent["PartyB"]) == ("124", "254711000111")
        payout = payout_of(kind="closure")
        assert payout.status == "sent" and payout.amount == 12400
        client.post("/channels/mobile-money/b2c/result?token=s3cret-token",
                    json=b2c_result(payout.originator_id, amount_kes=124))
        payout = payout_of(kind="closure")
        assert payout.status == "paid" and payout.phone is None  # the number goes once it is paid
        assert balance("payouts_pending:platform", "KES") == 0 and ledger_balanced()


class TestWithoutInitiator:
    def test_the_carrier_pays_by_hand_and_marks_it_paid(self, client, world, auth_headers):
        headers = auth_headers(world.passenger)
        order = book(client, world, headers)
        client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
        quote = client.get(f"/api/v1/orders/{order['id']}/cancellation-quote", headers=headers).get_json()
        assert quote["refund_to"] == "mpesa"  # paid by (sandbox) M-Pesa: back to M-Pesa
        done = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=headers).get_json()
        assert done["refund_to"] == "mpesa"
        admin = auth_headers(world.admin)
        url = f"/api/v1/carriers/{world.carrier.id}/payouts"
        (listed,) = client.get(f"{url}?status=pending", headers=admin).get_json()
        assert listed["amount"] == done["refund"] and listed["phone"] == "+2547****0111"
        detail = client.get(f"{url}/{listed['id']}", headers=admin).get_json()
        assert detail["phone"] == "+254711000111" and detail["history"][0]["to_status"] == "pending"
        payable = balance(f"carrier_payable:{world.carrier.id}", "KES")

        bad = client.post(f"{url}/{listed['id']}/paid", json={"reference": "x"}, headers=admin)
        assert bad.status_code == 422
        retry = client.post(f"{url}/{listed['id']}/retry", headers=admin)
        assert retry.status_code == 409  # not failed, and nothing to send it with
        paid = client.post(f"{url}/{listed['id']}/paid", json={"reference": "SL1CX8KQ2P"}, headers=admin)
        assert paid.status_code == 200, paid.get_json()
        assert paid.get_json()["status"] == "paid" and paid.get_json()["method"] == "manual"
        assert paid.get_json()["history"][-1]["actor"] == f"user:{world.admin.id}"
        # Paid from the carrier's own M-Pesa: the platform owes the carrier that much back.
        assert balance(f"carrier_payable:{world.carrier.id}", "KES") == payable + done["refund"]["amount"]
        assert balance(f"payouts_pending:{world.carrier.id}", "KES") == 0
        again = client.post(f"{url}/{listed['id']}/paid", json={"reference": "SL1CX8KQ2P"}, headers=admin)
        assert again.status_code == 409 and again.get_json()["type"].endswith("payout-state")
        assert client.get(f"{url}?status=pending", headers=admin).get_json() == []
        assert ledger_balanced()

    def test_another_carriers_payouts_answer_404_and_passengers_403(self, client, world, auth_headers):
        headers = auth_headers(world.passenger)
        order = book(client, world, headers)
        client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
        client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=headers)
        payout = payout_of(kind="refund")
        other = make_carrier("Other Coaches")
        stranger = make_user("carrier_admin", carrier=other)
        db.session.commit()
        them = auth_headers(stranger)
        base = f"/api/v1/carriers/{world.carrier.id}/payouts"
        assert client.get(base, headers=them).status_code == 404
        assert client.get(f"{base}/{payout.id}", headers=them).status_code == 404
        assert client.post(f"{base}/{payout.id}/paid", json={"reference": "ABCD1234"}, headers=them).status_code == 404
        assert client.post(f"{base}/{payout.id}/retry", headers=them).status_code == 404
        assert client.post(f"{base}/{payout.id}/return", json={"reason": "nope"}, headers=them).status_code == 404
        # Their own carrier's path does not reach it either.
        own = f"/api/v1/carriers/{other.id}/payouts"
        assert client.get(own, headers=them).get_json() == []
        assert client.get(f"{own}/{payout.id}", headers=them).status_code == 404
        assert client.post(f"{own}/{payout.id}/paid", json={"reference": "ABCD1234"}, headers=them).status_code == 404
        assert client.get("/api/v1/payouts", headers=them).status_code == 403
        assert client.get(base, headers=headers).status_code == 403
        assert payout_of(id=payout.id).status == "pending"
        # The platform sees every payout, and may give this one back to the wallet.
        platform = auth_headers(platform_admin())
        assert [p["id"] for p in client.get("/api/v1/payouts", headers=platform).get_json()] == [payout.id]
        back = client.post(f"/api/v1/payouts/{payout.id}/return", json={"reason": "asked for the wallet"},
                           headers=platform)
        assert back.status_code == 200 and back.get_json()["status"] == "returned"
        assert client.get("/api/v1/wallet", headers=headers).get_json()["balance"]["amount"] == payout.amount
        assert ledger_balanced() and wallets_match_ledger()

    def test_a_deleted_accounts_wallet_waits_for_the_platform(self, client, world, auth_headers):

        fund_wallet(world.passenger, 50000)
        assert client.delete("/api/v1/me", headers=auth_headers(world.passenger)).status_code in (200, 204)
        payout = payout_of(kind="closure")
        assert payout.status == "pending" and payout.phone == "+254711000111" and payout.carrier_id is None
        assert client.get(f"/api/v1/carriers/{world.carrier.id}/payouts", headers=auth_headers(world.admin)).get_json() == []
        platform = auth_headers(platform_admin())
        paid = client.post(f"/api/v1/payouts/{payout.id}/paid", json={"reference": "SL1CX8KQ2P"}, headers=platform)
        assert paid.status_code == 200 and paid.get_json()["phone"] is None
        assert balance("payouts_pending:platform", "KES") == 0
        assert balance("provider_clearing:mpesa_b2c", "KES") == 50000
        assert db.session.scalar(select(Refund.status).where(Refund.ref.like("wallet-payout:%"))) == "completed"
