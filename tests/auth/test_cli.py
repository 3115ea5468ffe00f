"""``flask create-admin``: the first platform admin of a fresh deployment."""
from tests.auth.flow import bearer, sign_in


def test_create_admin_then_sign_in_and_administer(runner, client):
    result = runner.invoke(args=["create-admin", "0700 123456"])
    assert result.exit_code == 0, result.output
    assert "+254700123456" not in result.output and "+2547****3456" in result.output
    tokens = sign_in(client, "+254700123456")
    assert tokens["user"]["role"] == "platform_admin"
    assert client.get("/api/v1/admin/users", headers=bearer(tokens)).status_code == 200


def test_create_admin_promotes_an_existing_user(runner, client, world):
    assert runner.invoke(args=["create-admin", world.passenger.phone]).exit_code == 0
    assert sign_in(client, world.passenger.phone)["user"]["role"] == "platform_admin"


def test_create_admin_refuses_a_bad_number(runner, client):
    result = runner.invoke(args=["create-admin", "12345"])
    assert result.exit_code == 2
    assert "not a valid phone number" in result.output
