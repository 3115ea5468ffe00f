"""Periodic sweeps: the safety net under callbacks that arrive late or never.

- expired seat holds are released (a hold also stops blocking as soon as it is past its
  expiry, because every new hold expires stale ones first; the sweep tidies the rest and
  expires unpaid orders);
- STK pushes whose callback never came are settled by Daraja's STK query;
- SMS left queued (a crash between commit and send) are sent;
- USSD session rows nobody can resume are deleted.

``flask --app wsgi sweep`` runs them once (cron, or by hand in development). The RQ worker
runs a scheduler thread that enqueues each sweep at its interval; a Redis ``SET NX EX``
lock per sweep makes sure several workers enqueue it once per interval, not once each.
"""
from __future__ import annotations

import logging
import threading
import time

from app.jobs import _resolve

log = logging.getLogger(__name__)

# (job function, interval in seconds)
SWEEPS: list[tuple[str, int]] = [
    ("app.booking.jobs:expire_holds", 60),
    ("app.payments.jobs:poll_pending_stk", 60),
    ("app.messaging.service:send_stuck_messages", 300),
    ("channels.ussd.store:purge_stale_sessions", 3600),
]


def run_all_once() -> dict[str, str]:
    """Run every sweep now, each in its own transaction; one failing does not stop the rest."""
    from app.extensions import db

    outcome = {}
    for func_path, _ in SWEEPS:
        try:
            result = _resolve(func_path)()
            db.session.commit()
            outcome[func_path] = f"ok {result if result is not None else ''}".strip()
        except Exception as exc:  # reported, and the next sweep still runs
            db.session.rollback()
            log.exception("sweep %s failed", func_path)
            outcome[func_path] = f"failed: {exc.__class__.__name__}"
    return outcome


def start_scheduler(app, stop: threading.Event | None = None, tick_seconds: float = 5.0) -> threading.Thread:
    """Enqueue each sweep on its interval from a daemon thread of the worker process."""
    from redis import Redis

    from app.jobs import enqueue

    redis = Redis.from_url(app.config["REDIS_URL"])
    stop = stop or threading.Event()

    def loop():
        while not stop.is_set():
            for func_path, interval in SWEEPS:
                if redis.set(f"safiri:sweep:{func_path}", "1", nx=True, ex=interval):
                    with app.app_context():
                        enqueue(func_path, job_id=f"sweep-{func_path.replace(':', '-')}-{int(time.time()) // interval}")
            stop.wait(tick_seconds)

    thread = threading.Thread(target=loop, name="sweep-scheduler", daemon=True)
    thread.start()
    return thread
