"""Code requests are throttled per number and per client address (429 problem+json)."""
from tests.auth.flow import assert_problem, outbox, request_code


def test_fourth_code_for_one_number_in_ten_minutes_is_429(client):
    phone = "+254766000001"
    for _ in range(3):
        assert request_code(client, phone).status_code == 202
    response = request_code(client, "0766 000001")  # same number, another spelling
    body = assert_problem(response, 429)
    assert "this number" in body["detail"]
    assert int(response.headers["Retry-After"]) > 0
    assert len(outbox(client, phone)) == 3
    # another number from the same client is not affected
    assert request_code(client, "+254766000002").status_code == 202


def test_one_address_cannot_spray_many_numbers(make_app):
    app = make_app(OTP_RATE_LIMIT_PER_ADDRESS="2 per hour")
    client = app.test_client()
    for n in (1, 2):
        assert request_code(client, f"+25476600001{n}").status_code == 202
    response = request_code(client, "+254766000013")
    body = assert_problem(response, 429)
    assert "this address" in body["detail"]
    assert int(response.headers["Retry-After"]) > 0
    assert outbox(client, "+254766000013") == []
    other = client.post("/api/v1/auth/otp", json={"phone": "+254766000013"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 202


def test_invalid_requests_do_not_use_up_the_limit(make_app):
    app = make_app(OTP_RATE_LIMIT_PER_ADDRESS="2 per hour")
    client = app.test_client()
    for _ in range(5):
        assert_problem(request_code(client, "12345"), 422)
    assert request_code(client, "+254766000021").status_code == 202
