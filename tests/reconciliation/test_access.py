"""Who may reconcile and register shortcodes: a carrier's admins see their own carrier only."""
from __future__ import annotations

import pytest

from tests import factories
from tests.fixtures import load_fixture
from tests.reconciliation.support import OtherCarrier, shortcode, stored, upload

PAYBILL = load_fixture("mpesa/org_portal_statement_paybill.csv")


@pytest.fixture
def other(world):
    other = OtherCarrier()
    shortcode(world.carrier, "600638")
    shortcode(other.carrier, "600700")
    return other


def test_another_carriers_admin_gets_404_on_every_route(client, world, other, auth_headers):
    headers = auth_headers(other.admin)
    base = f"/api/v1/carriers/{world.carrier.id}"
    assert upload(client, headers, world.carrier.id, PAYBILL).status_code == 404
    assert client.get(f"{base}/shortcodes", headers=headers).status_code == 404
    assert stored() == {"lines": [], "imports": 0}
    # The same answer as a carrier that does not exist.
    missing = upload(client, headers, 999999, PAYBILL)
    assert missing.status_code == 404 and missing.get_json()["detail"] == \
        upload(client, headers, world.carrier.id, PAYBILL).get_json()["detail"]


def test_passengers_and_drivers_are_refused(client, world, other, auth_headers):
    for user in (world.passenger, world.driver):
        assert upload(client, auth_headers(user), world.carrier.id, PAYBILL).status_code == 403
        assert client.get(f"/api/v1/carriers/{world.carrier.id}/shortcodes",
                          headers=auth_headers(user)).status_code == 403
    assert upload(client, {}, world.carrier.id, PAYBILL).status_code == 401


def test_a_platform_admin_reconciles_any_carrier(client, world, other, auth_headers):
    admin = factories.make_user("platform_admin", phone="+254700000009")
    resp = upload(client, auth_headers(admin), world.carrier.id, PAYBILL)
    assert resp.status_code == 200 and resp.get_json()["carrier_id"] == world.carrier.id
    assert upload(client, auth_headers(admin), 999999, PAYBILL).status_code == 404


def test_carrier_admins_list_their_shortcodes(client, world, other, auth_headers):
    resp = client.get(f"/api/v1/carriers/{world.carrier.id}/shortcodes", headers=auth_headers(world.admin))
    assert resp.status_code == 200
    assert resp.get_json() == [{"shortcode": "600638", "kind": "paybill", "store_name": None,
                                "pull_transactions": False, "pulled_until": None}]


def test_only_platform_admins_register_shortcodes(client, world, other, auth_headers):
    url = f"/api/v1/carriers/{world.carrier.id}/shortcodes"
    body = {"kind": "till", "store_name": "Coast Express Mombasa"}
    assert client.put(f"{url}/5123456", json=body, headers=auth_headers(world.admin)).status_code == 403
    admin = auth_headers(factories.make_user("platform_admin", phone="+254700000009"))
    created = client.put(f"{url}/5123456", json=body, headers=admin)
    assert created.status_code == 200 and created.get_json()["kind"] == "till"
    changed = client.put(f"{url}/600638", json={"kind": "paybill", "pull_transactions": True}, headers=admin)
    assert changed.get_json()["pull_transactions"] is True
    taken = client.put(f"{url}/600700", json={"kind": "paybill"}, headers=admin)
    assert taken.status_code == 409 and taken.get_json()["type"] == "/problems/shortcode-taken"
    till_pull = client.put(f"{url}/5123456", json={"kind": "till", "pull_transactions": True}, headers=admin)
    assert till_pull.status_code == 409 and till_pull.get_json()["type"] == "/problems/pull-paybill-only"
    bad = client.put(f"{url}/12ab", json={"kind": "paybill"}, headers=admin)
    assert bad.status_code == 422 and "shortcode" in bad.get_json()["errors"]
    listed = client.get(url, headers=auth_headers(world.admin)).get_json()
    assert [(s["shortcode"], s["kind"], s["pull_transactions"]) for s in listed] == [
        ("5123456", "till", False), ("600638", "paybill", True)]
