"""Who may see a carrier's money: its own carrier admins and platform admins. Another carrier's
admin gets 404 on every route (as if it did not exist), a passenger or a driver 403, nobody 401."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.reports.closing import close_through
from app.reports.settlements import create_settlement
from tests import factories
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
