"""Who may see a carrier's money: its own carrier admins and platform admins. Another carrier's
admin gets 404 on every route (as if it did not exist), a passenger or a driver 403, nobody 401."""
from __future__ import annotations

from datetime import timedelta

import pytest

from sqlalchemy import select

from app.extensions import db
from app.payouts.models import Payout
from app.reports.closing import close_through
from app.reports.settlements import create_settlement
from tests import factories
from tests.payments.helpers import book, counts
from tests.payouts.test_suspense_review import wrong_amount_payment
from tests.reconciliation.support import shortcode, upload
from tests.reconciliation.test_statement_upload import PAYBILL
from tests.reports.helpers import sell, today


def routes(carrier_id, settlement_id):
    yesterday = (today() - timedelta(days=1)).isoformat()
    base = f"/api/v1/carriers/{carrier_id}"
    return [
        ("get", f"{base}/reports/daily?date={yesterday}", None),
        ("post", f"{base}/reports/daily/{yesterday}/close", None),
        ("get", f"{base}/settlements", None),
        ("post", f"{base}/settlements", {"period_start": yesterday, "period_end": yesterday}),
        ("get", f"{base}/settlements/{settlement_id}", None),
        ("post", f"{base}/settlements/{settlement_id}/paid", {"reference": "FT1"}),
    ]


@pytest.fixture
def settled(world):
    """A closed day and its pending settlement for the world's carrier."""
    sell(world, world.passenger)
    day = today() - timedelta(days=2)
    close_through(world.carrier.id, day, actor="user:1")
    return create_settlement(world.carrier.id, day, day, actor="user:1")


def _call(client, method, url, body, headers):
    return getattr(client, method)(url, json=body, headers=headers) if body is not None else \
        getattr(client, method)(url, headers=headers)


def test_another_carriers_admin_gets_404_on_every_route(client, world, settled, auth_headers):
    other = factories.make_carrier("Rival Coaches")
    rival = factories.make_user("carrier_admin", carrier=other)
    db.session.commit()
    headers = auth_headers(rival)
    for method, url, body in routes(world.carrier.id, settled.id):
        resp = _call(client, method, url, body, headers)
        assert resp.status_code == 404, (method, url, resp.get_json())
        assert resp.mimetype == "application/problem+json"
    # their own carrier's path with our settlement's id: still 404
    for method, url, body in routes(other.id, settled.id)[4:]:
        assert _call(client, method, url, body, auth_headers(factories.make_user("platform_admin"))).status_code == 404
    assert _call(client, "get", f"/api/v1/carriers/{other.id}/settlements/{settled.id}", None,
                 headers).status_code == 404


def test_passengers_and_drivers_are_refused_and_strangers_must_sign_in(client, world, settled, auth_headers):
    for user in (world.passenger, world.driver):
        for method, url, body in routes(world.carrier.id, settled.id):
            assert _call(client, method, url, body, auth_headers(user)).status_code == 403, (user.role, url)
    for method, url, body in routes(world.carrier.id, settled.id):
        assert _call(client, method, url, body, {}).status_code == 401, url


def test_platform_admins_reach_every_carrier(client, world, settled, auth_headers):
    platform = factories.make_user("platform_admin")
    db.session.commit()
    yesterday = (today() - timedelta(days=1)).isoformat()
    headers = auth_headers(platform)
    assert client.get(f"/api/v1/carriers/{world.carrier.id}/reports/daily?date={yesterday}",
                      headers=headers).status_code == 200
    assert client.get(f"/api/v1/carriers/{world.carrier.id}/settlements/{settled.id}",
                      headers=headers).status_code == 200
    assert client.get("/api/v1/carriers/999999/reports/daily", headers=headers).status_code == 404


