"""A slow Daraja against the real web process: ``gunicorn wsgi:app`` with production settings.

The Daraja stand-in is a tiny HTTP server on loopback (``MPESA_BASE_URL`` points at it; the
web process is another process, ``responses`` cannot reach it). It answers OAuth at once and
holds every STK push without answering until the test ends, so the web process's read
timeout always comes first. Shown with one worker process (``WEB_CONCURRENCY=1``):

- while that push is held, other requests are answered (the push holds a thread, not the
  worker): they complete before the payment request does;
- the payment answers ``pending`` and tells the passenger to wait for the prompt;
- the STK callback Daraja then sends (to the CallBackURL it was handed) settles it: paid,
  a ticket issued, nothing parked.

Outcomes and the order in which things happened are asserted, never durations.
"""
from __future__ import annotations

import json
import subprocess
import threading
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app import create_app
from app.booking.models import Order
from app.booking.service import create_order
from app.extensions import db, unit_of_work
from app.payments.models import ParkedCallback, Payment
from app.ticketing.models import Ticket
from tests import factories
from tests.conftest import fresh_database, test_config
from tests.fixtures import load_fixture
from tests.production_env import production_environ
from tests.redis_support import REDIS_URL, needs_redis
from tests.test_production_server import BIN, ROOT, free_port, process_env, wait_until_serving

PATIENCE_S = 60  # an upper bound for anything to happen, never a duration asserted


class SlowDaraja:
    """OAuth answered at once; an STK push is held unanswered until ``release``."""

    def __init__(self):
        self.pushes: list[dict] = []
        self.push_arrived = threading.Event()
        self.release = threading.Event()
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="slow-daraja", daemon=True)

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        if request.path == "/oauth/v1/generate":
            return _json(load_fixture("mpesa/oauth_response.json"))
        if request.path == "/mpesa/stkpush/v1/processrequest":
            self.pushes.append(request.get_json())
            self.push_arrived.set()
            self.release.wait(PATIENCE_S)  # Daraja took the request... and answers too late
            return _json(load_fixture("mpesa/stk_push_response.json"))
        return _json({"errorCode": "404.001.01", "errorMessage": "Resource not found"}, status=404)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _json(payload, status=200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def call(method: str, url: str, body=None, headers=None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE_S) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def database(tmp_path, tmp_path_factory):
    """A database of the test's own with its schema, a KES 1 fare and an unpaid order."""
    with fresh_database(tmp_path, prefix="safiri_slow") as url:
        app = create_app(test_config(url, tmp_path_factory, SECRET_KEY=production_environ()["SECRET_KEY"]))
        with app.app_context():
            db.create_all()
            world = factories.build_world()
            world.fares[("NBO", "ELD", "standard")].amount = 100  # KES 1: what the callback fixture pays
            db.session.commit()
            order = unit_of_work(lambda: create_order(  # as the hold use case does: committed
                world.passenger, passengers=[{"fare_class": "standard"}], trip_id=world.trip.id,
                origin_stop_id=world.nairobi.id, destination_stop_id=world.eldoret.id))
            yield url, order.id, factories.auth_headers(world.passenger)
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def empty_queues():
    """The web process queues SMS jobs in Redis (no worker runs here): leave none behind."""
    yield
    connection = Redis.from_url(REDIS_URL)
    for queue in Queue.all(connection=connection):
        queue.empty()


@pytest.mark.postgres_only
@needs_redis
def test_a_slow_push_holds_one_thread_stays_open_and_its_callback_settles_it(tmp_path, database, empty_queues):
    database_url, order_id, headers = database
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    with SlowDaraja() as daraja:
        env = process_env(**production_environ(DATABASE_URL=database_url, REDIS_URL=REDIS_URL,
                                               MPESA_BASE_URL=daraja.url),
                          HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="1", HOME=str(tmp_path))
        with log.open("w") as out:
            process = subprocess.Popen([str(BIN / "gunicorn"), "wsgi:app"], cwd=ROOT, env=env,
                                       stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until_serving(process, f"{base}/healthz", log)
            paid: dict = {}
            paying = threading.Thread(target=lambda: paid.update(answer=call(
                "POST", f"{base}/api/v1/orders/{order_id}/payments", {"method": "mpesa", "phone": "0708374149"},
                headers)))
            paying.start()
            assert daraja.push_arrived.wait(PATIENCE_S), log.read_text()

            # The push is in flight (Daraja holds it): the one worker still answers others.
            assert call("GET", f"{base}/healthz")[0] == 200
            status, order = call("GET", f"{base}/api/v1/orders/{order_id}", headers=headers)
            assert status == 200 and order["status"] == "pending_payment"
            assert paying.is_alive(), "the payment request ended before the others were served"

            paying.join(PATIENCE_S)
            status, payment = paid["answer"]
            assert status == 202, payment
            assert payment["status"] == "pending" and "Enter your M-Pesa PIN when the prompt comes" in payment[
                "message"]

            # Daraja did prompt the phone; the passenger paid; Daraja calls the URL it was handed.
            callback = urlsplit(daraja.pushes[0]["CallBackURL"])
            status, answer = call("POST", f"{base}{callback.path}?{callback.query}",
                                  load_fixture("mpesa/stk_callback_success.json"))
            assert (status, answer) == (200, {"ResultCode": 0, "ResultDesc": "Accepted"})
            status, settled = call("GET", f"{base}/api/v1/payments/{payment['id']}", headers=headers)
            assert settled["status"] == "succeeded" and settled["receipt"] == "NLJ7RT61SV"
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert "Traceback" not in log.read_text()
    db.session.remove()
    assert db.session.get(Order, order_id).status == "paid"
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.order_id == order_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(ParkedCallback)) == 0
    assert db.session.scalar(select(Payment.provider_ref)) == load_fixture(
        "mpesa/stk_push_response.json")["CheckoutRequestID"]
