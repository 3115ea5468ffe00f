"""The real ``flask --app wsgi worker`` process runs the sweeps on its own.

Nothing here calls a sweep: the test prepares a database of its own (an order whose hold
lapsed, an STK push whose callback never came), starts the worker as a subprocess against
the test Redis, and watches the database until the worker's scheduler has released the
hold and settled the push by asking Daraja, which is a tiny local HTTP server answering
with the wire fixtures (the worker is another process: ``responses`` cannot reach it).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app import create_app
from app.booking.models import Order, SeatHold
from app.booking.service import create_order
from app.database import utcnow
from app.extensions import db
from app.jobs import QUEUES
from app.messaging.models import OutboundMessage
from app.payments.models import Payment
from tests import factories
from tests.conftest import fresh_database, test_config
from tests.fixtures import load_fixture
from tests.payments.helpers import DARAJA_CONFIG, FIXTURE_PHONE
from tests.redis_support import REDIS_MARKS, REDIS_URL

pytestmark = REDIS_MARKS

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 60


class FakeDaraja:
    """Daraja's OAuth and STK query endpoints on loopback, answering the wire fixtures."""

    def __init__(self):
        self.calls: list[tuple[str, dict | None]] = []
        # Port 0: the OS picks a free loopback port (werkzeug exits the process, instead of
        # raising, when a fixed port is taken, so probing a range is not safe here).
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-daraja", daemon=True)

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        self.calls.append((request.path, body))
        if request.path == "/oauth/v1/generate" and request.authorization:
            return _json(load_fixture("mpesa/oauth_response.json"))
        if request.path == "/mpesa/stkpushquery/v1/query" and request.headers.get("Authorization", "").startswith(
                "Bearer c9SQxWWhmdVRlyh0zh8gZDTkubVF"):
            return _json(load_fixture("mpesa/stk_query_response.json"))
        return _json({"errorCode": "404.001.01", "errorMessage": "Resource not found"}, status=404)

    def queried(self) -> list[str]:
        return [body["CheckoutRequestID"] for path, body in list(self.calls)
                if path == "/mpesa/stkpushquery/v1/query" and body]


def _json(payload, status=200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


@pytest.fixture
def fake_daraja():
    daraja = FakeDaraja()
    daraja.thread.start()
    yield daraja
    daraja.server.shutdown()
    daraja.server.server_close()


@pytest.fixture
def worker_settings(tmp_path, tmp_path_factory, fake_daraja):
    """A database of the test's own, its schema, and the settings the worker gets."""
    with fresh_database(tmp_path, prefix="safiri_worker") as url:
        settings = test_config(url, tmp_path_factory, REDIS_URL=REDIS_URL, **DARAJA_CONFIG)
        settings["MPESA_BASE_URL"] = fake_daraja.url
        app = create_app(settings)
        with app.app_context():
            db.create_all()
            yield app, settings
            db.session.remove()
            db.engine.dispose()


def _worker_env(settings: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MPESA_", "AT_", "TEST_"))}
    env.update({
        "APP_ENV": "test",
        "DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": settings["SECRET_KEY"],
        "TICKET_SIGNING_KEYS_FILE": settings["TICKET_SIGNING_KEYS_FILE"],
        "CHANNEL_TOKEN": settings["CHANNEL_TOKEN"],
        "PUBLIC_BASE_URL": settings["PUBLIC_BASE_URL"],
        "SWEEP_INTERVAL_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
        **{k: str(v) for k, v in settings.items() if k.startswith("MPESA_") and v is not None},
    })
    return env


@pytest.fixture
def start_worker(tmp_path):
    """``start_worker(settings)`` runs the real worker; it is always stopped afterwards."""
    started = []
    log_path = tmp_path / "worker.log"

    def start(settings):
        _empty_queues()  # nothing left over from another test
        connection = Redis.from_url(REDIS_URL)
        for key in connection.scan_iter("safiri:sweep:*"):
            connection.delete(key)
        log = log_path.open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=_worker_env(settings),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,  # its own group: RQ forks children
        )
        started.append((proc, log))
        return proc

    start.log = lambda: log_path.read_text(errors="replace")[-4000:] if log_path.exists() else ""
    yield start
    for proc, log in started:
        _stop(proc)
        log.close()
    _empty_queues()


def _empty_queues() -> None:
    for name in QUEUES:
        Queue(name, connection=Redis.from_url(REDIS_URL)).empty()


def _stop(proc: subprocess.Popen) -> None:
    """Stop the worker, its work horse and RQ's scheduler process (the whole group we started)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # anything of the group still alive
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def _wait_for(what: str, check, proc, start_worker):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        db.session.remove()  # a fresh read each time, no transaction left open
        if check():
            return
        assert proc.poll() is None, f"the worker exited ({proc.returncode}):\n{start_worker.log()}"
        time.sleep(0.2)
    pytest.fail(f"after {DEADLINE_S}s the worker had not {what}:\n{start_worker.log()}")


def test_the_worker_releases_lapsed_holds_and_polls_pending_pushes(worker_settings, start_worker, fake_daraja):
    app, settings = worker_settings
    world = factories.build_world()
    world.fares[("NBO", "ELD", "standard")].amount = 100  # KES 1: what the query fixture confirms
    late = factories.make_user(phone="+254722000333")
    db.session.commit()
    journey = dict(trip_id=world.trip.id, origin_stop_id=world.nairobi.id, destination_stop_id=world.eldoret.id)
    paying = create_order(world.passenger, passengers=[{"fare_class": "standard"}], **journey)
    # Booked 15 minutes ago: the 10-minute hold lapsed and nobody released it.
    lapsed = create_order(late, passengers=[{"fare_class": "standard"}], now=utcnow() - timedelta(minutes=15),
                          **journey)
    checkout = load_fixture("mpesa/stk_push_response.json")["CheckoutRequestID"]
    push = Payment(order_id=paying.id, user_id=world.passenger.id, purpose="order", method="mpesa_stk",
                   provider="mpesa", amount=paying.total_amount, currency="KES", phone=FIXTURE_PHONE,
                   status="pending", provider_ref=checkout, next_poll_at=utcnow() - timedelta(seconds=1))
    db.session.add(push)
    db.session.commit()
    lapsed_id, paying_id, push_id, seat = lapsed.id, paying.id, push.id, lapsed.items[0].seat

    proc = start_worker(settings)

    def hold_released():
        order = db.session.get(Order, lapsed_id)
        holds = db.session.scalars(select(SeatHold.status).where(SeatHold.order_id == lapsed_id)).all()
        return order.status == "expired" and holds == ["expired"]

    _wait_for("released the lapsed hold", hold_released, proc, start_worker)
    # The seat is free again: somebody else can take exactly that seat now.
    rival = factories.make_user(phone="+254722000444")
    db.session.commit()
    assert create_order(rival, passengers=[{"fare_class": "standard", "seat": seat}], **journey).items[0].seat == seat

    def push_settled():
        return db.session.get(Payment, push_id).status == "succeeded"

    _wait_for("settled the pending push by STK query", push_settled, proc, start_worker)
    assert fake_daraja.queried() == [checkout]  # asked once, about that push
    assert db.session.get(Order, paying_id).status == "paid"
    assert db.session.get(Payment, push_id).outcome == "applied"

    def receipt_sent():
        return db.session.scalars(select(OutboundMessage.status).where(
            OutboundMessage.to_phone == FIXTURE_PHONE, OutboundMessage.kind == "receipt")).all() == ["sent"]

    _wait_for("sent the receipt SMS through its queued job", receipt_sent, proc, start_worker)
