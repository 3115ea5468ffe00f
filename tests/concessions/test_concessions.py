"""Concession fares that can be trusted, through the API: a student registers, a senior shows
a document to an agent of the carrier, only a holder buys the fare, the ticket and the scanner
say until when it was verified, and expired or revoked categories stop applying."""
from __future__ import annotations

import gc
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app.concessions.models import Concession
from app.database import utcnow
from app.extensions import db
from app.sales.confirming import apply_to_order
from tests import factories
from tests.catalog.conftest import rival  # noqa: F401 - a fixture
from tests.tickets.test_check_reply import _check
from tests.tickets.test_scan_support import assign, scan, trip_departing
from tickets.shortcode import format_short_code

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def documents(app, tmp_path, monkeypatch):
    folder = tmp_path / "private-docs"
    monkeypatch.setitem(app.config, "CONCESSION_DOCUMENT_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_concessions(world):
    """Here the world's passenger starts with no concession (the world gives it both)."""
    db.session.execute(delete(Concession))
    db.session.commit()


@pytest.fixture
def agent(world):
    user = factories.make_user("agent", carrier=world.carrier, name="Abdi Agent")
    db.session.commit()
    return user


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.json


def rows():
    return db.session.scalar(select(func.count()).select_from(Concession))


def expiry(days=200):
    return (utcnow().date() + timedelta(days=days))


def register_student(client, world, user=None, **extra):
    body = {"carrier_id": world.carrier.id, "institution": "University of Nairobi",
            "student_number": "C31/1234/2024", "expires_on": expiry().isoformat(), **extra}
    return client.post("/api/v1/me/concessions/student", json=body,
                       headers=factories.auth_headers(user or world.passenger))


def request_reduced(client, world, data=PNG, name="card.png", reason="senior", user=None):
    return client.post("/api/v1/me/concessions/reduced", content_type="multipart/form-data",
                       data={"carrier_id": str(world.carrier.id), "reason": reason,
                             "document": (io.BytesIO(data), name)},
                       headers=factories.auth_headers(user or world.passenger))


def buy(client, world, fare_class, user=None, trip=None):
    return client.post("/api/v1/orders", headers=factories.auth_headers(user or world.passenger), json={
        "trip_id": (trip or world.trip).id, "origin_stop_id": world.nairobi.id,
        "destination_stop_id": world.nakuru.id, "passengers": [{"fare_class": fare_class}]})


def decide(client, world, user, concession_id, verb, **body):
    return client.post(f"/api/v1/carriers/{world.carrier.id}/concessions/{concession_id}/{verb}", json=body,
                       headers=factories.auth_headers(user))


def test_a_student_registers_and_buys_the_student_fare_nobody_else_can(client, world):
    refused = problem(buy(client, world, "student"), 403)
    assert refused["type"].endswith("concession-required") and refused["fare_class"] == "student"

    registered = register_student(client, world)
    assert registered.status_code == 201, registered.json
    assert registered.json["status"] == "approved"  # the carrier does not ask for an agent

    held = buy(client, world, "student")
    assert held.status_code == 201, held.json
    assert held.json["items"][0]["concession_until"] == expiry().isoformat()
    assert held.json["total"]["amount"] == 64000
    problem(buy(client, world, "reduced"), 403)  # a student is not a reduced-fare holder


def test_when_the_carrier_asks_an_agent_approves_students_first(client, world, agent):
    world.carrier.student_approval_required = True
    db.session.commit()
    pending = register_student(client, world).json
    assert pending["status"] == "pending"
    problem(buy(client, world, "student"), 403)
    again = problem(register_student(client, world), 409)
    assert again["type"].endswith("concession-exists")

    listed = client.get(f"/api/v1/carriers/{world.carrier.id}/concessions",
                        headers=factories.auth_headers(agent)).json
    assert [(c["id"], c["student_number"], c["phone"]) for c in listed] == [
        (pending["id"], "C31/1234/2024", world.passenger.phone)]
    shorter = expiry(100)
    approved = decide(client, world, agent, pending["id"], "approve", valid_until=shorter.isoformat())
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved" and approved.json["expires_on"] == shorter.isoformat()
    assert buy(client, world, "student").status_code == 201
    problem(decide(client, world, agent, pending["id"], "reject"), 409)  # decided once


def test_a_senior_shows_a_document_an_agent_sees_then_it_is_deleted(client, world, agent, documents, rival):
    asked = request_reduced(client, world)
    assert asked.status_code == 201, asked.json
    request = asked.json
    assert request["status"] == "pending" and request["has_document"] is True
    stored = list(documents.iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == PNG
    assert "static" not in str(stored[0])
    problem(buy(client, world, "reduced"), 403)

    base = f"/api/v1/carriers/{world.carrier.id}/concessions/{request['id']}"
    shown = client.get(f"{base}/document", headers=factories.auth_headers(agent))
    assert shown.status_code == 200 and shown.data == PNG and shown.mimetype == "image/png"
    assert "no-store" in shown.headers["Cache-Control"]

    other_agent = factories.make_user("agent", carrier=rival.carrier)
    db.session.commit()
    outsider = factories.auth_headers(other_agent)
    problem(client.get(f"{base}/document", headers=outsider), 404)
    problem(client.get(f"/api/v1/carriers/{world.carrier.id}/concessions", headers=outsider), 404)
    problem(client.post(f"/api/v1/carriers/{rival.carrier.id}/concessions/{request['id']}/approve", json={},
                        headers=outsider), 404)
    problem(client.get(f"/api/v1/carriers/{world.carrier.id}/concessions",
                       headers=factories.auth_headers(world.passenger)), 403)
    assert db.session.get(Concession, request["id"]).status == "pending"

    approved = decide(client, world, agent, request["id"], "approve")
    assert approved.status_code == 200, approved.json
    assert approved.json["has_document"] is False
    assert approved.json["expires_on"] == (utcnow().date() + timedelta(days=365)).isoformat()
    assert list(documents.iterdir()) == []  # deleted after the decision
    problem(client.get(f"{base}/document", headers=factories.auth_headers(agent)), 404)
    assert buy(client, world, "reduced").status_code == 201


def test_a_rejected_request_loses_its_document_and_buys_nothing(client, world, agent, documents):
    request = request_reduced(client, world, reason="disabled").json
    rejected = decide(client, world, agent, request["id"], "reject", note="Card unreadable")
    assert rejected.json["status"] == "rejected" and rejected.json["note"] == "Card unreadable"
    assert list(documents.iterdir()) == []
    problem(buy(client, world, "reduced"), 403)
    assert request_reduced(client, world).status_code == 201  # may ask again


@pytest.mark.parametrize("data, name, reason, status", [
    (b"%PDF-1.7 not a photo", "card.png", "senior", 422),  # the name says png, the bytes do not
    (b"GIF89a" + b"\x00" * 10, "card.gif", "senior", 422),
    (b"", "card.png", "senior", 422),
    (PNG, "card.png", "student", 422),  # not a reduced reason
])
def test_bad_documents_are_refused_and_nothing_is_kept(client, world, documents, data, name, reason, status):
    problem(request_reduced(client, world, data=data, name=name, reason=reason), status)
    assert rows() == 0
    assert not documents.exists() or list(documents.iterdir()) == []


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_photo_over_5_mb_is_refused_and_nothing_is_kept(client, world, documents):
    """(The test client spools a body this large to a temporary file it never closes: the
    warning is the client's, collected here so it is not blamed on the next test.)"""
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024)
    answer = problem(request_reduced(client, world, data=big, name="big.png"), 413)
    assert "5 MB" in answer["detail"]
    assert rows() == 0 and (not documents.exists() or list(documents.iterdir()) == [])
    gc.collect()


def test_a_request_without_a_document_or_for_no_carrier_is_refused(client, world, documents):
    missing = client.post("/api/v1/me/concessions/reduced", content_type="multipart/form-data",
                          data={"carrier_id": str(world.carrier.id), "reason": "senior"},
                          headers=factories.auth_headers(world.passenger))
    assert "document" in problem(missing, 422)["errors"]
    as_text = client.post("/api/v1/me/concessions/reduced", content_type="multipart/form-data",
                          data={"carrier_id": str(world.carrier.id), "reason": "senior", "document": "a photo"},
                          headers=factories.auth_headers(world.passenger))
    problem(as_text, 422)
    problem(client.post("/api/v1/me/concessions/reduced", content_type="multipart/form-data",
                        data={"carrier_id": "999999", "reason": "senior", "document": (io.BytesIO(PNG), "a.png")},
                        headers=factories.auth_headers(world.passenger)), 422)
    assert rows() == 0 and (not documents.exists() or list(documents.iterdir()) == [])


@pytest.mark.parametrize("extra, field", [
    ({"expires_on": "2020-01-01"}, "expires_on"),
    ({"expires_on": "2090-01-01"}, "expires_on"),
    ({"institution": ""}, "institution"),
    ({"student_number": "x" * 41}, "student_number"),
    ({"carrier_id": 999999}, "carrier_id"),
    ({"carrier_id": "1"}, "carrier_id"),
])
def test_bad_student_registrations_are_problems_and_change_nothing(client, world, extra, field):
    answer = problem(register_student(client, world, **extra), 422)
    assert field in answer["errors"], answer
    assert rows() == 0


def test_expired_and_revoked_categories_stop_new_purchases_not_old_tickets(client, world, agent):
    concession = register_student(client, world).json
    bought = buy(client, world, "student")
    assert bought.status_code == 201

    revoked = decide(client, world, agent, concession["id"], "revoke", note="Left the university")
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    problem(buy(client, world, "student"), 403)
    order = client.get(f"/api/v1/orders/{bought.json['id']}", headers=factories.auth_headers(world.passenger)).json
    assert order["items"][0]["concession_until"] == expiry().isoformat()  # what was bought stays

    other = factories.make_user()
    db.session.add(Concession(user_id=other.id, carrier_id=world.carrier.id, category="student", status="approved",
                              institution="KU", student_number="1", expires_on=utcnow().date() - timedelta(days=1)))
    db.session.commit()
    problem(buy(client, world, "student", user=other), 403)


def test_the_ticket_page_and_the_scanner_say_until_when_the_student_was_verified(client, world):
    """Bought as a student, the ticket says "student, verified until <month>" in the page
    (each language) and the scan answer, even after the concession is revoked."""
    register_student(client, world)
    trip = trip_departing(world, utcnow().replace(microsecond=0) + timedelta(minutes=30))
    assign(world.driver, trip)
    order = client.post("/api/v1/orders", headers=factories.auth_headers(world.passenger), json={
        "trip_id": trip.id, "origin_stop_id": world.nairobi.id, "destination_stop_id": world.nakuru.id,
        "passengers": [{"fare_class": "student"}, {"fare_class": "student"}]}).json
    result = apply_to_order(order["id"], amount=order["total"]["amount"], currency="KES", payment_id=777001)
    db.session.commit()
    ticket, other_ticket = result.tickets
    month = expiry().strftime("%Y-%m")
    db.session.query(Concession).update({"status": "revoked"})
    db.session.commit()

    said = {"en": f"student, verified until {month}", "fr": f"étudiant, vérifié jusqu'en {month}",
            "sw": f"mwanafunzi, imethibitishwa hadi {month}"}
    for language, words in said.items():
        world.passenger.language = language
        db.session.commit()
        page = client.get(f"/t/{ticket.short_code}").get_data(as_text=True)
        assert words in page.replace("&#39;", "'"), language
    checked = _check(client, world.driver, f"CHECK {format_short_code(other_ticket.short_code)}")
    assert "VALID" in checked and said["en"] in checked  # the driver's SMS check
    answer = scan(client, factories.auth_headers(world.driver), trip, code=ticket.short_code).json
    assert answer["result"] == "valid" and said["en"] in answer["reason"]


def test_another_carriers_concession_does_not_open_this_carriers_fare(client, world, rival):
    """Per carrier: the discount is the carrier's money, so it is the carrier's decision."""
    db.session.add(Concession(user_id=world.passenger.id, carrier_id=rival.carrier.id, category="student",
                              status="approved", institution="KU", student_number="9", expires_on=expiry()))
    db.session.commit()
    problem(buy(client, world, "student"), 403)
    mine = client.get("/api/v1/me/concessions", headers=factories.auth_headers(world.passenger)).json
    assert [c["carrier_id"] for c in mine] == [rival.carrier.id]


def test_documents_live_outside_static(app):
    folder = Path(app.config["CONCESSION_DOCUMENT_DIR"]).resolve()
    assert Path(app.static_folder or "/nonexistent").resolve() not in folder.parents


def test_the_carrier_admin_sets_whether_students_need_an_agent(client, world):
    url = f"/api/v1/carriers/{world.carrier.id}/settings"
    headers = factories.auth_headers(world.admin)
    assert client.get(url, headers=headers).json["student_approval_required"] is False
    changed = client.patch(url, json={"student_approval_required": True}, headers=headers)
    assert changed.status_code == 200 and changed.json["student_approval_required"] is True
    problem(client.patch(url, json={"student_approval_required": "maybe"}, headers=headers), 422)
    assert register_student(client, world).json["status"] == "pending"
