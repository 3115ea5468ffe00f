"""Periodic sweeps: the safety net under callbacks that arrive late or never.

- expired seat holds are released (a hold also stops blocking as soon as it is past its
  expiry, because every new hold expires stale ones first; the sweep tidies the rest and
  expires unpaid orders);
- STK pushes whose callback never came are settled by Daraja's STK query, with backoff,
  and expired after a bounded time (``app.sales.confirming.poll_pending_stk`` over
  ``app.payments.jobs``); pushes a killed worker left ``initiated`` are taken up after a
  short grace (``stuck-stk``);
- refunds owed to M-Pesa get their payout, and payouts whose B2C or reversal result never
  came are asked about (Transaction Status) before anything is sent again (``app.payouts.jobs``);
- SMS left queued (a crash between commit and send) are sent;
- tickets whose validity window has closed are recorded ``expired`` (``app.ticketing.states``);
- Paybills registered for Daraja's Pull Transactions are pulled, and a payment whose
  confirmation never came is applied as a late one (``app.reconciliation.pulling``);
- USSD session rows nobody can resume are deleted (registered by the channels).

``flask --app wsgi sweep`` runs them once (cron, or by hand in development). The RQ worker
(``flask --app wsgi worker``) runs a scheduler thread that enqueues each sweep at its
interval; a Redis ``SET NX PX`` lock per sweep makes sure several workers enqueue it once
per interval, not once each. ``SWEEP_INTERVAL_SECONDS`` (default 60) is the interval of the
frequent sweeps; the slower ones run at fixed multiples of it (see ``SWEEPS``), so a test
or a demo can speed every sweep up with one setting.

Each sweep names its queue: the money sweeps (holds, STK polling, anything that settles a
payment) go to ``money``, which every worker takes first, so they never wait behind an SMS
backlog on ``default``. A new sweep that resolves payments declares ``queue=MONEY_QUEUE``.

Each tick that reached Redis is recorded (``safiri:scheduler:tick``, the time); ``/healthz``
reads it to tell a running scheduler from a dead or disconnected worker.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import NamedTuple

from redis import Redis, RedisError

from app.jobs import DEFAULT_QUEUE, MONEY_QUEUE, enqueue, job_id, run_job

log = logging.getLogger(__name__)

#: Where the scheduler records its last tick (seconds since the epoch, as text).
TICK_KEY = "safiri:scheduler:tick"


class Sweep(NamedTuple):
    name: str  # short, RQ-safe: the job id and the Redis lock are built from it
    func_path: str
    every: int  # multiples of SWEEP_INTERVAL_SECONDS
    queue: str = DEFAULT_QUEUE  # MONEY_QUEUE for sweeps that move or settle money


SWEEPS: list[Sweep] = [
    Sweep("expire-holds", "app.booking.jobs:expire_holds", 1, queue=MONEY_QUEUE),
    Sweep("poll-stk", "app.sales.confirming:poll_pending_stk", 1, queue=MONEY_QUEUE),
    Sweep("stuck-stk", "app.payments.jobs:resolve_stuck_pushes", 1, queue=MONEY_QUEUE),
    Sweep("payouts", "app.payouts.jobs:sweep_payouts", 1, queue=MONEY_QUEUE),
    Sweep("stuck-sms", "app.messaging.service:send_stuck_messages", 5),
    Sweep("expire-tickets", "app.ticketing.states:expire_tickets", 5),
    # Paybill payments whose confirmation never came, from Daraja's Pull Transactions.
    Sweep("pull-c2b", "app.reconciliation.pulling:pull_transactions", 5, queue=MONEY_QUEUE),
]  # components add theirs with ``register_sweep`` (the channels: stale USSD sessions)


def register_sweep(sweep: Sweep) -> None:
    """Add a component's sweep (idempotent by name): the app never imports its code."""
    if all(existing.name != sweep.name for existing in SWEEPS):
        SWEEPS.append(sweep)


def sweep_intervals(config) -> dict[str, float]:
    """Seconds between two runs of each sweep, from ``SWEEP_INTERVAL_SECONDS``."""
    base = float(config.get("SWEEP_INTERVAL_SECONDS") or 60)
    if base <= 0:
        raise ValueError("SWEEP_INTERVAL_SECONDS must be positive")
    return {sweep.name: base * sweep.every for sweep in SWEEPS}


def run_all_once() -> dict[str, str]:
    """Run every sweep now, each as the job runner runs it (``run_job``: its own transaction,
    rolled back when it fails); one failing does not stop the rest."""
    outcome = {}
    for func_path in [sweep.func_path for sweep in SWEEPS]:
        try:
            result = run_job(func_path)
            outcome[func_path] = f"ok {result if result is not None else ''}".strip()
        except Exception as exc:  # reported, and the next sweep still runs
            log.exception("sweep %s failed", func_path)
            outcome[func_path] = f"failed: {exc.__class__.__name__}"
    return outcome


def enqueue_due_sweeps(app, redis, now: float | None = None) -> list[str]:
    """Enqueue every sweep whose interval has passed; returns the job ids enqueued.

    The Redis lock (``SET NX PX``) is what makes "once per interval" hold across workers;
    the job id (sweep name and interval slot) says in the worker's log which run it was.
    """
    now = time.time() if now is None else now
    enqueued = []
    for sweep in SWEEPS:
        interval = sweep_intervals(app.config)[sweep.name]
        if not redis.set(f"safiri:sweep:{sweep.name}", "1", nx=True, px=max(1, int(interval * 1000))):
            continue
        jid = job_id("sweep", sweep.name, int(now // interval))
        with app.app_context():
            enqueue(sweep.func_path, job_id=jid, queue=sweep.queue)
        enqueued.append(jid)
    redis.set(TICK_KEY, f"{now:.3f}")
    return enqueued


def last_tick(redis) -> float | None:
    """When the scheduler last reached Redis (epoch seconds), or None if never since Redis started."""
    raw = redis.get(TICK_KEY)
    return float(raw) if raw else None


def start_scheduler(app, stop: threading.Event | None = None, tick_seconds: float | None = None) -> threading.Thread:
    """Enqueue each sweep on its interval from a daemon thread of the worker process.

    One failed round (Redis restarting, a bad job) is logged and the next tick tries
    again: the thread must outlive any single error, or sweeps silently stop. Redis being
    away is logged once when it goes and once when it is back, not at every tick.
    """
    redis = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5, socket_timeout=10)
    stop = stop or threading.Event()
    if tick_seconds is None:
        tick_seconds = min(5.0, max(0.1, min(sweep_intervals(app.config).values()) / 4))

    def loop():
        unreachable = False
        while not stop.is_set():
            try:
                enqueue_due_sweeps(app, redis)
                if unreachable:
                    log.info("sweep scheduler: Redis is back")
                unreachable = False
            except RedisError as exc:
                if not unreachable:
                    log.warning("sweep scheduler: Redis unreachable (%s); trying every %ss",
                                type(exc).__name__, tick_seconds)
                unreachable = True
            except Exception:
                log.exception("sweep scheduler: enqueueing failed; retrying in %ss", tick_seconds)
            stop.wait(tick_seconds)

    thread = threading.Thread(target=loop, name="sweep-scheduler", daemon=True)
    thread.start()
    return thread
