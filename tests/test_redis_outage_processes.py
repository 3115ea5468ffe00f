"""Redis goes away under the real processes, and comes back.

The Procfile topology with production settings: gunicorn (``gunicorn wsgi:app``), the RQ
worker with its scheduler (``flask --app wsgi worker``), a redis-server of the test's own
on a free port (the shared one is never touched), PostgreSQL, and a stand-in for Africa's
Talking on loopback. Redis is stopped while the worker is in the middle of sending an SMS
(the moment that used to end the worker for good). Then:

- committed work answers 2xx, never 500: a wallet payment, a cancellation with its refund,
  an STK callback, a Paybill confirmation; an idempotent retry gets the same answer;
  sign-in codes are still given;
- Redis comes back: ``/healthz`` says the scheduler is stale while no worker ticks (the
  worker is held still, SIGSTOP, to look at that moment), then fresh once it runs again;
  the same worker process reconnects by itself and sends every SMS the outage left queued.

Every wait polls for an outcome until a deadline; nothing sleeps a fixed time.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from redis import Redis
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app import create_app
from app.auth.tokens import issue_access_token
from app.booking.service import create_order
from app.database import utcnow
from app.extensions import db
from app.messaging.models import OutboundMessage
from app.payments.models import Payment
from tests import factories
from tests.conftest import fresh_database, test_config
from tests.fixtures import load_fixture
from tests.payments.helpers import FIXTURE_PHONE, fund_wallet
from tests.production_env import production_environ
from tests.test_production_server import process_env

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEADLINE_S = 90
TOKEN = "c" * 40  # production_environ's CHANNEL_TOKEN

pytestmark = [
    pytest.mark.postgres_only,  # production refuses SQLite
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def os_port() -> int:
    """A free loopback port chosen by the OS (random, unlike the shared test range that
    other test runs on this machine walk through in order)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakeAfricasTalking:
    """Africa's Talking's SMS endpoint on loopback; ``hold_next()`` keeps the next send
    waiting (the worker busy) until ``release()``."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []
        self._hold = threading.Event()
        self.holding = threading.Event()
        self._go = threading.Event()
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-at", daemon=True)

    def hold_next(self):
        self._go.clear()
        self._hold.set()

    def release(self):
        self._go.set()

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        if request.path != "/version1/messaging" or "to" not in form:
            return Response("not found", status=404)
        if self._hold.is_set():
            self._hold.clear()
            self.holding.set()
            self._go.wait(DEADLINE_S)
        self.sent.append((form["to"], form.get("message", "")))
        body = copy.deepcopy(load_fixture("africastalking/sms_send_response.json"))
        body["SMSMessageData"]["Recipients"][0].update(number=form["to"], messageId=f"ATXid_{len(self.sent)}")
        return Response(json.dumps(body), status=201, mimetype="application/json")


class PrivateRedis:
    """A redis-server of this test's own on ``port``, started and stopped at will (no data kept)."""

    def __init__(self, port: int, log: Path):
        self.port, self.log, self.proc = port, log, None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no"], stdout=out, stderr=subprocess.STDOUT)
        until(lambda: _redis_pings(self.port), f"redis-server on {self.port} answers", log=self.log)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None


