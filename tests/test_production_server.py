"""The real production commands: ``gunicorn wsgi:app`` and ``flask --app wsgi …`` as deployed.

An unsafe environment must end the process with one line naming the setting (no
traceback, no respawning workers); a complete one must serve. Both run the processes a
Procfile runs, in a subprocess with a minimal environment.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from redis import Redis

from app.jobs.periodic import TICK_KEY
from tests.conftest import fresh_database
from tests.production_env import production_environ
from tests.redis_support import REDIS_URL, needs_redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORTS = range(18100, 18200)  # this project's test ports


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS}")


def process_env(**settings: str) -> dict[str, str]:
    """Only what a deploy sets: nothing leaks in from the developer's shell."""
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/tmp")}
    env.update(settings)
    return env


def unsafe_environ(port: int) -> dict[str, str]:
    return process_env(**production_environ(SECRET_KEY="x"), HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="1")


def test_gunicorn_refuses_an_unsafe_production_with_one_line():
    result = subprocess.run([str(BIN / "gunicorn"), "wsgi:app"], cwd=ROOT, env=unsafe_environ(free_port()),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "refusing to start: SECRET_KEY must be at least 32 characters (APP_ENV=production)"]


@pytest.mark.parametrize("command", [["worker"], ["db", "upgrade"]])
def test_flask_commands_and_the_worker_refuse_with_one_line(command):
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT,
                            env=unsafe_environ(free_port()), capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "refusing to start: SECRET_KEY must be at least 32 characters (APP_ENV=production)"]


def test_gunicorn_reports_every_problem_at_once():
    env = unsafe_environ(free_port())
    env.update(CHANNEL_TOKEN="a", TICKET_SIGNING_KEYS="not-a-key")
    del env["REDIS_URL"], env["AT_API_KEY"], env["MPESA_PASSKEY"]
    result = subprocess.run([str(BIN / "gunicorn"), "wsgi:app"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    named = [line.split()[3] for line in result.stderr.splitlines()]
    assert named == ["SECRET_KEY", "CHANNEL_TOKEN", "TICKET_SIGNING_KEYS", "REDIS_URL", "MPESA_PASSKEY", "AT_API_KEY"]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_serving(process: subprocess.Popen, url: str, log: Path, deadline_seconds: float = 120) -> None:
    """Poll until gunicorn answers, it dies, or the deadline passes (bounded, no fixed sleep)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        try:
            if get(url)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        try:
            process.wait(timeout=0.2)  # the pause between attempts, and it notices a crash
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
    pytest.fail(f"gunicorn did not answer {url} within {deadline_seconds}s:\n{log.read_text()}")


@pytest.mark.postgres_only
@needs_redis
def test_gunicorn_serves_a_complete_production_environment(tmp_path):
    port = free_port()
    with fresh_database(tmp_path, prefix="safiri_prod") as database_url:
        env = process_env(**production_environ(DATABASE_URL=database_url, REDIS_URL=REDIS_URL),
                          HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="1",
                          HOME=str(tmp_path))  # gunicorn's control socket: $HOME/.gunicorn/
        log = tmp_path / "gunicorn.log"
        with log.open("w") as out:
            process = subprocess.Popen([str(BIN / "gunicorn"), "wsgi:app"], cwd=ROOT, env=env,
                                       stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(process, f"{base}/healthz", log)
            Redis.from_url(REDIS_URL).delete(TICK_KEY)  # no worker runs in this test
            status, body = get(f"{base}/healthz")
            assert status == 200 and json.loads(body) == {
                "status": "degraded", "checks": {"database": "ok", "redis": "ok", "scheduler": "stale"},
                "scheduler": {"status": "stale", "last_tick": None, "age_seconds": None}}
            status, body = get(f"{base}/api/openapi.json")
            assert status == 200 and json.loads(body)["openapi"].startswith("3.")
            assert get(f"{base}/dev/outbox")[0] == 404  # development pages are not mounted
            assert "refusing" not in log.read_text()
        finally:
            process.terminate()
            process.wait(timeout=30)
        assert process.returncode == 0  # a clean shutdown on SIGTERM