# Every carrier-money route, for the rule "another carrier's things answer 404": reports,
# closing, settlements, the old statement, M-Pesa statements and shortcodes, payouts, the
# suspense review and the dashboard. ``{c}`` is our carrier, ``{s}`` our settlement,
# ``{p}`` our pending payout, ``{i}`` our suspense item. (Registering a shortcode and the
# ``/payouts`` routes without a carrier are for platform admins only: every carrier admin
# gets 403 there, before any carrier is looked at.)
MONEY_ROUTES = [
    ("get", "/api/v1/carriers/{c}/reports/daily?date={y}", None),
    ("get", "/api/v1/carriers/{c}/reports/daily?date={y}&format=csv", None),
    ("post", "/api/v1/carriers/{c}/reports/daily/{y}/close", None),
    ("get", "/api/v1/carriers/{c}/settlements", None),
    ("post", "/api/v1/carriers/{c}/settlements", {"period_start": "{y}", "period_end": "{y}"}),
    ("get", "/api/v1/carriers/{c}/settlements/{s}", None),
    ("post", "/api/v1/carriers/{c}/settlements/{s}/paid", {"reference": "FT1"}),
    ("get", "/api/v1/carriers/{c}/statement", None),
    ("post", "/api/v1/carriers/{c}/statements", "statement"),
    ("get", "/api/v1/carriers/{c}/shortcodes", None),
    ("get", "/api/v1/carriers/{c}/payouts", None),
    ("get", "/api/v1/carriers/{c}/payouts/{p}", None),
    ("post", "/api/v1/carriers/{c}/payouts/{p}/paid", {"reference": "SL1CX8KQ2P"}),
    ("post", "/api/v1/carriers/{c}/payouts/{p}/retry", None),
    ("post", "/api/v1/carriers/{c}/payouts/{p}/return", {"reason": "asked for the wallet"}),
    ("get", "/api/v1/carriers/{c}/suspense", None),
    ("get", "/api/v1/suspense/{i}", None),
    ("post", "/api/v1/suspense/{i}/apply", {"order_code": "ABCD1234", "reason": "typo"}),
    ("post", "/api/v1/suspense/{i}/refund", {"reason": "asked back", "phone": "0722000333"}),
    ("post", "/api/v1/suspense/{i}/write-off", {"reason": "no payer"}),
    ("get", "/api/v1/carriers/{c}/dashboard", None),
    ("get", "/api/v1/carriers/{c}/dashboard?format=csv&table=pending_payouts", None),
]


@pytest.fixture
def money(client, world, settled, auth_headers):
    """One of each money thing of the world's carrier: a settlement, a pending payout (a
    cancelled M-Pesa booking), an open suspense item (a Paybill payment of the wrong amount)."""
    headers = auth_headers(world.passenger)
    order = book(client, world, headers)
    client.post(f"/api/v1/orders/{order['id']}/payments", json={"method": "mpesa"}, headers=headers)
    assert client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=headers).status_code == 200
    _, parked = wrong_amount_payment(client, world, auth_headers)
    shortcode(world.carrier, "600638")
    payout = db.session.scalar(select(Payout))
    return {"c": world.carrier.id, "s": settled.id, "p": payout.id, "i": parked.id,
            "y": (today() - timedelta(days=1)).isoformat()}


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize("method, path, body", MONEY_ROUTES, ids=[f"{m} {p}" for m, p, _ in MONEY_ROUTES])
def test_every_money_route_answers_404_to_another_carriers_admin(client, world, money, auth_headers,
                                                                  method, path, body):
    rival = factories.make_user("carrier_admin", carrier=factories.make_carrier("Rival Coaches"))
    db.session.commit()
    before = counts()
    url = _fill(path, money)
    if body == "statement":
        resp = upload(client, auth_headers(rival), money["c"], PAYBILL)
    else:
        resp = _call(client, method, url, _fill(body, money), auth_headers(rival))
    assert resp.status_code == 404, (method, url, resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.mimetype == "application/problem+json"
    assert counts() == before  # nothing changed