def _redis_pings(port: int) -> bool:
    try:
        return bool(Redis(port=port, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def until(check, what: str, log: Path | None = None, procs: tuple = ()):
    """Poll ``check`` until it is true or the deadline passes; fail if a process died."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        for proc, name, proc_log in procs:
            assert proc.poll() is None, f"{name} exited ({proc.returncode}):\n{proc_log.read_text()[-6000:]}"
        time.sleep(0.2)  # the pause between two polls, not a timing assumption
    pytest.fail(f"not within {DEADLINE_S}s: {what}" + (f"\n{log.read_text()[-6000:]}" if log else ""))


def call(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, {**json.loads(response.read() or b"{}"), **_replayed(response)}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _replayed(response) -> dict:
    return {"_replayed": True} if response.headers.get("Idempotent-Replayed") == "true" else {}


def _health(base: str) -> dict:
    try:
        return call("GET", f"{base}/healthz")[1]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return {}


def _seed(settings: dict) -> dict:
    """The database's schema and what the requests act on; answers ids and tokens."""
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        world = factories.build_world()
        world.fares[("NBO", "ELD", "standard")].amount = 100  # KES 1: the STK and Paybill fixtures' amount
        db.session.commit()
        journey = dict(trip_id=world.trip.id, origin_stop_id=world.nairobi.id, destination_stop_id=world.eldoret.id)
        standard = [{"fare_class": "standard"}]
        to_pay = create_order(world.passenger, passengers=standard, **journey)
        pushed = create_order(world.passenger, passengers=standard, **journey)
        at_paybill = create_order(world.passenger, passengers=standard, **journey)
        db.session.add(Payment(
            order_id=pushed.id, user_id=world.passenger.id, purpose="order", method="mpesa_stk", provider="mpesa",
            amount=pushed.total_amount, currency="KES", phone=FIXTURE_PHONE, status="pending",
            provider_ref=load_fixture("mpesa/stk_push_response.json")["CheckoutRequestID"],
            next_poll_at=utcnow() + timedelta(hours=1)))  # the callback settles it, not the poller
        db.session.commit()
        fund_wallet(world.passenger, 500000)
        seeded = {"to_pay": to_pay.id, "pushed": pushed.id, "paybill_code": at_paybill.code,
                  "auth": {"Authorization": f"Bearer {issue_access_token(world.passenger)}"}}
        db.session.remove()
        db.engine.dispose()
    return seeded


def _outage_requests(base: str, api: str, seeded: dict) -> None:
    """What passengers and operators do while Redis is down: all of it answers as it committed."""
    auth = seeded["auth"]
    paying = {**auth, "Idempotency-Key": "outage-pay"}
    paid = call("POST", f"{api}/orders/{seeded['to_pay']}/payments", {"method": "wallet"}, paying)
    assert paid[0] == 202 and paid[1]["status"] == "succeeded", paid
    again = call("POST", f"{api}/orders/{seeded['to_pay']}/payments", {"method": "wallet"}, paying)
    assert again == (202, {**paid[1], "_replayed": True})
    cancelling = {**auth, "Idempotency-Key": "outage-cancel"}
    cancelled = call("POST", f"{api}/orders/{seeded['to_pay']}/cancel", {}, cancelling)
    assert cancelled[0] == 200 and cancelled[1]["refund"]["amount"] > 0, cancelled
    again = call("POST", f"{api}/orders/{seeded['to_pay']}/cancel", {}, cancelling)
    assert again == (200, {**cancelled[1], "_replayed": True})
    accepted = (200, {"ResultCode": 0, "ResultDesc": "Accepted"})
    assert call("POST", f"{base}/channels/mobile-money/stk?token={TOKEN}",
                load_fixture("mpesa/stk_callback_success.json")) == accepted
    paybill = dict(load_fixture("mpesa/c2b_confirmation.json"), BillRefNumber=seeded["paybill_code"], TransAmount="1")
    assert call("POST", f"{base}/channels/mobile-money/c2b/confirmation?token={TOKEN}", paybill) == accepted
    for phone in ("+254766000002", "+254766000003"):
        assert call("POST", f"{api}/auth/otp", {"phone": phone})[0] == 202
    down = call("GET", f"{base}/healthz")
    assert down[0] == 503 and down[1]["down"] == ["redis"]


@contextmanager
def reading(settings: dict):
    """An app context on the test's database, to look at what the processes wrote."""
    app = create_app(settings)
    try:
        with app.app_context():
            yield
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()


def _messages() -> dict[int, tuple[str, str]]:
    db.session.remove()  # a fresh read each time
    return {mid: (kind, status) for mid, kind, status in db.session.execute(
        select(OutboundMessage.id, OutboundMessage.kind, OutboundMessage.status)).all()}


def test_redis_outage_loses_nothing_and_the_worker_comes_back_by_itself(tmp_path, tmp_path_factory):
    at = FakeAfricasTalking()
    at.thread.start()
    web_port, logs = os_port(), {name: tmp_path / f"{name}.log" for name in ("redis", "web", "worker")}
    redis = PrivateRedis(os_port(), logs["redis"])
    with fresh_database(tmp_path, prefix="safiri_outage") as database_url, ExitStack() as cleanup:
        cleanup.callback(at.server.server_close)
        cleanup.callback(at.server.shutdown)
        cleanup.callback(redis.stop)
        environ = production_environ(
            DATABASE_URL=database_url, REDIS_URL=f"redis://127.0.0.1:{redis.port}/0", AT_BASE_URL=at.url,
            MPESA_BASE_URL=at.url)  # nothing leaves the machine
        settings = test_config(database_url, tmp_path_factory, SECRET_KEY=environ["SECRET_KEY"])
        seeded = _seed(settings)
        env = process_env(**environ, HOST="127.0.0.1", PORT=str(web_port), WEB_CONCURRENCY="2",
                          HOME=str(tmp_path), PYTHONUNBUFFERED="1", SWEEP_INTERVAL_SECONDS="1",
                          SMS_STUCK_AFTER_SECONDS="1", WORKER_RECONNECT_MAX_SECONDS="1",
                          SCHEDULER_STALE_SECONDS="3")
        base, api = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{web_port}/api/v1"
        redis.start()
        procs = []
        for name, argv in (("web", [str(BIN / "gunicorn"), "wsgi:app"]),
                           ("worker", [sys.executable, "-m", "flask", "--app", "wsgi", "worker"])):
            with logs[name].open("w") as out:
                proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)  # its own group: gunicorn and RQ fork children
            cleanup.callback(_stop_group, proc)
            procs.append((proc, name, logs[name]))
        web, worker = procs[0][0], procs[1][0]
        watch = {"log": logs["worker"], "procs": tuple(procs)}
        until(lambda: _health(base).get("status") == "ok", "gunicorn serves and the scheduler ticks", **watch)

        # The worker is busy sending a sign-in code when Redis goes away.
        at.hold_next()
        assert call("POST", f"{api}/auth/otp", {"phone": "+254766000001"})[0] == 202
        until(at.holding.is_set, "the worker is sending the first SMS", **watch)
        redis.stop()
        at.release()
        _outage_requests(base, api, seeded)
        assert web.poll() is None

        with reading(settings):
            queued = {kind for kind, status in _messages().values() if status == "queued"}
            assert {"receipt", "ticket", "refund", "otp"} <= queued, _messages()
            assert db.session.get(Payment, seeded_payment(seeded)).status == "succeeded"  # the STK callback's

            # Redis is back; the worker is held still a moment: nothing ticks, and health says so.
            os.killpg(worker.pid, signal.SIGSTOP)
            try:
                redis.start()
                stale = call("GET", f"{base}/healthz")
                assert stale[0] == 200 and stale[1]["status"] == "degraded", stale
                assert stale[1]["checks"]["scheduler"] == "stale" and stale[1]["scheduler"]["last_tick"] is None
                assert call("GET", f"{base}/healthz/worker")[0] == 503
            finally:
                os.killpg(worker.pid, signal.SIGCONT)

            # The same worker process reconnects by itself: fresh ticks, and every SMS leaves.
            until(lambda: _health(base).get("status") == "ok", "the scheduler ticks again", **watch)
            assert call("GET", f"{base}/healthz/worker")[0] == 200
            before = len(_messages())
            assert call("POST", f"{api}/auth/otp", {"phone": "+254766000004"})[0] == 202  # queued at once again
            until(lambda: len(_messages()) > before and all(s == "sent" for _, s in _messages().values()),
                  "every SMS written during and after the outage was sent", **watch)
            numbers = {to for to, _ in at.sent}
            assert {"+254766000001", "+254766000002", "+254766000003", "+254766000004", FIXTURE_PHONE} <= numbers
            assert worker.poll() is None  # it never exited; nobody restarted it
        assert "Traceback" not in logs["web"].read_text(), logs["web"].read_text()[-4000:]


def seeded_payment(seeded: dict) -> int:
    return db.session.scalar(select(Payment.id).where(Payment.order_id == seeded["pushed"]))


def _stop_group(proc: subprocess.Popen) -> None:
    """Stop a process we started and everything in its group (RQ's work horse and scheduler)."""
    for sig in (signal.SIGCONT, signal.SIGTERM):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)
