"""Sign-in steps as a client performs them, shared by the auth and accounts tests."""
from __future__ import annotations

import re

PROBLEM = "application/problem+json"


def request_code(client, phone: str, **extra):
    return client.post("/api/v1/auth/otp", json={"phone": phone, **extra})


def outbox(client, phone: str) -> list[dict]:
    response = client.get("/dev/outbox", query_string={"to": phone})
    assert response.status_code == 200
    return response.get_json()


def latest_code(client, phone: str) -> str:
    """The code of the newest sign-in SMS to ``phone``, read the way a developer would."""
    messages = [m for m in outbox(client, phone) if m["kind"] == "otp"]
    assert messages, f"no sign-in SMS for {phone}"
    match = re.search(r"\b(\d{6})\b", messages[0]["text"])
    assert match, messages[0]["text"]
    return match.group(1)


def exchange(client, phone: str, code: str, **extra):
    return client.post("/api/v1/auth/token", json={"phone": phone, "code": code, **extra})


def sign_in(client, phone: str, **extra) -> dict:
    """Full flow: request a code, read it from the outbox, exchange it; return the token body."""
    response = request_code(client, phone, **extra)
    assert response.status_code == 202, response.get_json()
    response = exchange(client, phone, latest_code(client, phone))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(tokens: dict) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def wrong_code(code: str) -> str:
    """A 6-digit code guaranteed to differ from ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def assert_problem(response, status: int, slug: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    if slug is not None:
        assert body["type"] == f"/problems/{slug}"
    return body
