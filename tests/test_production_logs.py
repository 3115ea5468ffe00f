"""The real ``gunicorn wsgi:app`` in production: no log line carries ``CHANNEL_TOKEN``, no
answer names the server software, and answers carry HSTS.

Break 3 of issue 14: gunicorn wrote the raw request line of a malformed request ("Invalid
HTTP request line: 'GET /channels/ussd?token=…'") and, when a worker was killed by its
timeout in the middle of a request, "Error handling request POST
/channels/sms/inbound?token=…" with the traceback, so the log held the secret every
operator callback carries. The test starts gunicorn as deployed (its own port, a fresh
database), sends malformed requests and real callbacks, and greps the whole output (error
log, access log, application log) for the token. With the sync worker class (an operator
may choose it: ``-k sync``) and a 1-second timeout given on the command line, a client
sends a callback's headers and stalls its body, so the worker is killed mid-request, as a
slow request is in production. (The deployed gthread worker is not killed by one stalled
request: its main thread keeps beating.) Nothing here is a test-only route.
"""
from __future__ import annotations

import secrets
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import fresh_database
from tests.production_env import production_environ
from tests.redis_support import REDIS_URL, needs_redis
from tests.test_production_server import BIN, ROOT, free_port, process_env, wait_until_serving

TOKEN = secrets.token_hex(24)  # hex: no word Daraja refuses


def _raw(port: int, data: bytes, *, stall: bool = False) -> socket.socket:
    """Send ``data`` as is; with ``stall`` keep the connection open (the body never comes)."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(data)
    if not stall:
        try:
            conn.recv(4096)
        except OSError:
            pass
        conn.close()
    return conn


def _wait_for(log: Path, *needles: str, deadline_seconds: float = 60) -> str:
    """The log once it holds every needle (bounded polling, no fixed sleep)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if all(needle in text for needle in needles):
            return text
        time.sleep(0.1)  # polling interval only; the assertion never depends on it
    pytest.fail(f"the log never showed {needles}:\n{log.read_text(errors='replace')}")


@pytest.mark.postgres_only
@needs_redis
@pytest.mark.parametrize("worker_class", ["gthread", "sync"])
def test_no_log_line_carries_the_channel_token(tmp_path, worker_class):
    port = free_port()
    with fresh_database(tmp_path, prefix="safiri_logs") as database_url:
        env = process_env(**production_environ(DATABASE_URL=database_url, REDIS_URL=REDIS_URL,
                                               CHANNEL_TOKEN=TOKEN),
                          HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="1", HOME=str(tmp_path))
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=300)
        log = tmp_path / "gunicorn.log"
        with log.open("w") as out:
            options = ["--worker-class", "sync", "--threads", "1", "--timeout", "1"] if worker_class == "sync" else []
            process = subprocess.Popen([str(BIN / "gunicorn"), *options, "wsgi:app"], cwd=ROOT, env=env,
                                       stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        stalled = None
        try:
            wait_until_serving(process, f"{base}/healthz", log)
            # A callback the application refuses and logs (a wrong token), and one it serves.
            for token in ("wrong-" + TOKEN[:8], TOKEN):
                request = urllib.request.Request(f"{base}/channels/sms/delivery?token={token}", data=b"id=x",
                                                 method="POST")
                try:
                    urllib.request.urlopen(request, timeout=10).read()
                except urllib.error.HTTPError:
                    pass
            # Malformed requests: gunicorn answers them itself and logs why.
            for line in (f"GET /channels/ussd?token={TOKEN} HTTP/1.1 extra", f"GET /channels/ussd?token={TOKEN}",
                         f"GET /channels/ussd?token={TOKEN}\x00 HTTP/1.1", f"BREW\t/channels/ussd?token={TOKEN} HTTP/1.1"):
                _raw(port, f"{line}\r\nHost: x\r\n\r\n".encode())
            _wait_for(log, "Invalid HTTP request line")
            if worker_class == "sync":
                # A callback whose body never comes: the worker is killed by its timeout mid-request.
                stalled = _raw(port, (f"POST /channels/sms/inbound?token={TOKEN} HTTP/1.1\r\nHost: x\r\n"
                                      "Content-Type: application/x-www-form-urlencoded\r\n"
                                      "Content-Length: 400\r\n\r\nfrom=%2B2547").encode(), stall=True)
                _wait_for(log, "WORKER TIMEOUT", "Error handling request")
                wait_until_serving(process, f"{base}/healthz", log)  # a new worker took over
            with urllib.request.urlopen(f"{base}/healthz", timeout=10) as answer:
                server = answer.headers.get("Server", "")
                hsts = answer.headers.get("Strict-Transport-Security")
        finally:
            if stalled is not None:
                stalled.close()
            process.terminate()
            process.wait(timeout=30)
    text = log.read_text(errors="replace")
    leaked = [line for line in text.splitlines() if TOKEN in line]
    assert not leaked, "the token is in the log:\n" + "\n".join(leaked)
    assert "Invalid HTTP request line: 'GET /channels/ussd?token=[redacted]'" in text  # still says what failed
    if worker_class == "sync":
        assert "Error handling request POST /channels/sms/inbound?token=[redacted]" in text
    assert "gunicorn" not in server.lower(), server
    assert hsts == "max-age=31536000; includeSubDomains"  # production: never plain HTTP again
