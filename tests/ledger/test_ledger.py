"""Ledger: balanced and idempotent postings; the carrier statement over HTTP."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.ledger.service import Leg, UnbalancedTransaction, balance, post
from app.wallet.service import InsufficientFunds
from tests.factories import make_carrier, make_user
from tests.payments.helpers import book, counts


def test_post_refuses_unbalanced_and_moves_nothing(app, world):
    before = counts()
    with pytest.raises(UnbalancedTransaction):
        post("sale", "x", [Leg("a", -100, "KES"), Leg("b", 99, "KES")])
    with pytest.raises(UnbalancedTransaction):
        post("sale", "y", [Leg("a", -100, "KES"), Leg("b", 100, "UGX")])
    with pytest.raises(UnbalancedTransaction):
        post("sale", "z", [Leg("a", 0, "KES")])
    db.session.rollback()
    assert counts() == before


def test_post_is_idempotent_on_kind_and_ref(app, world):
    legs = [Leg("provider_clearing:x", -500, "KES"), Leg(f"wallet:{world.passenger.id}", 500, "KES")]
    assert post("topup", "t1", legs).created
    again = post("topup", "t1", legs)
    db.session.commit()
    assert not again.created
    assert balance(f"wallet:{world.passenger.id}", "KES") == 500


def test_wallet_cannot_be_overdrawn_by_a_posting(app, world):
    with pytest.raises(InsufficientFunds):
        post("sale", "s1", [Leg(f"wallet:{world.passenger.id}", -1, "KES"), Leg("platform_fees", 1, "KES")])
    db.session.rollback()
    assert balance(f"wallet:{world.passenger.id}", "KES") == 0


def test_carrier_statement_shows_sales_refunds_fees_and_net(client, world, auth_headers):
    headers = auth_headers(world.passenger)
    for _ in range(2):
        order = book(client, world, headers)
        client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    client.post(f"/api/v1/orders/{order['id']}/cancel", json={"refund_to": "wallet"}, headers=headers)
    refunded = client.get("/api/v1/wallet", headers=headers).get_json()["balance"]["amount"]
    resp = client.get(f"/api/v1/carriers/{world.carrier.id}/statement", headers=auth_headers(world.admin))
    assert resp.status_code == 200, resp.get_json()
    (totals,) = resp.get_json()["totals"]
    fee_back = refunded * 500 // 10000
    assert totals["sales"] == {"count": 2, "amount": {"amount": 300000, "currency": "KES"}}
    assert totals["refunds"] == {"count": 1, "amount": {"amount": refunded, "currency": "KES"}}
    assert totals["fees"] == {"amount": 15000 - fee_back, "currency": "KES"}
    assert totals["net_payable"] == {"amount": 285000 - (refunded - fee_back), "currency": "KES"}
    assert totals["balance_payable"] == totals["net_payable"]
    assert totals["payouts_pending"] == {"amount": 0, "currency": "KES"}
    other_day = client.get(f"/api/v1/carriers/{world.carrier.id}/statement?date=2020-01-01",
                           headers=auth_headers(world.admin)).get_json()
    assert other_day["totals"][0]["sales"] == {"count": 0, "amount": {"amount": 0, "currency": "KES"}}


def test_statement_is_scoped_and_validated(client, world, auth_headers):
    other = make_user("carrier_admin", carrier=make_carrier("Other"))
    db.session.commit()
    url = f"/api/v1/carriers/{world.carrier.id}/statement"
    assert client.get(url, headers=auth_headers(other)).status_code == 404
    assert client.get(url, headers=auth_headers(world.passenger)).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(url + "?date=yesterday", headers=auth_headers(world.admin)).status_code == 422
